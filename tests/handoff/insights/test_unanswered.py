"""Clusters of unanswered questions and their YAML snippets (a fake encoder: the rules only;
tests/integration/test_insights_browser.py runs the real model on the demo history)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.faq.loader import load_faq
from bot.faq.service import FaqService
from bot.faq.settings import PolicySettings, Settings
from handoff.insights import unanswered
from handoff.insights.conversations import Unanswered
from tests.fakes import HashingEncoder

AT = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture
def service(faq_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FaqService:
    monkeypatch.setenv("FAQBOT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(unanswered, "DISTANCE", 0.6)  # the fake encoder's scale
    policy = PolicySettings(answer_threshold=0.5, clarify_threshold=0.4)
    served = FaqService(Settings(faq_dir=faq_dir, policy=policy), encoder=HashingEncoder())
    served.warm_up()
    return served


def ask(
    text: str, lang: str = "en", kind: str = "fallback", rejected: str | None = None
) -> Unanswered:
    return Unanswered(text, lang, kind, AT, rejected)


def load(snippet: str, tmp_path: Path) -> dict[str, object]:
    folder = tmp_path / "snippet"
    folder.mkdir(exist_ok=True)
    (folder / "new.yml").write_text(snippet, encoding="utf-8")
    (entry,) = load_faq(folder).entries
    return {"id": entry.id, "questions": entry.questions, "answer": entry.answer}


def test_new_phrasings_for_a_near_entry_load_as_that_entry(
    service: FaqService, tmp_path: Path
) -> None:
    found = unanswered.cluster(
        [ask("How long does delivery take now?"), ask("how long does the delivery take?")],
        service,
    )
    (only,) = found
    assert (only.nearest_entry, only.suggestion, only.count) == ("delivery_time", "phrasings", 2)
    entry = load(only.snippet, tmp_path)
    assert entry["id"] == "delivery_time"
    questions = entry["questions"]
    assert isinstance(questions, dict)
    assert "How long does delivery take now?" in questions["en"]
    assert "How long does delivery take?" in questions["en"]  # the entry's own ones stay
    assert questions["fi"] == ("Kauanko toimitus kestää?",)
    assert entry["answer"] == service.faq.get("delivery_time").answer  # type: ignore[union-attr]


def test_a_new_entry_has_the_questions_of_each_language_seen(
    service: FaqService, tmp_path: Path
) -> None:
    found = unanswered.cluster(
        [ask("do you rent skis"), ask("do you rent skis?"), ask("hyr ni ut skidor", "sv")],
        service,
    )
    skis = next(c for c in found if "do you rent skis" in c.examples)
    assert skis.suggestion == "new_entry" and skis.count == 2
    entry = load(skis.snippet, tmp_path)
    assert entry["questions"] == {"en": ("do you rent skis",)}
    assert entry["answer"] == {"en": unanswered.ANSWER_TO_WRITE}


def test_not_really_to_the_nearest_entry_makes_it_a_new_entry(service: FaqService) -> None:
    items = [
        ask("How long does delivery take now?", kind="not_really", rejected="delivery_time"),
        ask("how long does the delivery take?"),
    ]
    (only,) = unanswered.cluster(items, service)
    assert only.nearest_entry == "delivery_time"
    assert only.rejected == {"delivery_time": 1}
    assert only.suggestion == "new_entry"


def test_each_conversation_counts_a_question_once() -> None:
    from handoff.insights.conversations import Conversation

    conv = Conversation("s", AT)
    conv.unanswered = [
        ask("vuokraatteko suksia", "fi"),
        ask("Vuokraatteko suksia?", "fi", "escalated"),
    ]
    assert len(unanswered.collect([conv])) == 1


def test_done_keys_ignore_case_spacing_and_punctuation() -> None:
    assert unanswered.question_key("Do you  rent skis?") == unanswered.question_key(
        "do you rent skis"
    )
    assert unanswered.question_key("do you rent skis") != unanswered.question_key(
        "do you rent tents"
    )


def test_the_snippet_of_an_entry_keeps_its_accepted_shopper_questions(
    service: FaqService, faq_dir: Path, tmp_path: Path
) -> None:
    text = (faq_dir / "demo.yml").read_text(encoding="utf-8")
    marker = '      sv: ["Hur lång är leveranstiden?"]\n'
    accepted = '    shopper_questions:\n      en: ["parcel still not here"]\n'
    (faq_dir / "demo.yml").write_text(text.replace(marker, marker + accepted), encoding="utf-8")
    assert service.reload_if_changed()
    found = unanswered.cluster(
        [ask("How long does delivery take now?"), ask("how long does the delivery take?")],
        service,
    )
    (only,) = found
    assert only.nearest_entry == "delivery_time"
    (folder := tmp_path / "snippet").mkdir()
    (folder / "new.yml").write_text(only.snippet, encoding="utf-8")
    (entry,) = load_faq(folder).entries
    assert entry.shopper_questions == {"en": ("parcel still not here",)}
