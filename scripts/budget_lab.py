"""Compare the clarify budget (share of off-topic messages offered buttons) on the dev set.

    .venv/bin/python scripts/budget_lab.py [0.15 0.2 ...]

For the shipped FAQ and ``faqbot faq sparse``'s copy, the thresholds are derived once per budget
(:class:`bot.faq.calibration.Budgets`, ``offtopic_reached``) and the development set is decided
with them: per language, the right entry answered or among the buttons, and the share of
must-not-answer questions offered buttons. The eval set is never read here.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import language  # noqa: E402
from bot.faq.calibration import Budgets, calibrate, choose_thresholds, load_offtopic  # noqa: E402
from bot.faq.evaluation import load_cases  # noqa: E402
from bot.faq.policy import decide  # noqa: E402
from bot.faq.service import FaqService  # noqa: E402
from bot.faq.settings import Settings, load_settings  # noqa: E402
from bot.faq.sparse import write_sparse_faq  # noqa: E402

LANGS = ("fi", "sv", "en")


def compare(settings: Settings, reaches: list[float]) -> None:
    """Print one line per budget for the FAQ of ``settings``."""
    service = FaqService(settings)
    service.warm_up()
    offtopic = load_offtopic(settings.offtopic_messages)
    scored = calibrate(service.index, offtopic, settings.policy)
    cases = load_cases(ROOT / "tests/data/faq_dev.yml", {e.id for e in service.faq.entries})
    ranked = [
        (case, service.index.search(case.text, case.lang), len(language.WORD.findall(case.text)))
        for case in cases
    ]
    for reach in reaches:
        budgets = Budgets(offtopic_reached=reach)
        policy = choose_thresholds(scored.positives, scored.negatives, settings.policy, budgets)
        cells = []
        for lang in LANGS:
            right = buttons = total = 0
            for case, matches, words in ranked:
                if case.lang != lang:
                    continue
                decision = decide(matches, policy, words == 1)
                if case.expect:
                    total += 1
                    right += decision.kind != "fallback" and bool(
                        set(decision.offered[: 1 if decision.kind == "answer" else 3])
                        & set(case.expect)
                    )
                else:
                    buttons += decision.kind == "clarify"
            negatives = sum(1 for c, _, _ in ranked if c.lang == lang and not c.expect)
            cells.append(
                f"{lang} right|buttons {right / total:.3f} mna buttons {buttons}/{negatives}"
            )
        print(f"  reach {reach:<5} clarify {policy.clarify_threshold:<7}", " | ".join(cells))


def main() -> None:
    reaches = [float(arg) for arg in sys.argv[1:]] or [0.15, 0.2, 0.25, 0.3]
    settings = load_settings(ROOT / "faqbot.yml")
    print("== the shipped FAQ")
    compare(settings, reaches)
    with tempfile.TemporaryDirectory() as tmp:
        write_sparse_faq(settings.faq_dir, Path(tmp))
        print("== its sparse copy")
        compare(settings.model_copy(update={"faq_dir": Path(tmp)}), reaches)


if __name__ == "__main__":
    main()
