"""A ticket and its transcript lines, as the store returns them, and their one JSON shape.

:class:`TicketJson` is the ticket as the HTTP API (``TicketOut`` derives from it) and the
backends' payloads show it; :meth:`Message.line` is a transcript line in those payloads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal, Self

from pydantic import BaseModel

from bot.conversation import Sender, TicketStatus


@dataclass
class Message:
    """One line of a ticket's transcript."""

    id: int
    ticket_id: int
    sender: Sender
    text: str
    at: datetime
    author: str | None = None

    def line(self) -> dict[str, str]:
        """``{sender, text, at}``: the line as backends receive it."""
        return {"sender": self.sender, "text": self.text, "at": self.at.isoformat()}


@dataclass
class Ticket:
    """One escalation of one conversation."""

    id: int
    conversation_id: str
    channel: str
    language: str
    status: TicketStatus
    reason: str  # an EscalationReason (older tickets may hold retired ones)
    backend: str
    created_at: datetime
    external_id: str | None = None
    agent: str | None = None
    email: str | None = None
    question: str | None = None
    candidates: list[dict[str, Any]] = field(default_factory=list)
    events_seen: int = 0
    paused: bool = False
    claimed_at: datetime | None = None
    closed_at: datetime | None = None


class TicketJson(BaseModel):
    """A ticket as JSON (without the transcript): times are ISO 8601 text."""

    id: int
    conversation_id: str
    channel: str
    language: str
    status: str
    reason: str
    backend: str
    external_id: str | None
    agent: str | None
    email: str | None
    question: str | None
    faq_candidates: list[dict[str, Any]]
    paused: bool
    created_at: str
    claimed_at: str | None
    closed_at: str | None

    @classmethod
    def of(cls, ticket: Ticket, **extra: Any) -> Self:
        """The JSON view of ``ticket``; ``extra`` fills the fields a subclass adds."""
        return cls(
            id=ticket.id,
            conversation_id=ticket.conversation_id,
            channel=ticket.channel,
            language=ticket.language,
            status=ticket.status,
            reason=ticket.reason,
            backend=ticket.backend,
            external_id=ticket.external_id,
            agent=ticket.agent,
            email=ticket.email,
            question=ticket.question,
            faq_candidates=ticket.candidates,
            paused=ticket.paused,
            created_at=ticket.created_at.isoformat(),
            claimed_at=_iso(ticket.claimed_at),
            closed_at=_iso(ticket.closed_at),
            **extra,
        )


AgentRole = Literal["agent", "lead"]
ROLE_AGENT: Final = "agent"
ROLE_LEAD: Final = "lead"  # may also see the insights and the forecast, and edit saved replies


@dataclass(frozen=True)
class AgentProfile:
    """What an agent may do and which languages they speak (empty: not said)."""

    name: str
    role: str = ROLE_AGENT
    languages: tuple[str, ...] = ()


@dataclass(frozen=True)
class SavedReply:
    """An answer agents reuse, in one language."""

    id: int
    language: str
    title: str
    text: str
    updated_by: str | None
    updated_at: datetime


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
