"""Generic webhook backend: POST each event as JSON signed with HMAC-SHA256.

Receivers check ``X-Faqbot-Signature`` with :func:`verify` (or the same computation in their
own language) and de-duplicate on ``X-Faqbot-Delivery``: a delivery can arrive more than once.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from handoff.backends.base import (
    DeliveryResult,
    Payload,
    WebhookConfig,
    check_status,
    secret_from_env,
    send,
)

SIGNATURE_PREFIX = "sha256="


def encode(payload: Payload) -> bytes:
    """The exact body bytes that are sent and signed: compact, key-sorted UTF-8 JSON."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def sign(body: bytes, secret: str) -> str:
    """The ``X-Faqbot-Signature`` value for ``body``: ``sha256=<hex HMAC-SHA256>``."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def verify(body: bytes, secret: str, header: str | None) -> bool:
    """Whether ``header`` is the signature of ``body`` under ``secret`` (constant-time compare)."""
    if not header:
        return False
    return hmac.compare_digest(sign(body, secret).encode(), header.strip().encode("utf-8"))


class WebhookBackend:
    """Delivers events to one URL; one attempt per call, retries belong to the outbox."""

    def __init__(self, name: str, config: WebhookConfig) -> None:
        """Read the secret now, so a missing variable fails at start-up.

        Raises:
            HandoffConfigError: ``config.secret_env`` is not set.
        """
        self.name = name
        self.url = str(config.url)
        self.timeout = config.timeout_seconds
        self._secret = secret_from_env(
            config.secret_env, f"the HMAC secret of the {name!r} webhook"
        )

    def deliver(self, event: str, payload: Payload, *, delivery_id: str) -> DeliveryResult:
        """POST ``payload``; any 2xx answer means delivered.

        Raises:
            BackendError: retryable for connection errors, timeouts, 429 and 5xx.
        """
        body = encode(payload)
        headers = {
            "Content-Type": "application/json",
            "X-Faqbot-Event": event,
            "X-Faqbot-Delivery": delivery_id,
            "X-Faqbot-Signature": sign(body, self._secret),
        }
        response = send(
            self.name, "POST", self.url, timeout=self.timeout, data=body, headers=headers
        )
        check_status(self.name, response)
        return DeliveryResult()
