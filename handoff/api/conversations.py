"""Escalated conversations: the queue, tickets, and claim, reply, note and close.

Console agents act as themselves; integrations (``Authorization: Bearer``) may name the agent
who writes. What each caller may do is the desk's decision.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query

from bot.conversation import OPEN_STATUSES, STATUSES, TicketStatus
from handoff.api.dependencies import Caller, DeskDep, PresenceDep, StoreDep, Who
from handoff.api.models import MessageOut, QueueOut, TextRequest, TicketDetail, TicketOut
from handoff.store import Store

router = APIRouter(tags=["conversations"])

StatusFilter = Annotated[str | None, Query(description="comma-separated states")]
# ids are database integers (32-bit in PostgreSQL): larger ones are a clear 422, not a crash
TicketId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/api/conversations", response_model=QueueOut)
def conversations(
    who: Who,
    desk: DeskDep,
    presence: PresenceDep,
    status: StatusFilter = None,
    limit: Annotated[int | None, Query(ge=1, description="default: all of them")] = None,
) -> QueueOut:
    """Escalated conversations by state (default: all open ones, however many), offline
    first."""
    wanted = _statuses(status, OPEN_STATUSES)
    if not who.integration:
        presence.seen(who.agent)  # the console polls: this is how we know who is online
    found = desk.store.list_tickets(wanted, limit)
    last = desk.store.last_message_ids([t.id for t in found])
    return QueueOut(
        agent=who.agent,
        agents_online=desk.agents_online(),
        tickets=[TicketOut.of(t, last_message_id=last.get(t.id, 0)) for t in found],
    )


@router.get("/api/tickets", response_model=list[TicketOut])
def all_tickets(
    _who: Who,
    store: StoreDep,
    status: StatusFilter = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[TicketOut]:
    """Tickets including closed ones, newest states as filtered."""
    wanted = tuple((status or ",".join(STATUSES)).split(","))
    return [TicketOut.of(t) for t in store.list_tickets(wanted, limit)]


@router.get("/api/conversations/{ticket_id}", response_model=TicketDetail)
def conversation(ticket_id: TicketId, _who: Who, store: StoreDep, after: int = 0) -> TicketDetail:
    """A ticket with its transcript; ``after`` returns only newer lines (for live updates)."""
    return _detail(store, ticket_id, after)


@router.post("/api/conversations/{ticket_id}/claim", response_model=TicketOut)
def claim(ticket_id: TicketId, who: Who, desk: DeskDep) -> TicketOut:
    """Take a waiting conversation; the shopper is told a person joined.

    Overflow tickets are with the partner: only the integration API can claim them.
    """
    return TicketOut.of(desk.claim(ticket_id, who.agent, integration=who.integration))


@router.post("/api/conversations/{ticket_id}/reply", response_model=MessageOut)
def reply(ticket_id: TicketId, body: TextRequest, who: Who, desk: DeskDep) -> MessageOut:
    """Send a message to the shopper's chat window."""
    sent = desk.reply(ticket_id, _author(who, body), body.text, integration=who.integration)
    return MessageOut.of(sent)


@router.post("/api/conversations/{ticket_id}/note", response_model=MessageOut)
def note(ticket_id: TicketId, body: TextRequest, who: Who, desk: DeskDep) -> MessageOut:
    """Leave an internal note (never shown to the shopper)."""
    return MessageOut.of(desk.note(ticket_id, _author(who, body), body.text))


@router.post("/api/conversations/{ticket_id}/close", response_model=TicketOut)
def close(ticket_id: TicketId, who: Who, desk: DeskDep) -> TicketOut:
    """Close the ticket and hand the chat back to the bot (another agent's chat: no)."""
    return TicketOut.of(desk.close(ticket_id, by=who.agent, integration=who.integration))


def _author(who: Caller, body: TextRequest) -> str:
    """Integrations name their own agent; console agents always write as themselves."""
    return (body.agent or who.agent) if who.integration else who.agent


def _statuses(given: str | None, default: tuple[TicketStatus, ...]) -> tuple[str, ...]:
    """The states of a ``status`` filter.

    Raises:
        HTTPException: 422 for a state that does not exist.
    """
    wanted = tuple(s for s in given.split(",") if s) if given else default
    unknown = [s for s in wanted if s not in STATUSES]
    if unknown:
        raise HTTPException(422, f"unknown status {unknown}; use {', '.join(STATUSES)}")
    return wanted


def _detail(store: Store, ticket_id: TicketId, after: int) -> TicketDetail:
    ticket = store.ticket(ticket_id)
    lines = store.messages(ticket_id, after)
    return TicketDetail.of(
        ticket,
        last_message_id=lines[-1].id if lines else after,
        messages=[MessageOut.of(m) for m in lines],
    )
