"""``faqbot eval e2e`` against a stand-in REST channel (no model, no Rasa): output and errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from faqbot import main
from scripts.stack import free_port
from tests.bot.e2e.fake_rasa import fake_rasa
from tests.conftest import ROOT

CASES = """\
cases:
  - {text: "kauanko toimitus kestää", lang: fi, expect: delivery_time}
  - {text: "how long to return", lang: en, expect: [return_period]}
  - {text: "bye", lang: en, expect: delivery_time}
  - {text: "tell me a joke", lang: en, expect: none}
"""

REPLIES = {
    "kauanko toimitus kestää": [
        {"text": "Toimitus kestää 1-3 arkipäivää."},
        {"text": "Vastasiko tämä kysymykseesi?", "buttons": [{"title": "K", "payload": "/affirm"}]},
    ],
    "how long to return": [
        {
            "text": "I found a few topics that might match. Which one did you mean?",
            "buttons": [
                {"title": "R", "payload": '/choose_faq{"faq_id":"return_period"}'},
                {"title": "D", "payload": '/choose_faq{"faq_id":"delivery_time"}'},
                {"title": "None of these", "payload": '/choose_faq{"faq_id":"none"}'},
            ],
        }
    ],
    "bye": [{"text": "Thanks for chatting, and enjoy your time outdoors! Bye for now!"}],
    "tell me a joke": [{"text": "Delivery takes 1-3 working days."}],
}


@pytest.fixture
def cases(tmp_path: Path) -> Path:
    path = tmp_path / "cases.yml"
    path.write_text(CASES, encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["eval", "e2e", *args, "--domain", str(ROOT / "domain.yml")])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_has_the_summary_and_every_case(
    faq_dir: Path, cases: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with fake_rasa(REPLIES) as url:
        code, out, _ = run(capsys, "--url", url, str(cases), "--json", "--faq", str(faq_dir))
    assert code == 0
    report = json.loads(out)
    assert set(report) == {"summary", "cases"} and list(report["summary"]) == ["fi", "en", "all"]
    assert [(c["outcome"], c["offered"], c["response"]) for c in report["cases"]] == [
        ("answered", ["delivery_time"], None),
        ("clarified", ["return_period", "delivery_time"], None),
        ("other", [], "utter_goodbye"),
        ("answered", ["delivery_time"], None),
    ]
    first = report["cases"][0]
    assert set(first) == {"text", "lang", "expect", "outcome", "offered", "response", "replies"}
    assert first["replies"] == ["Toimitus kestää 1-3 arkipäivää.", "Vastasiko tämä kysymykseesi?"]
    figures = report["summary"]["en"]
    assert figures["clarified_right"] == 0.5 and figures["other"] == 0.5
    assert figures["must_not_answer_answered"] == 1.0
    assert figures["other_responses"] == {"utter_goodbye": 1}


def test_the_table_is_printed_without_json(
    faq_dir: Path, cases: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with fake_rasa(REPLIES) as url:
        code, out, _ = run(capsys, "--url", url, str(cases), "--faq", str(faq_dir))
    assert code == 0
    assert out.splitlines()[0].split() == ["fi", "en", "all"]
    assert any(line.split() == ["utter_goodbye", "0", "1", "1"] for line in out.splitlines())


def test_an_unreachable_bot_is_a_clear_error_and_exit_1(
    faq_dir: Path, cases: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    code, out, err = run(capsys, "--url", url, str(cases), "--faq", str(faq_dir))
    assert code == 1 and out == ""
    assert err.startswith(f"error: cannot reach the bot at {url}: Connection refused")
    assert "Traceback" not in err


def test_unknown_expected_ids_are_reported_before_anything_is_sent(
    faq_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text('cases:\n  - {text: "x", lang: en, expect: no_such_entry}\n', "utf-8")
    with fake_rasa({}) as url:
        code, _, err = run(capsys, "--url", url, str(bad), "--faq", str(faq_dir))
    assert code == 1 and "bad.yml:2:" in err and "no_such_entry" in err
