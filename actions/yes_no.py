"""What "yes" and "no" mean depends on what the bot just asked."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import escalate
from actions.runtime import conversation_language
from actions.texts import say
from bot.conversation import (
    AWAITING_FEEDBACK,
    AWAITING_NOTIFY_RESTOCK,
    AWAITING_OFFER_HUMAN,
    REASON_NOT_HELPED,
    SLOT_AWAITING_ANSWER,
    SLOT_ESCALATION_REASON,
    SLOT_NOT_HELPED,
)


class ActionReplyYesNo(Action):
    """Yes to "want a person?" escalates; no to "did that help?" offers a person."""

    def name(self) -> str:
        return "action_reply_yes_no"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        lang = conversation_language(tracker)
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        asked = tracker.get_slot(SLOT_AWAITING_ANSWER)
        yes = intent == "affirm"
        if asked == AWAITING_OFFER_HUMAN and yes:
            reason = tracker.get_slot(SLOT_ESCALATION_REASON) or REASON_NOT_HELPED
            return await escalate(dispatcher, tracker, domain, lang, reason)
        if asked == AWAITING_NOTIFY_RESTOCK and yes:
            return [SlotSet(SLOT_AWAITING_ANSWER, None), FollowupAction("restock_form")]
        if asked == AWAITING_FEEDBACK and yes:
            say(dispatcher, domain, "utter_glad_to_help", lang)
            return [SlotSet(SLOT_AWAITING_ANSWER, None), SlotSet(SLOT_NOT_HELPED, 0)]
        if asked == AWAITING_FEEDBACK:
            say(dispatcher, domain, "utter_not_helped_offer_human", lang)
            return [
                SlotSet(SLOT_AWAITING_ANSWER, AWAITING_OFFER_HUMAN),
                SlotSet(SLOT_ESCALATION_REASON, REASON_NOT_HELPED),
            ]
        say(dispatcher, domain, "utter_anything_else", lang)
        return [SlotSet(SLOT_AWAITING_ANSWER, None)]
