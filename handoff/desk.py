"""The handoff desk: escalations, queue, claiming, replies and hand-back.

The action server calls :meth:`HandoffDesk.escalate` and :meth:`HandoffDesk.leave_contact`;
the handoff service calls everything else. Both share the database, so an escalation is
stored even while the handoff service is down, and deliveries to helpdesk backends go
through the persisted outbox.
"""

from __future__ import annotations

import logging
import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.responses import load_responses, pick_variation
from handoff.config import CONSOLE, HandoffSettings
from handoff.errors import InvalidTransition, MessengerError, RasaUnavailable, UnknownConversation
from handoff.messenger import CHANNEL as MESSENGER
from handoff.messenger import MessengerClient, can_reach
from handoff.rasa import Event, RasaClient, bot_message, resume_events, set_slot
from handoff.store import Message, Store, Ticket, utcnow

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


@dataclass
class Escalation:
    """What the action server knows when a shopper needs a person."""

    conversation_id: str
    channel: str
    language: str
    reason: str  # explicit_request | not_helped | handoff_entry | offline_request
    candidates: list[dict[str, Any]] = field(default_factory=list)
    transcript: list[tuple[str, str, datetime]] = field(default_factory=list)
    events_seen: int = 0
    question: str | None = None


@dataclass
class Outcome:
    """Where the escalation went, and what to tell the shopper."""

    status: str  # queued | active | offline | overflow
    ticket_id: int
    position: int | None = None
    wait_minutes: int | None = None
    back_at: datetime | None = None
    already_open: bool = False

    @property
    def pauses_bot(self) -> bool:
        """Whether a person (ours or the partner's) takes the chat over now."""
        return self.status in ("queued", "active", "overflow")


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
        """
        existing = self.store.open_ticket_for(request.conversation_id)
        if existing is not None:
            return self._outcome(existing, already_open=True)
        status, backend = self._route()
        paused = status != "offline"
        ticket = self.store.create_ticket(
            conversation_id=request.conversation_id,
            channel=request.channel,
            language=request.language,
            status=status,
            reason=request.reason,
            backend=backend,
            candidates=request.candidates,
            transcript=request.transcript,
            events_seen=request.events_seen,
            paused=paused,
            question=request.question,
        )
        if backend != CONSOLE:
            self._enqueue(ticket, "handoff.requested")
        log.info("ticket %d: %s via %s (%s)", ticket.id, status, backend, request.reason)
        return self._outcome(ticket)

    def _route(self) -> tuple[str, str]:
        now = self.clock()
        settings = self.settings
        if settings.backend != CONSOLE:
            return "queued", settings.backend
        overflow = settings.overflow
        partner_open = overflow is not None and (
            overflow.hours is None or overflow.hours.is_open(now)
        )
        agents = self._agents_online()
        staffed = agents > 0 or settings.when_no_agent_online == "queue"
        if settings.opening_hours.is_open(now) and staffed:
            if overflow is not None and partner_open:
                position = self.store.queue_length(CONSOLE) + 1
                if position > overflow.max_queue or (
                    self._wait_minutes(position) > overflow.max_wait_minutes
                ):
                    return "overflow", overflow.backend
            return "queued", CONSOLE
        if overflow is not None and partner_open:
            return "overflow", overflow.backend
        return "offline", CONSOLE

    def _agents_online(self) -> int:
        since = self.clock() - timedelta(seconds=self.settings.agent_online_seconds)
        return self.store.agents_online(since)

    def _wait_minutes(self, position: int) -> int:
        """Expected wait: recent median time-to-claim per queue position, shared by agents."""
        waits = self.store.recent_waits(self.clock() - timedelta(days=14))
        per_position = (
            statistics.median(waits) / 60 if waits else self.settings.default_wait_minutes
        )
        agents = max(1, self._agents_online())
        return max(1, math.ceil(per_position * position / agents))

    def _outcome(self, ticket: Ticket, already_open: bool = False) -> Outcome:
        outcome = Outcome(ticket.status, ticket.id, already_open=already_open)
        if ticket.status == "queued" and ticket.backend == CONSOLE:
            outcome.position = self.store.queue_position(ticket)
            outcome.wait_minutes = self._wait_minutes(outcome.position)
        elif ticket.status == "offline":
            hours, now = self.settings.opening_hours, self.clock()
            # within hours with nobody online there is no "back at" to promise
            outcome.back_at = None if hours.is_open(now) else hours.next_opening(now)
        return outcome

    def leave_contact(self, conversation_id: str, email: str, question: str) -> Ticket:
        """Attach the shopper's email address and question to their offline ticket."""
        ticket = self.store.open_ticket_for(conversation_id)
        if ticket is None or ticket.status != "offline":
            raise InvalidTransition(f"conversation {conversation_id} has no offline ticket")
        self.store.add_message(ticket.id, "shopper", question)
        return self.store.update_ticket(ticket.id, email=email, question=question)

    # agents (handoff service) ---------------------------------------------------------------

    def text(self, name: str, language: str, **values: str) -> str:
        """A shopper-facing text from domain.yml in ``language``, with ``{slots}`` filled in."""
        if self._responses is None:
            self._responses = load_responses(self.settings.domain_file)
        template = str(pick_variation(self._responses, name, language).get("text", ""))
        for key, value in values.items():
            template = template.replace("{" + key + "}", value)
        return template

    def buttons(self, name: str, language: str) -> list[dict[str, str]]:
        """The buttons of a shopper-facing response from domain.yml in ``language``."""
        if self._responses is None:
            self._responses = load_responses(self.settings.domain_file)
        variation = pick_variation(self._responses, name, language)
        return [
            {"title": str(b["title"]), "payload": str(b["payload"])}
            for b in variation.get("buttons") or []
        ]

    def claim(self, ticket_id: int, agent: str) -> Ticket:
        """Give a waiting ticket to ``agent``; a paused shopper is told a person joined."""
        ticket = self.store.ticket(ticket_id)
        if ticket.status == "active" and ticket.agent == agent:
            return ticket
        if not self.store.claim(ticket_id, agent, ("queued", "offline", "overflow")):
            current = self.store.ticket(ticket_id)
            holder = f" by {current.agent}" if current.agent else ""
            raise InvalidTransition(f"ticket {ticket_id} is {current.status}{holder}")
        if ticket.paused:
            joined = self.text("utter_agent_joined", ticket.language, agent=agent)
            try:
                state = {"handoff": "active", "agent": agent, "language": ticket.language}
                self._to_shopper(
                    ticket, [set_slot("handoff", "active"), bot_message(joined, metadata=state)]
                )
            except RasaUnavailable:
                self.store.update_ticket(
                    ticket_id, status=ticket.status, agent=None, claimed_at=None
                )
                raise
            self.store.add_message(ticket_id, "system", joined, author=agent)
        return self.store.ticket(ticket_id)

    def reply(self, ticket_id: int, agent: str, text: str) -> Message:
        """Send an agent's message to the shopper's chat (through Rasa) and keep it."""
        ticket = self._owned(ticket_id, agent)
        if not ticket.paused:
            where = f" at {ticket.email}" if ticket.email else ""
            raise InvalidTransition(
                f"the shopper of ticket {ticket_id} is not waiting in the chat; "
                f"answer by email{where}"
            )
        if ticket.channel == MESSENGER:
            # deliver first: when Messenger refuses, nothing is recorded and the agent can retry
            self._send_messenger(ticket, text)
            try:
                self.rasa.append_events(
                    ticket.conversation_id,
                    [bot_message(text, agent=agent)],
                    execute_side_effects=False,
                )
            except RasaUnavailable as exc:
                log.warning(
                    "ticket %d: sent on Messenger, not recorded in Rasa: %s", ticket_id, exc
                )
        else:
            self.rasa.append_events(ticket.conversation_id, [bot_message(text, agent=agent)])
        return self.store.add_message(ticket_id, "agent", text, author=agent)

    def note(self, ticket_id: int, agent: str, text: str) -> Message:
        """An internal note other agents see; the shopper never does."""
        self.store.ticket(ticket_id)
        return self.store.add_message(ticket_id, "note", text, author=agent)

    def close(self, ticket_id: int, agent: str | None = None) -> Ticket:
        """Close the ticket and hand the chat back to the bot, which greets the shopper."""
        ticket = self.store.ticket(ticket_id)
        if ticket.status == "closed":
            return ticket
        if ticket.paused:
            # the bot is back and asks the one-click satisfaction question (its buttons)
            back = self.text("utter_handback", ticket.language)
            rating = self.buttons("utter_handback", ticket.language)
            state = {"handoff": "none", "language": ticket.language}
            self._to_shopper(
                ticket,
                [
                    *resume_events(),
                    set_slot("handoff", None),
                    bot_message(back, buttons=rating, metadata=state),
                    set_slot("satisfaction_asked", True),
                ],
            )
            self.store.add_message(ticket_id, "system", back, author=agent)
        closed = self.store.update_ticket(
            ticket_id, status="closed", closed_at=self.clock(), paused=False
        )
        if ticket.backend != CONSOLE:
            self._enqueue(closed, "handoff.closed")
        return closed

    def _to_shopper(self, ticket: Ticket, events: list[Event]) -> None:
        """Append ``events`` to the conversation; the bot messages among them reach the shopper.

        Rasa delivers them to web and REST chats. Messenger chats get them through the Send
        API from here (Messenger's messaging windows need the right ``messaging_type``): Rasa
        only records them. A failed Messenger delivery is noted on the ticket for the agent.

        Raises:
            RasaUnavailable: Rasa did not take the events (nothing was delivered).
        """
        if ticket.channel != MESSENGER:
            self.rasa.append_events(ticket.conversation_id, events)
            return
        self.rasa.append_events(ticket.conversation_id, events, execute_side_effects=False)
        for event in events:
            if event.get("event") != "bot" or not event.get("text"):
                continue
            try:
                buttons = (event.get("data") or {}).get("buttons") or []
                self._send_messenger(ticket, str(event["text"]), buttons)
            except (MessengerError, InvalidTransition) as exc:
                log.warning("ticket %d: Messenger did not deliver a message: %s", ticket.id, exc)
                self.store.add_message(
                    ticket.id, "note", f"Not delivered to the shopper on Messenger: {exc}"
                )

    def _send_messenger(
        self, ticket: Ticket, text: str, buttons: list[dict[str, str]] | None = None
    ) -> None:
        """Send ``text`` (and ``buttons`` as quick replies) to the ticket's Messenger user; the
        conversation id is their PSID.

        Raises:
            InvalidTransition: the shopper last wrote more than 7 days ago.
            MessengerError: the Send API refused or did not answer.
        """
        last = self.store.last_message_at(ticket.id, "shopper") or ticket.created_at
        now = self.clock()
        if not can_reach(last, now):
            raise InvalidTransition(
                f"the shopper of ticket {ticket.id} last wrote on Messenger at "
                f"{last:%Y-%m-%d %H:%M} UTC; Messenger accepts no messages 7 days after that"
            )
        self.messenger.send_text(
            ticket.conversation_id, text, last_user_message_at=last, now=now, buttons=buttons or ()
        )

    def _owned(self, ticket_id: int, agent: str) -> Ticket:
        ticket = self.store.ticket(ticket_id)
        if ticket.status != "active":
            raise InvalidTransition(f"ticket {ticket_id} is {ticket.status}; claim it first")
        if ticket.agent != agent:
            raise InvalidTransition(f"ticket {ticket_id} is handled by {ticket.agent}")
        return ticket

    # background work ------------------------------------------------------------------------

    def sync_from_rasa(self) -> list[Message]:
        """Read what shoppers wrote while paused from Rasa into their tickets (and backends)."""
        new: list[Message] = []
        for ticket in self.store.list_tickets(("queued", "active", "overflow")):
            if not ticket.paused:
                continue
            try:
                events = self.rasa.tracker(ticket.conversation_id).get("events") or []
            except UnknownConversation as exc:  # one bad conversation must not stall the rest
                log.warning("cannot read conversation %s: %s", ticket.conversation_id, exc)
                continue
            except RasaUnavailable as exc:
                log.warning("cannot read conversation %s: %s", ticket.conversation_id, exc)
                break
            if len(events) <= ticket.events_seen:
                continue
            texts = [
                (str(event["text"]), _event_time(event))
                for event in events[ticket.events_seen :]
                if event.get("event") == "user" and (event.get("text") or "").strip()
            ]
            stored = self.store.record_shopper_messages(ticket.id, texts, len(events))
            if ticket.backend != CONSOLE:
                for message in stored:
                    self._enqueue(ticket, "handoff.message", message)
            new.extend(stored)
        return new

    def payload(self, ticket: Ticket, event: str, message: Message | None = None) -> dict[str, Any]:
        """The JSON document backends receive."""
        body: dict[str, Any] = {
            "event": event,
            "ticket": {
                **ticket.as_json(),
                "transcript": [
                    {"sender": m.sender, "text": m.text, "at": m.at.isoformat()}
                    for m in self.store.messages(ticket.id)
                    if m.sender != "note"
                ],
            },
        }
        if message is not None:
            body["message"] = {
                "sender": message.sender,
                "text": message.text,
                "at": message.at.isoformat(),
            }
        return body

    def _enqueue(self, ticket: Ticket, event: str, message: Message | None = None) -> None:
        payload = self.payload(ticket, event, message)
        self.store.enqueue(ticket.id, ticket.backend, event, payload, at=self.clock())


def _event_time(event: dict[str, Any]) -> datetime:
    stamp = event.get("timestamp")
    if isinstance(stamp, int | float):
        return datetime.fromtimestamp(stamp, tz=utcnow().tzinfo)
    return utcnow()
