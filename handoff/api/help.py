"""Help for agents: the bot's FAQ answers, saved replies, the verified order, the video call
link and the language check (README "Help for agents").

Every agent reads; only agents with the ``lead`` role (``faqbot agent add NAME --role lead``)
change saved replies.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Annotated, Self

from fastapi import APIRouter, HTTPException, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from bot.errors import FaqbotError
from bot.language import Language
from bot.shop.base import ShopBackend
from bot.shop.factory import load_backend
from handoff.agenthelp import FaqAnswers, language_note
from handoff.api.dependencies import DeskDep, StoreDep, Who
from handoff.api.models import MessageOut
from handoff.errors import RasaUnavailable
from handoff.store import Store
from handoff.tickets import ROLE_LEAD, AgentProfile, SavedReply
from handoff.verified_order import VerifiedOrder, verified_order

router = APIRouter(tags=["agent help"])

TicketId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ReplyId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class AgentOut(BaseModel):
    """The logged-in agent's role and languages."""

    name: str
    role: str
    languages: list[str]


class FaqAnswerOut(BaseModel):
    """A FAQ entry's answer to insert into the reply box."""

    id: str
    language: str
    question: str
    answer: str


class SavedReplyIn(BaseModel):
    """A saved reply as a lead writes it."""

    model_config = ConfigDict(extra="forbid")
    language: Language
    title: Annotated[str, Field(min_length=1, max_length=120)]
    text: Annotated[str, Field(min_length=1, max_length=4000)]


class SavedReplyOut(BaseModel):
    """A saved reply."""

    id: int
    language: str
    title: str
    text: str
    updated_by: str | None
    updated_at: str

    @classmethod
    def of(cls, reply: SavedReply) -> Self:
        """The API's view of a stored reply."""
        return cls(
            id=reply.id,
            language=reply.language,
            title=reply.title,
            text=reply.text,
            updated_by=reply.updated_by,
            updated_at=reply.updated_at.isoformat(),
        )


class TicketHelp(BaseModel):
    """What the console offers the agent on this ticket."""

    language_note: str | None
    speakers_online: list[str]
    video_call: bool


class OrderOut(BaseModel):
    """The order verified in this chat (``order`` is None when there is none)."""

    order: VerifiedOrder | None
    error: str | None = None


class _Helpers:
    """The FAQ and the shop, created on first use and kept (the shop caches its catalogue)."""

    def __init__(self) -> None:
        self.faq = FaqAnswers()
        self._shop: ShopBackend | None = None
        self._lock = threading.Lock()

    def shop(self) -> ShopBackend:
        with self._lock:
            if self._shop is None:
                self._shop = load_backend()
            return self._shop


def _helpers(request: Request) -> _Helpers:
    state = request.app.state
    if getattr(state, "agent_help", None) is None:
        state.agent_help = _Helpers()
    helpers: _Helpers = state.agent_help
    return helpers


def _profile(who_agent: str, store: Store) -> AgentProfile:
    return store.agent_profile(who_agent)


def _lead(who: Who, store: Store) -> None:
    if who.integration or _profile(who.agent, store).role != ROLE_LEAD:
        raise HTTPException(
            403, "only a lead edits saved replies (faqbot agent add NAME --role lead)"
        )


@router.get("/api/me", response_model=AgentOut)
def me(who: Who, store: StoreDep) -> AgentOut:
    """The logged-in agent's role and languages."""
    profile = _profile(who.agent, store)
    return AgentOut(name=profile.name, role=profile.role, languages=list(profile.languages))


@router.get("/api/faq/{entry_id}", response_model=FaqAnswerOut)
def faq_answer(
    request: Request,
    entry_id: Annotated[str, Path(max_length=200)],
    _who: Who,
    language: Annotated[str, Query(max_length=8)] = "fi",
) -> FaqAnswerOut:
    """A FAQ entry's answer in ``language`` (else in a language it has), for the reply box."""
    found = _helpers(request).faq.answer(entry_id, language)
    return FaqAnswerOut(**vars(found))


@router.get("/api/replies", response_model=list[SavedReplyOut])
def replies(
    _who: Who, store: StoreDep, language: Annotated[str | None, Query(max_length=8)] = None
) -> list[SavedReplyOut]:
    """Saved replies, of ``language`` when given."""
    return [SavedReplyOut.of(r) for r in store.saved_replies(language)]


@router.post("/api/replies", response_model=SavedReplyOut, status_code=201)
def add_reply(body: SavedReplyIn, who: Who, store: StoreDep) -> SavedReplyOut:
    """Add a saved reply (leads only)."""
    _lead(who, store)
    return SavedReplyOut.of(store.save_reply(body.language, body.title, body.text, who.agent))


@router.put("/api/replies/{reply_id}", response_model=SavedReplyOut)
def edit_reply(reply_id: ReplyId, body: SavedReplyIn, who: Who, store: StoreDep) -> SavedReplyOut:
    """Replace a saved reply (leads only)."""
    _lead(who, store)
    saved = store.save_reply(body.language, body.title, body.text, who.agent, reply_id)
    return SavedReplyOut.of(saved)


@router.delete("/api/replies/{reply_id}", status_code=204)
def delete_reply(reply_id: ReplyId, who: Who, store: StoreDep) -> None:
    """Delete a saved reply (leads only)."""
    _lead(who, store)
    if not store.delete_reply(reply_id):
        raise HTTPException(404, f"no saved reply {reply_id}")


@router.get("/api/conversations/{ticket_id}/help", response_model=TicketHelp)
def ticket_help(ticket_id: TicketId, who: Who, desk: DeskDep) -> TicketHelp:
    """Whether the agent speaks the shopper's language (and who online does), and whether
    video calls are on."""
    ticket = desk.store.ticket(ticket_id)
    since = desk.clock() - timedelta(seconds=desk.settings.agent_online_seconds)
    speakers = desk.store.online_speakers(ticket.language, since)
    note = language_note(ticket.language, _profile(who.agent, desk.store).languages)
    return TicketHelp(
        language_note=note,
        speakers_online=[name for name in speakers if name != who.agent],
        video_call=desk.settings.video is not None,
    )


@router.get("/api/conversations/{ticket_id}/order", response_model=OrderOut)
def ticket_order(request: Request, ticket_id: TicketId, _who: Who, desk: DeskDep) -> OrderOut:
    """The order the shopper verified in this chat, as the shop has it now."""
    ticket = desk.store.ticket(ticket_id)
    try:
        events = desk.rasa.tracker(ticket.conversation_id).get("events") or []
    except RasaUnavailable:
        return OrderOut(order=None, error="the chat server does not answer; try again soon")
    try:
        return OrderOut(order=verified_order(events, _helpers(request).shop()))
    except FaqbotError as exc:
        return OrderOut(order=None, error=f"the shop does not answer: {exc}")


@router.post("/api/conversations/{ticket_id}/video", response_model=MessageOut)
def video_call(ticket_id: TicketId, who: Who, desk: DeskDep) -> MessageOut:
    """Send the shopper a link button to the ticket's video call room."""
    if who.integration:
        raise HTTPException(403, "integrations send their own links")
    return MessageOut.of(desk.video_call(ticket_id, who.agent))
