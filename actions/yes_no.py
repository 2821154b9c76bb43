"""What "yes" and "no" mean depends on what the bot just asked."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import escalate
from actions.runtime import conversation_language
from actions.texts import say


class ActionReplyYesNo(Action):
    """Yes to "want a person?" escalates; no to "did that help?" offers a person."""

    def name(self) -> str:
        return "action_reply_yes_no"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        lang = conversation_language(tracker)
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        asked = tracker.get_slot("awaiting_answer")
        yes = intent == "affirm"
        if asked == "offer_human" and yes:
            reason = tracker.get_slot("escalation_reason") or "not_helped"
            return await escalate(dispatcher, tracker, domain, lang, reason)
        if asked == "notify_restock" and yes:
            return [SlotSet("awaiting_answer", None), FollowupAction("restock_form")]
        if asked == "feedback" and yes:
            say(dispatcher, domain, "utter_glad_to_help", lang)
            return [SlotSet("awaiting_answer", None), SlotSet("not_helped", 0)]
        if asked == "feedback":
            say(dispatcher, domain, "utter_not_helped_offer_human", lang)
            return [
                SlotSet("awaiting_answer", "offer_human"),
                SlotSet("escalation_reason", "not_helped"),
            ]
        say(dispatcher, domain, "utter_anything_else", lang)
        return [SlotSet("awaiting_answer", None)]
