"""`faqbot forecast --json` and the console's GET /api/forecast give the same figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

import faqbot
from handoff.app import create_app
from handoff.auth import hash_password
from handoff.config import load_handoff_settings
from handoff.desk import HandoffDesk
from handoff.store import Store
from tests.handoff.api.conftest import API_TOKEN, BASE_URL, PASSWORD
from tests.handoff.conftest import ROOT, Clock, FakeRasa, office_hours
from tests.handoff.forecast_history import helsinki, write_history

AT = "2026-11-02T08:30:00+02:00"


@pytest.fixture
def configured(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_rasa: FakeRasa
) -> TestClient:
    """handoff.yml with office hours, a holiday and a team of 1; a logged-in console client."""
    hours = office_hours() | {"holidays": ["2026-11-10"]}
    config = {
        "database_url": store.url,
        "domain_file": str(ROOT / "domain.yml"),
        "opening_hours": hours,
        "forecast": {"team_size": 1, "answer_seconds": 30},
    }
    path = tmp_path / "handoff.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    for name in ("FAQBOT_DATABASE_URL", "RASA_URL", "FAQBOT_EVENT_BROKER_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FAQBOT_HANDOFF_CONFIG", str(path))
    monkeypatch.setenv("FAQBOT_HANDOFF_API_TOKEN", API_TOKEN)
    store.add_agent("anna", hash_password(PASSWORD))
    write_history(store, helsinki(2026, 11, 2, 8), days=21)

    settings = load_handoff_settings()
    desk = HandoffDesk(settings, store, fake_rasa, Clock(helsinki(2026, 11, 2, 8)))  # type: ignore[arg-type]
    client = TestClient(create_app(settings, desk, background=False), base_url=BASE_URL)
    response = client.post("/api/login", json={"name": "anna", "password": PASSWORD})
    assert response.status_code == 200
    return client


def test_cli_json_equals_the_page_data(
    configured: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    page = configured.get("/api/forecast", params={"at": AT})
    assert page.status_code == 200, page.text

    assert faqbot.main(["forecast", "--json", "--at", AT]) == 0
    printed = json.loads(capsys.readouterr().out)

    assert printed == page.json()
    # and it is a real forecast of this configuration, not an empty shape
    assert printed["team_size"] == 1 and printed["answer_seconds"] == 30
    assert printed["method"].startswith("MSTL")
    assert any(hour["overflow"] for hour in printed["hours"])
    closed = [h for h in printed["hours"] if h["start"].startswith("2026-11-10")]
    assert closed and not any(h["open"] or h["agents_needed"] for h in closed)


def test_cli_text_summarises_each_day(
    configured: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    assert faqbot.main(["forecast", "--at", AT]) == 0
    out = capsys.readouterr().out
    data = configured.get("/api/forecast", params={"at": AT}).json()
    for day in data["days"]:
        line = next(line for line in out.splitlines() if line.startswith(day["date"]))
        assert f"{day['escalations']:.1f}" in line
        if day["overflow_hours"]:
            assert f"{day['overflow_hours'][0]:02d}:00" in line
    assert "holiday (closed)" in out
    assert "80% claimed within 30 s" in out


def test_forecast_is_for_console_agents(configured: TestClient) -> None:
    anonymous = TestClient(configured.app, base_url=BASE_URL)
    assert anonymous.get("/api/forecast").status_code == 401
    integration = anonymous.get("/api/forecast", headers={"Authorization": f"Bearer {API_TOKEN}"})
    assert integration.status_code == 403
    assert configured.get("/api/forecast", params={"at": "0001-01-01T00:00"}).status_code == 422
    page = anonymous.get("/forecast")
    assert page.status_code == 200 and "/static/forecast.js" in page.text
