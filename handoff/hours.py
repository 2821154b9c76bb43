"""Opening hours per weekday in the shop's time zone, with holidays."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPAN = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")

Span = Annotated[str, Field(pattern=r"^\d{2}:\d{2}-\d{2}:\d{2}$")]


def _parse_span(span: str) -> tuple[time, time | None]:
    """``"09:00-17:00"`` → (09:00, 17:00); an end of ``24:00`` is returned as None (midnight)."""
    match = _SPAN.match(span)
    if match is None:
        raise ValueError(f"{span!r} is not HH:MM-HH:MM")
    h1, m1, h2, m2 = (int(part) for part in match.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2 != 0):
        raise ValueError(f"{span!r} is not a valid time span")
    end = None if h2 == 24 else time(h2, m2)
    if end is not None and end <= time(h1, m1):
        raise ValueError(f"{span!r} ends before it starts; use 24:00 for midnight")
    return time(h1, m1), end


class OpeningHours(BaseModel):
    """When people answer chats, e.g. ``mon: ["09:00-17:00"]``; a missing day is closed."""

    model_config = ConfigDict(extra="forbid")

    timezone: str = "Europe/Helsinki"
    mon: list[Span] = Field(default_factory=list)
    tue: list[Span] = Field(default_factory=list)
    wed: list[Span] = Field(default_factory=list)
    thu: list[Span] = Field(default_factory=list)
    fri: list[Span] = Field(default_factory=list)
    sat: list[Span] = Field(default_factory=list)
    sun: list[Span] = Field(default_factory=list)
    holidays: list[date] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: a 300-char name
            raise ValueError(f"unknown time zone {value!r}; use e.g. Europe/Helsinki") from exc
        return value

    @field_validator(*WEEKDAYS)
    @classmethod
    def _valid_spans(cls, spans: list[str]) -> list[str]:
        for span in spans:
            _parse_span(span)
        return spans

    @classmethod
    def always(cls) -> OpeningHours:
        """Open around the clock, every day."""
        return cls.model_validate({day: ["00:00-24:00"] for day in WEEKDAYS})

    def _spans_on(self, day: date) -> list[tuple[datetime, datetime]]:
        if day in self.holidays:
            return []
        zone = ZoneInfo(self.timezone)
        spans = []
        for span in getattr(self, WEEKDAYS[day.weekday()]):
            start, end = _parse_span(span)
            begin = datetime.combine(day, start, zone)
            finish = (
                datetime.combine(day + timedelta(days=1), time(0), zone)
                if end is None
                else datetime.combine(day, end, zone)
            )
            spans.append((begin, finish))
        return sorted(spans)

    def is_open(self, moment: datetime) -> bool:
        """Whether ``moment`` (timezone-aware) falls inside opening hours."""
        local = moment.astimezone(ZoneInfo(self.timezone))
        return any(begin <= local < end for begin, end in self._spans_on(local.date()))

    def next_opening(self, moment: datetime) -> datetime | None:
        """When the team is back (``moment`` itself if open); None if not within 3 weeks."""
        if self.is_open(moment):
            return moment
        local = moment.astimezone(ZoneInfo(self.timezone))
        for offset in range(22):
            for begin, _end in self._spans_on(local.date() + timedelta(days=offset)):
                if begin > local:
                    return begin
        return None
