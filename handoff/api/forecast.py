"""The staffing forecast for team leads: its data and its console page (README "Staffing
forecast")."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from handoff.api.console import CONSOLE_DIR
from handoff.api.dependencies import Lead, SettingsDep, StoreDep
from handoff.forecast import ForecastError, StaffingForecast, staffing_forecast

router = APIRouter()


@router.get("/api/forecast", response_model=StaffingForecast, tags=["console"])
def forecast(
    _lead: Lead, store: StoreDep, settings: SettingsDep, at: datetime | None = None
) -> StaffingForecast:
    """Escalations and agents needed per hour for the next 14 days (leads only).

    ``at`` forecasts as if it were that moment (without an offset: the shop's time zone).
    """
    try:
        return staffing_forecast(settings, store, at)
    except ForecastError as exc:
        raise HTTPException(422, str(exc)) from exc


@router.get("/forecast", include_in_schema=False)
def forecast_page() -> FileResponse:
    return FileResponse(CONSOLE_DIR / "forecast.html")
