"""Load and check a directory of FAQ files: every problem at once, with ``file:line:col``."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.errors import FaqValidationError
from bot.faq.schema import FaqFileModel
from bot.language import LANGUAGES, Language
from bot.yamlfile import YamlDocument, read_yaml, validate


@dataclass(frozen=True)
class FaqEntry:
    """A validated FAQ entry with where it came from."""

    id: str
    topic: str
    questions: dict[Language, tuple[str, ...]]
    answer: dict[Language, str]
    handoff: bool
    source: str  # "file:line:col" of the entry
    live_order: bool = False  # answered by the live order status (see schema)
    # accepted questions of shoppers who picked this entry from the buttons (see schema)
    shopper_questions: dict[Language, tuple[str, ...]] = field(default_factory=dict)

    def first_question(self, lang: str) -> str:
        """The entry's first question in ``lang``, else in any language (for button titles)."""
        for code in (lang, *LANGUAGES):
            if self.questions.get(code):  # type: ignore[call-overload]
                return self.questions[code][0]  # type: ignore[index]
        return self.id


@dataclass(frozen=True)
class Faq:
    """All entries of a FAQ directory, plus non-fatal warnings."""

    entries: tuple[FaqEntry, ...]
    warnings: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {entry.id: entry for entry in self.entries})

    def get(self, entry_id: str) -> FaqEntry | None:
        """The entry with ``entry_id``, or None."""
        by_id: dict[str, FaqEntry] = self._by_id  # type: ignore[attr-defined]
        return by_id.get(entry_id)

    @property
    def has_shopper_questions(self) -> bool:
        """Whether any entry has accepted shopper questions."""
        return any(any(qs for qs in e.shopper_questions.values()) for e in self.entries)

    def editors_only(self) -> Faq:
        """This FAQ without the shoppers' questions: what the thresholds are derived on."""
        entries = tuple(replace(e, shopper_questions={}) for e in self.entries)
        return Faq(entries=entries, warnings=self.warnings)


def faq_files(faq_dir: Path) -> list[Path]:
    """The FAQ files of ``faq_dir`` in a stable order."""
    return sorted([*faq_dir.glob("*.yml"), *faq_dir.glob("*.yaml")])


def load_faq(faq_dir: Path) -> Faq:
    """Load every ``*.yml`` in ``faq_dir``.

    Raises:
        FaqValidationError: with every problem of every file, each as ``file:line:col: ...``.
    """
    files = faq_files(faq_dir)
    if not files:
        raise FaqValidationError([f"{faq_dir}: no FAQ files (*.yml) found; add at least one"])
    problems: list[str] = []
    warnings: list[str] = []
    entries: list[FaqEntry] = []
    first_seen: dict[str, str] = {}
    for path in files:
        doc = read_yaml(path)
        model = validate(doc, FaqFileModel)
        problems.extend(doc.problems)
        problems.extend(_duplicate_ids(doc, first_seen))
        if model is None:
            continue
        topic = model.topic or path.stem
        for index, raw in enumerate(model.entries):
            where = doc.where(("entries", index))
            warnings.extend(_translation_warnings(where, index, raw.questions, raw.answer))
            entries.append(
                FaqEntry(
                    id=raw.id,
                    topic=topic,
                    questions={lang: tuple(qs) for lang, qs in raw.questions.items()},
                    answer=dict(raw.answer),
                    handoff=raw.handoff,
                    live_order=raw.live_order,
                    source=where,
                    shopper_questions={
                        lang: tuple(qs) for lang, qs in raw.shopper_questions.items() if qs
                    },
                )
            )
    if problems:
        raise FaqValidationError(problems)
    return Faq(entries=tuple(entries), warnings=tuple(warnings))


def _duplicate_ids(doc: YamlDocument, first_seen: dict[str, str]) -> list[str]:
    """Check ids on the raw data, so duplicates show up even in files with other problems."""
    raw_entries = doc.data.get("entries") if isinstance(doc.data, dict) else None
    if not isinstance(raw_entries, list):
        return []
    problems = []
    for index, raw in enumerate(raw_entries):
        entry_id = raw.get("id") if isinstance(raw, dict) else None
        if not isinstance(entry_id, str):
            continue
        where = doc.where(("entries", index, "id"))
        if entry_id in first_seen:
            problems.append(
                f"{where}: entries[{index}].id: duplicate id {entry_id!r} (first at "
                f"{first_seen[entry_id]}); ids must be unique across all files"
            )
        else:
            first_seen[entry_id] = where
    return problems


def _translation_warnings(
    where: str, index: int, questions: dict[Language, list[str]], answer: dict[Language, str]
) -> list[str]:
    warnings = []
    for lang in LANGUAGES:
        if questions.get(lang) and lang not in answer:
            warnings.append(
                f"{where}: entries[{index}].answer.{lang}: questions in {lang} but no answer; "
                f"shoppers writing {lang} will be told the answer exists only in another language"
            )
        elif lang in answer and not questions.get(lang):
            warnings.append(
                f"{where}: entries[{index}].questions.{lang}: an answer in {lang} but no "
                f"questions; add a few {lang} phrasings so {lang} questions match it better"
            )
    return warnings
