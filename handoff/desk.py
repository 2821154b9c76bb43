"""The handoff desk: escalations, queue, claiming, replies and hand-back.

The action server calls :meth:`HandoffDesk.escalate` and :meth:`HandoffDesk.leave_contact`;
the handoff service calls everything else. Both share the database, so an escalation is
stored even while the handoff service is down, and deliveries to helpdesk backends go
through the persisted outbox. Every change of a ticket's state goes through the desk, with
its rules: who may claim, reply to and close which chat. A ticket change and the outbox row
telling its backend are written in one transaction.
"""

from __future__ import annotations

import logging
import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from bot.conversation import (
    HANDOFF_NONE,
    META_AGENT,
    META_HANDOFF,
    META_LANGUAGE,
    SENDER_AGENT,
    SENDER_BOT,
    SENDER_NOTE,
    SENDER_SHOPPER,
    SENDER_SYSTEM,
    SLOT_HANDOFF,
    SLOT_SATISFACTION_ASKED,
    STATUS_ACTIVE,
    STATUS_CLOSED,
    STATUS_OFFLINE,
    STATUS_OVERFLOW,
    STATUS_QUEUED,
    EscalationReason,
    OpenStatus,
    Sender,
)
from bot.responses import fill, load_responses, pick_variation
from handoff.broker import BrokerReader
from handoff.config import CONSOLE, HandoffSettings
from handoff.delivery import Delivery, MessengerDelivery, RasaDelivery
from handoff.errors import (
    BrokerUnavailable,
    HandoffError,
    InvalidTransition,
    RasaUnavailable,
    TooManyEscalations,
    UnknownConversation,
)
from handoff.logs import FailureLog
from handoff.messenger import CHANNEL as MESSENGER
from handoff.messenger import MessengerClient
from handoff.rasa import RasaClient, bot_message, resume_events, set_slot
from handoff.store import Store, utcnow
from handoff.tickets import Message, Ticket, TicketJson

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

CLAIMABLE: tuple[OpenStatus, ...] = (STATUS_QUEUED, STATUS_OFFLINE, STATUS_OVERFLOW)
# tickets whose shopper waits in the chat: what they write there is read into the ticket
SYNCED: tuple[OpenStatus, ...] = (STATUS_QUEUED, STATUS_ACTIVE, STATUS_OVERFLOW)
# the store's cursor of Rasa's event broker table
BROKER_CURSOR = "rasa-event-broker"


@dataclass
class Escalation:
    """What the action server knows when a shopper needs a person."""

    conversation_id: str
    channel: str
    language: str
    reason: EscalationReason
    candidates: list[dict[str, Any]] = field(default_factory=list)
    transcript: list[tuple[Sender, str, datetime]] = field(default_factory=list)
    events_seen: int = 0
    question: str | None = None
    # who is asking, for the flood limits: the client's IP when the channel passes one
    client: str | None = None


@dataclass
class Outcome:
    """Where the escalation went, and what to tell the shopper."""

    status: OpenStatus
    ticket_id: int
    position: int | None = None
    wait_minutes: int | None = None
    back_at: datetime | None = None
    already_open: bool = False


class HandoffDesk:
    """Routing and state changes of tickets."""

    def __init__(
        self,
        settings: HandoffSettings,
        store: Store,
        rasa: RasaClient | None = None,
        clock: Clock = utcnow,
        messenger: MessengerClient | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self._rasa = rasa
        self.clock = clock
        self._messenger = messenger
        self._responses: dict[str, Any] | None = None
        self.failures = FailureLog(log)  # what the background sync reports, not every pass

    @property
    def rasa(self) -> RasaClient:
        """The Rasa client (created on first use; the action server never needs one)."""
        if self._rasa is None:
            self._rasa = RasaClient(self.settings.rasa_url)
        return self._rasa

    @property
    def messenger(self) -> MessengerClient:
        """The Send API client for Messenger chats (from ``FACEBOOK_*``, on first use)."""
        if self._messenger is None:
            self._messenger = MessengerClient.from_env()
        return self._messenger

    # escalation (action server) -------------------------------------------------------------

    def escalate(self, request: Escalation) -> Outcome:
        """Store a ticket and decide: queue, overflow to the partner, or offline.

        A conversation with an open ticket keeps it (asking twice does not queue twice).

        Raises:
            TooManyEscalations: a new ticket would pass a limit of ``settings.limits``.
        """
        existing = self.store.open_ticket_for(request.conversation_id)
        if existing is not None:
            return self._outcome(existing, already_open=True)
        self._within_limits(request)
        status, backend = self._route()
        with self.store.atomic():
            ticket = self.store.create_ticket(
                conversation_id=request.conversation_id,
                channel=request.channel,
                language=request.language,
                status=status,
                reason=request.reason,
                backend=backend,
                candidates=request.candidates,
                transcript=self._whole_transcript(request),
                events_seen=request.events_seen,
                paused=status != STATUS_OFFLINE,
                question=request.question,
            )
            if backend != CONSOLE:
                self._enqueue(ticket, "handoff.requested")
        log.info("ticket %d: %s via %s (%s)", ticket.id, status, backend, request.reason)
        return self._outcome(ticket)

    def _whole_transcript(self, request: Escalation) -> list[tuple[Sender, str, datetime]]:
        """The request's transcript after the lines of the conversation's earlier Rasa sessions.

        The escalating action sees only the current session (a long conversation starts new
        ones, channels/long_conversations.py); Rasa's stored tracker has every session but not
        yet the current turn. Without Rasa the agent still gets the current session.
        """
        first = min((at for _, _, at in request.transcript), default=None)
        earlier: list[tuple[Sender, str, datetime]] = []
        try:
            for event in self.rasa.tracker(request.conversation_id).get("events") or []:
                text = str(event.get("text") or "").strip()
                if event.get("event") not in ("user", "bot") or not text:
                    continue
                at = _event_time(event)
                if first is None or at < first:
                    earlier.append(
                        (SENDER_SHOPPER if event["event"] == "user" else SENDER_BOT, text, at)
                    )
        except (HandoffError, ValueError, OverflowError, OSError) as exc:
            log.warning("earlier transcript of %s not read: %s", request.conversation_id, exc)
            return list(request.transcript)
        return [*earlier, *request.transcript]

    def _within_limits(self, request: Escalation) -> None:
        """Refuse a new ticket over a sliding-window limit; otherwise log it as counted.

        Raises:
            TooManyEscalations: which limit was reached.
        """
        limits, now = self.settings.limits, self.clock()
        window = now - timedelta(minutes=limits.ticket_window_minutes)
        burst = now - timedelta(seconds=limits.burst_seconds)
        sender, client = request.conversation_id, request.client or request.conversation_id
        store = self.store
        if store.escalations_since(window, sender=sender) >= limits.tickets_per_sender:
            raise TooManyEscalations(f"conversation {sender} asked for a person too often")
        if store.escalations_since(window, client=client) >= limits.tickets_per_client:
            raise TooManyEscalations(f"client {client} asked for a person too often")
        if store.escalations_since(burst) >= limits.burst_tickets:
            raise TooManyEscalations(
                f"more than {limits.burst_tickets} new tickets within {limits.burst_seconds:g} s"
            )
        store.log_escalation(sender, client, now, forget_before=min(window, burst))

    def _route(self) -> tuple[OpenStatus, str]:
        now = self.clock()
        settings = self.settings
        if settings.backend != CONSOLE:
            return STATUS_QUEUED, settings.backend
        overflow = settings.overflow
        partner_open = overflow is not None and (
            overflow.hours is None or overflow.hours.is_open(now)
        )
        staffed = self.agents_online() > 0 or settings.when_no_agent_online == "queue"
        if settings.opening_hours.is_open(now) and staffed:
            if overflow is not None and partner_open:
                position = self.store.queue_length(CONSOLE) + 1
                if position > overflow.max_queue or (
                    self._wait_minutes(position) > overflow.max_wait_minutes
                ):
                    return STATUS_OVERFLOW, overflow.backend
            return STATUS_QUEUED, CONSOLE
        if overflow is not None and partner_open:
            return STATUS_OVERFLOW, overflow.backend
        return STATUS_OFFLINE, CONSOLE

    def agents_online(self) -> int:
        """Agents whose console was seen within ``agent_online_seconds``."""
        since = self.clock() - timedelta(seconds=self.settings.agent_online_seconds)
        return self.store.agents_online(since)

    def _wait_minutes(self, position: int) -> int:
        """Expected wait: recent median time-to-claim per queue position, shared by agents."""
        waits = self.store.recent_waits(self.clock() - timedelta(days=14))
        per_position = (
            statistics.median(waits) / 60 if waits else self.settings.default_wait_minutes
        )
        agents = max(1, self.agents_online())
        return max(1, math.ceil(per_position * position / agents))

    def _outcome(self, ticket: Ticket, already_open: bool = False) -> Outcome:
        status = cast(OpenStatus, ticket.status)  # escalations only see open tickets
        outcome = Outcome(status, ticket.id, already_open=already_open)
        if ticket.status == STATUS_QUEUED and ticket.backend == CONSOLE:
            outcome.position = self.store.queue_position(ticket)
            outcome.wait_minutes = self._wait_minutes(outcome.position)
        elif ticket.status == STATUS_OFFLINE:
            hours, now = self.settings.opening_hours, self.clock()
            # within hours with nobody online there is no "back at" to promise
            outcome.back_at = None if hours.is_open(now) else hours.next_opening(now)
        return outcome

    def leave_contact(self, conversation_id: str, email: str, question: str) -> Ticket:
        """Attach the shopper's email address and question to their offline ticket."""
        ticket = self.store.open_ticket_for(conversation_id)
        if ticket is None or ticket.status != STATUS_OFFLINE:
            raise InvalidTransition(f"conversation {conversation_id} has no offline ticket")
        with self.store.atomic():
            self.store.add_message(ticket.id, SENDER_SHOPPER, question)
            return self.store.update_ticket(ticket.id, email=email, question=question)

    # agents (handoff service) ---------------------------------------------------------------

    def text(self, name: str, language: str, **values: str) -> str:
        """A shopper-facing text from domain.yml in ``language``, with ``{slots}`` filled in."""
        return fill(str(self._variation(name, language).get("text", "")), values)

    def buttons(self, name: str, language: str) -> list[dict[str, str]]:
        """The buttons of a shopper-facing response from domain.yml in ``language``."""
        return [
            {"title": str(b["title"]), "payload": str(b["payload"])}
            for b in self._variation(name, language).get("buttons") or []
        ]

    def _variation(self, name: str, language: str) -> dict[str, Any]:
        if self._responses is None:
            self._responses = load_responses(self.settings.domain_file)
        return pick_variation(self._responses, name, language)

    def claim(self, ticket_id: int, agent: str, *, integration: bool = False) -> Ticket:
        """Give a waiting ticket to ``agent``; a paused shopper is told a person joined.

        Overflow tickets are with the partner: only an ``integration`` (the partner's own
        system) claims them.

        Raises:
            InvalidTransition: the ticket is not claimable (by this caller), or another agent
                was faster.
            RasaUnavailable: the shopper could not be told; the claim is undone.
        """
        ticket = self.store.ticket(ticket_id)
        if ticket.status == STATUS_OVERFLOW and not integration:
            raise InvalidTransition(f"ticket {ticket_id} is with the overflow partner")
        if ticket.status == STATUS_ACTIVE and ticket.agent == agent:
            return ticket
        if not self.store.claim(ticket_id, agent, CLAIMABLE):
            current = self.store.ticket(ticket_id)
            holder = f" by {current.agent}" if current.agent else ""
            raise InvalidTransition(f"ticket {ticket_id} is {current.status}{holder}")
        if ticket.paused:
            joined = self.text("utter_agent_joined", ticket.language, agent=agent)
            state = {META_HANDOFF: STATUS_ACTIVE, META_AGENT: agent, META_LANGUAGE: ticket.language}
            try:
                self._delivery(ticket).announce(
                    ticket,
                    [set_slot(SLOT_HANDOFF, STATUS_ACTIVE), bot_message(joined, metadata=state)],
                )
            except RasaUnavailable:
                self.store.update_ticket(
                    ticket_id, status=ticket.status, agent=None, claimed_at=None
                )
                raise
            self.store.add_message(ticket_id, SENDER_SYSTEM, joined, author=agent)
        return self.store.ticket(ticket_id)

    def reply(self, ticket_id: int, agent: str, text: str, *, integration: bool = False) -> Message:
        """Send an agent's message to the shopper's chat and keep it.

        An ``integration`` claims a chat that is not active yet (the shopper is told a person
        joined); everyone else claims first.

        Raises:
            InvalidTransition: ``agent`` does not have the chat, or the shopper is not waiting
                in it (offline tickets are answered by email) or cannot be reached any more.
        """
        if integration and self.store.ticket(ticket_id).status != STATUS_ACTIVE:
            self.claim(ticket_id, agent, integration=True)
        ticket = self._owned(ticket_id, agent)
        if not ticket.paused:
            where = f" at {ticket.email}" if ticket.email else ""
            raise InvalidTransition(
                f"the shopper of ticket {ticket_id} is not waiting in the chat; "
                f"answer by email{where}"
            )
        self._delivery(ticket).reply(ticket, agent, text)
        return self.store.add_message(ticket_id, SENDER_AGENT, text, author=agent)

    def video_call(self, ticket_id: int, agent: str) -> Message:
        """Invite the shopper to a video call: a text and a link button to the ticket's room.

        Within the opening hours of ``video.store`` the invitation names the store.

        Raises:
            InvalidTransition: no ``video`` in handoff.yml, the chat is not the agent's, or the
                shopper is not waiting in it.
        """
        video = self.settings.video
        if video is None:
            raise InvalidTransition("video calls are off: add video.url_template to handoff.yml")
        ticket = self._owned(ticket_id, agent)
        if not ticket.paused:
            raise InvalidTransition(f"the shopper of ticket {ticket_id} is not in the chat")
        lang, url = ticket.language, video.url(ticket.id)
        store = video.store
        if store is not None and store.hours.is_open(self.clock()):
            name = store.name.get(lang) or store.name["en"]  # type: ignore[call-overload]
            text = self.text("utter_video_call_store", lang, agent=agent, store=name)
        else:
            text = self.text("utter_video_call", lang, agent=agent)
        link = {"url": url, "title": self.text("utter_video_call_button", lang)}
        self._delivery(ticket).announce(ticket, [bot_message(text, agent=agent, link=link)])
        return self.store.add_message(ticket_id, SENDER_AGENT, f"{text} {url}", author=agent)

    def helpdesk_reply(self, ticket_id: int, agent: str, text: str) -> Message:
        """A helpdesk agent (e.g. in Chatwoot) answers the chat.

        The first answer claims the chat, so the shopper is told, as for a console claim, that
        ``agent`` joined; an answer by a colleague of the agent who had the chat takes it over.
        """
        ticket = self.store.ticket(ticket_id)
        if ticket.status == STATUS_ACTIVE and ticket.agent != agent:
            log.info("ticket %d: %s takes over from %s", ticket_id, agent, ticket.agent)
            self.store.update_ticket(ticket_id, agent=agent)
        return self.reply(ticket_id, agent, text, integration=True)

    def note(self, ticket_id: int, agent: str, text: str) -> Message:
        """An internal note other agents see; the shopper never does."""
        self.store.ticket(ticket_id)
        return self.store.add_message(ticket_id, SENDER_NOTE, text, author=agent)

    def close(self, ticket_id: int, by: str | None = None, *, integration: bool = False) -> Ticket:
        """Close the ticket and hand the chat back to the bot, which greets the shopper.

        A console agent (``by``, not an ``integration``) cannot close another agent's active
        chat.

        Raises:
            InvalidTransition: the chat is another agent's.
            RasaUnavailable: the chat could not be handed back; the ticket stays open.
        """
        ticket = self.store.ticket(ticket_id)
        if ticket.status == STATUS_CLOSED:
            return ticket
        console_agent = by is not None and not integration
        if console_agent and ticket.status == STATUS_ACTIVE and ticket.agent != by:
            raise InvalidTransition(f"ticket {ticket_id} is handled by {ticket.agent}")
        if ticket.paused:
            # the bot is back and asks the one-click satisfaction question (its buttons)
            back = self.text("utter_handback", ticket.language)
            rating = self.buttons("utter_handback", ticket.language)
            state = {META_HANDOFF: HANDOFF_NONE, META_LANGUAGE: ticket.language}
            self._delivery(ticket).announce(
                ticket,
                [
                    *resume_events(),
                    set_slot(SLOT_HANDOFF, None),
                    bot_message(back, buttons=rating, metadata=state),
                    set_slot(SLOT_SATISFACTION_ASKED, True),
                ],
            )
        with self.store.atomic():
            if ticket.paused:
                self.store.add_message(ticket_id, SENDER_SYSTEM, back, author=by)
            closed = self.store.update_ticket(
                ticket_id, status=STATUS_CLOSED, closed_at=self.clock(), paused=False
            )
            if ticket.backend != CONSOLE:
                self._enqueue(closed, "handoff.closed")
        return closed

    def ticket_at_helpdesk(self, backend: str, external_id: str) -> Ticket | None:
        """The open ticket that helpdesk ``backend`` knows by ``external_id``, if any."""
        ticket = self.store.ticket_by_external_id(backend, external_id)
        return None if ticket is None or ticket.status == STATUS_CLOSED else ticket

    def _delivery(self, ticket: Ticket) -> Delivery:
        """How messages reach the ticket's shopper: the Send API on Messenger, else Rasa."""
        if ticket.channel == MESSENGER:
            return MessengerDelivery(self.rasa, lambda: self.messenger, self.store, self.clock)
        return RasaDelivery(self.rasa)

    def _owned(self, ticket_id: int, agent: str) -> Ticket:
        ticket = self.store.ticket(ticket_id)
        if ticket.status != STATUS_ACTIVE:
            raise InvalidTransition(f"ticket {ticket_id} is {ticket.status}; claim it first")
        if ticket.agent != agent:
            raise InvalidTransition(f"ticket {ticket_id} is handled by {ticket.agent}")
        return ticket

    # background work ------------------------------------------------------------------------

    def sync_from_rasa(self) -> list[Message]:
        """Read what shoppers wrote while paused from Rasa into their tickets (and backends).

        Each ticket on its own: one that fails (logged, not on every pass) is tried again on
        the next pass and never keeps the others from being read. Only a Rasa that does not
        answer at all ends the pass.
        """
        new: list[Message] = []
        for ticket in self.store.list_tickets(SYNCED):
            if not ticket.paused:
                continue
            key = f"ticket {ticket.id} (conversation {ticket.conversation_id!r})"
            try:
                new.extend(self._sync_ticket(ticket))
            except RasaUnavailable as exc:
                if not exc.reachable:
                    self.failures.failed("Rasa", str(exc))
                    break
                self.failures.failed(key, str(exc))
            except UnknownConversation as exc:
                self.failures.failed(key, str(exc))
            except Exception as exc:  # whatever one ticket holds, the others go on
                self.failures.failed(key, f"{type(exc).__name__}: {exc}", traceback=True)
            else:
                self.failures.ok("Rasa")
                self.failures.ok(key)
        return new

    def _sync_ticket(self, ticket: Ticket) -> list[Message]:
        """Store the ticket's new shopper messages and their outbox rows, in one transaction."""
        events = self.rasa.tracker(ticket.conversation_id).get("events") or []
        if len(events) <= ticket.events_seen:
            return []
        with self.store.atomic():
            return self._store_shopper_lines(ticket, events, len(events))

    def _store_shopper_lines(
        self, ticket: Ticket, events: list[dict[str, Any]], events_seen: int | None
    ) -> list[Message]:
        """Store the shopper lines among ``events`` that the ticket does not have yet, and
        their outbox rows (call within :meth:`Store.atomic`).

        New means later than the last shopper line the ticket has: Rasa's tracker holds every
        session of the conversation, while the escalating action saw only the current one
        (channels/long_conversations.py), so a count of events is no position in it. The same
        rule makes a line read twice (from the broker and a tracker reconcile) stored once.
        """
        seen_until = self.store.last_message_at(ticket.id, SENDER_SHOPPER) or ticket.created_at
        texts = [
            (str(event["text"]), _event_time(event))
            for event in events
            if event.get("event") == "user"
            and (event.get("text") or "").strip()
            and _event_time(event) > seen_until
        ]
        stored = self.store.record_shopper_messages(ticket.id, texts, events_seen)
        if ticket.backend != CONSOLE:
            for message in stored:
                self._enqueue(ticket, "handoff.message", message)
        return stored

    def sync_from_broker(self, broker: BrokerReader, batch: int = 500) -> list[Message]:
        """Read the event broker rows after the persisted cursor into the tickets they concern.

        One primary-key range query per pass, whatever the number of open tickets; only the
        senders with a paused open ticket are looked up (one query per batch that holds shopper
        messages). The messages and the new cursor are stored in one transaction, so a restart
        resumes where the last pass ended: nothing is lost and nothing stored twice.

        Raises:
            BrokerUnavailable: the broker table does not answer (nothing was read).
            StorageError: the ticket database failed (the cursor stays; read again next pass).
        """
        position = self.store.cursor(BROKER_CURSOR)
        rows = broker.read(position, batch)
        if not rows:
            if broker.last_id() < position:  # the table was emptied or replaced: start over
                log.warning("event broker table restarted below row %d; reading it anew", position)
                self.store.set_cursor(BROKER_CURSOR, 0)
            return []
        wrote: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            if row.event.get("event") == "user" and row.sender_id:
                wrote.setdefault(row.sender_id, []).append(row.event)
        waiting = [
            t for t in self.store.open_tickets_of(set(wrote)) if t.paused and t.status in SYNCED
        ]
        new: list[Message] = []
        with self.store.atomic():
            for ticket in waiting:
                new.extend(self._store_shopper_lines(ticket, wrote[ticket.conversation_id], None))
            self.store.set_cursor(BROKER_CURSOR, rows[-1].id)
        if self.settings.sync.delete_read_events:
            try:
                broker.delete_before(rows[-1].id)
            except BrokerUnavailable as exc:  # read and stored: deleted on a later pass
                self.failures.failed("event broker cleanup", str(exc))
            else:
                self.failures.ok("event broker cleanup")
        return new

    def payload(self, ticket: Ticket, event: str, message: Message | None = None) -> dict[str, Any]:
        """The JSON document backends receive: the ticket with its transcript (no notes)."""
        transcript = [m.line() for m in self.store.messages(ticket.id) if m.sender != SENDER_NOTE]
        body: dict[str, Any] = {
            "event": event,
            "ticket": {**TicketJson.of(ticket).model_dump(), "transcript": transcript},
        }
        if message is not None:
            body["message"] = message.line()
        return body

    def _enqueue(self, ticket: Ticket, event: str, message: Message | None = None) -> None:
        payload = self.payload(ticket, event, message)
        self.store.enqueue(ticket.id, ticket.backend, event, payload, at=self.clock())


def _event_time(event: dict[str, Any]) -> datetime:
    stamp = event.get("timestamp")
    if isinstance(stamp, int | float):
        return datetime.fromtimestamp(stamp, tz=utcnow().tzinfo)
    return utcnow()
