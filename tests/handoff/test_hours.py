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


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A 2026 moment in UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def test_summer_time_opens_at_nine_helsinki_time_not_nine_winter_time() -> None:
    # Helsinki is UTC+3 from Sunday 29 March 2026 03:00 (EEST) to Sunday 25 October 04:00.
    assert hours().is_open(utc(7, 1, 6))  # Wednesday 1 July 09:00 EEST
    assert not hours().is_open(utc(7, 1, 5, 59))  # 08:59 EEST
    assert hours().is_open(utc(7, 1, 13, 59))  # 16:59 EEST
    assert not hours().is_open(utc(7, 1, 14))  # 17:00 EEST


def test_next_opening_over_the_spring_switch_is_in_summer_time() -> None:
    friday_evening = utc(3, 27, 16)  # Friday 27 March 18:00 EET (UTC+2)
    assert hours().is_open(utc(3, 27, 7))  # Friday 09:00 EET is 07:00 UTC: open
    back = hours().next_opening(friday_evening)
    assert back is not None
    assert back.astimezone(UTC) == utc(3, 30, 6)  # Monday 30 March 09:00 EEST
    assert hours().is_open(utc(3, 30, 6))
    assert not hours().is_open(utc(3, 30, 5, 30))  # 08:30 EEST, 09:30 in winter time


def test_next_opening_over_the_autumn_switch_is_in_winter_time() -> None:
    friday_evening = utc(10, 23, 15)  # Friday 23 October 18:00 EEST (UTC+3)
    back = hours().next_opening(friday_evening)
    assert back is not None
    assert back.astimezone(UTC) == utc(10, 26, 7)  # Monday 26 October 09:00 EET
    assert not hours().is_open(utc(10, 26, 6, 30))  # 08:30 EET, 09:30 in summer time


def test_around_the_clock_stays_open_through_both_switches() -> None:
    always = OpeningHours.always()
    # the hour that is skipped in spring and the hour that happens twice in autumn
    for moment in (utc(3, 29, 0, 30), utc(3, 29, 1, 30), utc(10, 25, 0, 30), utc(10, 25, 1, 30)):
        assert always.is_open(moment), moment


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
