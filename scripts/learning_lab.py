"""Simulate learning phrasings from the shoppers' button choices, on the sparse FAQ.

    .venv/bin/python scripts/learning_lab.py

A shop's FAQ has one to three phrasings per language; a shopper who gets buttons and picks the
right entry has written one more. For each pair of development sets (traffic, measured), the
questions of the traffic set whose buttons held a right entry are added to that entry as
phrasings in their language (as an editor would accept them), and the other set is measured
four ways: the sparse FAQ as it is; with the picked questions as ``questions`` and the sparse
FAQ's thresholds; the same with the thresholds derived anew for the enlarged FAQ; with the
picked questions as ``shopper_questions`` (the thresholds derived, as main does, on the
editors' questions only). Per language:
answered right / right entry answered or among the buttons / must-not-answer answered. The
eval set is never read here (docs/quality.md, "What was tried").
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import language  # noqa: E402
from bot.encoder import Encoder, open_encoder  # noqa: E402
from bot.faq.evaluation import load_cases, run_cases, summarise  # noqa: E402
from bot.faq.loader import faq_files  # noqa: E402
from bot.faq.service import FaqService  # noqa: E402
from bot.faq.settings import Settings, load_settings  # noqa: E402
from bot.faq.sparse import write_sparse_faq  # noqa: E402

LANGS = ("fi", "sv", "en")
DATA = ROOT / "tests/data"
PAIRS = (("faq_dev.yml", "faq_dev2.yml"), ("faq_dev2.yml", "faq_dev.yml"))


def measure(service: FaqService, cases_file: str) -> str:
    """Answered right / right or buttons / must-not-answer answered, per language."""
    cases = load_cases(DATA / cases_file, {e.id for e in service.faq.entries})
    summary = summarise(run_cases(service, cases))
    parts = []
    for lang in LANGS:
        s = summary[lang]
        right = float(s["answered_correct"])
        reached = right + float(s["clarified_with_right_option"])
        parts.append(
            f"{lang} {right:.3f} / {reached:.3f} / {float(s['must_not_answer_answered']):.3f}"
        )
    return "  ".join(parts)


def picked(service: FaqService, cases_file: str) -> dict[str, dict[str, list[str]]]:
    """``{entry: {lang: [questions]}}``: the questions whose buttons held a right entry."""
    out: dict[str, dict[str, list[str]]] = {}
    for case in load_cases(DATA / cases_file, {e.id for e in service.faq.entries}):
        if not case.expect:
            continue
        lang = language.choose_language(case.text, None, service.settings.default_language)
        decision = service.answer(case.text, lang).decision
        if decision.kind != "clarify":
            continue
        choice = next((o for o in decision.offered if o in case.expect), None)
        if choice is not None:
            out.setdefault(choice, {}).setdefault(lang, []).append(case.text)
    return out


def add_phrasings(
    faq_dir: Path, learned: dict[str, dict[str, list[str]]], key: str = "questions"
) -> None:
    for path in faq_files(faq_dir):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for entry in document["entries"]:
            for lang, questions in learned.get(entry["id"], {}).items():
                entry.setdefault(key, {}).setdefault(lang, []).extend(questions)
        text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)
        path.write_text(text, encoding="utf-8")


def service_for(settings: Settings, encoder: Encoder) -> FaqService:
    service = FaqService(settings, encoder=encoder)
    service.warm_up()
    return service


def main() -> int:
    base = load_settings(ROOT / "faqbot.yml")
    encoder = open_encoder(base.model)
    for traffic, measured in PAIRS:
        with tempfile.TemporaryDirectory() as tmp:
            sparse, shoppers = Path(tmp) / "sparse", Path(tmp) / "shoppers"
            write_sparse_faq(base.faq_dir, sparse)
            write_sparse_faq(base.faq_dir, shoppers)
            before = service_for(base.model_copy(update={"faq_dir": sparse}), encoder)
            policy = before.thresholds.policy
            learned = picked(before, traffic)
            count = sum(len(q) for by_lang in learned.values() for q in by_lang.values())
            print(f"{traffic} -> {measured}: {count} picked questions added")
            print(f"  sparse FAQ                 {measure(before, measured)}")
            add_phrasings(sparse, learned)
            fixed = base.model_copy(
                update={
                    "faq_dir": sparse,
                    "policy": base.policy.model_copy(
                        update={
                            "answer_threshold": policy.answer_threshold,
                            "answer_margin": policy.answer_margin,
                            "clarify_threshold": policy.clarify_threshold,
                        }
                    ),
                }
            )
            print(f"  + picked, same thresholds  {measure(service_for(fixed, encoder), measured)}")
            derived = service_for(base.model_copy(update={"faq_dir": sparse}), encoder)
            thresholds = derived.thresholds.policy
            print(
                f"  + picked, derived anew     {measure(derived, measured)}  (answer "
                f"{thresholds.answer_threshold}, margin {thresholds.answer_margin}, clarify "
                f"{thresholds.clarify_threshold})",
                flush=True,
            )
            add_phrasings(shoppers, learned, "shopper_questions")
            accepted = service_for(base.model_copy(update={"faq_dir": shoppers}), encoder)
            print(f"  + picked, shopper_questions {measure(accepted, measured)}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
