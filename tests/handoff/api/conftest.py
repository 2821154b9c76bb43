"""API fixtures: a desk on a real database with two agents, and logged-in clients."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from handoff.app import create_app
from handoff.auth import hash_password
from handoff.desk import Escalation, HandoffDesk
from handoff.store import Store
from tests.handoff.conftest import Clock, FakeRasa, make_desk

PASSWORD = "a long password"
API_TOKEN = "integration-token"
BASE_URL = "https://testserver"


@pytest.fixture
def desk(
    store: Store, fake_rasa: FakeRasa, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> HandoffDesk:
    monkeypatch.setenv("FAQBOT_HANDOFF_API_TOKEN", API_TOKEN)
    for name in ("anna", "bertil"):
        store.add_agent(name, hash_password(PASSWORD))
    return make_desk(store, fake_rasa, clock, when_no_agent_online="queue")


def client_for(desk: HandoffDesk, agent: str | None = "anna") -> TestClient:
    """A client of the app, logged in as ``agent`` with its CSRF token (None: anonymous)."""
    # https, as in production: the session cookie is Secure
    client = TestClient(create_app(desk.settings, desk, background=False), base_url=BASE_URL)
    if agent:
        response = client.post("/api/login", json={"name": agent, "password": PASSWORD})
        assert response.status_code == 200
        client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return client


@pytest.fixture
def anna(desk: HandoffDesk) -> Iterator[TestClient]:
    with client_for(desk) as client:
        yield client


@pytest.fixture
def partner(desk: HandoffDesk) -> Iterator[TestClient]:
    """An integration (the partner contact center) with the API token."""
    with client_for(desk, agent=None) as client:
        client.headers["Authorization"] = f"Bearer {API_TOKEN}"
        yield client


def escalate(desk: HandoffDesk, conversation: str = "c1") -> int:
    return desk.escalate(Escalation(conversation, "rest", "fi", "explicit_request")).ticket_id
