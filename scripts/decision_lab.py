"""Compare answer / clarify decision settings on the dev set and leave-one-out, dense and sparse.

    .venv/bin/python scripts/decision_lab.py [--dev=CASES.yml] [--bound] [NAME=JSON ...]

Each argument is a variant: a name and a JSON object with ``policy`` (settings of
:class:`bot.faq.settings.PolicySettings` other than the derived thresholds), ``budgets``
(:class:`bot.faq.calibration.Budgets`) and ``retrieval`` (settings of
:class:`bot.faq.settings.RetrievalSettings`), e.g. ``old='{"policy": {"confirmed_floor": 1},
"budgets": {"errors_answered": 0.3}}'``. The baseline (faqbot.yml as it is) always runs first.
For each variant and FAQ (the shipped one and ``faqbot faq sparse``'s copy) the thresholds are
derived with the variant's settings, then per language it prints: on the dev set, answered right
/ right entry answered or among the buttons / answered wrong / must-not-answer answered /
must-not-answer offered buttons; over the FAQ's own questions, each with itself left out
(leave-one-out), answered right / right or buttons / answered wrong; and the share of off-topic
messages answered and reached (answered or buttons). Everything is ranked once per FAQ and
retrieval settings; variants that differ only in policy or budgets differ only in decisions. The
eval set is never read here. ``--dev`` picks another development set (default
``tests/data/faq_dev.yml``). ``--bound`` also prints, per FAQ and language, the most right
answers any answer threshold, margin and coverage gate chosen *on the dev set itself* gives with
at most 3% answered wrong and no must-not-answer question answered: an upper bound on what
tuning those three can do for that ranking, not a setting.
"""

from __future__ import annotations

import itertools
import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import language  # noqa: E402
from bot.encoder import Encoder, open_encoder  # noqa: E402
from bot.faq.calibration import Budgets, calibrate, load_offtopic  # noqa: E402
from bot.faq.evaluation import load_cases  # noqa: E402
from bot.faq.index import Match  # noqa: E402
from bot.faq.policy import decide  # noqa: E402
from bot.faq.service import FaqService  # noqa: E402
from bot.faq.settings import PolicySettings, Settings, load_settings  # noqa: E402
from bot.faq.sparse import write_sparse_faq  # noqa: E402

LANGS = ("fi", "sv", "en")


@dataclass(frozen=True)
class Ranked:
    """One question and its ranked entries."""

    lang: str
    expect: tuple[str, ...]  # () for must-not-answer and off-topic messages
    topic_only: bool
    matches: list[Match]


@dataclass(frozen=True)
class FaqRuns:
    """Everything ranked once for one FAQ."""

    dev: list[Ranked]
    loo: list[Ranked]
    offtopic: list[Ranked]
    service: FaqService


DEV = ROOT / "tests/data/faq_dev.yml"


def rank(settings: Settings, encoder: Encoder, dev_path: Path = DEV) -> FaqRuns:
    """Rank the dev set, the leave-one-out questions and the off-topic messages."""
    service = FaqService(settings, encoder=encoder)
    service.warm_up()
    index = service.index
    window = service.thresholds.policy.clarify_window
    cases = load_cases(dev_path, {e.id for e in index.faq.entries})
    dev = []
    for case in cases:
        lang = language.choose_language(case.text, None, settings.default_language)
        matches = index.search(case.text, lang, top_k=settings.retrieval.top_k, within=window)
        words = len(language.WORD.findall(case.text))
        dev.append(Ranked(case.lang, tuple(case.expect), words == 1, matches))
    loo = []
    for row in index.question_rows():
        r = index.rows[row]
        matches = index.search_vector(
            index.row_vector(row), leave_out=row, text=r.text, lang=r.lang
        )
        expect = (index.faq.entries[r.entry].id,)
        loo.append(Ranked(r.lang, expect, len(language.WORD.findall(r.text)) == 1, matches))
    texts = load_offtopic(settings.offtopic_messages)
    questions = [(text, language.detect(text).lang) for text in texts]
    offtopic = [
        Ranked(lang or "", (), len(language.WORD.findall(text)) == 1, matches)
        for (text, lang), matches in zip(questions, index.search_many(questions), strict=True)
    ]
    return FaqRuns(dev, loo, offtopic, service)


def figures(items: list[Ranked], policy: PolicySettings) -> dict[str, dict[str, float]]:
    """Per language: right, right or buttons, wrong (answerable); answered, buttons (others)."""
    out: dict[str, dict[str, float]] = {}
    for lang in LANGS:
        answerable = [i for i in items if i.lang == lang and i.expect]
        others = [i for i in items if i.lang == lang and not i.expect]
        counts = dict.fromkeys(("right", "r|btn", "wrong", "mna", "mna|b"), 0)
        for item in answerable:
            decision = decide(item.matches, policy, item.topic_only)
            if decision.kind == "answer":
                right = decision.offered[0] in item.expect
                counts["right"] += right
                counts["r|btn"] += right
                counts["wrong"] += not right
            elif decision.kind == "clarify":
                counts["r|btn"] += any(o in item.expect for o in decision.offered)
        for item in others:
            decision = decide(item.matches, policy, item.topic_only)
            counts["mna"] += decision.kind == "answer"
            counts["mna|b"] += decision.kind == "clarify"
        out[lang] = {
            key: value / max(len(answerable if key in ("right", "r|btn", "wrong") else others), 1)
            for key, value in counts.items()
        }
    return out


def bound(items: list[Ranked], policy: PolicySettings) -> dict[str, tuple[float, str]]:
    """Per language: the most right answers, and the rule giving them, over a grid of answer
    thresholds, margins and coverage gates chosen on ``items`` themselves, with at most 3% of
    the answerable questions answered wrongly and no must-not-answer question answered."""
    grid = itertools.product(
        [round(0.85 + 0.0025 * i, 4) for i in range(41)],
        (0.0, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03),
        (0.0, 0.1, 0.15, 0.2, 0.3),
    )
    rules = [
        policy.model_copy(update={"answer_threshold": t, "answer_margin": m, "min_coverage": c})
        for t, m, c in grid
    ]
    out: dict[str, tuple[float, str]] = {}
    for lang in LANGS:
        answerable = [i for i in items if i.lang == lang and i.expect]
        others = [i for i in items if i.lang == lang and not i.expect]
        best = (0.0, "none")
        for rule in rules:
            answers = [decide(i.matches, rule, i.topic_only) for i in answerable]
            taken = [d.offered[0] for d in answers if d.kind == "answer"]
            right = sum(
                d.kind == "answer" and d.offered[0] in i.expect
                for d, i in zip(answers, answerable, strict=True)
            )
            wrong = len(taken) - right
            if wrong > 0.03 * len(answerable):
                continue
            if any(decide(i.matches, rule, i.topic_only).kind == "answer" for i in others):
                continue
            share = right / max(len(answerable), 1)
            if share > best[0]:
                best = (
                    share,
                    f"answer {rule.answer_threshold} margin {rule.answer_margin} "
                    f"coverage {rule.min_coverage}",
                )
        out[lang] = best
    return out


def main(argv: list[str]) -> int:
    base = load_settings(ROOT / "faqbot.yml")
    variants: list[tuple[str, dict[str, dict[str, Any]]]] = [("baseline", {})]
    dev = DEV
    show_bound = "--bound" in argv
    for arg in argv:
        if arg == "--bound":
            continue
        if arg.startswith("--dev="):
            dev = Path(arg.removeprefix("--dev="))
            continue
        name, _, value = arg.partition("=")
        variants.append((name, json.loads(value)))
    encoder = open_encoder(base.model)
    with tempfile.TemporaryDirectory() as tmp:
        write_sparse_faq(base.faq_dir, Path(tmp))
        faqs = {"dense": base.faq_dir, "sparse": Path(tmp)}
        ranked: dict[str, dict[str, FaqRuns]] = {}
        offtopic = load_offtopic(base.offtopic_messages)
        for name, variant in variants:
            current = base.policy.model_copy(update=variant.get("policy", {}))
            budgets = Budgets(**variant.get("budgets", {}))
            retrieval = base.retrieval.model_copy(update=variant.get("retrieval", {}))
            key = retrieval.model_dump_json()
            if key not in ranked:  # rank once per retrieval setting
                ranked[key] = {
                    faq: rank(
                        base.model_copy(update={"faq_dir": path, "retrieval": retrieval}),
                        encoder,
                        dev,
                    )
                    for faq, path in faqs.items()
                }
            runs = ranked[key]
            for faq_name, run in runs.items():
                policy = calibrate(run.service.index, offtopic, current, budgets).policy
                dev, loo = figures(run.dev, policy), figures(run.loo, policy)
                off = [decide(i.matches, policy, i.topic_only).kind for i in run.offtopic]
                answered = off.count("answer") / len(off)
                reached = answered + off.count("clarify") / len(off)
                print(
                    f"{name} {faq_name}: answer {policy.answer_threshold} margin "
                    f"{policy.answer_margin} clarify {policy.clarify_threshold}; off-topic "
                    f"answered {answered:.3f} reached {reached:.3f}"
                )
                for lang in LANGS:
                    d, lo = dev[lang], loo[lang]
                    print(
                        f"  {lang} dev right {d['right']:.3f} r|btn {d['r|btn']:.3f} wrong "
                        f"{d['wrong']:.3f} mna {d['mna']:.3f} mna|b {d['mna|b']:.3f} | LOO right "
                        f"{lo['right']:.3f} r|btn {lo['r|btn']:.3f} wrong {lo['wrong']:.3f}",
                        flush=True,
                    )
                if show_bound:
                    for lang, (share, rule) in bound(run.dev, policy).items():
                        print(f"  {lang} bound: answered right {share:.3f} with {rule}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
