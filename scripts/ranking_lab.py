"""Compare retrieval settings on the development set and leave-one-question-out, dense and sparse.

    .venv/bin/python scripts/ranking_lab.py [--dev=CASES.yml] [NAME=JSON ...]

Each argument is a variant: a name and a JSON object of ``retrieval`` settings to override, e.g.
``bw02='{"best_row_weight": 0.2}'``. The baseline (faqbot.yml as it is) always runs first. For
each variant and each FAQ (the shipped one and ``faqbot faq sparse``'s copy) it prints, per
language: dev-set top-1 / top-3, answered right / right or buttons / answered wrong /
must-not-answer answered / must-not-answer offered buttons with the thresholds derived for that
FAQ, and leave-one-question-out top-1 over the FAQ's own questions. The eval set is never read
here: choose settings with this, then measure the eval set once. ``--dev`` picks another
development set (default ``tests/data/faq_dev.yml``; ``tests/data/faq_dev2.yml`` was written
later, independently of it).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.encoder import Encoder, open_encoder  # noqa: E402
from bot.faq.evaluation import load_cases, run_cases, summarise  # noqa: E402
from bot.faq.service import FaqService  # noqa: E402
from bot.faq.settings import Settings, load_settings  # noqa: E402
from bot.faq.sparse import write_sparse_faq  # noqa: E402

LANGS = ("fi", "sv", "en")
DEV = ROOT / "tests/data/faq_dev.yml"


def loo_top1(service: FaqService) -> dict[str, float]:
    """Leave-one-question-out top-1 per language over the FAQ's own questions."""
    index = service.index
    hits: dict[str, list[bool]] = {lang: [] for lang in LANGS}
    for row in index.question_rows():
        r = index.rows[row]
        matches = index.search_vector(
            index.row_vector(row), leave_out=row, text=r.text, lang=r.lang
        )
        hits[r.lang].append(matches[0].id == index.faq.entries[r.entry].id)
    return {lang: sum(h) / len(h) for lang, h in hits.items() if h}


def measure(settings: Settings, encoder: Encoder, dev: Path = DEV) -> dict[str, dict[str, float]]:
    """The figures of one settings variant on one FAQ, with the development set ``dev``."""
    service = FaqService(settings, encoder=encoder)
    service.warm_up()
    cases = load_cases(dev, {e.id for e in service.faq.entries})
    summary = summarise(run_cases(service, cases))
    loo = loo_top1(service)
    out: dict[str, dict[str, float]] = {}
    for lang in LANGS:
        s = summary[lang]
        out[lang] = {
            "top1": float(s["top1"]),
            "top3": float(s["top3"]),
            "right": float(s["answered_correct"]),
            "r|btn": float(s["answered_correct"]) + float(s["clarified_with_right_option"]),
            "wrong": float(s["answered_wrong"]),
            "mna": float(s["must_not_answer_answered"]),
            "mna|b": float(s["must_not_answer_clarified"]),
            "loo": loo.get(lang, 0.0),
        }
    return out


def main(argv: list[str]) -> int:
    base = load_settings()
    variants: list[tuple[str, dict[str, object]]] = [("baseline", {})]
    dev = DEV
    for arg in argv:
        if arg.startswith("--dev="):
            dev = Path(arg.removeprefix("--dev="))
            continue
        name, _, value = arg.partition("=")
        variants.append((name, json.loads(value)))
    encoder = open_encoder(base.model)
    with tempfile.TemporaryDirectory() as tmp:
        sparse_dir = Path(tmp) / "sparse"
        write_sparse_faq(base.faq_dir, sparse_dir)
        faqs = {"dense": base.faq_dir, "sparse": sparse_dir}
        keys = ("top1", "top3", "right", "r|btn", "wrong", "mna", "mna|b", "loo")
        print(f"{'variant':14}{'faq':8}{'lang':5}" + "".join(f"{k:>7}" for k in keys))
        for name, update in variants:
            retrieval = base.retrieval.model_copy(update=update)
            for faq_name, faq_dir in faqs.items():
                settings = base.model_copy(update={"retrieval": retrieval, "faq_dir": faq_dir})
                figures = measure(settings, encoder, dev)
                for lang in LANGS:
                    row = figures[lang]
                    print(
                        f"{name:14}{faq_name:8}{lang:5}" + "".join(f"{row[k]:7.3f}" for k in keys),
                        flush=True,
                    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
