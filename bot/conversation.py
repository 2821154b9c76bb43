"""The conversation's vocabulary: slot names and values, escalation reasons, ticket states.

The action server (``actions/``), the handoff service (``handoff/``) and the Rasa channels
(``channels/``, run by Rasa's Python 3.10) all speak it, so it is one pure module: standard
library only, no syntax newer than Python 3.10. Slot names are those of ``domain.yml``
(``tests/bot/test_conversation.py`` checks it).
"""

from __future__ import annotations

from typing import Final, Literal, get_args

# -- slots (domain.yml) -----------------------------------------------------------------------

SlotName = Literal[
    "language",
    "faq_id",
    "faq_candidates",
    "last_faq_id",
    "awaiting_answer",
    "not_helped",
    "escalation_reason",
    "handoff",
    "contact_email",
    "contact_question",
    "contact_declined",
    "satisfaction",
    "satisfaction_asked",
    "order_number",
    "order_proof",
    "order_attempts",
    "order_locked",
    "order_route",
    "product_id",
    "stock_wish",
    "restock_item",
    "restock_email",
]
SLOTS: Final[tuple[SlotName, ...]] = get_args(SlotName)

SLOT_LANGUAGE: Final = "language"
SLOT_FAQ_ID: Final = "faq_id"
SLOT_FAQ_CANDIDATES: Final = "faq_candidates"
SLOT_LAST_FAQ_ID: Final = "last_faq_id"
SLOT_AWAITING_ANSWER: Final = "awaiting_answer"  # what a "yes"/"no" answers: AwaitedAnswer
SLOT_NOT_HELPED: Final = "not_helped"  # consecutive turns the bot could not help
SLOT_ESCALATION_REASON: Final = "escalation_reason"  # the EscalationReason of an offer
SLOT_HANDOFF: Final = "handoff"  # an OpenStatus during a handoff, None while the bot is in charge
SLOT_CONTACT_EMAIL: Final = "contact_email"
SLOT_CONTACT_QUESTION: Final = "contact_question"
SLOT_CONTACT_DECLINED: Final = "contact_declined"
SLOT_SATISFACTION: Final = "satisfaction"
SLOT_SATISFACTION_ASKED: Final = "satisfaction_asked"
SLOT_ORDER_NUMBER: Final = "order_number"
SLOT_ORDER_PROOF: Final = "order_proof"
SLOT_ORDER_ATTEMPTS: Final = "order_attempts"
SLOT_ORDER_LOCKED: Final = "order_locked"
# where an "order status" guess went: the order form, or another answer that knew it (rules branch)
SLOT_ORDER_ROUTE: Final = "order_route"
ORDER_ROUTE_FORM: Final = "form"
ORDER_ROUTE_ELSEWHERE: Final = "elsewhere"
SLOT_PRODUCT_ID: Final = "product_id"
SLOT_STOCK_WISH: Final = "stock_wish"
SLOT_RESTOCK_ITEM: Final = "restock_item"
SLOT_RESTOCK_EMAIL: Final = "restock_email"

REQUESTED_SLOT: Final = "requested_slot"
"""Rasa's own slot: the slot the active form asks for (not declared in domain.yml)."""

# -- what a "yes" or "no" answers (slot awaiting_answer) --------------------------------------

AwaitedAnswer = Literal["feedback", "offer_human", "notify_restock"]
AWAITED_ANSWERS: Final[tuple[AwaitedAnswer, ...]] = get_args(AwaitedAnswer)

AWAITING_FEEDBACK: Final = "feedback"  # "did that answer your question?"
AWAITING_OFFER_HUMAN: Final = "offer_human"  # "do you want to talk to a person?"
AWAITING_NOTIFY_RESTOCK: Final = "notify_restock"  # "shall we email you when it is back?"

# -- why the bot escalated (slot escalation_reason, Ticket.reason) ----------------------------

EscalationReason = Literal[
    "explicit_request",
    "not_helped",
    "handoff_entry",
    "missing_translation",
    "order_verification",
    "late_order",
    "shop_down",
]
ESCALATION_REASONS: Final[tuple[EscalationReason, ...]] = get_args(EscalationReason)

REASON_EXPLICIT_REQUEST: Final = "explicit_request"  # the shopper asked for a person
REASON_NOT_HELPED: Final = "not_helped"  # two misses, or "no" to "did that help?"
REASON_HANDOFF_ENTRY: Final = "handoff_entry"  # the FAQ entry says handoff: true
REASON_MISSING_TRANSLATION: Final = "missing_translation"  # no answer in the shopper's language
REASON_ORDER_VERIFICATION: Final = "order_verification"  # the order could not be verified
REASON_LATE_ORDER: Final = "late_order"  # the order is late
REASON_SHOP_DOWN: Final = "shop_down"  # the shop system does not answer

# -- tickets (slot handoff while open) ---------------------------------------------------------

OpenStatus = Literal["queued", "active", "offline", "overflow"]
TicketStatus = Literal[OpenStatus, "closed"]
OPEN_STATUSES: Final[tuple[OpenStatus, ...]] = get_args(OpenStatus)
STATUSES: Final[tuple[TicketStatus, ...]] = get_args(TicketStatus)

STATUS_QUEUED: Final = "queued"  # waiting for one of our agents (or at an external helpdesk)
STATUS_ACTIVE: Final = "active"  # an agent has the chat
STATUS_OFFLINE: Final = "offline"  # nobody there: the shopper leaves an email address
STATUS_OVERFLOW: Final = "overflow"  # with the overflow partner
STATUS_CLOSED: Final = "closed"  # handed back to the bot

# -- what the web widget is told (bot message metadata "handoff") -----------------------------

HandoffState = Literal[OpenStatus, "message_left", "none"]
HANDOFF_STATES: Final[tuple[HandoffState, ...]] = get_args(HandoffState)

HANDOFF_MESSAGE_LEFT: Final = "message_left"  # the offline ticket has the shopper's message
HANDOFF_NONE: Final = "none"  # the bot is in charge again

# -- who wrote a transcript line ---------------------------------------------------------------

Sender = Literal["shopper", "bot", "agent", "note", "system"]
SENDERS: Final[tuple[Sender, ...]] = get_args(Sender)

SENDER_SHOPPER: Final = "shopper"
SENDER_BOT: Final = "bot"
SENDER_AGENT: Final = "agent"  # an agent's message to the shopper
SENDER_NOTE: Final = "note"  # an internal note; never shown to the shopper
SENDER_SYSTEM: Final = "system"  # the bot's words about the handoff (agent joined, hand-back)

# -- message metadata: what channels may show of a bot message (the web widget also sends
#    its language with the shopper's messages) --------------------------------------------------

MetadataKey = Literal["agent", "from", "handoff", "language"]
METADATA_KEYS: Final[tuple[MetadataKey, ...]] = get_args(MetadataKey)

META_AGENT: Final = "agent"  # the agent the message is about
META_FROM: Final = "from"  # FROM_AGENT when an agent wrote the message
META_HANDOFF: Final = "handoff"  # the HandoffState after this message
META_LANGUAGE: Final = "language"  # the language the bot speaks in the conversation

FROM_AGENT: Final = "agent"

# -- button payloads ---------------------------------------------------------------------------

# The intents the bot's own buttons send as "/intent" or "/intent{...}" (domain.yml responses,
# the FAQ's and the shop's choice buttons). Only these pass the channels as intents; any other
# text starting with "/" is what a shopper typed ("/help", "/restart") and is read as text.
BUTTON_INTENTS: Final[frozenset[str]] = frozenset(
    {"affirm", "deny", "stop", "request_human", "rate", "choose_faq", "choose_product"}
)

CLIENT_ADDRESS: Final = "client_address"
"""Metadata of a shopper's message, set by the socket.io channel (never by the client): the
address the message came from (limits order-proof guessing per client, bot/shop/attempts.py)."""
