"""Tickets, their messages, agents, sessions, the outbox and the escalation log, in SQLite or
PostgreSQL.

SQLAlchemy Core over one engine; every public method is one transaction, and the methods
called within :meth:`Store.atomic` are one together (a ticket change and its outbox row). Times
are stored as UTC. Text columns store whatever Unicode shoppers send (:func:`clean_text`).
SQLite runs in WAL mode with a busy timeout, because the action server (escalations) and the
handoff service (everything else) write to the same file.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.conversation import (
    OPEN_STATUSES,
    SENDER_SHOPPER,
    STATUS_ACTIVE,
    STATUS_OFFLINE,
    STATUS_QUEUED,
    OpenStatus,
    Sender,
    TicketStatus,
)
from bot.sqldb import create_db_engine
from handoff.config import CONSOLE
from handoff.errors import HandoffConfigError, StorageError, UnknownConversation
from handoff.tickets import ROLE_AGENT, AgentProfile, Message, SavedReply, Ticket


def clean_text(text: str) -> str:
    """``text`` as every database stores it: lone surrogates become U+FFFD, NULs are dropped.

    JSON may carry both (``"\\ud800"``, ``"\\u0000"``); UTF-8 has no lone surrogates and
    PostgreSQL's text no NUL. A surrogate pair split over two code points is joined.
    """
    if not text.isascii():
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text.replace("\x00", "")


class SafeText(sa.types.TypeDecorator[str]):
    """``Text`` that stores any ``str``, cleaned by :func:`clean_text` on the way in."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: sa.Dialect) -> str | None:
        """Clean what is written (and compared)."""
        return None if value is None else clean_text(value)


metadata = sa.MetaData()

tickets = sa.Table(
    "tickets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
    sa.Column("channel", sa.String(64), nullable=False),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("reason", sa.String(64), nullable=False),
    sa.Column("backend", sa.String(64), nullable=False),
    sa.Column("external_id", sa.String(255)),
    sa.Column("agent", sa.String(64)),
    sa.Column("email", sa.String(320)),
    sa.Column("question", SafeText),
    sa.Column("candidates", SafeText, nullable=False, default="[]"),
    sa.Column("events_seen", sa.Integer, nullable=False, default=0),
    # whether the Rasa conversation is paused for this ticket (resumed when it is closed)
    sa.Column("paused", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("claimed_at", sa.DateTime(timezone=True)),
    sa.Column("closed_at", sa.DateTime(timezone=True)),
)

messages = sa.Table(
    "messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id"), nullable=False, index=True),
    sa.Column("sender", sa.String(16), nullable=False),  # a bot.conversation.Sender
    sa.Column("author", sa.String(64)),
    sa.Column("text", SafeText, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)

agents = sa.Table(
    "agents",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_seen_at", sa.DateTime(timezone=True)),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("agent", sa.String(64), sa.ForeignKey("agents.name"), nullable=False),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id"), nullable=False),
    sa.Column("backend", sa.String(64), nullable=False),
    sa.Column("event", sa.String(64), nullable=False),
    sa.Column("payload", SafeText, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("delivered_at", sa.DateTime(timezone=True)),
    sa.Column("failed_at", sa.DateTime(timezone=True)),
    sa.Column("last_error", SafeText),
)

# what an agent may do and speaks; a table of its own so older databases get it by create_all
agent_profiles = sa.Table(
    "agent_profiles",
    metadata,
    sa.Column("name", sa.String(64), sa.ForeignKey("agents.name"), primary_key=True),
    sa.Column("role", sa.String(16), nullable=False, default=ROLE_AGENT),  # an AgentRole
    sa.Column("languages", sa.String(64), nullable=False, default=""),  # "fi,sv"
)

# answers agents reuse, per language; leads edit them
saved_replies = sa.Table(
    "saved_replies",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("language", sa.String(8), nullable=False, index=True),
    sa.Column("title", SafeText, nullable=False),
    sa.Column("text", SafeText, nullable=False),
    sa.Column("updated_by", sa.String(64)),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

# unanswered questions an editor marked done on the insights page (by normalised text)
insight_done = sa.Table(
    "insight_done",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("text", SafeText, nullable=False),
    sa.Column("done_by", sa.String(64), nullable=False),
    sa.Column("done_at", sa.DateTime(timezone=True), nullable=False),
)

# one row per ticket created, for the flood limits of escalations (rows older than the longest
# window are pruned as new ones come)
escalation_log = sa.Table(
    "escalation_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sender", sa.String(255), nullable=False, index=True),
    sa.Column("client", sa.String(255), nullable=False, index=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
)


# how far the handoff service has read a stream, e.g. Rasa's event broker table (its row id)
cursors = sa.Table(
    "cursors",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("position", sa.BigInteger, nullable=False),
)


# a forgotten or purged ticket keeps its row (channel, language, reason, backend, agent, times:
# the statistics) with this in place of the conversation id and every personal field blank
FORGOTTEN = "forgotten"
# the outbox event that asks a partner to delete its copy of a forgotten ticket
EVENT_FORGOTTEN = "handoff.forgotten"


def utcnow() -> datetime:
    """Now, timezone-aware UTC."""
    return datetime.now(UTC)


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class PartnerCopy:
    """A forgotten ticket that was sent to a partner, which keeps its own copy."""

    ticket_id: int
    backend: str
    external_id: str | None
    notified: bool  # a ``handoff.forgotten`` event was queued for it


@dataclass
class OutboxItem:
    """A backend delivery that has not succeeded yet."""

    id: int
    ticket_id: int
    backend: str
    event: str
    payload: dict[str, Any]
    attempts: int


def _ticket(row: Any) -> Ticket:
    return Ticket(
        id=row.id,
        conversation_id=row.conversation_id,
        channel=row.channel,
        language=row.language,
        status=row.status,
        reason=row.reason,
        backend=row.backend,
        created_at=_aware(row.created_at) or utcnow(),
        external_id=row.external_id,
        agent=row.agent,
        email=row.email,
        question=row.question,
        candidates=json.loads(row.candidates or "[]"),
        events_seen=row.events_seen,
        paused=bool(row.paused),
        claimed_at=_aware(row.claimed_at),
        closed_at=_aware(row.closed_at),
    )


def _message(row: Any) -> Message:
    return Message(
        id=row.id,
        ticket_id=row.ticket_id,
        sender=row.sender,
        text=row.text,
        at=_aware(row.at) or utcnow(),
        author=row.author,
    )


def _saved_reply(row: Any) -> SavedReply:
    return SavedReply(
        id=row.id,
        language=row.language,
        title=row.title,
        text=row.text,
        updated_by=row.updated_by,
        updated_at=_aware(row.updated_at) or utcnow(),
    )


class Store:
    """All persistent handoff state."""

    def __init__(self, url: str) -> None:
        self.url = url
        try:
            self.engine = create_db_engine(url)
        except (sa.exc.ArgumentError, ValueError, ImportError) as exc:  # never shows the URL
            raise HandoffConfigError(f"the database URL is not usable: {exc}") from None
        self._local = threading.local()  # the open transaction of this thread, if any

    def create_schema(self) -> None:
        """Create missing tables (idempotent)."""
        try:
            metadata.create_all(self.engine)
        except sa.exc.SQLAlchemyError as exc:
            raise StorageError(f"cannot prepare the database {self._safe_url()}: {exc}") from exc

    def _safe_url(self) -> str:
        return sa.engine.make_url(self.engine.url).render_as_string(hide_password=True)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction (within :meth:`atomic`, the atomic one); database errors become
        :class:`StorageError`."""
        current: Connection | None = getattr(self._local, "connection", None)
        if current is not None:
            yield current
            return
        try:
            with self.engine.begin() as conn:
                self._local.connection = conn
                try:
                    yield conn
                finally:
                    self._local.connection = None
        except sa.exc.SQLAlchemyError as exc:
            raise StorageError(f"database error ({self._safe_url()}): {exc}") from exc

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """The store calls of this thread within are one transaction: all their writes are
        committed at the end, or none when an exception leaves the block.

        Raises:
            StorageError: the database failed (nothing was written).
        """
        with self.transaction():
            yield

    def ping(self) -> bool:
        """Whether the database answers."""
        try:
            with self.transaction() as conn:
                conn.execute(sa.select(1))
        except StorageError:
            return False
        return True

    # tickets -------------------------------------------------------------------------------

    def open_ticket_for(self, conversation_id: str) -> Ticket | None:
        """The conversation's ticket that is not closed yet, if any."""
        with self.transaction() as conn:
            row = conn.execute(
                sa.select(tickets)
                .where(tickets.c.conversation_id == conversation_id)
                .where(tickets.c.status.in_(OPEN_STATUSES))
                .order_by(tickets.c.id.desc())
            ).first()
        return _ticket(row) if row else None

    def create_ticket(
        self,
        *,
        conversation_id: str,
        channel: str,
        language: str,
        status: TicketStatus,
        reason: str,
        backend: str,
        candidates: list[dict[str, Any]],
        transcript: list[tuple[Sender, str, datetime]],
        events_seen: int,
        paused: bool,
        question: str | None = None,
        external_id: str | None = None,
    ) -> Ticket:
        """Store a new ticket with its transcript (sender, text, time)."""
        now = utcnow()
        with self.transaction() as conn:
            ticket_id = conn.execute(
                tickets.insert().values(
                    conversation_id=conversation_id,
                    channel=channel,
                    language=language,
                    status=status,
                    reason=reason,
                    backend=backend,
                    external_id=external_id,
                    question=question,
                    candidates=json.dumps(candidates, ensure_ascii=False),
                    events_seen=events_seen,
                    paused=paused,
                    created_at=now,
                )
            ).inserted_primary_key[0]  # type: ignore[index]
            if transcript:
                conn.execute(
                    messages.insert(),
                    [
                        {"ticket_id": ticket_id, "sender": sender, "text": text, "at": at}
                        for sender, text, at in transcript
                    ],
                )
        return self.ticket(int(ticket_id))

    def ticket(self, ticket_id: int) -> Ticket:
        """The ticket with this id.

        Raises:
            UnknownConversation: when there is none.
        """
        with self.transaction() as conn:
            row = conn.execute(sa.select(tickets).where(tickets.c.id == ticket_id)).first()
        if row is None:
            raise UnknownConversation(f"no ticket {ticket_id}")
        return _ticket(row)

    def ticket_by_external_id(self, backend: str, external_id: str) -> Ticket | None:
        """The newest ticket a backend knows by its own id."""
        with self.transaction() as conn:
            row = conn.execute(
                sa.select(tickets)
                .where(tickets.c.backend == backend, tickets.c.external_id == external_id)
                .order_by(tickets.c.id.desc())
            ).first()
        return _ticket(row) if row else None

    def list_tickets(
        self, statuses: tuple[str, ...] = OPEN_STATUSES, limit: int | None = None
    ) -> list[Ticket]:
        """Tickets in these states (unknown ones match nothing); offline first, then oldest.

        Without ``limit`` all of them: the console and the Rasa sync must see every open one.
        """
        order = sa.case((tickets.c.status == STATUS_OFFLINE, 0), else_=1)
        query = (
            sa.select(tickets)
            .where(tickets.c.status.in_(statuses))
            .order_by(order, tickets.c.created_at, tickets.c.id)
        )
        with self.transaction() as conn:
            rows = conn.execute(query if limit is None else query.limit(limit)).all()
        return [_ticket(row) for row in rows]

    def update_ticket(self, ticket_id: int, **values: Any) -> Ticket:
        """Set columns of a ticket."""
        if "candidates" in values:
            values["candidates"] = json.dumps(values["candidates"], ensure_ascii=False)
        with self.transaction() as conn:
            done = conn.execute(tickets.update().where(tickets.c.id == ticket_id).values(**values))
        if done.rowcount == 0:
            raise UnknownConversation(f"no ticket {ticket_id}")
        return self.ticket(ticket_id)

    def claim(self, ticket_id: int, agent: str, claimable: tuple[OpenStatus, ...]) -> bool:
        """Atomically give a ``claimable`` ticket to ``agent``; False if someone was faster."""
        with self.transaction() as conn:
            done = conn.execute(
                tickets.update()
                .where(tickets.c.id == ticket_id, tickets.c.status.in_(claimable))
                .values(status=STATUS_ACTIVE, agent=agent, claimed_at=utcnow())
            )
        return bool(done.rowcount)

    def queue_length(self, backend: str) -> int:
        """Queued tickets waiting for an agent of ``backend``."""
        with self.transaction() as conn:
            count = conn.execute(
                sa.select(sa.func.count())
                .select_from(tickets)
                .where(tickets.c.status == STATUS_QUEUED, tickets.c.backend == backend)
            ).scalar_one()
        return int(count)

    def queue_position(self, ticket: Ticket) -> int:
        """1 + the number of queued tickets of the same backend that came before ``ticket``."""
        with self.transaction() as conn:
            ahead = conn.execute(
                sa.select(sa.func.count())
                .select_from(tickets)
                .where(
                    tickets.c.status == STATUS_QUEUED,
                    tickets.c.backend == ticket.backend,
                    tickets.c.id < ticket.id,
                )
            ).scalar_one()
        return int(ahead) + 1

    def recent_waits(self, since: datetime, limit: int = 20) -> list[float]:
        """Seconds from creation to claim of the most recently claimed tickets."""
        with self.transaction() as conn:
            rows = conn.execute(
                sa.select(tickets.c.created_at, tickets.c.claimed_at)
                .where(tickets.c.claimed_at.is_not(None), tickets.c.claimed_at >= since)
                .order_by(tickets.c.claimed_at.desc())
                .limit(limit)
            ).all()
        return [
            (
                (_aware(row.claimed_at) or utcnow()) - (_aware(row.created_at) or utcnow())
            ).total_seconds()
            for row in rows
        ]

    # messages ------------------------------------------------------------------------------

    def add_message(
        self,
        ticket_id: int,
        sender: Sender,
        text: str,
        author: str | None = None,
        at: datetime | None = None,
    ) -> Message:
        """Append a line to a ticket's transcript."""
        moment = at or utcnow()
        with self.transaction() as conn:
            message_id = conn.execute(
                messages.insert().values(
                    ticket_id=ticket_id, sender=sender, author=author, text=text, at=moment
                )
            ).inserted_primary_key[0]  # type: ignore[index]
        return Message(int(message_id), ticket_id, sender, clean_text(text), moment, author)

    def record_shopper_messages(
        self, ticket_id: int, texts: list[tuple[str, datetime]], events_seen: int | None = None
    ) -> list[Message]:
        """Store messages read from Rasa and how far the tracker has been read (unless
        ``events_seen`` is None: read from the event broker), atomically."""
        stored = []
        with self.transaction() as conn:
            for text, at in texts:
                message_id = conn.execute(
                    messages.insert().values(
                        ticket_id=ticket_id, sender=SENDER_SHOPPER, text=text, at=at
                    )
                ).inserted_primary_key[0]  # type: ignore[index]
                stored.append(
                    Message(int(message_id), ticket_id, SENDER_SHOPPER, clean_text(text), at)
                )
            if events_seen is not None:
                conn.execute(
                    tickets.update()
                    .where(tickets.c.id == ticket_id)
                    .values(events_seen=events_seen)
                )
        return stored

    def cursor(self, name: str) -> int:
        """How far the stream ``name`` has been read (0: not yet)."""
        with self.transaction() as conn:
            value = conn.execute(
                sa.select(cursors.c.position).where(cursors.c.name == name)
            ).scalar_one_or_none()
        return int(value or 0)

    def set_cursor(self, name: str, position: int) -> None:
        """Record that ``name`` has been read up to ``position`` (call within :meth:`atomic`
        with what was stored from it)."""
        with self.transaction() as conn:
            done = conn.execute(
                cursors.update().where(cursors.c.name == name).values(position=position)
            )
            if not done.rowcount:
                conn.execute(cursors.insert().values(name=name, position=position))

    def messages(self, ticket_id: int, after_id: int = 0) -> list[Message]:
        """A ticket's transcript, oldest first, optionally only lines after ``after_id``."""
        with self.transaction() as conn:
            rows = conn.execute(
                sa.select(messages)
                .where(messages.c.ticket_id == ticket_id, messages.c.id > after_id)
                .order_by(messages.c.id)
            ).all()
        return [_message(row) for row in rows]

    def last_message_at(self, ticket_id: int, sender: Sender) -> datetime | None:
        """When ``sender`` (e.g. ``shopper``) last wrote in the ticket, if ever."""
        with self.transaction() as conn:
            value = conn.execute(
                sa.select(sa.func.max(messages.c.at)).where(
                    messages.c.ticket_id == ticket_id, messages.c.sender == sender
                )
            ).scalar_one_or_none()
        return _aware(value)

    def last_message_ids(self, ticket_ids: list[int]) -> dict[int, int]:
        """The newest message id per ticket (for "new messages" badges)."""
        if not ticket_ids:
            return {}
        with self.transaction() as conn:
            rows = conn.execute(
                sa.select(messages.c.ticket_id, sa.func.max(messages.c.id))
                .where(messages.c.ticket_id.in_(ticket_ids))
                .group_by(messages.c.ticket_id)
            ).all()
        return {int(ticket_id): int(last) for ticket_id, last in rows}

    # agents and sessions -------------------------------------------------------------------

    def add_agent(self, name: str, password_hash: str) -> bool:
        """Create an agent, or replace an existing agent's password; True when created."""
        with self.transaction() as conn:
            exists = conn.execute(sa.select(agents.c.name).where(agents.c.name == name)).first()
            if exists:
                conn.execute(
                    agents.update().where(agents.c.name == name).values(password_hash=password_hash)
                )
                conn.execute(sessions.delete().where(sessions.c.agent == name))
                return False
            conn.execute(
                agents.insert().values(name=name, password_hash=password_hash, created_at=utcnow())
            )
        return True

    def agent_password_hash(self, name: str) -> str | None:
        """The stored hash, or None for an unknown agent."""
        with self.transaction() as conn:
            value = conn.execute(
                sa.select(agents.c.password_hash).where(agents.c.name == name)
            ).scalar_one_or_none()
        return str(value) if value is not None else None

    def replace_password_hash(self, name: str, old: str, new: str) -> bool:
        """Swap ``old`` for ``new`` (a rehash at login); False if the password changed meanwhile."""
        with self.transaction() as conn:
            done = conn.execute(
                agents.update()
                .where(agents.c.name == name, agents.c.password_hash == old)
                .values(password_hash=new)
            )
        return bool(done.rowcount)

    def list_agents(self) -> list[str]:
        """All agent names."""
        with self.transaction() as conn:
            return [
                str(name)
                for name in conn.execute(sa.select(agents.c.name).order_by(agents.c.name)).scalars()
            ]

    def remove_agent(self, name: str) -> bool:
        """Delete an agent and their sessions; False when unknown."""
        with self.transaction() as conn:
            conn.execute(sessions.delete().where(sessions.c.agent == name))
            conn.execute(agent_profiles.delete().where(agent_profiles.c.name == name))
            return bool(conn.execute(agents.delete().where(agents.c.name == name)).rowcount)

    def mark_done(self, keys: dict[str, str], by: str) -> int:
        """Mark unanswered questions (key -> text) done; returns how many were new."""
        with self.transaction() as conn:
            known = set(
                conn.execute(
                    sa.select(insight_done.c.key).where(insight_done.c.key.in_(sorted(keys)))
                ).scalars()
            )
            fresh = [
                {"key": key, "text": text, "done_by": by, "done_at": utcnow()}
                for key, text in keys.items()
                if key not in known
            ]
            if fresh:
                conn.execute(insight_done.insert(), fresh)
        return len(fresh)

    def done_keys(self) -> set[str]:
        """Keys of the unanswered questions marked done."""
        with self.transaction() as conn:
            return {str(key) for key in conn.execute(sa.select(insight_done.c.key)).scalars()}

    def touch_agent(self, name: str, at: datetime | None = None) -> None:
        """Mark the agent as seen (the console polls, so this is "online")."""
        with self.transaction() as conn:
            conn.execute(
                agents.update().where(agents.c.name == name).values(last_seen_at=at or utcnow())
            )

    def agents_online(self, since: datetime) -> int:
        """Agents whose console was seen since ``since``."""
        with self.transaction() as conn:
            count = conn.execute(
                sa.select(sa.func.count()).select_from(agents).where(agents.c.last_seen_at >= since)
            ).scalar_one()
        return int(count)

    def create_session(self, token_hash: str, agent: str, csrf_token: str, hours: float) -> None:
        """Store a login session."""
        with self.transaction() as conn:
            conn.execute(sessions.delete().where(sessions.c.expires_at < utcnow()))
            conn.execute(
                sessions.insert().values(
                    token_hash=token_hash,
                    agent=agent,
                    csrf_token=csrf_token,
                    expires_at=utcnow() + timedelta(hours=hours),
                )
            )

    def session(self, token_hash: str) -> tuple[str, str] | None:
        """(agent, csrf token) of a live session."""
        with self.transaction() as conn:
            row = conn.execute(
                sa.select(sessions.c.agent, sessions.c.csrf_token, sessions.c.expires_at).where(
                    sessions.c.token_hash == token_hash
                )
            ).first()
        if row is None or (_aware(row.expires_at) or utcnow()) < utcnow():
            return None
        return str(row.agent), str(row.csrf_token)

    def delete_session(self, token_hash: str) -> None:
        """Log out."""
        with self.transaction() as conn:
            conn.execute(sessions.delete().where(sessions.c.token_hash == token_hash))

    def agent_profile(self, name: str) -> AgentProfile:
        """The agent's role and languages (an agent without a profile row: role ``agent``)."""
        with self.transaction() as conn:
            row = conn.execute(
                sa.select(agent_profiles).where(agent_profiles.c.name == name)
            ).first()
        if row is None:
            return AgentProfile(name)
        languages = tuple(code for code in str(row.languages).split(",") if code)
        return AgentProfile(name, row.role, languages)

    def set_agent_profile(
        self, name: str, *, role: str | None = None, languages: Collection[str] | None = None
    ) -> AgentProfile:
        """Set what is given of an existing agent's role and languages.

        Raises:
            UnknownConversation: no agent is called ``name``.
        """
        current = self.agent_profile(name)
        values = {
            "role": role if role is not None else current.role,
            "languages": ",".join(languages if languages is not None else current.languages),
        }
        with self.transaction() as conn:
            if conn.execute(sa.select(agents.c.name).where(agents.c.name == name)).first() is None:
                raise UnknownConversation(f"no agent called {name!r}")
            done = conn.execute(
                agent_profiles.update().where(agent_profiles.c.name == name).values(**values)
            )
            if not done.rowcount:
                conn.execute(agent_profiles.insert().values(name=name, **values))
        return self.agent_profile(name)

    def online_speakers(self, language: str, since: datetime) -> list[str]:
        """The agents seen since ``since`` who listed ``language``, by name."""
        with self.transaction() as conn:
            rows = conn.execute(
                sa.select(agent_profiles.c.name, agent_profiles.c.languages)
                .join(agents, agents.c.name == agent_profiles.c.name)
                .where(agents.c.last_seen_at >= since)
                .order_by(agent_profiles.c.name)
            ).all()
        return [str(row.name) for row in rows if language in str(row.languages).split(",")]

    # saved replies -------------------------------------------------------------------------

    def saved_replies(self, language: str | None = None) -> list[SavedReply]:
        """Saved replies (of ``language`` when given), by language and title."""
        query = sa.select(saved_replies).order_by(
            saved_replies.c.language, saved_replies.c.title, saved_replies.c.id
        )
        if language is not None:
            query = query.where(saved_replies.c.language == language)
        with self.transaction() as conn:
            return [_saved_reply(row) for row in conn.execute(query).all()]

    def save_reply(
        self, language: str, title: str, text: str, by: str, reply_id: int | None = None
    ) -> SavedReply:
        """Create a saved reply, or replace the one with ``reply_id``.

        Raises:
            UnknownConversation: there is no saved reply ``reply_id``.
        """
        values = {
            "language": language,
            "title": title,
            "text": text,
            "updated_by": by,
            "updated_at": utcnow(),
        }
        with self.transaction() as conn:
            if reply_id is None:
                reply_id = int(
                    conn.execute(saved_replies.insert().values(**values)).inserted_primary_key[0]  # type: ignore[index]
                )
            elif not conn.execute(
                saved_replies.update().where(saved_replies.c.id == reply_id).values(**values)
            ).rowcount:
                raise UnknownConversation(f"no saved reply {reply_id}")
            row = conn.execute(sa.select(saved_replies).where(saved_replies.c.id == reply_id)).one()
        return _saved_reply(row)

    def delete_reply(self, reply_id: int) -> bool:
        """Delete a saved reply; False when there is none with this id."""
        with self.transaction() as conn:
            done = conn.execute(saved_replies.delete().where(saved_replies.c.id == reply_id))
        return bool(done.rowcount)

    # outbox --------------------------------------------------------------------------------

    def enqueue(
        self,
        ticket_id: int,
        backend: str,
        event: str,
        payload: dict[str, Any],
        at: datetime | None = None,
    ) -> int:
        """Persist a delivery for a backend; the worker sends it (again) until it succeeds."""
        with self.transaction() as conn:
            return int(
                conn.execute(
                    outbox.insert().values(
                        ticket_id=ticket_id,
                        backend=backend,
                        event=event,
                        payload=json.dumps(payload, ensure_ascii=False),
                        attempts=0,
                        next_attempt_at=at or utcnow(),
                    )
                ).inserted_primary_key[0]  # type: ignore[index]
            )

    def due_deliveries(self, now: datetime | None = None, limit: int = 20) -> list[OutboxItem]:
        """Undelivered, not given up, due now; oldest first (per ticket order is kept)."""
        with self.transaction() as conn:
            rows = conn.execute(
                sa.select(outbox)
                .where(
                    outbox.c.delivered_at.is_(None),
                    outbox.c.failed_at.is_(None),
                    outbox.c.next_attempt_at <= (now or utcnow()),
                )
                .order_by(outbox.c.id)
                .limit(limit)
            ).all()
        return [
            OutboxItem(
                row.id, row.ticket_id, row.backend, row.event, json.loads(row.payload), row.attempts
            )
            for row in rows
        ]

    def pending_before(self, item: OutboxItem) -> bool:
        """Whether an earlier delivery of the same ticket and backend is still undelivered."""
        with self.transaction() as conn:
            row = conn.execute(
                sa.select(outbox.c.id).where(
                    outbox.c.ticket_id == item.ticket_id,
                    outbox.c.backend == item.backend,
                    outbox.c.id < item.id,
                    outbox.c.delivered_at.is_(None),
                    outbox.c.failed_at.is_(None),
                )
            ).first()
        return row is not None

    def mark_delivered(self, item_id: int) -> None:
        """The backend accepted it."""
        with self.transaction() as conn:
            conn.execute(
                outbox.update()
                .where(outbox.c.id == item_id)
                .values(delivered_at=utcnow(), attempts=outbox.c.attempts + 1, last_error=None)
            )

    def mark_failed(self, item_id: int, error: str, retry_at: datetime | None) -> None:
        """Record a failed attempt; ``retry_at`` None gives up (the error needs a person)."""
        values: dict[str, Any] = {"attempts": outbox.c.attempts + 1, "last_error": error[:2000]}
        if retry_at is None:
            values["failed_at"] = utcnow()
        else:
            values["next_attempt_at"] = retry_at
        with self.transaction() as conn:
            conn.execute(outbox.update().where(outbox.c.id == item_id).values(**values))

    def outbox_status(self) -> dict[str, int]:
        """Counts of pending, delivered and failed deliveries."""
        with self.transaction() as conn:
            rows = conn.execute(
                sa.select(
                    sa.func.count().filter(
                        outbox.c.delivered_at.is_(None), outbox.c.failed_at.is_(None)
                    ),
                    sa.func.count().filter(outbox.c.delivered_at.is_not(None)),
                    sa.func.count().filter(outbox.c.failed_at.is_not(None)),
                )
            ).one()
        return {"pending": int(rows[0]), "delivered": int(rows[1]), "failed": int(rows[2])}

    # escalation log ------------------------------------------------------------------------

    def log_escalation(
        self, sender: str, client: str, at: datetime, forget_before: datetime
    ) -> None:
        """Note a new ticket of ``sender`` from ``client``; drop entries older than needed."""
        with self.transaction() as conn:
            conn.execute(escalation_log.delete().where(escalation_log.c.at < forget_before))
            conn.execute(escalation_log.insert().values(sender=sender, client=client, at=at))

    def escalations_since(
        self, since: datetime, *, sender: str | None = None, client: str | None = None
    ) -> int:
        """Tickets created since ``since``, of ``sender`` or ``client`` when given."""
        query = sa.select(sa.func.count()).select_from(escalation_log)
        query = query.where(escalation_log.c.at >= since)
        if sender is not None:
            query = query.where(escalation_log.c.sender == sender)
        if client is not None:
            query = query.where(escalation_log.c.client == client)
        with self.transaction() as conn:
            return int(conn.execute(query).scalar_one())

    # privacy -------------------------------------------------------------------------------

    def conversations_with_email(self, emails: set[str]) -> set[str]:
        """Conversations with a ticket that has one of these email addresses (any case)."""
        keys = {email.casefold() for email in emails}
        if not keys:
            return set()
        with self.transaction() as conn:
            rows = conn.execute(
                sa.select(tickets.c.conversation_id)
                .where(sa.func.lower(tickets.c.email).in_(sorted(keys)))
                .where(tickets.c.conversation_id != FORGOTTEN)
            ).scalars()
            return {str(row) for row in rows}

    def emails_of(self, conversation_ids: set[str]) -> set[str]:
        """Email addresses left on these conversations' tickets (lowercased)."""
        if not conversation_ids:
            return set()
        with self.transaction() as conn:
            rows = conn.execute(
                sa.select(tickets.c.email).where(
                    tickets.c.conversation_id.in_(sorted(conversation_ids)),
                    tickets.c.email.is_not(None),
                )
            ).scalars()
            return {str(row).casefold() for row in rows}

    def open_tickets_of(self, conversation_ids: set[str]) -> list[Ticket]:
        """The tickets of these conversations that are not closed yet."""
        if not conversation_ids:
            return []
        with self.transaction() as conn:
            rows = conn.execute(
                sa.select(tickets)
                .where(tickets.c.conversation_id.in_(sorted(conversation_ids)))
                .where(tickets.c.status.in_(OPEN_STATUSES))
                .order_by(tickets.c.id)
            ).all()
        return [_ticket(row) for row in rows]

    def open_conversations(self) -> set[str]:
        """Conversations that have an open ticket (never purged)."""
        with self.transaction() as conn:
            rows = conn.execute(
                sa.select(tickets.c.conversation_id).where(tickets.c.status.in_(OPEN_STATUSES))
            ).scalars()
            return {str(row) for row in rows}

    def forget(
        self,
        conversation_ids: set[str],
        emails: set[str],
        *,
        notify: Collection[str] = (),
        copies: list[PartnerCopy] | None = None,
        dry_run: bool = False,
    ) -> dict[str, int]:
        """Anonymise the closed tickets of these conversations or email addresses.

        Each ticket row stays for the statistics with its conversation id replaced by
        :data:`FORGOTTEN` and its email, question and backend id blanked; its transcript
        (shopper, bot and agent lines and notes), its outbox rows (their payloads hold the
        transcript) and the conversations' escalation-log rows are deleted. Open tickets are
        left alone: :meth:`open_tickets_of` finds them first. A ticket of a backend named in
        ``notify`` gets a ``handoff.forgotten`` outbox event (ticket id and the backend's own id,
        nothing else), so that partner can delete its copy; every ticket that went to a partner
        is added to ``copies``. ``dry_run`` counts and rolls back.

        Returns:
            ``tickets`` anonymised, ``messages``, ``outbox`` and ``escalation_log`` rows deleted,
            ``notices`` queued.
        """
        matches = []
        if conversation_ids:
            matches.append(tickets.c.conversation_id.in_(sorted(conversation_ids)))
        if emails:
            matches.append(sa.func.lower(tickets.c.email).in_(sorted(e.casefold() for e in emails)))
        counts = {"tickets": 0, "messages": 0, "outbox": 0, "escalation_log": 0, "notices": 0}
        if not matches:
            return counts
        with self._rehearsal(dry_run) as conn:
            found = conn.execute(
                sa.select(tickets.c.id, tickets.c.backend, tickets.c.external_id)
                .where(sa.or_(*matches), tickets.c.status.not_in(OPEN_STATUSES))
                .order_by(tickets.c.id)
            ).all()
            counts.update(self._anonymise(conn, [row.id for row in found]))
            for row in found:
                if copies is not None and row.backend != CONSOLE:
                    copies.append(
                        PartnerCopy(row.id, row.backend, row.external_id, row.backend in notify)
                    )
                if row.backend in notify:
                    ticket = {"id": row.id, "backend": row.backend, "external_id": row.external_id}
                    conn.execute(
                        outbox.insert().values(
                            ticket_id=row.id,
                            backend=row.backend,
                            event=EVENT_FORGOTTEN,
                            payload=json.dumps({"event": EVENT_FORGOTTEN, "ticket": ticket}),
                            attempts=0,
                            next_attempt_at=utcnow(),
                        )
                    )
                    counts["notices"] += 1
            if conversation_ids:
                counts["escalation_log"] = conn.execute(
                    escalation_log.delete().where(
                        escalation_log.c.sender.in_(sorted(conversation_ids))
                    )
                ).rowcount
        return counts

    def purge(self, before: datetime, *, dry_run: bool = False) -> dict[str, int]:
        """Anonymise (as :meth:`forget` does) tickets closed before ``before``; delete outbox
        rows created before it whose ticket is closed, old escalation-log rows and expired
        login sessions. Open tickets are never touched.

        Returns:
            ``tickets`` anonymised, ``messages``, ``outbox``, ``escalation_log`` and
            ``sessions`` rows deleted.
        """
        with self._rehearsal(dry_run) as conn:
            ids = list(
                conn.execute(
                    sa.select(tickets.c.id).where(
                        tickets.c.status.not_in(OPEN_STATUSES),
                        tickets.c.closed_at < before,
                        tickets.c.conversation_id != FORGOTTEN,
                    )
                ).scalars()
            )
            counts = self._anonymise(conn, ids)
            closed = sa.select(tickets.c.id).where(tickets.c.status.not_in(OPEN_STATUSES))
            counts["outbox"] += conn.execute(
                outbox.delete().where(
                    outbox.c.next_attempt_at < before, outbox.c.ticket_id.in_(closed)
                )
            ).rowcount
            counts["escalation_log"] = conn.execute(
                escalation_log.delete().where(escalation_log.c.at < before)
            ).rowcount
            counts["sessions"] = conn.execute(
                sessions.delete().where(sessions.c.expires_at < utcnow())
            ).rowcount
        return counts

    def _anonymise(self, conn: Connection, ids: list[int]) -> dict[str, int]:
        counts = {"tickets": 0, "messages": 0, "outbox": 0}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            counts["messages"] += conn.execute(
                messages.delete().where(messages.c.ticket_id.in_(chunk))
            ).rowcount
            counts["outbox"] += conn.execute(
                outbox.delete().where(outbox.c.ticket_id.in_(chunk))
            ).rowcount
            counts["tickets"] += conn.execute(
                tickets.update()
                .where(tickets.c.id.in_(chunk))
                .values(
                    conversation_id=FORGOTTEN,
                    email=None,
                    question=None,
                    external_id=None,
                    events_seen=0,
                    paused=False,
                )
            ).rowcount
        return counts

    @contextmanager
    def _rehearsal(self, dry_run: bool) -> Iterator[Connection]:
        """A transaction of its own, rolled back instead of committed when ``dry_run``."""
        try:
            with self.engine.connect() as conn:
                trans = conn.begin()
                try:
                    yield conn
                except BaseException:
                    trans.rollback()
                    raise
                if dry_run:
                    trans.rollback()
                else:
                    trans.commit()
        except sa.exc.SQLAlchemyError as exc:
            raise StorageError(f"database error ({self._safe_url()}): {exc}") from exc
