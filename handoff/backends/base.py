"""What every helpdesk backend offers, their configuration, and the HTTP helpers they share.

The factory that builds a backend from its configuration is :func:`handoff.backends.build_backend`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Protocol, runtime_checkable

import requests
from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from handoff import http
from handoff.errors import BackendError, HandoffConfigError

Payload = dict[str, Any]
"""The JSON document sent for an event: ``{"event", "ticket", "message"?}``."""

Seconds = Annotated[float, Field(gt=0)]

# Statuses worth trying again later: timeouts, "too early", rate limits. 5xx is checked apart.
_RETRYABLE_STATUSES = frozenset({408, 425, 429})
_BODY_EXCERPT = 200  # characters of an error response quoted in BackendError


@dataclass(frozen=True)
class DeliveryResult:
    """What a backend learned while delivering an event."""

    external_id: str | None = None  # the helpdesk's id for the chat, e.g. a Chatwoot conversation


@dataclass(frozen=True)
class InboundEvent:
    """Something a helpdesk told us about a handed-off chat (parsed from its webhook)."""

    kind: Literal["agent_message", "resolved"]
    external_id: str
    text: str | None = None
    agent_name: str | None = None


@runtime_checkable
class Backend(Protocol):
    """A helpdesk that receives handed-off chats."""

    name: str

    def deliver(self, event: str, payload: Payload, *, delivery_id: str) -> DeliveryResult:
        """Deliver one event; makes a single attempt (the outbox retries).

        Raises:
            BackendError: ``retryable=True`` for connection errors, timeouts, 429 and 5xx;
                ``retryable=False`` for other 4xx and anything a retry cannot fix.
        """
        ...


class WebhookConfig(BaseModel):
    """POST every event as signed JSON to a URL of your own."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["webhook"]
    url: HttpUrl
    secret_env: str = Field(min_length=1)  # name of the env var holding the HMAC secret
    timeout_seconds: Seconds = 5.0


class ChatwootConfig(BaseModel):
    """Open a Chatwoot conversation per ticket (the inbox must be an API-channel inbox)."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["chatwoot"]
    base_url: HttpUrl
    account_id: int = Field(gt=0)
    inbox_id: int = Field(gt=0)
    token_env: str = Field(default="CHATWOOT_API_TOKEN", min_length=1)
    timeout_seconds: Seconds = 5.0


BackendConfig = Annotated[WebhookConfig | ChatwootConfig, Field(discriminator="type")]


def secret_from_env(variable: str, what: str) -> str:
    """The value of environment variable ``variable``.

    Raises:
        HandoffConfigError: it is unset or empty.
    """
    value = os.environ.get(variable, "")
    if not value:
        raise HandoffConfigError(f"set the environment variable {variable} to {what}")
    return value


def send(
    backend: str, method: str, url: str, *, timeout: float, **kwargs: Any
) -> requests.Response:
    """One HTTP request through :func:`handoff.http.request`, network failures as BackendError.

    Raises:
        BackendError: retryable for connection errors and timeouts, not for a malformed URL.
    """
    try:
        return http.request(method, url, timeout=timeout, **kwargs)
    except (
        requests.exceptions.InvalidURL,
        requests.exceptions.MissingSchema,
        requests.exceptions.InvalidSchema,
        requests.exceptions.InvalidHeader,
    ) as exc:
        raise BackendError(f"{backend}: {method} {url}: {exc}", retryable=False) from exc
    except requests.RequestException as exc:
        raise BackendError(f"{backend}: {method} {url}: {exc}", retryable=True) from exc


def check_status(backend: str, response: requests.Response) -> None:
    """Return quietly for 2xx.

    Raises:
        BackendError: retryable for 408, 425, 429 and 5xx; not retryable otherwise.
    """
    status = response.status_code
    if 200 <= status < 300:
        return
    retryable = status >= 500 or status in _RETRYABLE_STATUSES
    excerpt = " ".join(response.text[:_BODY_EXCERPT].split())
    method = response.request.method if response.request is not None else "?"
    raise BackendError(
        f"{backend}: {method} {response.url} answered {status}: {excerpt}", retryable=retryable
    )
