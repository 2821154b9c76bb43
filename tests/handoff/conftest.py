"""Handoff fixtures: a store on SQLite and (when available) PostgreSQL, a recording fake Rasa."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from handoff import auth, config
from handoff.config import HandoffSettings
from handoff.desk import HandoffDesk
from handoff.store import Store, metadata

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_SCRYPT_N = auth.SCRYPT_N


@pytest.fixture(autouse=True)
def quick_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash with N=2**12 so logins in tests take milliseconds; ``real_scrypt`` undoes it."""
    monkeypatch.setattr(auth, "SCRYPT_N", 2**12)


@pytest.fixture(autouse=True)
def state_in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The stores found through the environment or the defaults (tracker, event broker,
    restock sign-ups, order-proof attempts, order updates) in a temporary folder: an app a test
    starts with its background loops (sync, retention purge) never touches ``.faqbot/``."""
    state = tmp_path / "local-state"
    monkeypatch.delenv("FAQBOT_TRACKER_URL", raising=False)
    monkeypatch.delenv("FAQBOT_EVENT_BROKER_URL", raising=False)
    monkeypatch.setenv("FAQBOT_TRACKER_DB", str(state / "tracker.db"))
    monkeypatch.setenv("FAQBOT_RESTOCK_DB", str(state / "restock.db"))
    monkeypatch.setenv("FAQBOT_ORDER_ATTEMPTS_DB", str(state / "order-attempts.db"))
    monkeypatch.setenv("FAQBOT_ORDER_UPDATES_DB", str(state / "order_updates.db"))
    monkeypatch.setattr(config, "DEFAULT_EVENT_BROKER_URL", f"sqlite:///{state / 'events.db'}")
    return state


@pytest.fixture
def real_scrypt(monkeypatch: pytest.MonkeyPatch) -> int:
    """The production scrypt cost (N=2**17), for the tests of the parameters themselves."""
    monkeypatch.setattr(auth, "SCRYPT_N", PRODUCTION_SCRYPT_N)
    return PRODUCTION_SCRYPT_N


def postgres_url() -> str | None:
    """The test PostgreSQL database (CI sets it); skipping is refused when it is required."""
    url = os.environ.get("FAQBOT_TEST_POSTGRES_URL")
    if not url and os.environ.get("FAQBOT_REQUIRE_POSTGRES") == "1":
        pytest.fail("FAQBOT_REQUIRE_POSTGRES=1 but FAQBOT_TEST_POSTGRES_URL is not set")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'handoff.db'}"
    url = postgres_url()
    if not url:
        pytest.skip("no PostgreSQL: set FAQBOT_TEST_POSTGRES_URL (CI does)")
    store = Store(url)
    metadata.drop_all(store.engine)
    store.engine.dispose()
    return url


@pytest.fixture
def store(db_url: str) -> Store:
    """An empty store with its schema."""
    created = Store(db_url)
    created.create_schema()
    yield created
    created.engine.dispose()


class FakeRasa:
    """Records appended events; serves trackers the test controls."""

    def __init__(self) -> None:
        self.appended: list[tuple[str, list[dict[str, Any]]]] = []
        self.side_effects: list[bool] = []  # execute_side_effects of each append, in order
        self.trackers: dict[str, list[dict[str, Any]]] = {}
        self.down = False

    def append_events(
        self,
        conversation_id: str,
        events: list[dict[str, Any]],
        *,
        execute_side_effects: bool = True,
    ) -> None:
        from handoff.errors import RasaUnavailable

        if self.down:
            raise RasaUnavailable("Rasa at fake does not answer")
        self.appended.append((conversation_id, events))
        self.side_effects.append(execute_side_effects)

    def tracker(self, conversation_id: str) -> dict[str, Any]:
        return {"events": self.trackers.get(conversation_id, [])}

    def healthy(self) -> bool:
        return not self.down

    def events_for(self, conversation_id: str) -> list[dict[str, Any]]:
        return [e for cid, events in self.appended if cid == conversation_id for e in events]


class Clock:
    """A settable clock."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


# Wednesday 2026-11-25 12:00 in Helsinki (UTC+2)
WEDNESDAY_NOON = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def office_hours() -> dict[str, Any]:
    """Mon–Fri 9–17 Helsinki time, closed on Independence Day."""
    days = {day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
    return {"timezone": "Europe/Helsinki", **days, "holidays": ["2026-12-07"]}


@pytest.fixture
def fake_rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture
def clock() -> Clock:
    return Clock(WEDNESDAY_NOON)


def make_desk(store: Store, rasa: FakeRasa, clock: Clock, **settings: Any) -> HandoffDesk:
    """A desk with office hours and the project's domain.yml texts."""
    values: dict[str, Any] = {
        "database_url": store.url,
        "domain_file": ROOT / "domain.yml",
        "opening_hours": office_hours(),
        **settings,
    }
    return HandoffDesk(HandoffSettings.model_validate(values), store, rasa, clock)  # type: ignore[arg-type]
