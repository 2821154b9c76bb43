"""Rasa's token never reaches API answers or logs, with Rasa really unreachable."""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from handoff.app import create_app
from handoff.auth import hash_password
from handoff.desk import Escalation
from handoff.errors import RasaUnavailable
from handoff.rasa import RasaClient
from handoff.store import Store
from scripts.stack import free_port
from tests.handoff.conftest import Clock, make_desk

TOKEN = "rasa-secret-7f3a9c"
PASSWORD = "a long password"


def closed_rasa() -> RasaClient:
    """A client of a Rasa on a port where nothing listens."""
    return RasaClient(f"http://127.0.0.1:{free_port()}", token=TOKEN, timeout=2.0)


def test_an_unreachable_rasa_error_holds_no_token() -> None:
    with pytest.raises(RasaUnavailable) as caught:
        closed_rasa().tracker("c1")
    shown = "".join(traceback.format_exception(caught.value))
    assert "does not answer" in shown
    assert TOKEN not in shown and not caught.value.reachable


def test_a_claim_with_rasa_unreachable_answers_503_without_the_token(
    store: Store, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    store.add_agent("anna", hash_password(PASSWORD))
    desk = make_desk(store, closed_rasa(), clock, when_no_agent_online="queue")  # type: ignore[arg-type]
    ticket_id = desk.escalate(Escalation("c1", "rest", "fi", "explicit_request")).ticket_id
    caplog.set_level(logging.DEBUG)
    with TestClient(
        create_app(desk.settings, desk, background=False), base_url="https://testserver"
    ) as client:
        login = client.post("/api/login", json={"name": "anna", "password": PASSWORD})
        client.headers["X-CSRF-Token"] = login.json()["csrf_token"]
        response = client.post(f"/api/conversations/{ticket_id}/claim")
    assert response.status_code == 503
    assert "does not answer" in response.json()["detail"]
    assert TOKEN not in response.text
    assert TOKEN not in caplog.text
    assert store.ticket(ticket_id).status == "queued"  # the claim was undone


def test_the_sync_loop_logs_an_unreachable_rasa_without_the_token(
    store: Store, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    desk = make_desk(store, closed_rasa(), clock, when_no_agent_online="queue")  # type: ignore[arg-type]
    desk.escalate(Escalation("c1", "rest", "fi", "explicit_request"))
    caplog.set_level(logging.DEBUG)
    with TestClient(create_app(desk.settings, desk, background=True)):
        assert wait_for(lambda: "does not answer" in caplog.text)
    assert TOKEN not in caplog.text


def test_an_unreachable_rasa_is_logged_once_not_on_every_pass(
    store: Store, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    desk = make_desk(store, closed_rasa(), clock, when_no_agent_online="queue")  # type: ignore[arg-type]
    desk.escalate(Escalation("c1", "rest", "fi", "explicit_request"))
    caplog.clear()  # the escalation's own warning (no earlier transcript) is not the subject
    caplog.set_level(logging.INFO)
    for _ in range(3):
        desk.sync_from_rasa()
    assert len([r for r in caplog.records if "does not answer" in r.getMessage()]) == 1


def wait_for(condition: Callable[[], bool], deadline: float = 30.0) -> bool:
    """Poll ``condition`` until it holds or ``deadline`` seconds passed."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return condition()
