"""Console login, throttling, session and the page's security headers."""

from __future__ import annotations

from fastapi.testclient import TestClient

from handoff.app import create_app
from handoff.desk import HandoffDesk
from tests.handoff.api.conftest import PASSWORD


def test_login_cookie_is_httponly_and_strict(desk: HandoffDesk) -> None:
    with TestClient(create_app(desk.settings, desk, background=False)) as client:
        response = client.post("/api/login", json={"name": "anna", "password": PASSWORD})
        cookie = response.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie


def test_logins_are_throttled_after_repeated_failures(desk: HandoffDesk) -> None:
    with TestClient(create_app(desk.settings, desk, background=False)) as client:
        codes = [
            client.post("/api/login", json={"name": "anna", "password": "wrong"}).status_code
            for _ in range(6)
        ]
        assert codes == [401] * 5 + [429]
        right = client.post("/api/login", json={"name": "anna", "password": PASSWORD})
        assert right.status_code == 429


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
