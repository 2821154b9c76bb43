"""Helpdesk backends that receive handed-off chats: a signed webhook, or Chatwoot."""

from __future__ import annotations

from handoff.backends.base import (
    Backend,
    BackendConfig,
    ChatwootConfig,
    DeliveryResult,
    InboundEvent,
    Payload,
    WebhookConfig,
    build_backend,
)

__all__ = [
    "Backend",
    "BackendConfig",
    "ChatwootConfig",
    "DeliveryResult",
    "InboundEvent",
    "Payload",
    "WebhookConfig",
    "build_backend",
]
