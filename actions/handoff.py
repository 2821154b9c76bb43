"""Escalation to a person: queue, partner overflow or the offline contact form."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.runtime import conversation_language, get_desk
from actions.texts import say, text
from bot.conversation import (
    HANDOFF_MESSAGE_LEFT,
    HANDOFF_NONE,
    REASON_EXPLICIT_REQUEST,
    SENDER_BOT,
    SENDER_SHOPPER,
    SLOT_AWAITING_ANSWER,
    SLOT_CONTACT_DECLINED,
    SLOT_CONTACT_EMAIL,
    SLOT_CONTACT_QUESTION,
    SLOT_ESCALATION_REASON,
    SLOT_FAQ_CANDIDATES,
    SLOT_HANDOFF,
    SLOT_NOT_HELPED,
    STATUS_ACTIVE,
    STATUS_OFFLINE,
    STATUS_QUEUED,
    EscalationReason,
    Sender,
)
from handoff.desk import Escalation, Outcome
from handoff.errors import HandoffError, TooManyEscalations
from handoff.store import utcnow

log = logging.getLogger(__name__)

FORM = "offline_contact_form"


class ActionEscalate(Action):
    """Hands the conversation to a person because the shopper asked for one."""

    def name(self) -> str:
        return "action_escalate"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        lang = conversation_language(tracker)
        return await escalate(dispatcher, tracker, domain, lang, REASON_EXPLICIT_REQUEST)


async def escalate(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    domain: dict[str, Any],
    lang: str,
    reason: EscalationReason,
) -> list[EventType]:
    """Create (or find) the ticket and tell the shopper what happens next, in ``lang``."""
    question = _last_question(tracker) if reason != REASON_EXPLICIT_REQUEST else None
    request = Escalation(
        conversation_id=tracker.sender_id,
        channel=tracker.get_latest_input_channel() or "unknown",
        language=lang,
        reason=reason,
        candidates=list(tracker.get_slot(SLOT_FAQ_CANDIDATES) or []),
        transcript=_transcript(tracker),
        events_seen=len(tracker.events),
        question=question,
    )
    reset: list[EventType] = [
        SlotSet(SLOT_AWAITING_ANSWER, None),
        SlotSet(SLOT_NOT_HELPED, 0),
        SlotSet(SLOT_ESCALATION_REASON, None),
    ]
    try:
        outcome = await asyncio.to_thread(get_desk().escalate, request)
    except TooManyEscalations as exc:  # a flood limit: a real shopper still gets our contacts
        log.warning("no ticket for %s: %s", tracker.sender_id, exc)
        say(dispatcher, domain, "utter_handoff_unavailable", lang, handoff=HANDOFF_NONE)
        return reset
    except HandoffError as exc:  # never a dead end: give the contacts instead
        log.error("escalation of %s failed: %s", tracker.sender_id, exc)
        say(dispatcher, domain, "utter_handoff_unavailable", lang, handoff=HANDOFF_NONE)
        return reset
    return reset + _tell(dispatcher, tracker, domain, lang, outcome, question)


def _tell(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    domain: dict[str, Any],
    lang: str,
    outcome: Outcome,
    question: str | None,
) -> list[EventType]:
    if outcome.status == STATUS_OFFLINE:
        if outcome.already_open and tracker.get_slot(SLOT_CONTACT_EMAIL):
            email = tracker.get_slot(SLOT_CONTACT_EMAIL)
            say(
                dispatcher,
                domain,
                "utter_offline_already_saved",
                lang,
                handoff=HANDOFF_MESSAGE_LEFT,
                email=email,
            )
            return [SlotSet(SLOT_HANDOFF, STATUS_OFFLINE)]
        if outcome.back_at is None:
            say(dispatcher, domain, "utter_handoff_offline_no_hours", lang, handoff=STATUS_OFFLINE)
        else:
            back = back_at_text(
                domain, lang, outcome.back_at, get_desk().settings.opening_hours.timezone
            )
            say(
                dispatcher,
                domain,
                "utter_handoff_offline",
                lang,
                handoff=STATUS_OFFLINE,
                back_at=back,
            )
        return [
            SlotSet(SLOT_HANDOFF, STATUS_OFFLINE),
            SlotSet(SLOT_CONTACT_EMAIL, None),
            SlotSet(SLOT_CONTACT_QUESTION, question),
            SlotSet(SLOT_CONTACT_DECLINED, None),
            FollowupAction(FORM),
        ]
    if outcome.status == STATUS_QUEUED and outcome.position is not None:
        name = "utter_handoff_still_queued" if outcome.already_open else "utter_handoff_queued"
        say(
            dispatcher,
            domain,
            name,
            lang,
            handoff=STATUS_QUEUED,
            position=outcome.position,
            wait=outcome.wait_minutes,
        )
    elif outcome.status == STATUS_ACTIVE and outcome.already_open:
        pass  # a person is already chatting with the shopper; stay quiet
    else:  # overflow, or queued at an external helpdesk
        say(dispatcher, domain, "utter_handoff_overflow", lang, handoff=outcome.status)
    return [SlotSet(SLOT_HANDOFF, outcome.status), ConversationPaused()]


def back_at_text(domain: dict[str, Any], lang: str, moment: datetime, zone: str) -> str:
    """``maanantaina 24.11. klo 9.00`` / ``måndag 24/11 kl. 9.00`` / ``on Monday 24/11 at 9:00``."""
    local = moment.astimezone(ZoneInfo(zone))
    weekdays = text(domain, "utter_weekdays", lang).split(",")
    return text(
        domain,
        "utter_back_at_format",
        lang,
        weekday=weekdays[local.weekday()],
        day=local.day,
        month=local.month,
        hour=local.hour,
        minute=f"{local.minute:02d}",
    )


def _transcript(tracker: Tracker) -> list[tuple[Sender, str, datetime]]:
    lines: list[tuple[Sender, str, datetime]] = []
    for event in tracker.events:
        kind, said = event.get("event"), (event.get("text") or "").strip()
        if kind in ("user", "bot") and said:
            stamp = event.get("timestamp")
            at = datetime.fromtimestamp(stamp, tz=utcnow().tzinfo) if stamp else utcnow()
            lines.append((SENDER_SHOPPER if kind == "user" else SENDER_BOT, said, at))
    return lines


def _last_question(tracker: Tracker) -> str | None:
    """The last message that went to the FAQ (not "no" or a button press)."""
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        said = (event.get("text") or "").strip()
        if intent in ("ask_faq", "out_of_scope", "nlu_fallback") and said:
            return said
    return None
