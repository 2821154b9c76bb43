"""Every text the bot is trained, configured or calibrated on, and every labelled test text.

Labelled sets (``tests/data``) are test data. A training-side text (FAQ question, NLU example,
calibration message) equal or nearly equal to a labelled one inflates the figures, so
``tests/test_held_out.py`` compares them all after :func:`normalise`.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.yamlfile import read_yaml
from tests.conftest import ROOT

NEAR = 0.9
"""difflib ratio above which two normalised texts count as near duplicates."""

_ENTITY = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")
_NOT_WORD = re.compile(r"[^\w\s]")


@dataclass(frozen=True)
class Text:
    """One text and where it is written."""

    source: str  # e.g. "FAQ", "NLU", "eval set"
    where: str  # file:line
    text: str

    @property
    def key(self) -> str:
        """The text as compared (see :func:`normalise`)."""
        return normalise(self.text)


def normalise(text: str) -> str:
    """Lower case, no punctuation, no diacritics (å/ä/ö → a/a/o), single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NOT_WORD.sub(" ", bare).replace("_", " ").split())


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _where(path: Path, lines: list[str], text: str, start: int = 0) -> tuple[str, int]:
    """``file:line`` of the first line at or after ``start`` that contains ``text``."""
    for number in range(start, len(lines)):
        if text in lines[number]:
            return f"{path.relative_to(ROOT)}:{number + 1}", number
    return f"{path.relative_to(ROOT)}", start


def _texts(source: str, path: Path, texts: Iterable[str]) -> Iterator[Text]:
    lines = _lines(path)
    cursor = 0
    for text in texts:
        where, found = _where(path, lines, text.split("\n")[0][:40], cursor)
        cursor = found
        yield Text(source, where, text)


def _load(path: Path) -> Any:
    doc = read_yaml(path)
    assert not doc.problems, "\n".join(doc.problems)
    return doc.data


def faq_questions() -> list[Text]:
    """Every question of every FAQ entry, the shoppers' accepted ones too."""
    found: list[Text] = []
    for path in sorted((ROOT / "data" / "faq").glob("*.yml")):
        texts = [
            q
            for entry in _load(path).get("entries") or []
            for key in ("questions", "shopper_questions")
            for questions in (entry.get(key) or {}).values()
            for q in questions
        ]
        found += _texts("FAQ question", path, texts)
    return found


def nlu_examples() -> list[Text]:
    """Every training example of ``data/nlu`` (entity annotations removed)."""
    found: list[Text] = []
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        texts: list[str] = []
        for item in _load(path).get("nlu") or []:
            block = item.get("examples") if isinstance(item, dict) else None
            if isinstance(block, str):
                texts += [
                    line.strip()[2:] for line in block.splitlines() if line.strip()[:2] == "- "
                ]
        found += [
            Text("NLU example", t.where, _ENTITY.sub(r"\1", t.text))
            for t in _texts("NLU example", path, texts)
        ]
    return found


def calibration_messages() -> list[Text]:
    """The off-topic messages thresholds are calibrated on."""
    path = ROOT / "data" / "calibration" / "offtopic.yml"
    texts = [m for messages in _load(path)["messages"].values() for m in messages]
    return list(_texts("calibration message", path, texts))


def case_texts(name: str, label: str) -> list[Text]:
    """The texts of a ``{cases: [{text, ...}]}`` file in ``tests/data``."""
    path = ROOT / "tests" / "data" / name
    return list(_texts(label, path, [case["text"] for case in _load(path)["cases"]]))


def escalation_texts(
    name: str = "escalation_cases.yml", label: str = "escalation set"
) -> list[Text]:
    """Both halves (escalate, negatives) of an escalation set (the held-out one by default)."""
    path = ROOT / "tests" / "data" / name
    data = _load(path)
    texts = [t for part in ("escalate", "negatives") for ts in data[part].values() for t in ts]
    return list(_texts(label, path, texts))


def training_side() -> list[Text]:
    """What the bot learns or is calibrated from."""
    return [*faq_questions(), *nlu_examples(), *calibration_messages()]


def labelled_sets() -> dict[str, list[Text]]:
    """Every held-out or development set, by name."""
    return {
        "eval set": case_texts("eval_cases.yml", "eval set"),
        "dev set": case_texts("faq_dev.yml", "dev set"),
        "dev set 2": case_texts("faq_dev2.yml", "dev set 2"),
        "escalation set": escalation_texts(),
        "escalation dev set": escalation_texts("escalation_dev.yml", "escalation dev set"),
        "stock set": case_texts("stock_cases.yml", "stock set"),
        "stock dev set": case_texts("stock_dev.yml", "stock dev set"),
        "owned-item dev set": case_texts("owned_dev.yml", "owned-item dev set"),
    }


def overlaps(tests: list[Text], training: list[Text], near: float = NEAR) -> list[str]:
    """Every pair (test text, other text) that is equal or nearly equal after normalising."""
    by_length: dict[int, list[tuple[str, Text]]] = {}
    for text in training:
        by_length.setdefault(len(text.key), []).append((text.key, text))
    found: list[str] = []
    for test in tests:
        key = test.key
        if not key:
            continue
        matcher = difflib.SequenceMatcher(None, b=key, autojunk=False)
        # ratio = 2M / (len a + len b) can exceed `near` only for lengths within this window
        low, high = int(len(key) * near / (2 - near)), int(len(key) * (2 - near) / near) + 1
        for length in range(low, high + 1):
            for other_key, other in by_length.get(length, ()):
                if other_key == key:
                    kind = "same as"
                else:
                    matcher.set_seq1(other_key)
                    if matcher.real_quick_ratio() <= near or matcher.quick_ratio() <= near:
                        continue
                    if matcher.ratio() <= near:
                        continue
                    kind = "nearly the same as"
                found.append(
                    f"{test.where}: {test.source} {test.text!r} is {kind} "
                    f"{other.source} {other.text!r} at {other.where}"
                )
    return found
