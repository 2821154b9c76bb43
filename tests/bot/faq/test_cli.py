"""``faqbot faq eval`` and ``faqbot faq calibrate`` with the real model, and eval's stable JSON."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from faqbot import main

pytestmark = pytest.mark.integration

CASES = """\
cases:
  - {text: "how many days does delivery take", lang: en, expect: delivery_time}
  - {text: "kauanko toimitus kestää", lang: fi, expect: [delivery_time, return_period]}
  - {text: "tell me a joke about penguins", lang: en, expect: none}
"""


@pytest.fixture
def cases(tmp_path: Path) -> Path:
    path = tmp_path / "cases.yml"
    path.write_text(CASES, encoding="utf-8")
    return path


def test_eval_json_has_the_documented_stable_shape(
    faq_dir: Path, cases: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["faq", "eval", str(cases), "--json", "--faq", str(faq_dir)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) == {"summary", "cases"}
    assert set(report["summary"]) == {"fi", "en", "all"}
    assert report["summary"]["all"]["cases"] == 3
    assert report["summary"]["all"]["must_not_answer"] == 1
    first, second, third = report["cases"]
    for case in report["cases"]:
        assert set(case) == {
            "text", "lang", "expect", "detected_lang", "decision", "offered", "matches"
        }  # fmt: skip
        assert case["decision"] in ("answer", "clarify", "fallback")
        expected_offers = {"answer": {1}, "clarify": {2, 3}, "fallback": {0}}[case["decision"]]
        assert len(case["offered"]) in expected_offers
        # in ranking order; the scores need not descend (retrieval.row_temperature)
        assert len({m["id"] for m in case["matches"]}) == 3  # 3 entries in all
        assert all(isinstance(m["score"], float) for m in case["matches"])
        assert all(set(m) == {"id", "score"} for m in case["matches"])
    assert first["expect"] == ["delivery_time"] and first["matches"][0]["id"] == "delivery_time"
    assert second["expect"] == ["delivery_time", "return_period"]
    assert second["detected_lang"] == "fi"
    assert third["expect"] == []


def test_eval_reports_unknown_ids_with_file_and_line(
    faq_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text('cases:\n  - {text: "x y", lang: en, expect: no_such_entry}\n', "utf-8")
    assert main(["faq", "eval", str(bad), "--faq", str(faq_dir)]) == 1
    error = capsys.readouterr().err
    assert f"{bad}:2:" in error and "unknown FAQ id 'no_such_entry'" in error


def test_calibrate_writes_thresholds_and_keeps_the_rest_of_the_file(
    faq_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "faqbot.yml"
    config.write_text(
        textwrap.dedent(
            """\
            # my settings
            default_language: sv
            policy:
              answer_threshold: 0.5
              answer_margin: 0.5
              clarify_threshold: 0.4
            """
        ),
        encoding="utf-8",
    )
    offtopic = tmp_path / "offtopic.yml"
    offtopic.write_text(
        'messages:\n  en: ["what is the capital of Peru", "write me a poem about cats"]\n'
        '  fi: ["kerro jotain hauskaa kissoista"]\n',
        encoding="utf-8",
    )
    argv = ["--config", str(config), "faq", "calibrate", "--faq", str(faq_dir)]
    assert main([*argv, "--offtopic", str(offtopic), "--write"]) == 0
    out = capsys.readouterr().out
    assert f"thresholds written to {config}" in out
    text = config.read_text(encoding="utf-8")
    assert text.startswith("# my settings\ndefault_language: sv\npolicy:\n")
    written = {
        key: float(line.split(":")[1])
        for line in text.splitlines()
        if (key := line.strip().split(":")[0]) in ("answer_threshold", "clarify_threshold")
    }
    assert set(written) == {"answer_threshold", "clarify_threshold"}
    assert written != {"answer_threshold": 0.5, "clarify_threshold": 0.4}
    assert 0.0 < written["clarify_threshold"] <= written["answer_threshold"] <= 1.0
