"""Conversations read back from Rasa's SQL tracker store, summarised for the insights.

Rasa 3.6's ``SQLTrackerStore`` keeps every event of every conversation as one row of its
``events`` table (``sender_id``, ``type_name``, ``timestamp`` in epoch seconds, the event as JSON
in ``data``), in SQLite (``$FAQBOT_TRACKER_DB``) or PostgreSQL (``$FAQBOT_TRACKER_URL``), as
:func:`bot.tracker_db.tracker_url` names it. The event broker's table of the same name is not a
history: the handoff service deletes its rows once read. A sender's events are split into
conversations at each ``session_started``.

What the bot leaves in the events (actions/):
- an FAQ answer sets the slot ``last_faq_id``;
- the bot could not help ("fallback", out of scope, or "none of these") increments the slot
  ``not_helped``;
- "none of these" is the user message ``/choose_faq{"faq_id":"none"}``;
- "not really" is a ``deny`` intent while ``awaiting_answer`` is ``feedback``;
- an escalation sets the slot ``handoff`` to queued, active, offline or overflow;
- the effort question's answer is the slot ``satisfaction`` (up/down);
- a button picked from a clarification is the user message ``/choose_faq{"faq_id":"..."}``,
  after the question that got the buttons (a pick, unless "not really" follows its answer).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from bot.conversation import (
    AWAITING_FEEDBACK,
    OPEN_STATUSES,
    SLOT_AWAITING_ANSWER,
    SLOT_ESCALATION_REASON,
    SLOT_HANDOFF,
    SLOT_LANGUAGE,
    SLOT_LAST_FAQ_ID,
    SLOT_NOT_HELPED,
    SLOT_SATISFACTION,
)
from bot.sqldb import sqlite_file
from bot.tracker_db import events as tracker_events
from bot.tracker_db import tracker_url
from handoff.errors import StorageError
from handoff.store import create_db_engine

NONE_OF_THESE = "none"  # the faq_id of the "none of these" button (actions/faq.py)
QUESTION_INTENTS = ("ask_faq", "out_of_scope", "nlu_fallback")

# the kinds of unanswered questions
FALLBACK, NONE_OF_THESE_KIND, NOT_REALLY, ESCALATED = (
    "fallback",
    "none_of_these",
    "not_really",
    "escalated",
)


@dataclass(frozen=True)
class Unanswered:
    """A question the FAQ did not answer: its text, language, kind and when."""

    text: str
    language: str
    kind: str
    at: datetime
    rejected: str | None = None  # "not really": the FAQ entry whose answer did not help


@dataclass(frozen=True)
class Pick:
    """A shopper's question and the FAQ entry they picked for it from the buttons."""

    text: str
    language: str
    entry: str
    at: datetime


@dataclass
class Conversation:
    """One conversation (a Rasa session) as the insights count it."""

    sender_id: str
    started_at: datetime
    channel: str = "unknown"
    language: str = "unknown"
    messages: int = 0  # shopper messages
    handoff: str | None = None  # the first open status the conversation was handed to
    rating: str | None = None  # up / down
    faq_answers: list[str] = field(default_factory=list)
    fallbacks: int = 0
    none_of_these: int = 0
    not_really: int = 0
    unanswered: list[Unanswered] = field(default_factory=list)
    last_question: str | None = None
    picks: list[Pick] = field(default_factory=list)


class ConversationReader:
    """Reads conversations of a period from the tracker store."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url or tracker_url()
        self.engine = create_db_engine(self.url)

    def conversations(self, since: datetime, until: datetime) -> list[Conversation]:
        """Conversations that started in [since, until), oldest first.

        Raises:
            StorageError: the tracker store cannot be read.
        """
        path = sqlite_file(self.url)
        if path is not None and not path.exists():
            return []
        query = (
            sa.select(tracker_events.c.sender_id, tracker_events.c.data)
            .where(
                tracker_events.c.timestamp >= since.timestamp(),
                tracker_events.c.timestamp < until.timestamp(),
            )
            .order_by(tracker_events.c.sender_id, tracker_events.c.id)
        )
        try:
            with self.engine.connect() as conn:
                if not sa.inspect(conn).has_table("events"):
                    return []
                rows = conn.execute(query)
                found = list(_conversations(_events(rows)))
        except sa.exc.SQLAlchemyError as exc:
            raise StorageError(f"the tracker store cannot be read: {exc}") from exc
        found.sort(key=lambda c: (c.started_at, c.sender_id))
        return [c for c in found if c.messages > 0]


def _events(rows: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    for sender, data in rows:
        try:
            event = json.loads(data or "")
        except ValueError:
            continue
        if isinstance(event, dict):
            yield str(sender), event


def _conversations(events: Iterator[tuple[str, dict[str, Any]]]) -> Iterator[Conversation]:
    """Group events (ordered by sender, then id) into conversations."""
    builder: _Builder | None = None
    for sender, event in events:
        kind = event.get("event")
        if builder is None or builder.sender != sender or kind == "session_started":
            if builder is not None:
                yield from builder.done()
            builder = _Builder(sender, _at(event))
        builder.add(event)
    if builder is not None:
        yield from builder.done()


def _at(event: dict[str, Any]) -> datetime:
    return datetime.fromtimestamp(float(event.get("timestamp") or 0), tz=UTC)


class _Builder:
    """Replays one conversation's events, keeping the slots it needs."""

    def __init__(self, sender: str, at: datetime) -> None:
        self.sender = sender
        self.conversation = Conversation(sender, at)
        self.slots: dict[str, Any] = {}
        self.turn: dict[str, Any] | None = None  # the latest user event
        self.turn_kind: str | None = None
        self.offered_for: str | None = None  # the question a person was offered for

    def add(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        conv = self.conversation
        if kind == "user":
            self._user(event)
        elif kind == "slot":
            name, value = str(event.get("name")), event.get("value")
            before = self.slots.get(name)
            self.slots[str(name)] = value
            if name == SLOT_LANGUAGE and value:
                conv.language = str(value)
            elif name == SLOT_LAST_FAQ_ID and value:
                conv.faq_answers.append(str(value))
            elif name == SLOT_SATISFACTION and value in ("up", "down"):
                conv.rating = str(value)
            elif name == SLOT_HANDOFF and value in OPEN_STATUSES and conv.handoff is None:
                conv.handoff = str(value)
                if self.offered_for:  # not for "I want a person": that is no FAQ question
                    conv.unanswered.append(
                        Unanswered(self.offered_for, conv.language, ESCALATED, _at(event))
                    )
            elif name == SLOT_ESCALATION_REASON and value:
                self.offered_for = conv.last_question
            elif name == SLOT_NOT_HELPED and int(value or 0) > int(before or 0):
                self._not_helped(event)

    def _user(self, event: dict[str, Any]) -> None:
        conv = self.conversation
        text = str(event.get("text") or "").strip()
        parse = event.get("parse_data") or {}
        intent = (parse.get("intent") or {}).get("name")
        conv.messages += 1
        if conv.messages == 1:
            conv.started_at = _at(event)
            conv.channel = str(event.get("input_channel") or "unknown")
        metadata_language = (event.get("metadata") or {}).get("language")
        if conv.language == "unknown" and metadata_language:
            conv.language = str(metadata_language)
        self.turn_kind = None
        if intent == "choose_faq" and any(
            e.get("entity") == "faq_id" and e.get("value") == NONE_OF_THESE
            for e in parse.get("entities") or []
        ):
            self.turn_kind = NONE_OF_THESE_KIND
            conv.none_of_these += 1
            self._unanswered(NONE_OF_THESE_KIND, event)
        elif intent == "choose_faq":
            self._pick(parse, event)
        elif intent == "deny" and self.slots.get(SLOT_AWAITING_ANSWER) == AWAITING_FEEDBACK:
            self.turn_kind = NOT_REALLY
            conv.not_really += 1
            if conv.last_question:
                rejected = conv.faq_answers[-1] if conv.faq_answers else None
                if conv.picks and (conv.picks[-1].text, conv.picks[-1].entry) == (
                    conv.last_question,
                    rejected,
                ):
                    conv.picks.pop()  # the picked entry's answer did not help
                conv.unanswered.append(
                    Unanswered(conv.last_question, conv.language, NOT_REALLY, _at(event), rejected)
                )
        elif intent in QUESTION_INTENTS and text and not text.startswith("/"):
            conv.last_question = text
        self.turn = event

    def _pick(self, parse: dict[str, Any], event: dict[str, Any]) -> None:
        conv = self.conversation
        chosen = next(
            (e.get("value") for e in parse.get("entities") or [] if e.get("entity") == "faq_id"),
            None,
        )
        if not chosen or not conv.last_question:
            return
        if any((p.text, p.entry) == (conv.last_question, chosen) for p in conv.picks):
            return  # the same button twice
        conv.picks.append(Pick(conv.last_question, conv.language, str(chosen), _at(event)))

    def _not_helped(self, event: dict[str, Any]) -> None:
        if self.turn_kind is not None:  # "none of these" also counts a miss: not a fallback
            return
        conv = self.conversation
        conv.fallbacks += 1
        self.turn_kind = FALLBACK
        text = str((self.turn or {}).get("text") or "").strip()
        if text and not text.startswith("/"):
            conv.unanswered.append(Unanswered(text, conv.language, FALLBACK, _at(event)))

    def _unanswered(self, kind: str, event: dict[str, Any]) -> None:
        conv = self.conversation
        if conv.last_question:
            conv.unanswered.append(Unanswered(conv.last_question, conv.language, kind, _at(event)))

    def done(self) -> Iterator[Conversation]:
        yield self.conversation
