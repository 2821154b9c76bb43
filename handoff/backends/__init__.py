"""Helpdesk backends that receive handed-off chats: a signed webhook, or Chatwoot.

:func:`build_backend` is the one place that knows every kind; each kind's module imports only
:mod:`handoff.backends.base`.
"""

from __future__ import annotations

from handoff.backends.base import (
    Backend,
    BackendConfig,
    ChatwootConfig,
    DeliveryResult,
    InboundEvent,
    Payload,
    WebhookConfig,
)
from handoff.backends.chatwoot import ChatwootBackend
from handoff.backends.webhook import WebhookBackend

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


def build_backend(name: str, config: BackendConfig) -> Backend:
    """The backend described by ``config``, called ``name`` in logs and the outbox.

    Raises:
        HandoffConfigError: an environment variable the config names is not set.
    """
    if isinstance(config, WebhookConfig):
        return WebhookBackend(name, config)
    return ChatwootBackend(name, config)
