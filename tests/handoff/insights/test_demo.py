"""``faqbot demo history``: a separate, deterministic database with a web shop's patterns."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import faqbot
from bot.faq.loader import load_faq
from handoff.auth import check_password
from handoff.insights import demo, figures
from handoff.insights.conversations import ConversationReader
from handoff.store import Store
from tests.conftest import ROOT

END = datetime(2026, 12, 7, tzinfo=UTC)


@pytest.fixture(scope="module")
def faq() -> object:
    return load_faq(ROOT / "data" / "faq")


def _rows(directory: Path) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with closing(sqlite3.connect(directory / "tracker.db")) as conn:
        events = conn.execute("SELECT sender_id, type_name, timestamp, data FROM events").fetchall()
    with closing(sqlite3.connect(directory / "handoff.db")) as conn:
        tickets = conn.execute(
            "SELECT conversation_id, reason, created_at, claimed_at FROM tickets"
        ).fetchall()
    return events, tickets


def test_the_same_seed_gives_the_same_history(tmp_path: Path, faq: object) -> None:
    first = demo.generate(faq, tmp_path / "a", weeks=1, seed=3, end=END)  # type: ignore[arg-type]
    demo.generate(faq, tmp_path / "b", weeks=1, seed=3, end=END)  # type: ignore[arg-type]
    demo.generate(faq, tmp_path / "c", weeks=1, seed=4, end=END)  # type: ignore[arg-type]
    assert first.conversations > 100 and first.tickets > 10
    assert _rows(tmp_path / "a") == _rows(tmp_path / "b")
    assert _rows(tmp_path / "a") != _rows(tmp_path / "c")


def test_it_replaces_an_earlier_demo_history(tmp_path: Path, faq: object) -> None:
    demo.generate(faq, tmp_path, weeks=1, seed=3, end=END)  # type: ignore[arg-type]
    again = demo.generate(faq, tmp_path, weeks=1, seed=3, end=END)  # type: ignore[arg-type]
    events, tickets = _rows(tmp_path)
    assert (len(events), len(tickets)) == (again.events, again.tickets)


def test_the_real_databases_are_never_touched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = tmp_path / "real"
    real.mkdir()
    monkeypatch.setenv("FAQBOT_DATABASE_URL", f"sqlite:///{real / 'handoff.db'}")
    monkeypatch.setenv("FAQBOT_TRACKER_DB", str(real / "tracker.db"))
    code = faqbot.main(["demo", "history", "--weeks", "1", "--dir", str(tmp_path / "demo")])
    assert code == 0
    assert list(real.iterdir()) == []
    assert (tmp_path / "demo" / "tracker.db").exists()
    assert "faqbot report --demo" in capsys.readouterr().out
    store = Store(demo.demo_paths(tmp_path / "demo")[1])
    assert store.list_agents() == list(demo.TEAM)  # the team of the tickets, for the forecast
    assert not check_password("disabled", store.agent_password_hash("aino") or "")


@pytest.fixture(scope="module")
def eight_weeks(tmp_path_factory: pytest.TempPathFactory, faq: object) -> dict[str, object]:
    directory = tmp_path_factory.mktemp("demo")
    demo.generate(faq, directory, weeks=8, seed=14, end=END)  # type: ignore[arg-type]
    tracker, handoff = demo.demo_paths(directory)
    return figures.report(
        Store(handoff), ConversationReader(tracker), END - timedelta(weeks=8), END
    )


def test_weekday_and_evening_peaks(eight_weeks: dict[str, object]) -> None:
    grid = eight_weeks["weekday_hourly"]
    assert isinstance(grid, list)
    monday, saturday = sum(grid[0]), sum(grid[5])
    assert monday > 1.4 * saturday
    hours = eight_weeks["hourly"]
    assert isinstance(hours, list)
    assert hours[20] > hours[16] > hours[3]
    assert hours[20] > 10 * hours[3]


def test_a_november_december_peak(eight_weeks: dict[str, object]) -> None:
    daily = eight_weeks["daily"]
    assert isinstance(daily, list)
    october = [d["conversations"] for d in daily if d["date"] < "2026-11-01"]
    black_friday_week = [
        d["conversations"] for d in daily if "2026-11-24" <= d["date"] <= "2026-11-30"
    ]
    assert sum(black_friday_week) / 7 > 1.8 * sum(october) / len(october)
    busiest = max(daily, key=lambda d: d["conversations"])
    assert "2026-11-24" <= busiest["date"] <= "2026-11-30"  # Black Friday (27th) ± 3 days


def test_all_three_languages_both_channels_and_every_outcome(
    eight_weeks: dict[str, object],
) -> None:
    by_language = eight_weeks["by_language"]
    assert isinstance(by_language, dict)
    shares = {k: v["conversations"] for k, v in by_language.items() if k in ("fi", "sv", "en")}
    assert shares["fi"] > shares["en"] > 0 and shares["sv"] > 0
    assert set(eight_weeks["by_channel"]) == {"socketio", "facebook"}  # type: ignore[arg-type]
    total = eight_weeks["all"]
    assert isinstance(total, dict)
    assert 0.6 < total["self_service_rate"] < 0.9
    for key in ("offline_tickets", "overflow_tickets", "fallbacks", "none_of_these", "not_really"):
        assert total[key] > 0, key
    assert set(total["escalations_by_reason"]) >= {"explicit_request", "not_helped"}
    assert 20 < total["time_to_claim_median_s"] < total["time_to_claim_p90_s"] < 3600
    assert 0.5 < total["thumbs_up_rate"] < 0.95
