"""Before/after of the FAQ search's top k on synthetic FAQs, interleaved in one process.

``PYTHONPATH=$PWD .venv/bin/python scripts/bench_faq_topk_compare.py 1000,10000,100000``

Per question, in turn: the code before (faiss asked for every row sorted, a ``Match`` for every
entry: ``reference_search`` of tests/bot/faq/test_index_top_k.py, verbatim), the live search now
(``top_k`` and the clarify window, as ``FaqService.answer`` asks) and the full list now
(``top_k=None``, calibration's). Interleaving puts both under the same machine load, which on a
shared machine moves more than the change itself; each result is also checked equal.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.embeddings import EmbeddingCache  # noqa: E402
from bot.faq.index import FaqIndex  # noqa: E402
from bot.faq.service import FaqService  # noqa: E402
from bot.faq.settings import load_settings  # noqa: E402
from scripts.bench_faq_scale import SyntheticEncoder, synthetic_faq  # noqa: E402
from tests.bot.faq.test_index_top_k import expected_head, reference_search  # noqa: E402


def _pct(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered) * 1000:8.2f} ms p95 {p95 * 1000:8.2f} ms"


def main(sizes: list[int], questions: int = 60) -> None:
    """Build each synthetic FAQ once and time the three searches per question."""
    settings = load_settings(ROOT / "faqbot.yml")
    service = FaqService(settings)
    service.warm_up()
    real = service.index
    base = {row.text: real.row_vector(number) for number, row in enumerate(real.rows)}
    cases = yaml.safe_load((ROOT / "tests/data/eval_cases.yml").read_text(encoding="utf-8"))
    picked = cases["cases"][:: max(1, len(cases["cases"]) // questions)][:questions]
    asked = [
        (real.query_text(c["text"], c["lang"]), c["lang"], real.embed(c["text"], c["lang"]))
        for c in picked
    ]
    top_k, within = settings.retrieval.top_k, settings.policy.clarify_window
    for size in sizes:
        faq, origin = synthetic_faq(real.faq, size)
        normalised = {real.normalise(text): real.normalise(o) for text, o in origin.items()}
        started = time.perf_counter()
        index = FaqIndex(
            faq, EmbeddingCache(SyntheticEncoder(base, normalised)), settings.retrieval
        )
        build = time.perf_counter() - started
        before: list[float] = []
        live: list[float] = []
        full: list[float] = []
        for text, lang, vector in asked:
            t0 = time.perf_counter()
            old = reference_search(index, vector, text=text, lang=lang)
            t1 = time.perf_counter()
            head = index.search_vector(vector, text=text, lang=lang, top_k=top_k, within=within)
            t2 = time.perf_counter()
            every = index.search_vector(vector, text=text, lang=lang)
            t3 = time.perf_counter()
            assert head == expected_head(old, top_k, within) and every == old, text
            before.append(t1 - t0)
            live.append(t2 - t1)
            full.append(t3 - t2)
        print(
            f"{size:>7} entries build {build:6.1f} s | before {_pct(before)} | "
            f"now top_k={top_k} {_pct(live)} | now every entry {_pct(full)}",
            flush=True,
        )
        del index, faq, origin, normalised


if __name__ == "__main__":
    main([int(n) for n in (sys.argv[1] if len(sys.argv) > 1 else "1000,10000").split(",")])
