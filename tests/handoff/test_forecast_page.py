"""The staffing forecast page in a real (headless) Chromium against the real handoff app.

The ticket history is synthetic (weekday peaks at 10–11 and 19–20); the page is opened with
``?at=`` so it forecasts from the same moment as the API call it is compared with. Needs
Debian's chromium and chromedriver; skipped without them unless ``FAQBOT_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests

from handoff.auth import hash_password
from handoff.config import ForecastSettings, HandoffSettings
from handoff.hours import OpeningHours
from handoff.store import Store
from handoff.tickets import ROLE_LEAD
from tests.axe import assert_no_violations
from tests.browser import (
    chrome,
    click,
    css,
    page_problems,
    require_browser,
    screenshot,
    text_of,
    visible,
    wait_for,
)
from tests.handoff.forecast_history import helsinki, write_history
from tests.handoff.test_console_page import free_port

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
AGENT, PASSWORD = "lea", "a lead's long password"
AT = "2026-11-02T08:30:00+02:00"
HOLIDAY = "2026-11-10"


@dataclass
class Site:
    base_url: str
    data: dict[str, Any]  # GET /api/forecast?at=AT as the logged-in agent


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    import uvicorn

    from handoff.app import create_app

    tmp = tmp_path_factory.mktemp("forecast")
    opening = OpeningHours.always().model_copy(update={"holidays": [helsinki(2026, 11, 10).date()]})
    settings = HandoffSettings(
        database_url=f"sqlite:///{tmp / 'handoff.db'}",
        domain_file=ROOT / "domain.yml",
        opening_hours=opening,
        forecast=ForecastSettings(team_size=2),
    )
    store = Store(settings.database_url)
    store.create_schema()
    store.add_agent(AGENT, hash_password(PASSWORD))
    store.set_agent_profile(AGENT, role=ROLE_LEAD)
    write_history(store, helsinki(2026, 11, 2, 8), days=56)

    port = free_port()
    app = create_app(settings, background=False)  # no Rasa to sync with: only the page
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="forecast-app", daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            with urllib.request.urlopen(f"{base_url}/forecast", timeout=2) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    try:
        wait_for(answers, timeout=20, what="the handoff app to answer")
        with requests.Session() as session:
            login = session.post(
                f"{base_url}/api/login", json={"name": AGENT, "password": PASSWORD}, timeout=10
            )
            assert login.status_code == 200
            data = session.get(f"{base_url}/api/forecast", params={"at": AT}, timeout=60).json()
        yield Site(base_url, data)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    require_browser()
    browser = chrome(1280, 1500)
    try:
        yield browser
    finally:
        browser.quit()


def test_a_lead_reads_the_forecast(site: Site, driver: Any, tmp_path: Path) -> None:
    browser, data = driver, site.data
    assert any(hour["overflow"] for hour in data["hours"])  # the page has something to mark

    # not logged in: the page says where to log in
    browser.get(site.base_url + "/forecast")
    visible(browser, "#fc-login")

    # log in in the console, follow its link to the forecast
    browser.get(site.base_url + "/")
    visible(browser, "#login-name").send_keys(AGENT)
    css(browser, "#login-password")[0].send_keys(PASSWORD)
    css(browser, "#login-submit")[0].click()
    wait_for(lambda: text_of(browser, "#me-name") == AGENT, what="the console to log in")
    click(browser, 'a[href="/forecast"]')
    wait_for(lambda: browser.current_url.endswith("/forecast"), what="the forecast page")
    visible(browser, "#fc-body", timeout=60)

    # the same forecast as the API's, from the same moment
    browser.get(f"{site.base_url}/forecast?at={quote(AT)}")
    visible(browser, "#fc-body", timeout=60)
    assert data["made_at"].replace("T", " ") in text_of(browser, "#fc-status")
    assert "2 agents" in text_of(browser, "#fc-facts")
    assert data["note"] in text_of(browser, "#fc-note")

    # the chart: a bar per hour, the overflow hours in their own colour
    bars = css(browser, "#fc-chart rect.bar")
    assert len(bars) == len(data["hours"]) == 14 * 24
    red = [bar.get_attribute("data-start") for bar in css(browser, "#fc-chart rect.bar.overflow")]
    assert red == [hour["start"] for hour in data["hours"] if hour["overflow"]]

    # the days table: one row per day with the API's figures
    rows = css(browser, "#fc-days tbody tr")
    assert len(rows) == len(data["days"]) == 14
    for row, day in zip(rows, data["days"], strict=True):
        cells = [cell.text for cell in row.find_elements("css selector", "td")]
        assert cells[:4] == [
            day["date"],
            day["weekday"],
            f"{day['escalations']:.1f}",
            str(day["peak_agents"]),
        ]
        if day["holiday"]:
            assert cells[4] == "holiday (closed)"
        elif day["overflow_hours"]:
            assert cells[4] == ", ".join(f"{hour:02d}:00" for hour in day["overflow_hours"])

    # the hours of the first day that needs the partner, then of the holiday
    first = next(day for day in data["days"] if day["overflow_hours"])
    hours = [hour for hour in data["hours"] if hour["start"].startswith(first["date"])]
    shown = css(browser, "#fc-hours tbody tr")
    assert [row.get_attribute("data-start") for row in shown] == [h["start"] for h in hours]
    for row, hour in zip(shown, hours, strict=True):
        cells = [cell.text for cell in row.find_elements("css selector", "td")]
        assert cells[2] == str(hour["agents_needed"])
        assert (cells[4] == "book the overflow partner") == hour["overflow"]
    browser.execute_script("window.scrollTo(0, 0)")
    assert_no_violations(browser, "the staffing forecast page")
    screenshot(browser, "forecast.png", tmp_path)

    from selenium.webdriver.support.ui import Select

    Select(css(browser, "#fc-day-pick")[0]).select_by_value(HOLIDAY)
    wait_for(
        lambda: (
            all(
                cell.text == "holiday (closed)"
                for cell in css(browser, "#fc-hours tbody td:last-child")
            )
            and len(css(browser, "#fc-hours tbody tr")) == 24
        ),
        what="the holiday's hours",
    )
    assert page_problems(browser) == []
