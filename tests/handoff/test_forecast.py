"""The staffing forecast: peak hours recovered from a known pattern, Erlang C against a
published worked example, short histories, holidays, handling time and the overflow marks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from handoff.config import ForecastSettings, HandoffSettings, load_handoff_settings
from handoff.errors import HandoffConfigError
from handoff.forecast import (
    METHOD_DAY,
    METHOD_MSTL,
    METHOD_NONE,
    METHOD_WEEK,
    agents_needed,
    service_level_with,
    staffing_forecast,
)
from handoff.hours import OpeningHours
from handoff.store import Store, tickets
from tests.handoff.forecast_history import PEAK_HOURS, helsinki, write_history

AT = helsinki(2026, 11, 2, 8)  # a Monday morning; the forecast covers Tue 3 – Mon 16 Nov


# Erlang C ----------------------------------------------------------------------------------------


def test_erlang_c_matches_the_published_worked_example() -> None:
    """Call Centre Helper, "Erlang C Formula – Made Simple With an Easy Worked Example"
    (callcentrehelper.com/erlang-c-formula-example-121281.htm; the example pyworkforce's
    documentation also uses): 100 calls in 30 minutes, average handling time 180 s, target 80 %
    answered within 20 s. Traffic intensity 10 Erlangs; with 11 agents the probability of
    waiting is 68.2 % and the service level 39.0 %; 14 agents are needed, who answer 88.8 % in
    time.

    Our hour has the same arrival rate: 200 chats per 60 minutes.
    """
    assert agents_needed(200, 3.0, 0.8, 20) == 14
    assert service_level_with(14, 200, 3.0, 20) == pytest.approx(0.888, abs=0.001)
    assert service_level_with(11, 200, 3.0, 20) == pytest.approx(0.390, abs=0.001)
    assert service_level_with(13, 200, 3.0, 20) < 0.8  # why 13 is not enough


def test_erlang_c_edges() -> None:
    assert agents_needed(0.0, 6, 0.8, 60) == 0
    assert agents_needed(0.2, 6, 0.8, 60) == 1  # one chat in five hours still needs somebody
    assert service_level_with(2, 40, 6, 60) == 0.0  # 4 Erlangs on 2 agents: the queue grows


# the forecast ------------------------------------------------------------------------------------


def test_forecast_recovers_the_weekday_peak_hours(store: Store) -> None:
    write_history(store, AT, days=56)
    result = staffing_forecast(_settings(store), store, AT)

    assert result.method == METHOD_MSTL
    assert len(result.hours) == 14 * 24
    assert result.hours[0].start == "2026-11-03T00:00"
    for day in range(14):
        hours = result.hours[day * 24 : (day + 1) * 24]
        busiest = sorted(hours, key=lambda hour: hour.escalations, reverse=True)[:4]
        if hours[0].weekday in ("sat", "sun"):
            assert max(hour.escalations for hour in hours) < 3, hours[0].start
        else:
            assert sorted(hour.hour for hour in busiest) == list(PEAK_HOURS), hours[0].start
    weekday, sunday = result.days[0], result.days[5]
    assert (weekday.weekday, sunday.weekday) == ("tue", "sun")
    assert weekday.escalations > 2.5 * sunday.escalations


def test_overflow_marks_the_hours_the_team_cannot_cover(store: Store) -> None:
    write_history(store, AT, days=56)
    result = staffing_forecast(_settings(store, team_size=2), store, AT)

    overflow = [hour for hour in result.hours if hour.overflow]
    assert overflow
    assert {hour.hour for hour in overflow} <= set(PEAK_HOURS)
    assert {hour.weekday for hour in overflow} <= {"mon", "tue", "wed", "thu", "fri"}
    for hour in result.hours:
        assert hour.overflow == (hour.agents_needed > 2)
        if hour.team_service_level is not None:  # Erlang C agrees with itself
            assert (hour.team_service_level < 0.8) == hour.overflow, hour
    assert result.days[0].overflow_hours == [h.hour for h in result.hours[:24] if h.overflow]

    enough = max(hour.agents_needed for hour in result.hours)
    staffed = staffing_forecast(_settings(store, team_size=enough), store, AT)
    assert not any(hour.overflow for hour in staffed.hours)


def test_a_stricter_service_level_needs_more_agents(store: Store) -> None:
    write_history(store, AT, days=56)
    usual = staffing_forecast(_settings(store), store, AT)
    strict = staffing_forecast(_settings(store, service_level=0.95, answer_seconds=20), store, AT)
    assert sum(h.agents_needed for h in strict.hours) > sum(h.agents_needed for h in usual.hours)


def test_handling_time_is_measured_from_claim_to_close(store: Store) -> None:
    write_history(store, AT, days=15, handling_minutes=9.5)
    result = staffing_forecast(_settings(store), store, AT)
    assert result.handling.measured
    assert result.handling.mean_minutes == pytest.approx(9.5)
    assert result.handling.median_minutes == pytest.approx(9.5)
    assert result.handling.tickets == result.history.tickets > 0


def test_the_partners_chats_count_as_escalations_but_not_in_handling_time(store: Store) -> None:
    write_history(store, AT, days=15, handling_minutes=9.5)
    own = staffing_forecast(_settings(store), store, AT)
    write_history(store, AT, days=15, handling_minutes=40, seed=15, backend="partner")
    both = staffing_forecast(_settings(store), store, AT)
    assert both.handling.mean_minutes == pytest.approx(9.5)
    assert both.handling.tickets == own.history.tickets < both.history.tickets
    assert sum(h.escalations for h in both.hours) > 1.5 * sum(h.escalations for h in own.hours)


def test_without_closed_tickets_the_default_handling_time_is_used(store: Store) -> None:
    result = staffing_forecast(_settings(store, default_handling_minutes=7), store, AT)
    assert not result.handling.measured
    assert result.handling.mean_minutes == 7


@pytest.mark.parametrize(
    ("days", "method", "says"),
    [(10, METHOD_WEEK, "last week"), (3, METHOD_DAY, "last day"), (0, METHOD_NONE, "no forecast")],
)
def test_short_history_falls_back_and_says_so(
    store: Store, days: int, method: str, says: str
) -> None:
    if days:
        write_history(store, AT, days=days)
    result = staffing_forecast(_settings(store), store, AT)
    assert result.method == method
    assert says in result.note
    if method == METHOD_NONE:
        assert all(hour.escalations == 0 and hour.agents_needed == 0 for hour in result.hours)


def test_seasonal_naive_repeats_the_last_week(store: Store) -> None:
    """With 10 days, Tuesday 3 Nov 10:00 is what came on Tuesday 27 Oct 10:00."""
    write_history(store, AT, days=10)
    result = staffing_forecast(_settings(store), store, AT)
    came = _created_between(store, helsinki(2026, 10, 27, 10), helsinki(2026, 10, 27, 11))
    tuesday_ten = next(h for h in result.hours if h.start == "2026-11-03T10:00")
    assert tuesday_ten.escalations == came


def test_a_holiday_is_closed_and_does_not_teach_a_dip(store: Store) -> None:
    write_history(store, AT, days=56)
    # a Tuesday three weeks ago had no tickets (the shop was closed)
    gone = helsinki(2026, 10, 13)
    _delete_created_between(store, gone, gone + timedelta(days=1))
    holidays = [gone.date(), helsinki(2026, 11, 10).date()]  # and the next-but-one Tuesday
    opening = OpeningHours.always().model_copy(update={"holidays": holidays})
    result = staffing_forecast(_settings(store, opening_hours=opening), store, AT)
    ignored = staffing_forecast(_settings(store), store, AT)

    closed = [hour for hour in result.hours if hour.start.startswith("2026-11-10")]
    assert all(not h.open and h.holiday and h.agents_needed == 0 for h in closed)
    assert not any(h.overflow for h in closed)
    assert next(d for d in result.days if d.date == "2026-11-10").holiday
    # the empty Tuesday pulled the unlisted forecast down; listed, it is filled in
    assert result.days[0].escalations > ignored.days[0].escalations


def test_team_size_defaults_to_the_agent_accounts(store: Store) -> None:
    for name in ("anna", "bertil", "cecilia"):
        store.add_agent(name, "not-a-real-hash")
    result = staffing_forecast(_settings(store), store, AT)
    assert result.team_size == 3
    assert "agent accounts" in result.team_size_source
    assert staffing_forecast(_settings(store, team_size=5), store, AT).team_size == 5


def test_forecast_settings_are_validated(tmp_path: Path) -> None:
    path = tmp_path / "handoff.yml"
    path.write_text("forecast:\n  service_level: 1.5\n  team_sizes: 4\n", encoding="utf-8")
    with pytest.raises(HandoffConfigError) as raised:
        load_handoff_settings(path)
    message = str(raised.value)
    assert "service_level" in message and "team_sizes" in message  # both at once
    assert "handoff.yml:2" in message and "handoff.yml:3" in message


# helpers -----------------------------------------------------------------------------------------


def _settings(
    store: Store, opening_hours: OpeningHours | None = None, **forecast: object
) -> HandoffSettings:
    return HandoffSettings(
        database_url=store.url,
        opening_hours=opening_hours or OpeningHours.always(),
        forecast=ForecastSettings.model_validate(forecast),
    )


def _created_between(store: Store, start: datetime, end: datetime) -> int:
    start, end = start.astimezone(UTC), end.astimezone(UTC)  # SQLite keeps UTC text

    with store.transaction() as conn:
        return int(
            conn.execute(
                sa.select(sa.func.count())
                .select_from(tickets)
                .where(tickets.c.created_at >= start, tickets.c.created_at < end)
            ).scalar_one()
        )


def _delete_created_between(store: Store, start: datetime, end: datetime) -> None:
    start, end = start.astimezone(UTC), end.astimezone(UTC)

    with store.transaction() as conn:
        conn.execute(
            tickets.delete().where(tickets.c.created_at >= start, tickets.c.created_at < end)
        )
