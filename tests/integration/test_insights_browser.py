"""The insights page in Chromium with the demo history: real figures that agree with
``faqbot report``, charts, clusters with YAML snippets that load as FAQ files, marking one done,
and axe-core's WCAG 2.1 A/AA audit (0 violations). Screenshots: docs/insights*.png with
FAQBOT_SCREENSHOTS=1.

Runs the real handoff service (``faqbot handoff serve``) on the demo databases and the real
embedding model; needs Debian's chromium and chromedriver (skipped without them unless
``FAQBOT_REQUIRE_BROWSER=1``).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests

import faqbot
from bot.faq.loader import load_faq
from handoff.auth import hash_password
from handoff.insights import demo
from handoff.store import Store
from scripts.stack import free_port
from tests.axe import assert_no_violations
from tests.browser import (
    chrome,
    click,
    css,
    page_problems,
    require_browser,
    screenshot,
    visible,
    wait_for,
)
from tests.conftest import ROOT

pytestmark = pytest.mark.integration

LEAD, PASSWORD = "lea", "a long test password"
END = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("demo")
    demo.generate(load_faq(ROOT / "data" / "faq"), directory, weeks=8, seed=14, end=END)
    store = Store(demo.demo_paths(directory)[1])
    store.add_agent(LEAD, hash_password(PASSWORD))
    store.set_agent_profile(LEAD, role="lead")
    return directory


@pytest.fixture(scope="module")
def console(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tracker, tickets = demo.demo_paths(demo_dir)
    port = free_port()
    env = {
        **os.environ,
        "FAQBOT_DATABASE_URL": tickets,
        "FAQBOT_TRACKER_DB": tracker.removeprefix("sqlite:///"),
        "FAQBOT_EVENT_BROKER_URL": "none",
        "RASA_URL": f"http://127.0.0.1:{free_port()}",  # nobody: the insights need no Rasa
        "PYTHONPATH": str(ROOT),
    }
    log = (tmp_path_factory.mktemp("logs") / "handoff.log").open("wb")
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/faqbot"), "handoff", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return requests.get(f"{base}/insights", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    try:
        wait_for(up, 90.0, "the handoff service")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_browser()
    driver = chrome(1280, 900)
    try:
        yield driver
    finally:
        driver.quit()


def _report(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    args = [
        "report",
        "--demo",
        str(demo_dir),
        "--json",
        "--since",
        "7d",
        "--until",
        END.isoformat(),
    ]
    assert faqbot.main(args) == 0
    found: dict[str, Any] = json.loads(capsys.readouterr().out)
    return found


def _figure(browser: Any, key: str) -> str:
    return str(css(browser, f'.kpi[data-figure="{key}"] dd')[0].text)


def test_a_lead_sees_real_figures_charts_and_clusters(
    console: str, browser: Any, demo_dir: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    browser.get(console + "/")
    visible(browser, "#login-name").send_keys(LEAD)
    css(browser, "#login-password")[0].send_keys(PASSWORD)
    css(browser, "#login-submit")[0].click()
    visible(browser, "#me-name")
    click(browser, 'a[href="/insights"]')
    wait_for(lambda: "/insights" in browser.current_url, what="the insights page")
    # the period pinned, as the report's
    browser.get(f"{console}/insights?until={quote(END.isoformat())}")
    visible(browser, '.kpi[data-figure="conversations"]', timeout=30)

    expected = _report(demo_dir, capsys)["all"]
    assert _figure(browser, "conversations") == str(expected["conversations"])
    assert int(expected["conversations"]) > 300
    assert _figure(browser, "tickets") == str(expected["tickets"])
    shown = float(_figure(browser, "self_service_rate").removesuffix(" %"))
    assert shown == pytest.approx(expected["self_service_rate"] * 100, abs=0.051)  # one decimal
    assert _figure(browser, "offline_tickets") == str(expected["offline_tickets"])
    rows = [r.text for r in css(browser, "#slices tbody tr")]
    assert any(r.startswith("Language sv") for r in rows)
    assert any(r.startswith("Channel facebook") for r in rows)
    assert "explicit request" in visible(browser, "#reasons").text

    images = css(browser, ".chart img")
    assert len(images) == 5
    wait_for(
        lambda: all(
            browser.execute_script("return arguments[0].naturalWidth", i) > 0 for i in images
        ),
        30.0,
        "every chart to load",
    )

    first = visible(browser, ".cluster", timeout=120)  # the model embeds the questions first
    snippet = first.find_element("css selector", "pre.snippet").text
    assert snippet.splitlines()[1] == "entries:"
    clusters = css(browser, ".cluster")
    assert len(clusters) >= 5
    faq = tmp_path / "faq"
    faq.mkdir()
    for i, cluster in enumerate(clusters):
        text = cluster.find_element("css selector", "pre.snippet").get_attribute("textContent")
        (faq / f"c{i}.yml").write_text(text, encoding="utf-8")
        load_faq(faq)  # each snippet is a valid FAQ file (ids may repeat across snippets)
        (faq / f"c{i}.yml").unlink()
    assert "nearest entry" in first.text and "Languages:" in first.text

    # the questions shoppers picked from the buttons, as blocks to paste under their entries
    visible(browser, "#picks tbody tr", timeout=30)
    rows = [r.text for r in css(browser, "#picks tbody tr")]
    assert any(demo.PICKED["fi"]["delivery_time"] in r for r in rows), rows
    blocks = css(browser, "#picks-snippet")[0].get_attribute("textContent")
    block = blocks.split("# delivery_time (", 1)[1].split("\n", 1)[1].split("\n\n", 1)[0]
    (faq / "picked.yml").write_text(
        'entries:\n  - id: delivery_time\n    questions: {en: ["How long?"]}\n'
        '    answer: {en: "Two days."}\n' + "".join(f"    {x}\n" for x in block.splitlines()),
        encoding="utf-8",
    )
    pasted = load_faq(faq).get("delivery_time")
    assert pasted is not None
    assert demo.PICKED["fi"]["delivery_time"] in pasted.shopper_questions["fi"]
    (faq / "picked.yml").unlink()

    assert_no_violations(browser, "the insights page")
    assert page_problems(browser) == []
    browser.execute_script("window.scrollTo(0, 0)")
    screenshot(browser, "insights.png", tmp_path)
    browser.execute_script("arguments[0].scrollIntoView()", css(browser, "#unanswered-title")[0])
    screenshot(browser, "insights-unanswered.png", tmp_path)

    title = first.find_element("css selector", "h3").text
    first.find_element("css selector", "button").click()
    wait_for(
        lambda: any(
            c.find_element("css selector", "h3").text == title
            and "is-done" in c.get_attribute("class")
            for c in css(browser, ".cluster")
        ),
        60.0,
        "the cluster to show as done",
    )
    assert_no_violations(browser, "the insights page with a cluster done")


def test_the_forecast_of_the_demo_history_agrees_with_faqbot_forecast(
    console: str,
    browser: Any,
    demo_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    at = END.isoformat()
    monkeypatch.setenv("FAQBOT_DATABASE_URL", demo.demo_paths(demo_dir)[1])
    capsys.readouterr()
    assert faqbot.main(["forecast", "--json", "--at", at]) == 0
    expected = json.loads(capsys.readouterr().out)
    # eight weeks of demo tickets: a real MSTL forecast, not the short-history fallback
    assert expected["method"].startswith("MSTL")
    assert sum(day["escalations"] for day in expected["days"]) > 50

    browser.get(console + "/")
    if css(browser, "#login-name") and css(browser, "#login-name")[0].is_displayed():
        visible(browser, "#login-name").send_keys(LEAD)
        css(browser, "#login-password")[0].send_keys(PASSWORD)
        css(browser, "#login-submit")[0].click()
    visible(browser, "#me-name")
    browser.get(f"{console}/forecast?at={quote(at)}")
    visible(browser, "#fc-body", timeout=60)
    rows = css(browser, "#fc-days tbody tr")
    assert len(rows) == len(expected["days"]) == 14
    for row, day in zip(rows, expected["days"], strict=True):
        cells = [cell.text for cell in row.find_elements("css selector", "td")]
        assert cells[:4] == [
            day["date"],
            day["weekday"],
            f"{day['escalations']:.1f}",
            str(day["peak_agents"]),
        ]
    assert_no_violations(browser, "the forecast of the demo history")
