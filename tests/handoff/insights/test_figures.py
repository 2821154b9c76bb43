"""The insight figures from hand-written Rasa tracker rows and tickets: every figure's rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from handoff.insights import figures
from handoff.insights.conversations import ConversationReader
from handoff.store import Store, tickets
from tests.handoff.conftest import postgres_url
from tests.tracker_rows import add_events

START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)  # a Monday, 10:00 in Helsinki


class Chat:
    """Events of one conversation, a second apart, in Rasa's tracker-store form."""

    def __init__(self, path: Path, sender: str, at: datetime, channel: str = "socketio") -> None:
        self.path, self.sender, self.channel = path, sender, channel
        self.at = at.timestamp()
        self.events: list[dict[str, Any]] = [
            {"event": "action", "name": "action_session_start", "timestamp": self.at},
            {"event": "session_started", "timestamp": self.at},
        ]

    def _add(self, event: dict[str, Any]) -> Chat:
        self.at += 1
        self.events.append({**event, "timestamp": self.at})
        return self

    def user(self, text: str, intent: str, entities: list[dict[str, str]] | None = None) -> Chat:
        parse = {"intent": {"name": intent}, "entities": entities or []}
        return self._add(
            {"event": "user", "text": text, "parse_data": parse, "input_channel": self.channel}
        )

    def slot(self, name: str, value: Any) -> Chat:
        return self._add({"event": "slot", "name": name, "value": value})

    def save(self) -> None:
        add_events(self.path, self.sender, self.events)


def ticket(store: Store, sender: str, lang: str, reason: str, at: datetime, wait: float | None,
           channel: str = "socketio") -> None:  # fmt: skip
    with store.transaction() as conn:
        conn.execute(
            tickets.insert().values(
                conversation_id=sender, channel=channel, language=lang, status="closed",
                reason=reason, backend="console", candidates="[]", events_seen=0, paused=False,
                created_at=at, claimed_at=at + timedelta(seconds=wait) if wait else None,
            )
        )  # fmt: skip


@pytest.fixture
def history(tmp_path: Path, store: Store) -> tuple[Store, ConversationReader]:
    db = tmp_path / "tracker.db"
    # A: fi, answered from the FAQ, thumbs up: served by the bot alone
    a = Chat(db, "a", START).user("paljonko toimitus maksaa", "ask_faq").slot("language", "fi")
    a.slot("last_faq_id", "delivery_cost").slot("awaiting_answer", "feedback")
    a.user("kiitos", "thanks").user('/rate{"rating":"up"}', "rate").slot("satisfaction", "up")
    a.save()
    # B: sv, a fallback, then "none of these" on the buttons of another question
    b = Chat(db, "b", START + timedelta(hours=1)).user("kan ni slå in paketet", "ask_faq")
    b.slot("language", "sv").slot("not_helped", 1)
    b.user("hyr ni ut skidor", "ask_faq").slot("faq_candidates", [])
    none = [{"entity": "faq_id", "value": "none"}]
    b.user('/choose_faq{"faq_id":"none"}', "choose_faq", none).slot("not_helped", 2)
    b.user('/rate{"rating":"down"}', "rate").slot("satisfaction", "down")
    b.save()
    # C: en on Messenger, answered, "not really", then yes to a person: queued, claimed in 30 s
    c = Chat(db, "c", START + timedelta(hours=2), "facebook")
    c.user("can you gift wrap it", "ask_faq").slot("language", "en")
    c.slot("last_faq_id", "gift_card_buy").slot("awaiting_answer", "feedback")
    c.user("no", "deny").slot("awaiting_answer", "offer_human")
    c.slot("escalation_reason", "not_helped")
    c.user("yes", "affirm").slot("escalation_reason", None).slot("handoff", "queued")
    c.save()
    # D: fi, asks for a person at night: offline (not a wait in the queue)
    d = Chat(db, "d", START + timedelta(hours=3)).user("haluan ihmisen", "request_human")
    d.slot("language", "fi").slot("handoff", "offline")
    d.user("ei", "deny")  # a "no" that answers nothing: not a "not really"
    d.save()
    # E: en, overflow to the partner, claimed in 90 s
    e = Chat(db, "e", START + timedelta(hours=4)).user("human please", "request_human")
    e.slot("language", "en").slot("handoff", "overflow")
    e.save()
    # outside the period: never counted
    Chat(db, "old", START - timedelta(days=30)).user("moi", "greet").save()
    ticket(store, "c", "en", "not_helped", START + timedelta(hours=2), 30, "facebook")
    ticket(store, "d", "fi", "explicit_request", START + timedelta(hours=3), 36000)
    ticket(store, "e", "en", "explicit_request", START + timedelta(hours=4), 90)
    return store, ConversationReader(f"sqlite:///{db}")


def _report(history: tuple[Store, ConversationReader]) -> dict[str, Any]:
    store, reader = history
    return figures.report(store, reader, START - timedelta(days=1), START + timedelta(days=1))


def test_every_figure_of_the_period(history: tuple[Store, ConversationReader]) -> None:
    found = _report(history)["all"]
    assert found["conversations"] == 5
    assert found["messages"] == 3 + 4 + 3 + 2 + 1
    assert found["escalated"] == 3
    assert found["self_service_rate"] == 0.4
    assert found["escalations_by_reason"] == {"explicit_request": 2, "not_helped": 1}
    assert found["offline_tickets"] == 1 and found["overflow_tickets"] == 1
    # the offline ticket's ten hours are not a wait in the queue: median of 30 s and 90 s
    assert found["time_to_claim_median_s"] == 60.0
    assert found["time_to_claim_p90_s"] == 84.0
    assert (found["thumbs_up"], found["thumbs_down"], found["thumbs_up_rate"]) == (1, 1, 0.5)
    assert (found["fallbacks"], found["none_of_these"], found["not_really"]) == (1, 1, 1)
    assert found["fallback_rate"] == 0.2 and found["not_really_rate"] == 0.2


def test_per_language_and_channel(history: tuple[Store, ConversationReader]) -> None:
    found = _report(history)
    assert {k: v["conversations"] for k, v in found["by_language"].items()} == {
        "en": 2, "fi": 2, "sv": 1,
    }  # fmt: skip
    assert found["by_language"]["en"]["time_to_claim_median_s"] == 60.0
    assert found["by_language"]["fi"]["self_service_rate"] == 0.5
    assert found["by_channel"]["facebook"]["conversations"] == 1
    assert found["by_channel"]["facebook"]["not_really"] == 1
    assert found["top_faq"] == [
        {"id": "delivery_cost", "answers": 1},
        {"id": "gift_card_buy", "answers": 1},
    ]


def test_days_and_hours_are_in_the_shops_time(history: tuple[Store, ConversationReader]) -> None:
    found = _report(history)
    assert [d["conversations"] for d in found["daily"]] == [0, 5, 0]
    assert found["hourly"][10:15] == [1, 1, 1, 1, 1]  # 08:00 UTC is 10:00 in Helsinki
    assert found["weekday_hourly"][0][10] == 1  # a Monday


def test_the_unanswered_questions_and_their_kinds(
    history: tuple[Store, ConversationReader],
) -> None:
    _store, reader = history
    convs = reader.conversations(START - timedelta(days=1), START + timedelta(days=1))
    found = sorted((u.kind, u.text, u.language) for c in convs for u in c.unanswered)
    assert found == [
        ("escalated", "can you gift wrap it", "en"),
        ("fallback", "kan ni slå in paketet", "sv"),
        ("none_of_these", "hyr ni ut skidor", "sv"),
        ("not_really", "can you gift wrap it", "en"),
    ]


def test_a_missing_tracker_store_has_no_conversations(tmp_path: Path) -> None:
    reader = ConversationReader(f"sqlite:///{tmp_path / 'none.db'}")
    assert reader.conversations(START, START + timedelta(days=1)) == []
    assert not (tmp_path / "none.db").exists()


@pytest.mark.parametrize("text", ["7", "0d", "7x", "-1d", ""])
def test_a_period_must_be_hours_days_or_weeks(text: str) -> None:
    with pytest.raises(ValueError, match="24h, 7d or 8w"):
        figures.parse_since(text)
    assert figures.parse_since("8w") == timedelta(weeks=8)


def test_the_tracker_store_may_be_postgresql(history: tuple[Store, ConversationReader]) -> None:
    """The same conversations copied into a PostgreSQL tracker store give the same figures."""
    db_url = postgres_url()
    if not db_url:
        pytest.skip("no PostgreSQL: set FAQBOT_TEST_POSTGRES_URL (CI does)")
    import sqlalchemy as sa

    from handoff.insights.demo import rasa_events

    store, sqlite_reader = history
    with sqlite_reader.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(sa.select(rasa_events))]
    pg = Store(db_url).engine
    rasa_events.drop(pg, checkfirst=True)
    rasa_events.create(pg)
    try:
        with pg.begin() as conn:
            conn.execute(rasa_events.insert(), rows)
        since, until = START - timedelta(days=1), START + timedelta(days=1)
        expected = figures.report(store, sqlite_reader, since, until)
        assert figures.report(store, ConversationReader(db_url), since, until) == expected
        assert expected["all"]["conversations"] == 5
    finally:
        rasa_events.drop(pg)
