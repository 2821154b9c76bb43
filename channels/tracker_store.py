"""The SQL tracker store keeps each conversation's current session in memory between turns.

Rasa 3.6's ``SQLTrackerStore`` reads and deserialises every event of the current session on each
``retrieve``, and its ``save`` does it once more (``stream_events`` retrieves the session to find
what to send to the event broker) and counts the session's rows (to find what to store): three
passes over a session that grows with the conversation, and each event's type is looked up among
all of Rasa's event classes (docs/performance.md "Long conversations").

:func:`install` (fits Rasa 3.6.21; ``channels.server`` calls it) replaces ``retrieve`` and
``save`` of ``rasa.core.tracker_store.SQLTrackerStore`` with versions that keep the deserialised
events of each conversation's current session (the most recently used ones, up to
:data:`CACHE_EVENTS` events together, ``FAQBOT_TRACKER_CACHE_EVENTS``), and
``_stream_new_events`` with one that writes a turn's events to Rasa's SQL event broker in one
transaction instead of one each.

The database stays the truth, so several Rasa servers may share it (scale-out): before the cached
copy is used, two small queries check it against the conversation's rows (their count, and that
the last row it knows is still there with the same timestamp) and read only the rows written since
(by another server). Anything else (rows deleted, a new session started elsewhere, a row id
reused) falls back to Rasa's own full read. Each tracker gets shallow copies of the cached events,
so a tracker changing an event's attributes cannot change the cache.

``save`` of a tracker that ``retrieve`` returned, while the cached session is still the one it
was read from (nothing saved or read from the database for this conversation since), stores the
events after it without checking the database again: Rasa holds the conversation's lock (the lock
store, shared by all servers in scale-out) from the read to the save of a turn, so no other server
can have written meanwhile. Any other tracker is checked as above.

One difference from Rasa's read: Rasa takes the session's events by timestamp (at or after the
latest ``session_started``), the cache by row order after it. They differ only when servers'
clocks disagree by more than the time between two events.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

_INSTALLED = "_faqbot_cached_sessions"
_READ_FROM = "_faqbot_read_from"
"""On a tracker ``retrieve`` returned: the cached session and its (count, last id) then."""
CACHE_EVENTS = int(os.environ.get("FAQBOT_TRACKER_CACHE_EVENTS", "50000"))
"""Events a Rasa server keeps in memory, all conversations together (~2 KB each; least recently
used conversations go first)."""


@dataclass
class CachedSession:
    """A conversation's current session and the state of its rows it was read from."""

    count: int
    """The number of the conversation's rows, all sessions."""
    last_id: int
    last_timestamp: float | None
    events: list[Any]


class SessionCache:
    """The most recently used conversations' sessions, by sender id."""

    def __init__(self, max_events: int) -> None:
        """Keep sessions of at most ``max_events`` events together (the latest one always)."""
        self.max_events = max_events
        self._sessions: OrderedDict[str, CachedSession] = OrderedDict()

    def get(self, sender_id: str) -> CachedSession | None:
        """The cached session, marked as just used."""
        session = self._sessions.get(sender_id)
        if session is not None:
            self._sessions.move_to_end(sender_id)
        return session

    def put(self, sender_id: str, session: CachedSession) -> None:
        """Cache ``session``, then :meth:`trim`."""
        self._sessions[sender_id] = session
        self._sessions.move_to_end(sender_id)
        self.trim()

    def trim(self) -> None:
        """Drop the least recently used sessions while all hold more than ``max_events``."""
        total = sum(len(session.events) for session in self._sessions.values())
        while total > self.max_events and len(self._sessions) > 1:
            _, oldest = self._sessions.popitem(last=False)
            total -= len(oldest.events)

    def drop(self, sender_id: str) -> None:
        """Forget a conversation."""
        self._sessions.pop(sender_id, None)


def _cache(store: Any) -> SessionCache:
    cache = store.__dict__.get(_INSTALLED)
    if cache is None:
        cache = store.__dict__[_INSTALLED] = SessionCache(CACHE_EVENTS)
    return cache


def _deserialise(rows: list[Any]) -> list[Any]:
    from rasa.shared.core.events import deserialise_events

    return list(deserialise_events([json.loads(row.data) for row in rows]))


def _fresh(store: Any, db: Any, sender_id: str) -> CachedSession | None:
    """The cached session brought up to date with the database, or None if a full read must do."""
    import sqlalchemy as sa
    from rasa.shared.core.events import SessionStarted

    cache = _cache(store)
    cached = cache.get(sender_id)
    if cached is None:
        return None
    # Core statements, not ORM queries: a turn's read is two small indexed queries
    table = store.SQLEvent.__table__
    count = db.execute(
        sa.select(sa.func.count(table.c.id)).where(table.c.sender_id == sender_id)
    ).scalar()
    rows = db.execute(
        sa.select(table.c.id, table.c.timestamp, table.c.type_name, table.c.data)
        .where(table.c.sender_id == sender_id, table.c.id >= cached.last_id)
        .order_by(table.c.id)
    ).all()
    if (
        not rows
        or rows[0].id != cached.last_id
        or rows[0].timestamp != cached.last_timestamp
        or count != cached.count + len(rows) - 1
        or any(row.type_name == SessionStarted.type_name for row in rows[1:])
    ):
        cache.drop(sender_id)
        return None
    if len(rows) > 1:  # written by another server since
        cached.events.extend(_deserialise(rows[1:]))
        cached.count = count
        cached.last_id = rows[-1].id
        cached.last_timestamp = rows[-1].timestamp
        cache.trim()
    return cached


def _full_read(store: Any, db: Any, sender_id: str) -> CachedSession | None:
    """Rasa's read of the current session, with the row count and last row it matches."""
    import sqlalchemy as sa

    event = store.SQLEvent
    # the count and last row first: the session's rows are then read up to that row, so a row
    # another server writes meanwhile is read as new next time, never counted but missing
    count = db.query(sa.func.count(event.id)).filter(event.sender_id == sender_id).scalar()
    last = (
        db.query(event.id, event.timestamp)
        .filter(event.sender_id == sender_id)
        .order_by(event.id.desc())
        .first()
    )
    if last is None:
        return None
    rows = (
        store._event_query(db, sender_id, fetch_events_from_all_sessions=False)
        .filter(event.id <= last.id)
        .all()
    )
    if not rows:
        return None
    return CachedSession(count, last.id, last.timestamp, _deserialise(rows))


async def retrieve(self: Any, sender_id: str) -> Any:
    """``SQLTrackerStore.retrieve``: the current session, from the cache when it is current."""
    from rasa.shared.core.trackers import DialogueStateTracker

    with self.session_scope() as db:
        cached = _fresh(self, db, sender_id)
        if cached is None:
            cached = _full_read(self, db, sender_id)
            if cached is None or not self.domain:
                return None
            _cache(self).put(sender_id, cached)
    tracker = DialogueStateTracker.from_events(
        sender_id, [copy.copy(event) for event in cached.events], self.domain.slots
    )
    _mark_read(tracker, cached)
    return tracker


def _mark_read(tracker: Any, cached: CachedSession) -> None:
    tracker.__dict__[_READ_FROM] = (cached, cached.count, cached.last_id)


def _read_from(store: Any, tracker: Any) -> CachedSession | None:
    """The cached session ``tracker`` was read from, if it is still current (see the module)."""
    marked = tracker.__dict__.get(_READ_FROM)
    if marked is None:
        return None
    cached, count, last_id = marked
    current = _cache(store).get(tracker.sender_id)
    if current is not cached or (cached.count, cached.last_id) != (count, last_id):
        return None
    if len(tracker.events) < len(cached.events):
        return None  # events taken away from the tracker: Rasa's way below
    return current


async def save(self: Any, tracker: Any) -> None:
    """``SQLTrackerStore.save``: stream and store the events the database does not have yet."""
    from rasa.core.brokers.sql import SQLEventBroker
    from rasa.shared.core.events import SessionStarted
    from rasa.shared.nlu.constants import INTENT_NAME_KEY

    sender_id = tracker.sender_id
    cached = _read_from(self, tracker)
    if cached is not None:
        stored = len(cached.events)
    else:
        with self.session_scope() as db:
            cached = _fresh(self, db, sender_id)
            stored = (
                len(cached.events)
                if cached is not None
                else self._event_query(db, sender_id, fetch_events_from_all_sessions=False).count()
            )
    new_events = list(itertools.islice(tracker.events, stored, len(tracker.events)))
    serialised = [event.as_dict() for event in new_events]
    if isinstance(self.event_broker, SQLEventBroker):
        _publish(self.event_broker, sender_id, serialised)
    elif self.event_broker is not None:
        await self._stream_new_events(self.event_broker, new_events, sender_id)
    if not new_events:
        return
    rows = [
        {
            "sender_id": sender_id,
            "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }
        for event, data in zip(new_events, serialised, strict=True)
    ]
    last_id = _insert(self.engine, self.SQLEvent.__table__, rows)
    last_timestamp = rows[-1]["timestamp"]
    if cached is None:
        return
    if any(isinstance(event, SessionStarted) for event in new_events):
        _cache(self).drop(sender_id)  # the next read starts from the new session's rows
        return
    cached.events.extend(copy.copy(event) for event in new_events)
    cached.count += len(new_events)
    cached.last_id = last_id
    cached.last_timestamp = last_timestamp
    _mark_read(tracker, cached)  # the tracker and the cache hold the same events again
    _cache(self).trim()


async def _stream_new_events(
    self: Any, event_broker: Any, new_events: list[Any], sender_id: str
) -> None:
    """``TrackerStore._stream_new_events``: one transaction for Rasa's SQL event broker."""
    from rasa.core.brokers.sql import SQLEventBroker

    if not isinstance(event_broker, SQLEventBroker):
        await _original_stream(self, event_broker, new_events, sender_id)
        return
    _publish(event_broker, sender_id, [event.as_dict() for event in new_events])


def _publish(event_broker: Any, sender_id: str, serialised: list[dict[str, Any]]) -> None:
    """Write a turn's serialised events to Rasa's SQL event broker in one transaction."""
    if serialised:
        rows = [
            {"sender_id": sender_id, "data": json.dumps({"sender_id": sender_id, **data})}
            for data in serialised
        ]
        _insert(event_broker.engine, event_broker.SQLBrokerEvent.__table__, rows)


def _insert(engine: Any, table: Any, rows: list[dict[str, Any]]) -> Any:
    """Insert ``rows`` in one transaction; returns the last one's primary key.

    SQLAlchemy Core statements instead of ORM objects: the ORM's unit of work was most of a
    turn's saving (docs/performance.md "Event-loop stalls").
    """
    with engine.begin() as connection:
        if len(rows) > 1:
            connection.execute(table.insert(), rows[:-1])
        return connection.execute(table.insert(), rows[-1]).inserted_primary_key[0]


_original_stream: Any = None


def install() -> None:
    """Patch Rasa's ``SQLTrackerStore`` (idempotent)."""
    global _original_stream
    from rasa.core.tracker_store import SQLTrackerStore, TrackerStore

    if getattr(SQLTrackerStore.save, _INSTALLED, False):
        return
    _original_stream = TrackerStore._stream_new_events
    for function in (retrieve, save, _stream_new_events):
        setattr(function, _INSTALLED, True)
    SQLTrackerStore.retrieve = retrieve  # type: ignore[method-assign]
    SQLTrackerStore.save = save  # type: ignore[method-assign]
    SQLTrackerStore._stream_new_events = _stream_new_events  # type: ignore[method-assign]
