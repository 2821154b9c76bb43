from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from handoff.hours import OpeningHours
from tests.handoff.conftest import office_hours


def hours() -> OpeningHours:
    return OpeningHours.model_validate(office_hours())


def helsinki(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    """A November/December 2026 time given in Helsinki winter time (UTC+2)."""
    return datetime(2026, month, day, hour - 2, minute, tzinfo=UTC)


def test_open_inside_weekday_hours_in_helsinki_time() -> None:
    assert hours().is_open(helsinki(25, 9))
    assert hours().is_open(helsinki(25, 16, 59))
    assert not hours().is_open(helsinki(25, 17))
    assert not hours().is_open(helsinki(25, 8, 59))


def test_closed_on_weekends_and_holidays() -> None:
    assert not hours().is_open(helsinki(28, 12))  # Saturday
    assert not hours().is_open(helsinki(7, 12, month=12))  # Independence Day, a Monday


def test_next_opening_skips_the_weekend() -> None:
    friday_evening = helsinki(27, 18)
    back = hours().next_opening(friday_evening)
    assert back == helsinki(30, 9)  # Monday 9:00


def test_next_opening_skips_a_holiday() -> None:
    back = hours().next_opening(helsinki(4, 18, month=12))  # Friday before Independence Day
    assert back == helsinki(8, 9, month=12)


def test_next_opening_is_now_when_open() -> None:
    moment = helsinki(25, 10)
    assert hours().next_opening(moment) == moment


def test_midnight_end_and_always() -> None:
    assert OpeningHours.always().is_open(helsinki(28, 23, 59))
    late = OpeningHours.model_validate({"sat": ["20:00-24:00"]})
    assert late.is_open(helsinki(28, 23, 30))


def test_never_open_has_no_next_opening() -> None:
    assert OpeningHours().next_opening(helsinki(25, 12)) is None


@pytest.mark.parametrize(
    "values",
    [
        {"mon": ["17:00-09:00"]},
        {"mon": ["25:00-26:00"]},
        {"timezone": "Mars/Olympus"},
        {"mon": ["9-17"]},
    ],
)
def test_invalid_hours_are_rejected(values: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        OpeningHours.model_validate(values)
