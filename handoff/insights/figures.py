"""The insight figures of a period: one computation for the console page and ``faqbot report``.

Conversation figures come from the tracker store (:mod:`handoff.insights.conversations`),
escalation reasons and claim times from the ticket store. Every figure is given for all
conversations, per language and per channel.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import sqlalchemy as sa

from bot.conversation import STATUS_OFFLINE, STATUS_OVERFLOW
from handoff.insights.conversations import Conversation, ConversationReader
from handoff.store import Store, _aware, tickets

TOP_FAQ = 10
_SINCE = re.compile(r"^(\d+)([hdw])$")


def parse_since(text: str) -> timedelta:
    """``7d``, ``24h`` or ``8w`` as a duration.

    Raises:
        ValueError: for anything else, with how to write it.
    """
    found = _SINCE.match(text.strip())
    if not found or int(found.group(1)) == 0:
        raise ValueError(f"{text!r} is not a period; write e.g. 24h, 7d or 8w")
    amount, unit = int(found.group(1)), found.group(2)
    return {
        "h": timedelta(hours=amount),
        "d": timedelta(days=amount),
        "w": timedelta(weeks=amount),
    }[unit]


@dataclass(frozen=True)
class TicketRow:
    """What the figures need of a ticket."""

    conversation_id: str
    language: str
    channel: str
    reason: str
    created_at: datetime
    claimed_at: datetime | None


def read_tickets(store: Store, since: datetime, until: datetime) -> list[TicketRow]:
    """Tickets created in [since, until)."""
    query = sa.select(
        tickets.c.conversation_id,
        tickets.c.language,
        tickets.c.channel,
        tickets.c.reason,
        tickets.c.created_at,
        tickets.c.claimed_at,
    ).where(tickets.c.created_at >= since, tickets.c.created_at < until)
    with store.transaction() as conn:
        rows = conn.execute(query).all()
    return [
        TicketRow(
            str(r.conversation_id),
            str(r.language),
            str(r.channel),
            str(r.reason),
            _aware(r.created_at) or since,
            _aware(r.claimed_at),
        )
        for r in rows
    ]


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _percentile(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 1) if values else None


def group_figures(convs: list[Conversation], ticket_rows: list[TicketRow]) -> dict[str, Any]:
    """The figures of one slice (all, one language or one channel)."""
    count = len(convs)
    escalated = sum(1 for c in convs if c.handoff is not None)
    up = sum(1 for c in convs if c.rating == "up")
    down = sum(1 for c in convs if c.rating == "down")
    # an offline ticket is an email answered when the team is back: not a wait in a queue
    offline = {c.sender_id for c in convs if c.handoff == STATUS_OFFLINE}
    waits = [
        (t.claimed_at - t.created_at).total_seconds()
        for t in ticket_rows
        if t.claimed_at and t.conversation_id not in offline
    ]
    return {
        "conversations": count,
        "messages": sum(c.messages for c in convs),
        "escalated": escalated,
        "self_service_rate": _rate(count - escalated, count),
        "escalations_by_reason": dict(sorted(Counter(t.reason for t in ticket_rows).items())),
        "tickets": len(ticket_rows),
        "claimed": len(waits),
        "time_to_claim_median_s": _percentile(waits, 50),
        "time_to_claim_p90_s": _percentile(waits, 90),
        "offline_tickets": sum(1 for c in convs if c.handoff == STATUS_OFFLINE),
        "overflow_tickets": sum(1 for c in convs if c.handoff == STATUS_OVERFLOW),
        "thumbs_up": up,
        "thumbs_down": down,
        "thumbs_up_rate": _rate(up, up + down),
        "fallbacks": sum(c.fallbacks for c in convs),
        "none_of_these": sum(c.none_of_these for c in convs),
        "not_really": sum(c.not_really for c in convs),
        "fallback_rate": _rate(sum(1 for c in convs if c.fallbacks), count),
        "none_of_these_rate": _rate(sum(1 for c in convs if c.none_of_these), count),
        "not_really_rate": _rate(sum(1 for c in convs if c.not_really), count),
    }


def _split(
    convs: list[Conversation], ticket_rows: list[TicketRow], attribute: str
) -> dict[str, dict[str, Any]]:
    keys = sorted(
        {getattr(c, attribute) for c in convs} | {getattr(t, attribute) for t in ticket_rows}
    )
    return {
        key: group_figures(
            [c for c in convs if getattr(c, attribute) == key],
            [t for t in ticket_rows if getattr(t, attribute) == key],
        )
        for key in keys
    }


def _days(since: datetime, until: datetime, zone: ZoneInfo) -> list[date]:
    first, last = (
        since.astimezone(zone).date(),
        (until - timedelta(microseconds=1)).astimezone(zone).date(),
    )
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def compute(
    convs: list[Conversation],
    ticket_rows: list[TicketRow],
    since: datetime,
    until: datetime,
    timezone: str = "Europe/Helsinki",
) -> dict[str, Any]:
    """Every figure of the period, JSON-ready (the format of ``faqbot report --json``)."""
    zone = ZoneInfo(timezone)
    per_day: dict[date, list[Conversation]] = {day: [] for day in _days(since, until, zone)}
    hours = [0] * 24
    weekday_hours = [[0] * 24 for _ in range(7)]
    for conv in convs:
        local = conv.started_at.astimezone(zone)
        per_day.setdefault(local.date(), []).append(conv)
        hours[local.hour] += 1
        weekday_hours[local.weekday()][local.hour] += 1
    daily = []
    for day, day_convs in sorted(per_day.items()):
        figures = group_figures(day_convs, [])
        daily.append(
            {
                "date": day.isoformat(),
                "conversations": figures["conversations"],
                "escalated": figures["escalated"],
                "self_service_rate": figures["self_service_rate"],
                "thumbs_up": figures["thumbs_up"],
                "thumbs_down": figures["thumbs_down"],
            }
        )
    top = Counter(entry for c in convs for entry in c.faq_answers).most_common(TOP_FAQ)
    return {
        "period": {"since": since.isoformat(), "until": until.isoformat(), "timezone": timezone},
        "all": group_figures(convs, ticket_rows),
        "by_language": _split(convs, ticket_rows, "language"),
        "by_channel": _split(convs, ticket_rows, "channel"),
        "top_faq": [{"id": entry, "answers": n} for entry, n in top],
        "daily": daily,
        "hourly": hours,
        "weekday_hourly": weekday_hours,
    }


def period(since: timedelta, now: datetime | None = None) -> tuple[datetime, datetime]:
    """[now - since, now)."""
    end = now or datetime.now(UTC)
    return end - since, end


def report(
    store: Store,
    reader: ConversationReader,
    since: datetime,
    until: datetime,
    timezone: str = "Europe/Helsinki",
) -> dict[str, Any]:
    """Read the period's conversations and tickets and compute every figure."""
    return compute(
        reader.conversations(since, until),
        read_tickets(store, since, until),
        since,
        until,
        timezone,
    )


CSV_FIELDS = (
    "conversations",
    "messages",
    "escalated",
    "self_service_rate",
    "tickets",
    "claimed",
    "time_to_claim_median_s",
    "time_to_claim_p90_s",
    "offline_tickets",
    "overflow_tickets",
    "thumbs_up",
    "thumbs_down",
    "thumbs_up_rate",
    "fallbacks",
    "none_of_these",
    "not_really",
    "fallback_rate",
    "none_of_these_rate",
    "not_really_rate",
)


def slices(figures: dict[str, Any]) -> Iterable[tuple[str, str, dict[str, Any]]]:
    """(dimension, value, figures) for all, each language and each channel."""
    yield "all", "all", figures["all"]
    for lang, group in figures["by_language"].items():
        yield "language", lang, group
    for channel, group in figures["by_channel"].items():
        yield "channel", channel, group
