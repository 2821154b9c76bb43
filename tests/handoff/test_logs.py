"""Redaction of secrets in log records, and failures logged once instead of on every pass."""

from __future__ import annotations

import logging
import sys

import pytest

from handoff.logs import FailureLog, RedactingFilter, redact


def test_redact_hides_secret_query_parameters() -> None:
    text = "GET http://r:5005/conversations/c1/tracker?token=abc&x=1 and ?access_token=EAAB') x"
    assert redact(text) == (
        "GET http://r:5005/conversations/c1/tracker?token=***&x=1 and ?access_token=***') x"
    )
    assert redact("no secrets here: tokens=") == "no secrets here: tokens="


def test_the_logging_filter_redacts_messages_and_tracebacks() -> None:
    try:
        raise ValueError("url: /x?token=abc123")
    except ValueError:
        record = logging.LogRecord(
            "t", logging.ERROR, __file__, 1, "failed %s", ("?token=abc123",), sys.exc_info()
        )
    assert RedactingFilter().filter(record)
    formatted = logging.Formatter().format(record)
    assert "abc123" not in formatted
    assert "failed ?token=***" in formatted and "ValueError: url: /x?token=***" in formatted


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_repeating_failure_is_logged_once_per_period(caplog: pytest.LogCaptureFixture) -> None:
    ticks = Ticks()
    failures = FailureLog(logging.getLogger("t"), every=300.0, clock=ticks)
    caplog.set_level(logging.INFO)
    refused = "connection refused <Conn object at 0x7f01>"
    assert failures.failed("ticket 1", refused)
    assert not failures.failed("ticket 1", refused.replace("7f01", "7f99"))  # same failure
    assert failures.failed("ticket 2", refused)  # another key is its own
    assert failures.failed("ticket 1", "another failure")  # a new message is news
    ticks.now = 301.0
    assert failures.failed("ticket 1", "another failure")
    assert caplog.records[-1].getMessage().endswith("another failure")
    assert not failures.failed("ticket 1", "another failure")
    ticks.now = 700.0
    assert failures.failed("ticket 1", "another failure")
    assert "(failed 2 times since)" in caplog.records[-1].getMessage()
    failures.ok("ticket 1")
    assert failures.failed("ticket 1", "another failure")  # after recovering: at once
