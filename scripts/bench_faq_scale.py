"""``bench.py faq-scale``: FAQ search time on synthetic FAQs of 1k, 10k and 100k entries.

A synthetic entry copies a real entry's texts (one question per language and the answer in one
language, taken in turn from the real FAQ) with a variation: a product model word of its own
("malli 7k3q"), so the lexical vocabulary grows with the FAQ as a real shop's would. Its rows'
vectors are the real rows' vectors plus a little noise (renormalised): embedding 400,000 texts
would take hours and is not what is measured. The shopper questions (the labelled eval set) are
embedded once beforehand; what is timed per question is :meth:`FaqIndex.search_vector` with the
text and language (faiss + per-entry scoring + BM25 and coverage + sorting), as the FAQ step
runs it, and separately its parts. The embedding itself does not depend on the FAQ's size
(``make bench``'s "query embed").

Above ``retrieval.approximate_above`` entries the live search takes its candidates from HNSW
graphs (:mod:`bot.faq.approximate`): each line says which path served, times the exact search
(``approximate=False``) beside it on the same index, question by question in turn, and gives
the approximate path's recall of the exact top 10 entries and how often its best entry is the
exact best.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import yaml
from numpy.typing import NDArray

from bot.embeddings import EmbeddingCache
from bot.faq.approximate import ApproximateCandidates
from bot.faq.index import FaqIndex, Match
from bot.faq.loader import Faq, FaqEntry
from bot.faq.service import FaqService
from bot.faq.settings import Settings, load_settings

_LANGS = ("fi", "sv", "en")
_MODEL_WORD = {"fi": "malli", "sv": "modell", "en": "model"}
_NOISE = 0.05
T = TypeVar("T")
ROOT = Path(__file__).resolve().parent.parent  # not stack.ROOT: tests import this module too


class SyntheticEncoder:
    """Vectors of synthetic rows: the real row's vector plus seeded noise, unit length."""

    def __init__(self, base: dict[str, NDArray[np.float32]], origin: dict[str, str]) -> None:
        self._base = base
        self._origin = origin
        self._rng = np.random.default_rng(13)

    @property
    def name(self) -> str:
        """Not a real model: nothing is cached on disk under this name."""
        return "synthetic"

    def encode(self, texts: list[str]) -> NDArray[np.float32]:
        """The base vectors of ``texts``' originals, jittered."""
        vectors = np.stack([self._base[self._origin[text]] for text in texts]).astype(np.float32)
        vectors += self._rng.normal(0.0, _NOISE, vectors.shape).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors


def _tag(number: int) -> str:
    """A short made-up product code, different for every entry."""
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    code = ""
    number += 1296  # at least three characters
    while number:
        number, rest = divmod(number, len(digits))
        code = digits[rest] + code
    return code


def synthetic_faq(real: Faq, size: int) -> tuple[Faq, dict[str, str]]:
    """``size`` entries made from ``real``'s texts, and each new text's original."""
    origin: dict[str, str] = {}
    entries = []
    for number in range(size):
        source = real.entries[number % len(real.entries)]
        turn = number // len(real.entries)
        tag = _tag(number)
        questions = {}
        for lang in _LANGS:
            texts = source.questions.get(lang)  # type: ignore[call-overload]
            if texts:
                text = texts[turn % len(texts)]
                varied = f"{text} ({_MODEL_WORD[lang]} {tag})"
                origin[varied] = text
                questions[lang] = (varied,)
        answer_lang = next(
            lang
            for lang in (_LANGS[turn % 3], *_LANGS)
            if lang in source.answer  # type: ignore[operator]
        )
        answer = f"{source.answer[answer_lang]} ({_MODEL_WORD[answer_lang]} {tag})"  # type: ignore[index]
        origin[answer] = source.answer[answer_lang]  # type: ignore[index]
        entries.append(
            FaqEntry(
                id=f"synthetic_{number}",
                topic=source.topic,
                questions=questions,  # type: ignore[arg-type]
                answer={answer_lang: answer},  # type: ignore[dict-item]
                handoff=False,
                source=f"synthetic:{number}",
            )
        )
    return Faq(tuple(entries)), origin


@dataclass
class ScaleResult:
    """The search figures at one FAQ size."""

    entries: int
    rows: int
    build_seconds: float
    search: list[float]
    vectors: list[float]
    lexical: list[float]
    every_entry: list[float]
    returned: list[int]
    path: str  # which path the live search took: "exact" or "approximate"
    graph_seconds: float  # of build_seconds, the HNSW graphs' (0 on the exact path)
    exact: list[float]  # the live search's top k with approximate=False, on the same index
    agreement: Agreement  # the live results against the exact ones
    live_cpu: list[float]  # the live search's CPU time (process_time: all threads)
    exact_cpu: list[float]  # the exact top k's
    load: tuple[float, float, float]  # the machine's load average when the size was done

    def line(self) -> str:
        """One line of the report."""
        return (
            f"{self.entries:>7} entries {self.rows:>7} rows  build {self.build_seconds:6.1f} s "
            f"(graphs {self.graph_seconds:5.1f} s)  path {self.path}\n"
            f"    live search_vector {_pct(self.search)}   exact top k {_pct(self.exact)}   "
            f"load average {' / '.join(f'{n:.2f}' for n in self.load)}\n"
            f"    {self.agreement.line()}\n"
            f"    CPU time (process_time, unaffected by waiting for a core): live "
            f"{_pct(self.live_cpu)}   exact top k {_pct(self.exact_cpu)}\n"
            f"    exact parts: faiss+scoring {_pct(self.vectors)}, "
            f"BM25+coverage {_pct(self.lexical)}   matches returned: median "
            f"{statistics.median(self.returned):.0f}, max {max(self.returned)}   "
            f"every entry (top_k=None) {_pct(self.every_entry)}"
        )


@dataclass(frozen=True)
class Agreement:
    """How far the live results agree with the exact ones, question by question.

    A synthetic entry is a noisy copy of a real entry (its source); copies of one source lie a
    few thousandths apart, so which copy is best is a coin toss a shopper would not notice:
    the same source's answer is given. Both the strict (same entry) and the source figures.
    """

    questions: int
    same_top: int  # the best entry is the exact best
    recall: float  # share of the exact top 10 entries in the live top 10
    same_source_top: int  # the best entry's source is the exact best's
    same_sources_top3: int  # the sources of the first 3 are those of the exact first 3 (a set)

    @classmethod
    def of(cls, lives: list[list[Match]], bests: list[list[Match]], originals: int) -> Agreement:
        """Compare each question's live and exact results (``originals``: real entries)."""

        def sources(matches: list[Match]) -> set[int]:
            return {source_of(match.id, originals) for match in matches}

        pairs = list(zip(lives, bests, strict=True))
        return cls(
            len(pairs),
            sum(live[0].id == best[0].id for live, best in pairs),
            sum(len({m.id for m in live[:10]} & {m.id for m in best[:10]}) for live, best in pairs)
            / (10 * len(pairs)),
            sum(sources(live[:1]) == sources(best[:1]) for live, best in pairs),
            sum(sources(live[:3]) == sources(best[:3]) for live, best in pairs),
        )

    def line(self) -> str:
        """The figures, strict first."""
        n = self.questions
        return (
            f"top-1 identical {self.same_top}/{n}, recall@10 {self.recall:.4f}; same source "
            f"entry: top-1 {self.same_source_top}/{n}, "
            f"top-3 (as a set) {self.same_sources_top3}/{n}"
        )


def source_of(entry_id: str, originals: int) -> int:
    """The number of the real entry a synthetic entry (``synthetic_<n>``) was copied from."""
    return int(entry_id.rsplit("_", 1)[1]) % originals


def _timed(
    search: Callable[[str, str, NDArray[np.float32]], T],
    asked: Sequence[tuple[str, str, NDArray[np.float32]]],
) -> tuple[list[float], list[float], list[T]]:
    """Each question's wall time (perf_counter), CPU time (process_time: all threads) and
    result, the questions one after another."""
    walls, cpus, results = [], [], []
    for text, lang, vector in asked:
        cpu, wall = time.process_time(), time.perf_counter()
        results.append(search(text, lang, vector))
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return walls, cpus, results


def _pct(samples: Sequence[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered) * 1000:8.2f} ms p95 {p95 * 1000:8.2f} ms"


def run(
    sizes: Sequence[int], questions: int = 60, approximate_above: int | None = None
) -> list[ScaleResult]:
    """Build a synthetic FAQ of each size and time ``questions`` searches on it (with
    ``retrieval.approximate_above`` set to ``approximate_above`` when given)."""
    settings = load_settings(ROOT / "faqbot.yml")
    if approximate_above is not None:
        retrieval = settings.retrieval.model_copy(update={"approximate_above": approximate_above})
        settings = settings.model_copy(update={"retrieval": retrieval})
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
    results = []
    for size in sizes:
        faq, origin = synthetic_faq(real.faq, size)
        # the FAQ's texts are normalised when indexed: map those forms to the originals too
        normalised = {real.normalise(text): real.normalise(o) for text, o in origin.items()}
        # the graphs are built apart (and then put in place) only to time them on their own
        started = time.perf_counter()
        index = FaqIndex(
            faq,
            EmbeddingCache(SyntheticEncoder(base, normalised)),
            settings.retrieval.model_copy(update={"approximate_above": None}),
        )
        graph_seconds, limit = 0.0, settings.retrieval.approximate_above
        if limit is not None and size > limit:
            graphs_started = time.perf_counter()
            rows = index._vectors
            index._approximate = ApproximateCandidates(
                rows.vectors,
                rows.owner_of_row,
                rows.centroids,
                settings.retrieval.approximate_candidates,
            )
            graph_seconds = time.perf_counter() - graphs_started
        build = time.perf_counter() - started
        results.append(
            _measure(index, asked, settings, len(real.faq.entries), build, graph_seconds)
        )
        print(results[-1].line(), flush=True)
        del index, faq, origin, normalised
    return results


def _measure(
    index: FaqIndex,
    asked: Sequence[tuple[str, str, NDArray[np.float32]]],
    settings: Settings,
    originals: int,
    build: float,
    graph_seconds: float,
) -> ScaleResult:
    """Time the searches on ``index``, each kind in its own loop: a short search timed between
    heavier ones mostly measured the wait for a core that the scheduler makes a busy process
    take (and OpenBLAS's threads, still spinning after the exact search's centroid product)."""
    # what FaqService.answer asks: the best top_k entries and any within the clarify window
    top_k, within = settings.retrieval.top_k, settings.policy.clarify_window
    weight = settings.retrieval.best_row_weight
    for text, lang, vector in asked[:3]:  # warm-up
        index.search_vector(vector, text=text, lang=lang, top_k=top_k, within=within)
    search, live_cpu, lives = _timed(
        lambda text, lang, vector: index.search_vector(
            vector, text=text, lang=lang, top_k=top_k, within=within
        ),
        asked,
    )
    exact, exact_cpu, bests = _timed(
        lambda text, lang, vector: index.search_vector(
            vector, text=text, lang=lang, top_k=top_k, within=within, approximate=False
        ),
        asked,
    )
    vectors = _timed(lambda text, lang, vector: index._vectors.scores(vector, weight), asked)[0]
    lexical = _timed(lambda text, lang, vector: index._lexical.signals(text, lang), asked)[0]
    every_entry = _timed(  # calibration's: every entry
        lambda text, lang, vector: index.search_vector(vector, text=text, lang=lang), asked
    )[0]
    return ScaleResult(
        len(index.faq.entries),
        len(index.rows),
        build,
        search,
        vectors,
        lexical,
        every_entry,
        [len(live) for live in lives],
        "approximate" if index.approximate else "exact",
        graph_seconds,
        exact,
        Agreement.of(lives, bests, originals),
        live_cpu,
        exact_cpu,
        os.getloadavg(),
    )
