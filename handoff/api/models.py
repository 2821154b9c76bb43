"""Request and response bodies of the HTTP API (their names are the OpenAPI schema names)."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field

from bot.conversation import Sender
from handoff.tickets import Message, TicketJson


class LoginRequest(BaseModel):
    """Agent credentials."""

    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class TextRequest(BaseModel):
    """A reply to the shopper or an internal note."""

    model_config = ConfigDict(extra="forbid")
    text: Annotated[str, Field(min_length=1, max_length=4000)]
    # integrations name their own agent; console agents are taken from the session
    agent: Annotated[str | None, Field(max_length=64)] = None


class SessionInfo(BaseModel):
    """The logged-in agent and the CSRF token to send with changes."""

    agent: str
    csrf_token: str


class MessageOut(BaseModel):
    """One line of a transcript."""

    id: int
    sender: Sender
    author: str | None
    text: str
    at: str

    @classmethod
    def of(cls, message: Message) -> Self:
        """The API's view of a stored line."""
        return cls(
            id=message.id,
            sender=message.sender,
            author=message.author,
            text=message.text,
            at=message.at.isoformat(),
        )


class TicketOut(TicketJson):
    """A ticket (one escalated conversation)."""

    last_message_id: int = 0


class TicketDetail(TicketOut):
    """A ticket with its transcript (optionally only the lines after ``after``)."""

    messages: list[MessageOut]


class QueueOut(BaseModel):
    """Tickets by state, for the console."""

    agent: str
    agents_online: int
    tickets: list[TicketOut]


class Health(BaseModel):
    """Whether the service and what it depends on are up."""

    status: Literal["ok", "degraded"]
    database: bool
    rasa: bool
    outbox: dict[str, int]
