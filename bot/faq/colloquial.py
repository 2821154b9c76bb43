"""Spoken forms to written ones, so a shopper's words meet the FAQ's ("onks teil" -> "onko teillä").

Shoppers write as they speak: Finnish "mä tilasin", "voiks", "pitäs", Swedish "e", "int", "nån".
The FAQ is written in the standard language, so BM25 and e5 see different words. The forms are
data (``bot/faq/colloquial.yml``, validated on load): ``words`` are always replaced, ``endings``
(the Finnish question clitic "-ks", the softening "-s", "-ki") only when the FAQ's own vocabulary
confirms the written form. Used by :class:`bot.faq.index.FaqIndex` when ``retrieval.colloquial``
is on. Figures: docs/quality.md, "What was tried".
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from bot.errors import ConfigError
from bot.language import WORD, fold_diacritics
from bot.yamlfile import read_yaml, validate

FORMS_PATH = Path(__file__).with_name("colloquial.yml")
_BACK_VOWELS = frozenset("aou")
_SHORTEST_STEM = 2  # "on" + "ks"
_SPACES = re.compile(r" {2,}")  # left by a dropped word


def _one_word(text: str) -> str:
    if WORD.fullmatch(text) is None or text != text.lower():
        raise ValueError(f"{text!r} must be one word of lower-case letters")
    return text


def _words(text: str) -> str:
    if (text and not WORD.findall(text)) or text != text.lower():
        raise ValueError(f"{text!r} must be lower-case words (or empty, to drop the word)")
    return text


def _ending(text: str) -> str:
    if text and WORD.fullmatch(text) is None:
        raise ValueError(f"{text!r} must be letters (or empty, to drop the ending)")
    return text


Word = Annotated[str, AfterValidator(_one_word)]
Ending = Annotated[str, AfterValidator(_ending)]


class LanguageForms(BaseModel):
    """One language's spoken forms."""

    model_config = ConfigDict(extra="forbid")

    words: dict[Word, Annotated[str, AfterValidator(_words)]] = {}
    # spoken ending -> written endings: one, or Finnish vowel harmony's back and front forms
    endings: dict[Word, Annotated[list[Ending], Field(min_length=1, max_length=2)]] = {}


class ColloquialForms(BaseModel):
    """The file: spoken forms per language code."""

    model_config = ConfigDict(extra="forbid")

    fi: LanguageForms = LanguageForms()
    sv: LanguageForms = LanguageForms()
    en: LanguageForms = LanguageForms()


def load_forms(path: Path) -> ColloquialForms:
    """Read and validate a forms file.

    Raises:
        ConfigError: listing every problem with ``file:line:col``.
    """
    doc = read_yaml(path)
    forms = validate(doc, ColloquialForms)
    if forms is None or doc.problems:
        raise ConfigError("\n".join(doc.problems))
    return forms


@functools.cache
def shipped_forms() -> ColloquialForms:
    """The forms shipped with faqbot (read once, on first use)."""
    return load_forms(FORMS_PATH)


class Colloquial:
    """Rewrites spoken forms into written ones, per language, confirmed by a FAQ's words."""

    def __init__(self, forms: ColloquialForms, texts: Mapping[str, Iterable[str]]) -> None:
        """Args:
        forms: the spoken forms (:func:`shipped_forms`).
        texts: the FAQ's texts per language code: the vocabulary endings are checked against.
        """
        self._vocab = {
            lang: {word for text in lang_texts for word in WORD.findall(text.lower())}
            for lang, lang_texts in texts.items()
        }
        self._words: dict[str, dict[str, str]] = {}
        self._endings: dict[str, list[tuple[str, list[str]]]] = {}
        for lang, spoken in forms.model_dump().items():
            vocab = self._vocab.get(lang, set())
            words = dict(spoken["words"])
            for word, written in spoken["words"].items():
                folded = fold_diacritics(word)  # "nån" typed as "nan"
                if folded not in words and folded not in vocab:
                    words[folded] = written
            self._words[lang] = words
            # the longest ending first: "kse" before "s"
            self._endings[lang] = sorted(spoken["endings"].items(), key=lambda e: -len(e[0]))

    def standard(self, text: str, lang: str | None) -> str:
        """``text`` with the spoken forms of ``lang`` written out; other words kept as typed."""
        words = self._words.get(lang or "")
        if not words and not self._endings.get(lang or ""):
            return text
        written = WORD.sub(lambda match: self._word(match.group(0), lang or ""), text)
        return _SPACES.sub(" ", written).strip() if written != text else text

    def _word(self, word: str, lang: str) -> str:
        lowered = word.lower()
        written = self._words[lang].get(lowered)
        if written is not None:
            return written
        vocab = self._vocab.get(lang, set())
        if lowered in vocab:
            return word
        for spoken, endings in self._endings[lang]:
            stem = lowered[: -len(spoken)]
            if not lowered.endswith(spoken) or len(stem) < _SHORTEST_STEM:
                continue
            ending = endings[0] if len(endings) == 1 or _BACK_VOWELS & set(stem) else endings[1]
            if stem + ending in vocab or stem in vocab:
                return stem + ending
        return word
