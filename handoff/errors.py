"""Exception tree of the handoff package."""

from __future__ import annotations


class HandoffError(Exception):
    """Base class of every error raised on purpose by ``handoff``."""


class HandoffConfigError(HandoffError):
    """``handoff.yml`` (or the file ``$FAQBOT_HANDOFF_CONFIG`` names) or an environment variable
    is invalid."""


class StorageError(HandoffError):
    """The ticket database cannot be reached or is in an unexpected state."""


class UnknownConversation(HandoffError):
    """No ticket exists for the given conversation or ticket id."""


class InvalidTransition(HandoffError):
    """The ticket is not in a state that allows this (e.g. replying to a closed chat)."""


class TooManyEscalations(HandoffError):
    """A new ticket would pass a flood limit (per conversation, per client or for everyone);
    the shopper gets the phone number and email address instead."""


class RasaUnavailable(HandoffError):
    """The Rasa server did not answer, or refused the request.

    ``reachable`` is False when it did not answer at all (every other call fails too).
    """

    def __init__(self, message: str, *, reachable: bool = True) -> None:
        super().__init__(message)
        self.reachable = reachable


class BackendError(HandoffError):
    """A helpdesk backend (webhook, Chatwoot) failed; ``retryable`` says whether to try again."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class AuthError(HandoffError):
    """Wrong agent name or password, or an expired session."""


class MessengerError(HandoffError):
    """Facebook's Send API refused a message, did not answer, or is not configured.

    ``retryable`` says whether the same request may succeed later (timeouts, 429, 5xx).
    """

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


class PrivacyError(HandoffError):
    """A privacy request cannot be carried out as asked (bad input, a ticket still open);
    nothing was changed."""


class BrokerUnavailable(HandoffError):
    """Rasa's SQL event broker table cannot be read (not created yet, or its database is down);
    the handoff service reads trackers instead until it answers again."""
