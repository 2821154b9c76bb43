"""What the handoff service logs: secrets in URLs redacted, a repeating failure not every loop.

:func:`redact` removes the values of secret query parameters (Rasa's ``token``, the Send
API's ``access_token``) from any text; :class:`RedactingFilter` applies it to every record a
handler writes, as a last line of defence behind the clients' own scrubbing.
:class:`FailureLog` lets a background loop report a failure that repeats on every pass once,
then again only every few minutes, with how often it happened meanwhile.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

SECRET_PARAMETERS = ("token", "access_token", "appsecret_proof", "api_key", "secret", "password")
_SECRET = re.compile(
    r"(?P<name>\b(?:" + "|".join(SECRET_PARAMETERS) + r")=)[^&\s'\"<>)\]}]+", re.IGNORECASE
)
REDACTED = "***"
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")  # object reprs: differ on every attempt


def redact(text: str) -> str:
    """``text`` with the value of every secret query parameter (``token=...``) replaced."""
    return _SECRET.sub(lambda match: match.group("name") + REDACTED, text)


class RedactingFilter(logging.Filter):
    """Redacts secret query parameters from a record's message and traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite ``record`` in place; never drops it."""
        message = record.getMessage()
        safe = redact(message)
        if safe != message:
            record.msg, record.args = safe, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install_redaction(loggers: Iterable[str] = ("",)) -> None:
    """Add a :class:`RedactingFilter` to every handler of ``loggers`` (default: the root's)."""
    for name in loggers:
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(RedactingFilter())


@dataclass
class _Seen:
    message: str
    logged_at: float
    suppressed: int = 0


class FailureLog:
    """Logs a failure of ``key`` at once, then the same failure at most every ``every`` s.

    A failure with a different message, or one after :meth:`ok`, is logged at once again.
    """

    def __init__(
        self,
        logger: logging.Logger,
        every: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.logger, self.every, self.clock = logger, every, clock
        self._seen: dict[str, _Seen] = {}

    def failed(self, key: str, message: str, *, traceback: bool = False) -> bool:
        """Report that ``key`` failed with ``message``; True when it was logged.

        ``traceback`` logs the exception being handled with its traceback (the first time).
        """
        now = self.clock()
        message = _ADDRESS.sub("", message)
        seen = self._seen.get(key)
        if seen is not None and seen.message == message and now - seen.logged_at < self.every:
            seen.suppressed += 1
            return False
        again = f" (failed {seen.suppressed + 1} times since)" if seen and seen.suppressed else ""
        first = seen is None or seen.message != message
        self.logger.warning("%s: %s%s", key, message, again, exc_info=traceback and first)
        self._seen[key] = _Seen(message, now)
        return True

    def ok(self, key: str) -> None:
        """``key`` works again: its next failure is logged at once."""
        if self._seen.pop(key, None) is not None:
            self.logger.info("%s: works again", key)
