"""``faqbot forecast``: escalations and agents needed per hour for the next 14 days."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import Any

from handoff.cli import guarded
from handoff.config import load_handoff_settings
from handoff.forecast import StaffingForecast, staffing_forecast
from handoff.store import Store


def register(groups: Any) -> None:
    """Add ``faqbot forecast`` to the ``faqbot`` parser."""
    forecast = groups.add_parser(
        "forecast",
        help="staffing forecast: escalations and agents needed per hour, next 14 days",
    )
    forecast.add_argument(
        "--json", action="store_true", help="everything, per hour (what the console page shows)"
    )
    forecast.add_argument(
        "--at",
        type=_moment,
        default=None,
        help="forecast as if it were this moment (ISO 8601; without an offset: the shop's time "
        "zone), e.g. to compare with what happened",
    )
    forecast.set_defaults(handler=guarded(_forecast))


def _moment(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 time; use e.g. 2026-11-02T08:00 or 2026-11-02T08:00+02:00"
        ) from None


def _forecast(args: argparse.Namespace) -> int:
    settings = load_handoff_settings()
    store = Store(settings.database_url)
    store.create_schema()
    result = staffing_forecast(settings, store, args.at)
    if args.json:
        print(json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        print(summary(result))
    return 0


def summary(result: StaffingForecast) -> str:
    """The forecast per day, for a terminal."""
    handling = result.handling
    measured = (
        f"mean {handling.mean_minutes:g} min, median {handling.median_minutes:g} min "
        f"({handling.tickets} tickets claimed and closed)"
        if handling.measured and handling.median_minutes is not None
        else f"{handling.mean_minutes:g} min (forecast.default_handling_minutes: no ticket "
        "was claimed and closed yet)"
    )
    lines = [
        f"Staffing forecast from {result.made_at} ({result.timezone}), next 14 days",
        f"Method: {result.method}. {result.note}",
        f"History: {result.history.tickets} tickets, {result.history.start} – {result.history.end}",
        f"Handling time (claim → close): {measured}",
        f"Target: {result.service_level:.0%} claimed within {result.answer_seconds:g} s; "
        f"team: {result.team_size} agents, from {result.team_size_source}",
        "",
        f"{'date':<10}  {'day':<3}  {'escalations':>11}  {'peak agents':>11}  "
        "book the overflow partner",
    ]
    for day in result.days:
        hours = ", ".join(f"{hour:02d}:00" for hour in day.overflow_hours) or "-"
        if day.holiday:
            hours = "holiday (closed)"
        lines.append(
            f"{day.date:<10}  {day.weekday:<3}  {day.escalations:>11.1f}  "
            f"{day.peak_agents:>11}  {hours}"
        )
    partner = result.overflow_partner or "none configured (overflow: in handoff.yml)"
    lines += ["", f"Overflow partner: {partner}. Every hour: faqbot forecast --json"]
    return "\n".join(lines)
