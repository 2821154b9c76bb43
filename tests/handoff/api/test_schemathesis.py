"""Generated requests against the handoff API's own OpenAPI document (schemathesis).

Every operation gets examples that fit the schema and examples that do not, sent once without
a session and once as a logged-in agent: none may crash the service or answer 5xx, and every
4xx must say what was wrong (``detail``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from starlette.testclient import TestClient

from handoff.app import create_app
from handoff.auth import LoginThrottle
from handoff.desk import HandoffDesk
from tests.handoff.api.conftest import BASE_URL, PASSWORD, escalate

EXAMPLES = 10  # per operation and mode; about a minute for the whole API


@pytest.fixture
def api(desk: HandoffDesk) -> Any:
    """The app on a real database with open tickets (a generous throttle: the test logs in
    again whenever a generated logout ended the session)."""
    for conversation in ("c1", "c2", "c3"):
        escalate(desk, conversation)
    app = create_app(desk.settings, desk, background=False)
    app.state.throttle = LoginThrottle(free=10**9, per_client=10**9)
    return app


@pytest.fixture
def agent(api: Any) -> Iterator[TestClient]:
    with TestClient(api, base_url=BASE_URL) as client:
        yield client


def _clear_client_error(_ctx: Any, response: Any, _case: Any) -> bool | None:
    """A 4xx answer says what was wrong, as JSON ``{"detail": ...}``."""
    if 400 <= response.status_code < 500:
        detail = response.json().get("detail")
        assert detail, f"{response.status_code} without a detail: {response.text[:200]}"
    return None


def _login_headers(agent: TestClient) -> dict[str, str]:
    session = agent.get("/api/session")
    if session.status_code != 200:
        session = agent.post("/api/login", json={"name": "anna", "password": PASSWORD})
    assert session.status_code == 200, session.text
    cookie = agent.cookies.get("faqbot_session")
    return {"Cookie": f"faqbot_session={cookie}", "X-CSRF-Token": session.json()["csrf_token"]}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_crash_no_5xx_and_clear_4xx(api: Any, agent: TestClient, mode: GenerationMode) -> None:
    checks = [not_a_server_error, _clear_client_error]
    operations = [
        result.ok()
        for result in schemathesis.openapi.from_asgi("/openapi.json", api).get_all_operations()
    ]
    assert len(operations) >= 12
    sent = 0
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case: Any) -> None:
            nonlocal sent
            case.call_and_validate(checks=checks, base_url=BASE_URL)
            case.call_and_validate(checks=checks, base_url=BASE_URL, headers=_login_headers(agent))
            sent += 2

        try:
            run()
        except Unsatisfiable:  # nothing to get wrong (no parameters, no body): positive covers it
            assert mode == GenerationMode.NEGATIVE, operation.label
    print(f"schemathesis {mode}: {len(operations)} operations, {sent} requests")
    assert sent >= 100
