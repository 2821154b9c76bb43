"""Chatwoot backend (application API v1): one Chatwoot conversation per handed-off chat.

The contact's ``identifier`` is faqbot's conversation id, so a shopper who escalates again
gets the same contact. The ticket (transcript, FAQ candidates, reason) goes in as one private
note; later shopper messages as incoming messages, which Chatwoot allows only in API-channel
inboxes. Agents' replies come back through Chatwoot's webhook, see :func:`parse_webhook`.
"""

from __future__ import annotations

from typing import Any

import requests

from bot.conversation import SENDER_AGENT, SENDER_BOT, SENDER_SHOPPER
from handoff.backends.base import (
    ChatwootConfig,
    DeliveryResult,
    InboundEvent,
    Payload,
    check_status,
    secret_from_env,
    send,
)
from handoff.errors import BackendError

Json = dict[str, Any]

TRANSCRIPT_LIMIT = 20_000  # characters of transcript in the note; older lines are dropped
_SENDERS = {SENDER_SHOPPER: "Shopper", SENDER_BOT: "Bot", SENDER_AGENT: "Agent"}


class ChatwootBackend:
    """Delivers handoff events to one Chatwoot inbox; one attempt per call."""

    def __init__(self, name: str, config: ChatwootConfig) -> None:
        """Read the API token now, so a missing variable fails at start-up.

        Raises:
            HandoffConfigError: ``config.token_env`` is not set.
        """
        self.name = name
        self.inbox_id = config.inbox_id
        self.timeout = config.timeout_seconds
        self._api = f"{str(config.base_url).rstrip('/')}/api/v1/accounts/{config.account_id}"
        self._token = secret_from_env(
            config.token_env, "a Chatwoot access token (Chatwoot: Profile settings, Access token)"
        )

    def deliver(self, event: str, payload: Payload, *, delivery_id: str) -> DeliveryResult:
        """Deliver ``event`` (``delivery_id`` is unused: Chatwoot has no idempotency key).

        Raises:
            BackendError: retryable for connection errors, timeouts, 429 and 5xx; not
                retryable for other 4xx, an unknown event or a ticket without ``external_id``
                where one is needed.
        """
        ticket = payload.get("ticket")
        if not isinstance(ticket, dict):
            raise BackendError(f"{self.name}: {event} payload has no ticket", retryable=False)
        if event == "handoff.requested":
            return DeliveryResult(external_id=self._escalate(ticket))
        if event == "handoff.message":
            conversation = self._existing(ticket, event)
            message = payload.get("message")
            text = message.get("text") if isinstance(message, dict) else None
            if not isinstance(text, str) or not text:
                raise BackendError(f"{self.name}: {event} without message text", retryable=False)
            self._post_message(conversation, text, message_type="incoming", private=False)
            return DeliveryResult(external_id=conversation)
        if event == "handoff.closed":
            conversation = self._existing(ticket, event)
            self._set_status(conversation, "resolved")
            return DeliveryResult(external_id=conversation)
        raise BackendError(f"{self.name}: unknown event {event!r}", retryable=False)

    # -- handoff.requested ---------------------------------------------------------------

    def _escalate(self, ticket: Json) -> str:
        """Reopen the ticket's earlier conversation or open a new one; post the note."""
        conversation: str | None = None
        if ticket.get("external_id"):
            conversation = str(ticket["external_id"])
            if not self._set_status(conversation, "open", missing_ok=True):
                conversation = None  # deleted in Chatwoot meanwhile: start a new one
        if conversation is None:
            faqbot_id = _required(ticket, "conversation_id", "ticket")
            contact_id, source_id, existed = self._contact(str(faqbot_id))
            if existed:  # a retry after a half-finished attempt must not open a second one
                conversation = self._conversation_of_ticket(contact_id, ticket.get("id"))
            if conversation is None:
                conversation = self._create_conversation(contact_id, source_id, ticket)
        self._post_message(conversation, format_note(ticket), message_type="outgoing", private=True)
        return conversation

    def _contact(self, identifier: str) -> tuple[int, str, bool]:
        """``(contact id, source id in our inbox, whether the contact existed)``."""
        found = self._json("GET", "/contacts/search", params={"q": identifier})
        matches = [
            contact
            for contact in _list(found.get("payload"))
            if isinstance(contact, dict) and contact.get("identifier") == identifier
        ]
        if matches:
            contact = matches[0]
            existed = True
            source_id = self._source_id(contact.get("contact_inboxes"))
        else:
            body = {
                "inbox_id": self.inbox_id,
                "name": f"Shopper {identifier[:8]}",
                "identifier": identifier,
            }
            created = _dict(self._json("POST", "/contacts", json=body).get("payload"))
            contact = _dict(created.get("contact", created))
            existed = False
            contact_inbox = _dict(created.get("contact_inbox"))
            source_id = contact_inbox.get("source_id") or self._source_id(
                contact.get("contact_inboxes")
            )
        contact_id = int(_required(contact, "id", "contact"))
        if not source_id:
            made = self._json(
                "POST", f"/contacts/{contact_id}/contact_inboxes", json={"inbox_id": self.inbox_id}
            )
            source_id = _required(made, "source_id", "contact inbox")
        return contact_id, str(source_id), existed

    def _source_id(self, contact_inboxes: Any) -> str | None:
        """The source id of the contact's link to our inbox, if it has one."""
        for link in map(_dict, _list(contact_inboxes)):
            inbox = _dict(link.get("inbox"))
            if inbox.get("id") == self.inbox_id and link.get("source_id"):
                return str(link["source_id"])
        return None

    def _conversation_of_ticket(self, contact_id: int, ticket_id: Any) -> str | None:
        """The contact's conversation in our inbox opened earlier for this ticket, reopened."""
        if ticket_id is None:
            return None
        listed = self._json("GET", f"/contacts/{contact_id}/conversations")
        for conversation in map(_dict, _list(listed.get("payload"))):
            attributes = _dict(conversation.get("custom_attributes"))
            if (
                conversation.get("inbox_id") == self.inbox_id
                and attributes.get("faqbot_ticket_id") == ticket_id
            ):
                found = str(_required(conversation, "id", "conversation"))
                if conversation.get("status") != "open":
                    self._set_status(found, "open")
                return found
        return None

    def _create_conversation(self, contact_id: int, source_id: str, ticket: Json) -> str:
        """Open a new conversation; its id (Chatwoot's display id) as a string."""
        body = {
            "source_id": source_id,
            "inbox_id": self.inbox_id,
            "contact_id": contact_id,
            "status": "open",
            "custom_attributes": {
                "faqbot_conversation_id": ticket.get("conversation_id"),
                "faqbot_ticket_id": ticket.get("id"),
                "language": ticket.get("language"),
            },
        }
        created = self._json("POST", "/conversations", json=body)
        return str(_required(created, "id", "conversation"))

    # -- shared calls --------------------------------------------------------------------

    def _existing(self, ticket: Json, event: str) -> str:
        """The ticket's Chatwoot conversation id.

        Raises:
            BackendError: not retryable; the ticket was never delivered to Chatwoot.
        """
        external_id = ticket.get("external_id")
        if not external_id:
            raise BackendError(
                f"{self.name}: {event} for ticket {ticket.get('id')} without external_id"
                " (no Chatwoot conversation)",
                retryable=False,
            )
        return str(external_id)

    def _post_message(
        self, conversation: str, content: str, *, message_type: str, private: bool
    ) -> None:
        body = {"content": content, "message_type": message_type, "private": private}
        self._json("POST", f"/conversations/{conversation}/messages", json=body)

    def _set_status(self, conversation: str, status: str, *, missing_ok: bool = False) -> bool:
        """Set the conversation's status; False if it does not exist and ``missing_ok``."""
        response = self._call(
            "POST", f"/conversations/{conversation}/toggle_status", json={"status": status}
        )
        if missing_ok and response.status_code == 404:
            return False
        check_status(self.name, response)
        return True

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"api_access_token": self._token, "Accept": "application/json"}
        return send(
            self.name, method, self._api + path, timeout=self.timeout, headers=headers, **kwargs
        )

    def _json(self, method: str, path: str, **kwargs: Any) -> Json:
        """The JSON object Chatwoot answered with.

        Raises:
            BackendError: the status is not 2xx, or the answer is not a JSON object.
        """
        response = self._call(method, path, **kwargs)
        check_status(self.name, response)
        try:
            document = response.json()
        except ValueError as exc:
            raise BackendError(
                f"{self.name}: {method} {path} answered with something else than JSON",
                retryable=False,
            ) from exc
        if not isinstance(document, dict):
            raise BackendError(f"{self.name}: {method} {path}: unexpected answer", retryable=False)
        return document


def format_note(ticket: Json) -> str:
    """The private note agents read first: who, why, the transcript, the FAQ's best guesses."""
    reason = str(ticket.get("reason") or "unknown").replace("_", " ")
    lines = [
        f"faqbot handoff: ticket #{ticket.get('id')} · language: {ticket.get('language')}"
        f" · reason: {reason}",
        f"Channel: {ticket.get('channel')} · since {ticket.get('created_at')}",
    ]
    if ticket.get("email"):
        lines.append(f"Email: {ticket['email']}")
    if ticket.get("question"):
        lines.append(f"Question: {ticket['question']}")

    transcript = [
        f"{_sender_label(entry.get('sender'))}: {entry.get('text') or ''}"
        for entry in map(_dict, _list(ticket.get("transcript")))
    ]
    kept: list[str] = []
    size = 0
    for line in reversed(transcript):
        if kept and size + len(line) > TRANSCRIPT_LIMIT:
            break
        kept.append(line)
        size += len(line) + 1
    lines.append("")
    if len(kept) < len(transcript):
        lines.append(f"({len(transcript) - len(kept)} earlier messages left out)")
    lines.extend(reversed(kept) if kept else ["(no messages)"])

    candidates = [_dict(candidate) for candidate in _list(ticket.get("faq_candidates"))]
    lines.append("")
    if candidates:
        lines.append("FAQ candidates:")
        lines.extend(f"- {c.get('id')} ({_score(c.get('score'))})" for c in candidates)
    else:
        lines.append("FAQ candidates: none")
    return "\n".join(lines)


def parse_webhook(body: Json, *, inbox_id: int | None = None) -> InboundEvent | None:
    """What a Chatwoot webhook call means for faqbot, or None if nothing.

    ``message_created`` of a public outgoing message by an agent (sender type ``user``) is an
    ``agent_message``; ``conversation_status_changed`` to ``resolved`` is ``resolved``. With
    ``inbox_id``, events of other inboxes are ignored.
    """
    event = body.get("event")
    if event == "message_created":
        conversation = _dict(body.get("conversation"))
        sender = _dict(body.get("sender"))
        text = body.get("content")
        if (
            body.get("message_type") not in ("outgoing", 1)
            or body.get("private") is not False  # missing counts as private: never leak notes
            or sender.get("type") != "user"
            or not isinstance(text, str)
            or not text.strip()
        ):
            return None
        inbox = _dict(body.get("inbox")).get("id", conversation.get("inbox_id"))
        external_id = conversation.get("display_id", conversation.get("id"))
        if external_id is None or (inbox_id is not None and inbox != inbox_id):
            return None
        agent = sender.get("available_name") or sender.get("name")
        return InboundEvent(
            kind="agent_message",
            external_id=str(external_id),
            text=text,
            agent_name=str(agent) if agent else None,
        )
    if event == "conversation_status_changed" and body.get("status") == "resolved":
        external_id = body.get("display_id", body.get("id"))
        if external_id is None or (inbox_id is not None and body.get("inbox_id") != inbox_id):
            return None
        return InboundEvent(kind="resolved", external_id=str(external_id))
    return None


def _sender_label(sender: Any) -> str:
    return _SENDERS.get(str(sender), str(sender).capitalize())


def _score(score: Any) -> str:
    return f"{score:.2f}" if isinstance(score, int | float) else "?"


def _dict(value: Any) -> Json:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _required(document: Json, key: str, what: str) -> Any:
    """``document[key]``.

    Raises:
        BackendError: not retryable; the key is missing or empty.
    """
    value = document.get(key)
    if value is None or value == "":
        raise BackendError(f"chatwoot: {what} without {key!r}", retryable=False)
    return value
