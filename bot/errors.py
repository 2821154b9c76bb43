"""Exception tree of the faqbot library."""

from __future__ import annotations


class FaqbotError(Exception):
    """Base class of every error raised on purpose by ``bot``."""


class ConfigError(FaqbotError):
    """The configuration file or an environment variable is invalid."""


class FaqValidationError(FaqbotError):
    """One or more FAQ files are invalid; ``problems`` lists every one of them."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class FaqWriteError(FaqbotError):
    """FAQ files could not be changed (nothing was written); ``problems`` says why."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class ModelError(FaqbotError):
    """The embedding model cannot be found, converted or loaded."""


class EvalCasesError(FaqbotError):
    """A labelled evaluation file is invalid."""


class ShopError(FaqbotError):
    """Shop data (``data/shop/``) is invalid, or a shop backend is misconfigured."""


class ShopUnavailable(FaqbotError):
    """The shop system (e.g. WooCommerce) did not answer; offer the shopper a person."""


class NotificationError(FaqbotError):
    """An order update (email, text message, chat message) was not delivered.

    ``retryable`` is False when trying again cannot help (the address or number was refused).
    """

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class BotUnreachable(FaqbotError):
    """The running bot under evaluation did not answer like Rasa's REST channel."""


class TrackerStoreError(FaqbotError):
    """Rasa's tracker store database (bot/tracker_db.py) cannot be read or written."""
