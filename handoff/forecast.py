"""Staffing forecast: escalations per hour for the next 14 days and the agents they need.

The history is the number of tickets created per hour, on the wall clock of the shop's time
zone (``opening_hours.timezone``). statsforecast's MSTL with daily and weekly seasonality
forecasts it (seasonal naive while there are fewer than two weeks of tickets), and
pyworkforce's Erlang C turns each hour's escalations into the agents needed to claim
``service_level`` of the chats within ``answer_seconds``, with the handling time (claim →
close) measured from the tickets. Open hours that need more agents than the team has are marked
for the overflow partner (README "Staffing forecast").
"""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import sqlalchemy as sa
from pydantic import BaseModel

from handoff.config import HandoffSettings
from handoff.errors import HandoffError
from handoff.hours import WEEKDAYS, OpeningHours
from handoff.store import Store, tickets, utcnow

DAYS = 14
DAY = 24
WEEK = 7 * DAY
# an hour expecting fewer escalations than this needs nobody (MSTL's leftovers near zero)
MIN_ESCALATIONS = 0.01
HOUR = timedelta(hours=1)

METHOD_MSTL = "MSTL (daily and weekly seasonality)"
METHOD_WEEK = "seasonal naive (last week)"
METHOD_DAY = "seasonal naive (last day)"
METHOD_NONE = "none"


class ForecastError(HandoffError):
    """The forecast cannot be made for this moment."""


class HourForecast(BaseModel):
    """One hour of the forecast, on the shop's wall clock."""

    start: str  # "2026-12-08T10:00"
    weekday: str  # mon … sun
    hour: int
    escalations: float
    open: bool  # within opening hours (a holiday is closed)
    holiday: bool
    agents_needed: int  # Erlang C; 0 when closed
    # the share claimed within answer_seconds if the whole team works this hour (None: closed
    # or no escalations expected)
    team_service_level: float | None
    overflow: bool  # open, and the team alone cannot meet the service level


class DayForecast(BaseModel):
    """A day's totals: what a lead plans shifts with."""

    date: str
    weekday: str
    holiday: bool
    escalations: float
    peak_agents: int
    overflow_hours: list[int]


class HandlingTime(BaseModel):
    """Claim → close of the tickets in the history (Erlang C's average handling time)."""

    mean_minutes: float
    median_minutes: float | None
    tickets: int
    measured: bool  # False: no ticket was claimed and closed; the configured default is used


class History(BaseModel):
    """The tickets the forecast learnt from."""

    start: str
    end: str
    hours: int
    tickets: int


class StaffingForecast(BaseModel):
    """What `faqbot forecast --json` prints and the console's forecast page shows."""

    made_at: str  # the hour the forecast starts from, shop's wall clock
    timezone: str
    method: str
    note: str
    history: History
    handling: HandlingTime
    service_level: float
    answer_seconds: float
    team_size: int
    team_size_source: str
    overflow_partner: str | None
    days: list[DayForecast]
    hours: list[HourForecast]


def staffing_forecast(
    settings: HandoffSettings, store: Store, at: datetime | None = None
) -> StaffingForecast:
    """Forecast the 14 days after ``at`` (default now; naive means the shop's time zone).

    Raises:
        ForecastError: when ``at`` is too far from today's calendar to compute with.
        StorageError: when the ticket database does not answer.
    """
    config = settings.forecast
    opening = settings.opening_hours
    zone = ZoneInfo(opening.timezone)
    moment = at or utcnow()
    if not 2000 <= moment.year <= 2200:
        raise ForecastError(f"cannot forecast from {moment.isoformat()}: use a year 2000–2200")
    local = moment.astimezone(zone) if moment.tzinfo else moment.replace(tzinfo=zone)
    end = local.replace(minute=0, second=0, microsecond=0, tzinfo=None)  # wall clock
    since = end - timedelta(weeks=config.history_weeks)
    rows = _ticket_times(store, since.replace(tzinfo=zone), end.replace(tzinfo=zone))

    created = [_wall_clock(row[0], zone) for row in rows]
    start = max(since, min(created).replace(minute=0, second=0, microsecond=0)) if created else end
    series = _hourly_counts(created, start, end)
    series = _without_holidays(series, start, opening)

    first_day = datetime.combine(end.date() + timedelta(days=1), time(0))
    lead_in = int((first_day - end) / HOUR)
    predicted, method, note = _forecast(series, start, lead_in + DAYS * DAY)
    predicted = predicted[lead_in:]

    # the own team's chats only: the overflow partner's times are not ours to staff for
    own = [row for row in rows if row[3] == settings.backend]
    handling = _handling_time(own, config.default_handling_minutes)
    team_size, team_source = (
        (config.team_size, "forecast.team_size in handoff.yml")
        if config.team_size is not None
        else (len(store.list_agents()), "the agent accounts (faqbot agent list)")
    )
    hours = [
        _hour(
            first_day + index * HOUR,
            float(expected),
            opening,
            handling.mean_minutes,
            team_size,
            config.service_level,
            config.answer_seconds,
        )
        for index, expected in enumerate(predicted)
    ]
    return StaffingForecast(
        made_at=end.isoformat(timespec="minutes"),
        timezone=opening.timezone,
        method=method,
        note=note,
        history=History(
            start=start.isoformat(timespec="minutes"),
            end=end.isoformat(timespec="minutes"),
            hours=len(series),
            tickets=len(rows),
        ),
        handling=handling,
        service_level=config.service_level,
        answer_seconds=config.answer_seconds,
        team_size=team_size,
        team_size_source=team_source,
        overflow_partner=settings.overflow.backend if settings.overflow else None,
        days=_days(hours, opening),
        hours=hours,
    )


def agents_needed(
    escalations: float, handling_minutes: float, service_level: float, answer_seconds: float
) -> int:
    """Agents for one hour by Erlang C: ``service_level`` claimed within ``answer_seconds``."""
    if escalations < MIN_ESCALATIONS:
        return 0
    from pyworkforce.queuing import ErlangC  # imports pandas: only when forecasting

    erlang = ErlangC(
        transactions=escalations, aht=handling_minutes, asa=answer_seconds / 60, interval=60
    )
    return int(erlang.required_positions(service_level=service_level)["positions"])


def service_level_with(
    agents: int, escalations: float, handling_minutes: float, answer_seconds: float
) -> float:
    """The share of one hour's escalations claimed within ``answer_seconds`` by ``agents``."""
    from pyworkforce.queuing import ErlangC

    erlang = ErlangC(
        transactions=escalations, aht=handling_minutes, asa=answer_seconds / 60, interval=60
    )
    if agents <= erlang.intensity:  # the queue grows without end
        return 0.0
    return float(erlang.service_level(agents))


Times = tuple[datetime, datetime | None, datetime | None, str]


def _ticket_times(store: Store, since: datetime, until: datetime) -> list[Times]:
    """(created, claimed, closed, backend) of the tickets created in [since, until)."""
    # in UTC: SQLite stores the times as text without their offset
    since, until = since.astimezone(UTC), until.astimezone(UTC)
    query = sa.select(
        tickets.c.created_at, tickets.c.claimed_at, tickets.c.closed_at, tickets.c.backend
    ).where(tickets.c.created_at >= since, tickets.c.created_at < until)
    with store.transaction() as conn:
        return [(row[0], row[1], row[2], row[3]) for row in conn.execute(query).all()]


def _wall_clock(moment: datetime, zone: ZoneInfo) -> datetime:
    """``moment`` (naive = UTC, as SQLite returns it) on the shop's wall clock, naive."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone).replace(tzinfo=None)


def _hourly_counts(created: list[datetime], start: datetime, end: datetime) -> np.ndarray:
    """Tickets per wall-clock hour from ``start`` to ``end`` (exclusive)."""
    counts = np.zeros(int((end - start) / HOUR), dtype=float)
    for moment in created:
        index = int((moment - start) / HOUR)
        if 0 <= index < len(counts):
            counts[index] += 1
    return counts


def _without_holidays(series: np.ndarray, start: datetime, opening: OpeningHours) -> np.ndarray:
    """Holiday hours replaced by the mean of the same weekday and hour on ordinary days.

    A closed day's few offline tickets would otherwise teach the model a dip that repeats on
    the same weekday every week.
    """
    holidays = set(opening.holidays)
    slots = [(start + index * HOUR) for index in range(len(series))]
    on_holiday = np.array([slot.date() in holidays for slot in slots], dtype=bool)
    if not on_holiday.any():
        return series
    week_hour = np.array([slot.weekday() * DAY + slot.hour for slot in slots])
    cleaned = series.copy()
    for index in np.flatnonzero(on_holiday):
        same = (week_hour == week_hour[index]) & ~on_holiday
        if same.any():
            cleaned[index] = float(series[same].mean())
    return cleaned


def _forecast(series: np.ndarray, start: datetime, horizon: int) -> tuple[np.ndarray, str, str]:
    """``horizon`` hours after ``series`` (which starts at ``start``), the method and a note."""
    weeks = len(series) / WEEK
    if len(series) < DAY:
        note = "Less than a day of tickets: no forecast yet, every hour shows 0."
        return np.zeros(horizon), METHOD_NONE, note
    import pandas as pd  # heavy: only when forecasting
    from statsforecast import StatsForecast
    from statsforecast.models import MSTL, AutoETS, SeasonalNaive

    model: MSTL | SeasonalNaive
    if len(series) >= 2 * WEEK:
        # ZZN: the trend (none, additive or damped) is chosen by AICc; no third seasonality
        model = MSTL(season_length=[DAY, WEEK], trend_forecaster=AutoETS(model="ZZN"))
        method = METHOD_MSTL
        note = f"Learnt from {weeks:.1f} weeks of tickets with daily and weekly seasonality."
    elif len(series) >= WEEK:
        model, method = SeasonalNaive(season_length=WEEK), METHOD_WEEK
        note = (
            f"Only {weeks:.1f} weeks of tickets (2 are needed for the daily and weekly pattern): "
            "each hour repeats the same hour of the last week."
        )
    else:
        model, method = SeasonalNaive(season_length=DAY), METHOD_DAY
        note = (
            f"Only {len(series) / DAY:.1f} days of tickets: each hour repeats the same hour of "
            "the last day, so weekdays and weekends look alike until there is a week."
        )
    frame = pd.DataFrame(
        {
            "unique_id": "escalations",
            "ds": pd.date_range(start, periods=len(series), freq="h"),
            "y": series,
        }
    )
    result = StatsForecast(models=[model], freq="h", n_jobs=1).forecast(df=frame, h=horizon)
    values = result[type(model).__name__].to_numpy()
    return np.clip(values.astype(float), 0.0, None), method, note


def _handling_time(rows: list[Times], default_minutes: float) -> HandlingTime:
    minutes = [
        (closed - claimed).total_seconds() / 60
        for _created, claimed, closed, _backend in rows
        if claimed is not None and closed is not None and closed > claimed
    ]
    if not minutes:
        return HandlingTime(
            mean_minutes=default_minutes, median_minutes=None, tickets=0, measured=False
        )
    return HandlingTime(
        mean_minutes=round(statistics.fmean(minutes), 2),
        median_minutes=round(statistics.median(minutes), 2),
        tickets=len(minutes),
        measured=True,
    )


def _hour(
    slot: datetime,
    expected: float,
    opening: OpeningHours,
    handling_minutes: float,
    team_size: int,
    service_level: float,
    answer_seconds: float,
) -> HourForecast:
    holiday = slot.date() in opening.holidays
    is_open = opening.is_open(slot.replace(tzinfo=ZoneInfo(opening.timezone)))
    needed = (
        agents_needed(expected, handling_minutes, service_level, answer_seconds) if is_open else 0
    )
    team_level = (
        round(service_level_with(team_size, expected, handling_minutes, answer_seconds), 4)
        if is_open and expected >= MIN_ESCALATIONS
        else None
    )
    return HourForecast(
        start=slot.isoformat(timespec="minutes"),
        weekday=WEEKDAYS[slot.weekday()],
        hour=slot.hour,
        escalations=round(expected, 2),
        open=is_open,
        holiday=holiday,
        agents_needed=needed,
        team_service_level=team_level,
        overflow=is_open and needed > team_size,
    )


def _days(hours: list[HourForecast], opening: OpeningHours) -> list[DayForecast]:
    by_day: dict[str, list[HourForecast]] = {}
    for hour in hours:
        by_day.setdefault(hour.start[:10], []).append(hour)
    return [
        DayForecast(
            date=day,
            weekday=rows[0].weekday,
            holiday=date.fromisoformat(day) in opening.holidays,
            escalations=round(sum(row.escalations for row in rows), 1),
            peak_agents=max(row.agents_needed for row in rows),
            overflow_hours=[row.hour for row in rows if row.overflow],
        )
        for day, rows in by_day.items()
    ]
