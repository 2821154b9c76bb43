"""The handoff service with its PostgreSQL database really unreachable (a port where nothing
listens): it starts, says so, answers 503, and recovers once the database answers."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from handoff.app import create_app
from handoff.desk import HandoffDesk
from handoff.store import Store, metadata
from scripts.stack import free_port
from tests.handoff.conftest import Clock, FakeRasa, make_desk, postgres_url

API_TOKEN = "integration-token"
PASSWORD_IN_URL = "db-password-81c2"


def wait_for(condition: Callable[[], bool], deadline: float = 30.0) -> bool:
    """Poll ``condition`` until it holds or ``deadline`` seconds passed."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def unreachable_desk(port: int, fake_rasa: FakeRasa, clock: Clock) -> Any:
    url = f"postgresql://faqbot:{PASSWORD_IN_URL}@127.0.0.1:{port}/faqbot"
    return make_desk(Store(url), fake_rasa, clock, when_no_agent_online="queue")


@pytest.fixture
def api_token(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("FAQBOT_HANDOFF_API_TOKEN", API_TOKEN)
    return API_TOKEN


def test_the_service_starts_says_the_database_is_down_and_answers_503(
    fake_rasa: FakeRasa, clock: Clock, api_token: str, caplog: pytest.LogCaptureFixture
) -> None:
    desk: HandoffDesk = unreachable_desk(free_port(), fake_rasa, clock)
    with TestClient(create_app(desk.settings, desk, background=True)) as client:
        health = client.get("/health")
        login = client.post("/api/login", json={"name": "anna", "password": "a long password"})
        queue = client.get("/api/conversations", headers={"Authorization": f"Bearer {api_token}"})
    assert health.status_code == 200
    assert health.json() == {"status": "degraded", "database": False, "rasa": True, "outbox": {}}
    for answer in (login, queue):  # clear, and no URL, SQL or driver text for callers
        assert answer.status_code == 503
        assert answer.json() == {"detail": "the ticket database does not answer; try again soon"}
    assert "cannot prepare the database" in caplog.text  # the log says which one, and why
    assert PASSWORD_IN_URL not in caplog.text


class Forwarder:
    """Forwards TCP connections from ``port`` on 127.0.0.1 to ``target`` (the database
    coming up on the port the service was given)."""

    def __init__(self, port: int, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", port))
        self.sockets: list[socket.socket] = [self.listener]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                client, _ = self.listener.accept()
                server = socket.create_connection(self.target)
                self.sockets += [client, server]
                for source, sink in ((client, server), (server, client)):
                    threading.Thread(target=_pump, args=(source, sink), daemon=True).start()

    def close(self) -> None:
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


@pytest.fixture
def empty_postgres() -> Iterator[sa.engine.URL]:
    """The test PostgreSQL database without handoff tables (skipped like ``db_url``)."""
    url = postgres_url()
    if not url:
        pytest.skip("no PostgreSQL: set FAQBOT_TEST_POSTGRES_URL (CI does)")
    store = Store(url)
    metadata.drop_all(store.engine)
    yield store.engine.url
    store.engine.dispose()


def test_the_tables_are_created_once_the_database_answers(
    empty_postgres: sa.engine.URL, fake_rasa: FakeRasa, clock: Clock, api_token: str
) -> None:
    port = free_port()
    url = empty_postgres.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
    desk = make_desk(Store(url), fake_rasa, clock, when_no_agent_online="queue")
    bearer = {"Authorization": f"Bearer {api_token}"}
    with TestClient(create_app(desk.settings, desk, background=True)) as client:
        assert client.get("/api/conversations", headers=bearer).status_code == 503
        target = (str(empty_postgres.host), int(empty_postgres.port or 5432))
        forwarder = Forwarder(port, target)
        try:
            assert wait_for(lambda: client.get("/health").json()["database"])
            assert wait_for(
                lambda: client.get("/api/conversations", headers=bearer).status_code == 200
            )
        finally:
            desk.store.engine.dispose()
            forwarder.close()
