"""Thresholds follow the FAQ: derived at load and on reload, cached by content, overridable."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from bot.faq.service import FaqService
from bot.faq.settings import PolicySettings, Settings
from tests.conftest import write
from tests.fakes import HashingEncoder

OFFTOPIC = """\
messages:
  en: ["what is the capital of peru", "write me a poem about cats", "who won the match"]
  fi: ["kerro jotain hauskaa kissoista", "mikä on perun pääkaupunki"]
  sv: ["vem vann matchen igår", "skriv en dikt om katter"]
"""


@pytest.fixture(autouse=True)
def _cache_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAQBOT_CACHE", str(tmp_path / "cache"))


@pytest.fixture
def offtopic(tmp_path: Path) -> Path:
    return write(tmp_path / "offtopic.yml", OFFTOPIC)


class OtherEngine(HashingEncoder):
    """The same model's name in faqbot.yml, run by another engine (its own encoder name)."""

    name = "hashing-test-encoder on another engine"


def service_for(
    faq_dir: Path,
    offtopic: Path,
    policy: PolicySettings | None = None,
    encoder: HashingEncoder | None = None,
) -> FaqService:
    settings = Settings(
        faq_dir=faq_dir,
        offtopic_messages=offtopic,
        reload_interval_seconds=0.05,
        policy=policy or PolicySettings(),
    )
    service = FaqService(settings, encoder=encoder or HashingEncoder())
    service.warm_up()
    return service


def test_thresholds_are_derived_for_the_faq_and_kept_on_disk(
    faq_dir: Path, offtopic: Path, tmp_path: Path
) -> None:
    service = service_for(faq_dir, offtopic)
    derived = service.thresholds
    assert derived.source == "derived"
    assert derived.policy != PolicySettings()  # not the built-in defaults
    assert derived.rates is not None and set(derived.rates) >= {"answered_correct", "fallback"}
    kept = list((tmp_path / "cache" / "calibration").glob("*.json"))
    assert len(kept) == 1
    again = service_for(faq_dir, offtopic).thresholds
    assert again.policy == derived.policy and again.source == "derived"
    assert list((tmp_path / "cache" / "calibration").glob("*.json")) == kept


def test_another_engine_derives_its_own_thresholds(
    faq_dir: Path, offtopic: Path, tmp_path: Path
) -> None:
    """faqbot.yml's model name stays while the engine changes: the calibration is not reused."""
    service_for(faq_dir, offtopic).thresholds  # noqa: B018 (derives and keeps them)
    other = service_for(faq_dir, offtopic, encoder=OtherEngine())
    assert other.settings.model == Settings().model
    assert other.thresholds.source == "derived"
    assert len(list((tmp_path / "cache" / "calibration").glob("*.json"))) == 2


def test_a_threshold_in_faqbot_yml_fixes_all_three(faq_dir: Path, offtopic: Path) -> None:
    policy = PolicySettings(answer_threshold=0.5)
    thresholds = service_for(faq_dir, offtopic, policy).thresholds
    assert thresholds.source == "faqbot.yml"
    assert thresholds.policy == policy


def test_without_off_topic_messages_the_defaults_serve_with_a_warning(
    faq_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        thresholds = service_for(faq_dir, tmp_path / "missing.yml").thresholds
    assert thresholds.source.startswith("defaults")
    assert thresholds.policy == PolicySettings()
    assert "thresholds not derived" in caplog.text


def test_an_edit_of_the_faq_derives_its_own_thresholds(
    faq_dir: Path, offtopic: Path, tmp_path: Path
) -> None:
    service = service_for(faq_dir, offtopic)
    path = faq_dir / "more.yml"
    write(
        path,
        """\
        entries:
          - id: gift_cards
            questions:
              en: ["Do you sell gift cards?", "can I buy a voucher"]
              fi: ["Myyttekö lahjakortteja?"]
            answer: {en: "Yes, from 20 euros.", fi: "Kyllä, 20 eurosta alkaen."}
        """,
    )
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert service.reload_if_changed()
    assert service.faq.get("gift_cards") is not None
    assert service.thresholds.source == "derived"
    assert len(list((tmp_path / "cache" / "calibration").glob("*.json"))) == 2


SHOPPER_QUESTIONS = """\
    shopper_questions:
      en: ["parcel not here yet, ordered monday", "how many days till my stuff comes"]
"""


def test_shopper_questions_are_matched_but_leave_the_thresholds_as_the_editors_faq_has_them(
    faq_dir: Path, offtopic: Path
) -> None:
    editors = service_for(faq_dir, offtopic)
    text = (faq_dir / "demo.yml").read_text(encoding="utf-8")
    marker = '      sv: ["Hur lång är leveranstiden?"]\n'
    (faq_dir / "demo.yml").write_text(
        text.replace(marker, marker + SHOPPER_QUESTIONS, 1), encoding="utf-8"
    )
    with_shoppers = service_for(faq_dir, offtopic)
    entry = with_shoppers.faq.get("delivery_time")
    assert entry is not None and len(entry.shopper_questions["en"]) == 2
    assert with_shoppers.thresholds.policy == editors.thresholds.policy
    assert len(with_shoppers.index.rows) == len(editors.index.rows) + 2
    # a shopper question is matched like the editors' own
    matches = with_shoppers.index.search("parcel not here yet, ordered monday", "en")
    assert matches[0].id == "delivery_time"
    assert (
        matches[0].score
        > editors.index.search("parcel not here yet, ordered monday", "en")[0].score
    )
