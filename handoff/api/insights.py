"""The insights page and its API, for agents with the ``lead`` role (README "Insights").

The figures are :func:`handoff.insights.figures.compute`'s, the same as ``faqbot report
--json`` prints for the same period.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field

from bot.errors import FaqValidationError
from handoff.api.console import CONSOLE_DIR
from handoff.api.dependencies import Lead
from handoff.insights import charts, figures
from handoff.insights.conversations import ConversationReader, tracker_url
from handoff.insights.service import Insights
from handoff.insights.unanswered import Cluster

router = APIRouter(tags=["insights"])

Since = Annotated[str, Query(description="the period up to `until`: 24h, 7d, 8w", max_length=8)]
Until = Annotated[datetime | None, Query(description="end of the period (default: now)")]
CACHE_SECONDS = 60.0  # clusters of a period are reused this long (embedding costs seconds)


class DoneRequest(BaseModel):
    """Mark one cluster of the period done."""

    model_config = ConfigDict(extra="forbid")
    cluster: Annotated[str, Field(min_length=1, max_length=64)]
    since: Annotated[str, Field(max_length=8)] = "28d"
    until: datetime | None = None


def _insights(request: Request) -> Insights:
    state = request.app.state
    with _lock:
        if getattr(state, "insights", None) is None:
            settings = state.settings
            state.insights = Insights(
                state.desk.store,
                ConversationReader(tracker_url()),
                settings.opening_hours.timezone,
            )
    insights: Insights = state.insights
    return insights


_lock = threading.Lock()


InsightsDep = Annotated[Insights, Depends(_insights)]


def _period(since: str, until: datetime | None) -> tuple[datetime, datetime]:
    try:
        length = figures.parse_since(since)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    end = until or datetime.now(UTC)
    if end.tzinfo is None:
        end = end.replace(tzinfo=UTC)
    return end - length, end


@router.get("/insights", include_in_schema=False)
def insights_page() -> FileResponse:
    return FileResponse(CONSOLE_DIR / "insights.html")


@router.get("/api/insights")
def insight_figures(
    _lead: Lead, insights: InsightsDep, since: Since = "7d", until: Until = None
) -> dict[str, Any]:
    """Every figure of the period (the format of ``faqbot report --json``)."""
    start, end = _period(since, until)
    return insights.figures(start, end)


@router.get("/api/insights/charts/{name}.svg", response_class=Response)
def insight_chart(
    name: str, _lead: Lead, insights: InsightsDep, since: Since = "7d", until: Until = None
) -> Response:
    """One chart of the period as SVG."""
    start, end = _period(since, until)
    drawn = charts.charts(insights.figures(start, end))
    if name not in drawn:
        raise HTTPException(404, f"no chart {name!r}; known: {', '.join(drawn)}")
    return Response(drawn[name], media_type="image/svg+xml")


@router.get("/api/insights/unanswered")
def unanswered(
    _lead: Lead, insights: InsightsDep, since: Since = "28d", until: Until = None
) -> dict[str, Any]:
    """The period's unanswered questions by meaning, biggest first, done ones last."""
    found = _cached_clusters(insights, since, until)
    return {"since": since, "clusters": [c.as_json() for c in found]}


@router.get("/api/insights/picks")
def picked(
    _lead: Lead, insights: InsightsDep, since: Since = "28d", until: Until = None
) -> dict[str, Any]:
    """Questions shoppers asked before picking an FAQ entry from the buttons, not yet
    phrasings of it, most picked first, with the ``shopper_questions`` blocks to paste."""
    start, end = _period(since, until)
    try:
        found, snippet = insights.picks(start, end)
    except FaqValidationError as exc:
        raise HTTPException(
            503, f"the FAQ files have {len(exc.problems)} problem(s); run `faqbot faq check`"
        ) from None
    return {
        "since": since,
        "picks": [
            {"entry": s.entry, "language": s.language, "text": s.text, "times": s.times}
            for s in found
        ],
        "snippet": snippet,
    }


@router.post("/api/insights/unanswered/done")
def mark_done(body: DoneRequest, who: Lead, insights: InsightsDep) -> dict[str, Any]:
    """Mark a cluster's questions done; they stay done when they come again."""
    found = _cached_clusters(insights, body.since, body.until)
    chosen = next((c for c in found if c.id == body.cluster), None)
    if chosen is None:
        raise HTTPException(404, "no such cluster in this period; reload the page")
    marked = insights.store.mark_done(
        dict(zip(chosen.keys, chosen.questions, strict=True)), who.agent
    )
    insights.cache.clear()
    return {"cluster": chosen.id, "marked": marked}


def _cached_clusters(insights: Insights, since: str, until: datetime | None) -> list[Cluster]:
    start, end = _period(since, until)
    key = f"{since}|{until.isoformat() if until else ''}"
    hit = insights.cache.get(key)
    if hit and time.monotonic() - hit[0] < CACHE_SECONDS:
        return hit[1]
    found = insights.clusters(start, end)
    insights.cache[key] = (time.monotonic(), found)
    return found
