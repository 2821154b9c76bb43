"""A sparse copy of a FAQ: at most N phrasings per language per entry, as a shop writes its own.

The shipped FAQ has about twelve phrasings per language per entry; a shop that installs faqbot
usually writes one to three. Quality work is measured on both (README, "Measured"). The copy is
deterministic: each entry keeps its first N questions per language (the first one is the
entry's title, the next ones are usually its plainest rewordings), answers and all else as is.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.errors import FaqValidationError
from bot.faq.loader import faq_files, load_faq

DEFAULT_PHRASINGS = 2


def write_sparse_faq(faq_dir: Path, out_dir: Path, phrasings: int = DEFAULT_PHRASINGS) -> int:
    """Write a copy of ``faq_dir`` with at most ``phrasings`` questions per language per entry.

    Returns:
        How many questions the copy has.

    Raises:
        FaqValidationError: when ``faq_dir`` is invalid (nothing is written), or ``out_dir``
            already holds FAQ files.
    """
    if phrasings < 1:
        raise ValueError("keep at least one phrasing per language")
    faq = load_faq(faq_dir)  # validates first: a broken FAQ is reported, not copied
    if out_dir.exists() and faq_files(out_dir):
        raise FaqValidationError([f"{out_dir}: already holds FAQ files; choose an empty folder"])
    out_dir.mkdir(parents=True, exist_ok=True)
    by_topic: dict[str, list[dict[str, object]]] = {}
    kept = 0
    for entry in faq.entries:
        questions = {lang: list(texts[:phrasings]) for lang, texts in entry.questions.items()}
        kept += sum(len(texts) for texts in questions.values())
        written: dict[str, object] = {
            "id": entry.id,
            "questions": questions,
            "answer": dict(entry.answer),
        }
        if entry.handoff:
            written["handoff"] = True
        if entry.live_order:
            written["live_order"] = True
        by_topic.setdefault(entry.topic, []).append(written)
    for topic, entries in by_topic.items():
        document = {"topic": topic, "entries": entries}
        text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)
        (out_dir / f"{topic}.yml").write_text(text, encoding="utf-8")
    return kept
