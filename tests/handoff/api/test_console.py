"""Console login, throttling, session and the page's security headers."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from handoff.app import create_app
from handoff.auth import LoginThrottle
from handoff.config import load_handoff_settings
from handoff.desk import HandoffDesk
from tests.handoff.api.conftest import BASE_URL, PASSWORD

ATTACKER, AGENT_DESK = ("203.0.113.9", 40000), ("198.51.100.7", 40000)


class Seconds:
    """A settable monotonic clock for the throttle."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _login(client: TestClient, password: str = PASSWORD, name: str = "anna") -> int:
    return client.post("/api/login", json={"name": name, "password": password}).status_code


def test_login_cookie_is_httponly_and_strict(desk: HandoffDesk) -> None:
    with TestClient(create_app(desk.settings, desk, background=False)) as client:
        response = client.post("/api/login", json={"name": "anna", "password": PASSWORD})
        cookie = response.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie


@pytest.mark.parametrize(
    ("base_url", "headers", "secure"),
    [
        ("http://testserver", {}, True),  # a public name over plain http: still Secure
        ("https://127.0.0.1:8000", {}, True),
        ("http://127.0.0.1:8000", {"X-Forwarded-Proto": "https"}, True),  # behind a proxy
        ("http://127.0.0.1:8000", {}, False),  # make run on this machine
        ("http://localhost:8000", {}, False),
    ],
)
def test_session_cookie_is_secure_unless_plain_http_on_this_machine(
    desk: HandoffDesk, base_url: str, headers: dict[str, str], secure: bool
) -> None:
    app = create_app(desk.settings, desk, background=False)
    with TestClient(app, base_url=base_url) as client:
        body = {"name": "anna", "password": PASSWORD}
        response = client.post("/api/login", json=body, headers=headers)
        assert response.status_code == 200
        assert ("; secure" in response.headers["set-cookie"].lower()) is secure


@pytest.mark.parametrize(("value", "secure"), [("0", False), ("1", True), ("auto", True)])
def test_secure_cookies_setting_from_the_environment(
    desk: HandoffDesk, monkeypatch: pytest.MonkeyPatch, value: str, secure: bool
) -> None:
    monkeypatch.setenv("FAQBOT_HANDOFF_CONFIG", "/nonexistent/handoff.yml")
    monkeypatch.setenv("FAQBOT_SECURE_COOKIES", value)
    settings = load_handoff_settings().model_copy(
        update={"database_url": desk.settings.database_url}
    )
    with TestClient(create_app(settings, desk, background=False), base_url=BASE_URL) as client:
        response = client.post("/api/login", json={"name": "anna", "password": PASSWORD})
        assert ("; secure" in response.headers["set-cookie"].lower()) is secure


def test_logins_back_off_after_repeated_failures(desk: HandoffDesk) -> None:
    clock = Seconds()
    app = create_app(desk.settings, desk, background=False)
    app.state.throttle = LoginThrottle(clock)
    with TestClient(app, base_url=BASE_URL, client=ATTACKER) as client:
        assert [_login(client, "wrong password") for _ in range(6)] == [401] * 5 + [429]
        refused = client.post("/api/login", json={"name": "anna", "password": PASSWORD})
        assert refused.status_code == 429 and refused.headers["retry-after"] == "1"
        clock.now += 1
        assert _login(client, "wrong password") == 401
        assert (
            client.post("/api/login", json={"name": "anna", "password": PASSWORD}).headers[
                "retry-after"
            ]
            == "2"
        )  # each further failure doubles the wait
        clock.now += 2
        assert _login(client) == 200


def test_failed_logins_elsewhere_do_not_lock_the_agent_out(desk: HandoffDesk) -> None:
    app = create_app(desk.settings, desk, background=False)
    with TestClient(app, base_url=BASE_URL, client=ATTACKER) as attacker:
        codes = [_login(attacker, "guess number one") for _ in range(20)]
        assert 429 in codes and _login(attacker) == 429
    with TestClient(app, base_url=BASE_URL, client=AGENT_DESK) as agent:
        assert _login(agent) == 200


def test_one_address_guessing_many_names_is_limited(desk: HandoffDesk) -> None:
    app = create_app(desk.settings, desk, background=False)
    with TestClient(app, base_url=BASE_URL, client=ATTACKER) as attacker:
        codes = [_login(attacker, "guess", name=f"name{i}") for i in range(31)]
        assert codes == [401] * 30 + [429]
        assert _login(attacker, name="bertil") == 429  # a name it never tried
    with TestClient(app, base_url=BASE_URL, client=AGENT_DESK) as agent:
        assert _login(agent, name="bertil") == 200


def test_session_and_logout(anna: TestClient) -> None:
    assert anna.get("/api/session").json()["agent"] == "anna"
    assert anna.post("/api/logout").status_code == 204
    assert anna.get("/api/session").status_code == 401


def test_console_files_carry_security_headers(anna: TestClient) -> None:
    for path in ("/", "/static/console.js", "/api/session"):
        response = anna.get(path)
        assert response.status_code == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["x-frame-options"] == "DENY"
