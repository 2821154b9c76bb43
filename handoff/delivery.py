"""How the desk's messages reach a shopper: one :class:`Delivery` per kind of channel.

Rasa delivers to web and REST chats itself (:class:`RasaDelivery`). Messenger chats get the
messages through the Send API from here, because Messenger's messaging windows need the right
``messaging_type``; Rasa only records them (:class:`MessengerDelivery`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from bot.conversation import SENDER_NOTE, SENDER_SHOPPER
from handoff.errors import InvalidTransition, MessengerError, RasaUnavailable
from handoff.messenger import MessengerClient, can_reach
from handoff.rasa import Event, RasaClient, bot_message
from handoff.store import Store
from handoff.tickets import Ticket

log = logging.getLogger(__name__)


class Delivery(Protocol):
    """Sends the desk's messages to the shopper of one ticket."""

    def announce(self, ticket: Ticket, events: list[Event]) -> None:
        """Append ``events`` (slots, resume, the bot's words) to the conversation.

        Raises:
            RasaUnavailable: Rasa did not take the events (nothing was delivered).
        """
        ...

    def reply(self, ticket: Ticket, agent: str, text: str) -> None:
        """Deliver an agent's message; raises when it did not reach the shopper.

        Raises:
            RasaUnavailable: Rasa did not take it (web and REST chats).
            InvalidTransition: the channel no longer lets us write to the shopper.
            MessengerError: Messenger refused it or did not answer.
        """
        ...


class RasaDelivery:
    """Web and REST chats: Rasa sends the bot messages appended to the conversation."""

    def __init__(self, rasa: RasaClient) -> None:
        self.rasa = rasa

    def announce(self, ticket: Ticket, events: list[Event]) -> None:
        """Append ``events``; Rasa delivers their bot messages to the latest channel."""
        self.rasa.append_events(ticket.conversation_id, events)

    def reply(self, ticket: Ticket, agent: str, text: str) -> None:
        """Append the agent's message as a bot message written by ``agent``."""
        self.rasa.append_events(ticket.conversation_id, [bot_message(text, agent=agent)])


class MessengerDelivery:
    """Messenger chats: the Send API delivers, Rasa records without sending again."""

    def __init__(
        self,
        rasa: RasaClient,
        messenger: Callable[[], MessengerClient],
        store: Store,
        clock: Callable[[], datetime],
    ) -> None:
        self.rasa = rasa
        self._messenger = messenger  # created on first use: it needs FACEBOOK_* settings
        self.store = store
        self.clock = clock

    def announce(self, ticket: Ticket, events: list[Event]) -> None:
        """Record ``events`` in Rasa, then send their bot messages (buttons as quick replies).

        A message Messenger does not deliver is noted on the ticket for the agent.
        """
        self.rasa.append_events(ticket.conversation_id, events, execute_side_effects=False)
        for event in events:
            if event.get("event") != "bot" or not event.get("text"):
                continue
            try:
                data = event.get("data") or {}
                link = (data.get("custom") or {}).get("link")
                text = f"{event['text']}\n{link['url']}" if link else str(event["text"])
                self._send(ticket, text, data.get("buttons") or [])
            except (MessengerError, InvalidTransition) as exc:
                log.warning("ticket %d: Messenger did not deliver a message: %s", ticket.id, exc)
                self.store.add_message(
                    ticket.id, SENDER_NOTE, f"Not delivered to the shopper on Messenger: {exc}"
                )

    def reply(self, ticket: Ticket, agent: str, text: str) -> None:
        """Send first (when Messenger refuses, nothing is recorded and the agent can retry),
        then record the message in Rasa."""
        self._send(ticket, text)
        try:
            self.rasa.append_events(
                ticket.conversation_id, [bot_message(text, agent=agent)], execute_side_effects=False
            )
        except RasaUnavailable as exc:
            log.warning("ticket %d: sent on Messenger, not recorded in Rasa: %s", ticket.id, exc)

    def _send(self, ticket: Ticket, text: str, buttons: list[dict[str, str]] | None = None) -> None:
        """Send ``text`` (and ``buttons``) to the ticket's Messenger user, whose PSID is the
        conversation id.

        Raises:
            InvalidTransition: the shopper last wrote more than 7 days ago.
            MessengerError: the Send API refused or did not answer.
        """
        last = self.store.last_message_at(ticket.id, SENDER_SHOPPER) or ticket.created_at
        now = self.clock()
        if not can_reach(last, now):
            raise InvalidTransition(
                f"the shopper of ticket {ticket.id} last wrote on Messenger at "
                f"{last:%Y-%m-%d %H:%M} UTC; Messenger accepts no messages 7 days after that"
            )
        self._messenger().send_text(
            ticket.conversation_id, text, last_user_message_at=last, now=now, buttons=buttons or ()
        )
