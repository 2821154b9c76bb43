"""``faqbot demo history``: weeks of realistic traffic in a demo database of its own.

The conversations are written as Rasa's SQL tracker store writes them (its ``events`` table)
into ``DIR/tracker.db``, the tickets in the handoff store's schema into ``DIR/handoff.db``
(default ``DIR``: ``.faqbot/demo``), never into the real databases. The same seed gives the
same history (relative to ``--end``, default now).

The traffic follows a web shop's: weekday and evening peaks, a November–December peak with
Black Friday, fi/sv/en, the web widget and Messenger; answers from the FAQ, clarifications,
fallbacks on questions the FAQ lacks (:mod:`handoff.insights.demo_questions`), escalations
queued, offline at night and to the overflow partner in the peak, claims, the effort question.
"""

from __future__ import annotations

import json
import math
import random
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from bot.faq.loader import Faq
from handoff.insights.demo_questions import GAPS, NEAR, PICKED, SEASONAL
from handoff.store import Store, agents, create_db_engine, tickets

DEMO_DIR = Path(".faqbot/demo")
PARTNER = "partner"
TEAM = ("aino", "elias", "linnea", "oskar")
ZONE = ZoneInfo("Europe/Helsinki")
LANGS = (("fi", 0.62), ("sv", 0.18), ("en", 0.20))
CHANNELS = (("socketio", 0.8), ("facebook", 0.2))
# conversations per local hour of day, relative
HOURS = (
    *(0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1.0, 1.6, 2.0, 2.1, 2.0),
    *(1.9, 1.8, 1.7, 1.6, 1.6, 1.7, 2.0, 2.4, 2.6, 2.3, 1.5, 0.8),
)
WEEKDAYS = (1.25, 1.1, 1.0, 1.0, 0.9, 0.7, 0.95)  # Monday first
BASE_PER_DAY = 55
ASK_HUMAN = {"fi": "haluan puhua ihmiselle", "sv": "jag vill prata med en människa",
             "en": "can I talk to a person"}  # fmt: skip
YES = {"fi": "kyllä", "sv": "ja", "en": "yes"}
NO = {"fi": "ei oikeastaan", "sv": "inte riktigt", "en": "not really"}
BYE = {"fi": "kiitos", "sv": "tack", "en": "thanks"}

_metadata = sa.MetaData()
# Rasa 3.6's SQLTrackerStore.SQLEvent
rasa_events = sa.Table(
    "events",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)


def demo_paths(directory: Path = DEMO_DIR) -> tuple[str, str]:
    """(tracker store URL, ticket database URL) of the demo history in ``directory``."""
    return f"sqlite:///{directory / 'tracker.db'}", f"sqlite:///{directory / 'handoff.db'}"


def season(day: datetime) -> float:
    """Traffic relative to an ordinary autumn day: up from November, Black Friday, Christmas."""
    start = datetime(day.year, 11, 1, tzinfo=ZONE)
    black_friday = _black_friday(day.year)
    factor = 1.0
    if day >= start:
        factor += min(0.6, (day - start).days / 30 * 0.6)
    distance = abs((day.date() - black_friday).days)
    if distance <= 3:
        factor += 1.2 - 0.3 * distance
    if day.month == 12 and 10 <= day.day <= 21:
        factor += 0.3
    if day.month == 12 and day.day > 23:
        factor *= 0.4
    return factor


def _black_friday(year: int) -> Any:
    november = datetime(year, 11, 30)
    while november.weekday() != 4:
        november -= timedelta(days=1)
    return november.date()


@dataclass
class _Chat:
    """Events of one conversation being written."""

    rng: random.Random
    sender: str
    at: float
    channel: str
    lang: str
    events: list[dict[str, Any]] = field(default_factory=list)

    def add(self, event: dict[str, Any], seconds: float = 1.0) -> None:
        self.at += seconds
        self.events.append({**event, "timestamp": self.at})

    def user(
        self,
        text: str,
        intent: str,
        entities: list[dict[str, Any]] | None = None,
        seconds: float | None = None,
    ) -> None:
        """A shopper message, 20–70 s after the last event (``seconds``: exactly that, without
        drawing from the random stream, so the rest of the history stays as it was)."""
        event = {
            "event": "user",
            "text": text,
            "parse_data": {
                "intent": {"name": intent, "confidence": 0.93},
                "entities": entities or [],
                "text": text,
            },
            "input_channel": self.channel,
            "metadata": {},
        }
        self.add(event, seconds=20 + 50 * self.rng.random() if seconds is None else seconds)

    def action(self, name: str) -> None:
        self.add({"event": "action", "name": name}, 0.05)

    def slot(self, name: str, value: Any) -> None:
        self.add({"event": "slot", "name": name, "value": value}, 0.01)

    def bot(self, text: str) -> None:
        self.add({"event": "bot", "text": text, "metadata": {"language": self.lang}}, 0.05)


@dataclass
class History:
    """What was written."""

    conversations: int = 0
    events: int = 0
    tickets: int = 0


def generate(
    faq: Faq,
    directory: Path = DEMO_DIR,
    weeks: int = 8,
    seed: int = 14,
    end: datetime | None = None,
) -> History:
    """Write ``weeks`` of history ending at ``end`` into ``directory`` (replacing what is there)."""
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    for name in ("tracker.db", "handoff.db"):
        for suffix in ("", "-wal", "-shm"):
            (directory / f"{name}{suffix}").unlink(missing_ok=True)
    tracker_url, handoff_url = demo_paths(directory)
    engine = create_db_engine(tracker_url)
    _metadata.create_all(engine)
    store = Store(handoff_url)
    store.create_schema()
    finish = (end or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0)
    start = finish - timedelta(weeks=weeks)
    history = History()
    rows: list[dict[str, Any]] = []
    ticket_rows: list[dict[str, Any]] = []
    hour = start
    number = 0
    while hour < finish:
        local = hour.astimezone(ZONE)
        expected = (
            BASE_PER_DAY
            * season(local)
            * WEEKDAYS[local.weekday()]
            * HOURS[local.hour]
            / sum(HOURS)
        )
        for _ in range(_poisson(rng, expected)):
            number += 1
            moment = hour + timedelta(seconds=rng.uniform(0, 3600))
            chat, ticket = _conversation(rng, faq, f"demo-{number:06d}", moment)
            rows.extend(_row(chat.sender, event) for event in chat.events)
            if ticket:
                ticket_rows.append(ticket)
        hour += timedelta(hours=1)
    with engine.begin() as conn:
        for first in range(0, len(rows), 5000):
            conn.execute(rasa_events.insert(), rows[first : first + 5000])
    with store.transaction() as conn:
        if ticket_rows:
            conn.execute(tickets.insert(), ticket_rows)
        # the team that claimed the demo tickets (the staffing forecast counts the accounts);
        # no password matches "disabled", so nobody can log in as them
        conn.execute(
            agents.insert(),
            [{"name": n, "password_hash": "disabled", "created_at": start} for n in TEAM],
        )
    engine.dispose()
    store.engine.dispose()
    history.conversations, history.events, history.tickets = number, len(rows), len(ticket_rows)
    return history


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _row(sender: str, event: dict[str, Any]) -> dict[str, Any]:
    return {
        "sender_id": sender,
        "type_name": event["event"],
        "timestamp": event["timestamp"],
        "intent_name": (event.get("parse_data") or {}).get("intent", {}).get("name"),
        "action_name": event.get("name") if event["event"] == "action" else None,
        "data": json.dumps(event, ensure_ascii=False),
    }


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([k for k, _ in weighted], [w for _, w in weighted])[0]


def _gap_question(rng: random.Random, lang: str, local: datetime) -> tuple[str, str]:
    peak = local.month == 12 or (local.month == 11 and local.day >= 15)
    topics = [t for t in GAPS if t not in SEASONAL or peak]
    topic = rng.choice(topics)
    phrasings = GAPS[topic].get(lang) or GAPS[topic]["en"]
    return topic, rng.choice(phrasings)


def _conversation(
    rng: random.Random, faq: Faq, sender: str, moment: datetime
) -> tuple[_Chat, dict[str, Any] | None]:
    local = moment.astimezone(ZONE)
    lang, channel = _pick(rng, LANGS), _pick(rng, CHANNELS)
    chat = _Chat(rng, sender, moment.timestamp(), channel, lang)
    chat.action("action_session_start")
    chat.add({"event": "session_started"}, 0.01)
    chat.action("action_listen")
    entries = [e for e in faq.entries if lang in e.questions and lang in e.answer]
    misses = 0
    escalation: str | None = None
    helped = True
    for _turn in range(rng.choice((1, 1, 1, 2, 2, 3))):
        roll = rng.random()
        if roll < 0.06:
            escalation = "explicit_request"
            chat.user(ASK_HUMAN[lang], "request_human")
            chat.slot("language", lang)
            break
        if roll < 0.80:  # answered from the FAQ
            entry = rng.choice(entries)
            question = rng.choice(entry.questions[lang])  # type: ignore[index]
            picked = _picked(sender, lang, entry.id)
            chat.user(picked or question, "ask_faq")
            chat.slot("language", lang)
            if picked:  # in the shopper's own words: buttons first, and the shopper picks it
                _buttons_then_pick(chat, entry.id)
            _answer(chat, entry.id, entry.answer[lang])  # type: ignore[index]
            if entry.handoff and rng.random() < 0.5:
                chat.user(YES[lang], "affirm")
                escalation = "handoff_entry"
                break
            continue
        if roll < 0.83:  # a question the FAQ lacks, answered with a near entry: "not really"
            topic, question = _gap_question(rng, lang, local)
            entry = faq.get(NEAR[topic]) or rng.choice(entries)
            chat.user(question, "ask_faq")
            chat.slot("language", lang)
            _answer(chat, entry.id, entry.answer[lang])  # type: ignore[index]
            chat.user(NO[lang], "deny")
            chat.action("action_reply_yes_no")
            chat.slot("awaiting_answer", "offer_human")
            chat.slot("escalation_reason", "not_helped")
            helped = False
            if rng.random() < 0.5:
                chat.user(YES[lang], "affirm")
                escalation = "not_helped"
                break
            continue
        _topic, question = _gap_question(rng, lang, local)
        chat.user(question, "ask_faq")
        chat.slot("language", lang)
        chat.action("action_faq")
        if roll < 0.87:  # clarified; "none of these"
            chat.slot("faq_candidates", [])
            chat.bot("?")
            chat.action("action_listen")
            payload = '/choose_faq{"faq_id":"none"}'
            chat.user(payload, "choose_faq", [{"entity": "faq_id", "value": "none"}])
            chat.action("action_choose_faq")
        misses += 1
        helped = False
        chat.slot("not_helped", misses)
        chat.bot("…")
        if misses >= 2:
            chat.slot("awaiting_answer", "offer_human")
            chat.slot("escalation_reason", "not_helped")
            if rng.random() < 0.6:
                chat.user(YES[lang], "affirm")
                escalation = "not_helped"
                break
        chat.action("action_listen")
    if escalation is None and rng.random() < 0.03:
        escalation = rng.choice(("order_verification", "late_order"))
    ticket = None
    asked = escalation is not None
    if escalation is not None:
        ticket = _escalate(rng, chat, escalation, local)
    elif rng.random() < 0.5:
        chat.user(BYE[lang], "thanks")
        chat.action("action_ask_satisfaction")
        chat.slot("satisfaction_asked", True)
        asked = True
    if asked and rng.random() < 0.6:
        good = (
            (0.86 if helped else 0.45) - (0.1 if escalation else 0) - 0.08 * (season(local) > 1.6)
        )
        rating = "up" if rng.random() < good else "down"
        chat.user(f'/rate{{"rating":"{rating}"}}', "rate", [{"entity": "rating", "value": rating}])
        chat.action("action_store_satisfaction")
        chat.slot("satisfaction", rating)
    return chat, ticket


def _picked(sender: str, lang: str, entry_id: str) -> str | None:
    """The question of a third of the conversations about an entry of ``PICKED``, chosen by the
    sender's id, so the random stream (and every other figure of the history) stays as is."""
    question = PICKED.get(lang, {}).get(entry_id)
    return question if question and zlib.crc32(sender.encode()) % 3 == 0 else None


def _buttons_then_pick(chat: _Chat, entry_id: str) -> None:
    """Buttons for the question, and the shopper's pick of ``entry_id``."""
    chat.action("action_faq")
    chat.slot("faq_candidates", [{"id": entry_id, "score": 0.89}])
    chat.bot("?")
    chat.action("action_listen")
    payload = '/choose_faq{"faq_id":"' + entry_id + '"}'
    chat.user(payload, "choose_faq", [{"entity": "faq_id", "value": entry_id}], seconds=12.0)
    chat.action("action_choose_faq")


def _answer(chat: _Chat, entry_id: str, answer: str) -> None:
    chat.action("action_faq")
    chat.slot("faq_candidates", [{"id": entry_id, "score": 0.93}])
    chat.bot(answer)
    chat.slot("last_faq_id", entry_id)
    chat.slot("awaiting_answer", "feedback")
    chat.action("action_listen")


def _escalate(rng: random.Random, chat: _Chat, reason: str, local: datetime) -> dict[str, Any]:
    weekend = local.weekday() >= 5
    staffed = (10 if weekend else 8) <= local.hour < (18 if weekend else 22)
    load = season(local) * WEEKDAYS[local.weekday()] * HOURS[local.hour] / 2.0
    if not staffed:
        status = "offline"
    elif load > 2.2 and rng.random() < 0.35:
        status = "overflow"
    else:
        status = "queued"
    chat.action("action_reply_yes_no" if reason != "explicit_request" else "action_escalate")
    chat.slot("awaiting_answer", None)
    chat.slot("not_helped", 0)
    chat.slot("escalation_reason", None)
    chat.bot("…")
    chat.slot("handoff", status)
    created = datetime.fromtimestamp(chat.at, UTC)
    if status == "offline":  # answered when the team is back in the morning
        back = local.replace(hour=10 if weekend else 8, minute=0)
        if local.hour >= back.hour:
            back += timedelta(days=1)
        claimed = back.astimezone(UTC) + timedelta(minutes=rng.uniform(5, 90))
    else:
        median = 40 * max(1.0, load) ** 1.5 * (1.6 if status == "overflow" else 1.0)
        claimed = created + timedelta(seconds=rng.lognormvariate(math.log(median), 0.6))
    closed = claimed + timedelta(minutes=rng.uniform(2, 14))
    chat.at = closed.timestamp()
    chat.slot("handoff", None)
    chat.action("action_ask_satisfaction")
    chat.slot("satisfaction_asked", True)
    return {
        "conversation_id": chat.sender,
        "channel": chat.channel,
        "language": chat.lang,
        "status": "closed",
        "reason": reason,
        "backend": PARTNER if status == "overflow" else "console",
        "agent": rng.choice(TEAM) if status != "overflow" else None,
        "question": None,
        "candidates": "[]",
        "events_seen": len(chat.events),
        "paused": False,
        "created_at": created,
        "claimed_at": claimed,
        "closed_at": closed,
    }
