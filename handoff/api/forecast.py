"""The staffing forecast for team leads: its data and its console page (README "Staffing
forecast")."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from handoff.api.console import CONSOLE_DIR
from handoff.api.dependencies import SettingsDep, StoreDep, Who
from handoff.forecast import ForecastError, StaffingForecast, staffing_forecast

router = APIRouter()


@router.get("/api/forecast", response_model=StaffingForecast, tags=["console"])
def forecast(
    who: Who, store: StoreDep, settings: SettingsDep, at: datetime | None = None
) -> StaffingForecast:
    """Escalations and agents needed per hour for the next 14 days (console agents only).

    ``at`` forecasts as if it were that moment (without an offset: the shop's time zone).
    """
    if who.integration:
        raise HTTPException(403, "the staffing forecast is for console agents")
    try:
        return staffing_forecast(settings, store, at)
    except ForecastError as exc:
        raise HTTPException(422, str(exc)) from exc


@router.get("/forecast", include_in_schema=False)
def forecast_page() -> FileResponse:
    return FileResponse(CONSOLE_DIR / "forecast.html")
