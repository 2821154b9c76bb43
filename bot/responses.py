"""Shopper-facing texts are domain.yml responses; this picks the variation for a language.

Used by the action server (with the domain Rasa sends) and by the handoff service (which reads
domain.yml itself), so both speak with the same words; :class:`ResponseRecogniser` goes the
other way, from a bot message back to the response it was (the end-to-end evaluation).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.errors import ConfigError
from bot.yamlfile import read_yaml

_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[^\W\d_]{3,}")  # a word: three letters or more


def pick_variation(responses: dict[str, Any], name: str, lang: str) -> dict[str, Any]:
    """The variation of response ``name`` conditioned on ``language == lang``, else the default.

    Raises:
        KeyError: when the response or a fitting variation is missing.
    """
    variations = responses.get(name)
    if not variations:
        raise KeyError(f"response {name!r} is missing from domain.yml")
    default = None
    for candidate in variations:
        conditions = candidate.get("condition") or []
        if not conditions:
            default = default or candidate
        elif any(c.get("name") == "language" and c.get("value") == lang for c in conditions):
            return dict(candidate)
    if default is None:
        raise KeyError(f"response {name!r} has no variation for {lang!r} and no default")
    return dict(default)


def fill(template: str, values: Mapping[str, object]) -> str:
    """Replace each ``{key}`` by its value (plain replacement: texts may contain other braces)."""
    for key, value in values.items():
        template = template.replace("{" + key + "}", str(value))
    return template


def load_responses(domain_path: Path) -> dict[str, Any]:
    """The ``responses`` section of a domain file.

    Raises:
        ConfigError: when the file cannot be read or has no responses.
    """
    doc = read_yaml(domain_path)
    if doc.problems or not isinstance(doc.data, dict):
        raise ConfigError(
            "\n".join(doc.problems) or f"{domain_path}:1:1: not a Rasa domain file (a mapping)"
        )
    responses = doc.data.get("responses")
    if not isinstance(responses, dict):
        where = doc.where(("responses",), at_key=True)
        raise ConfigError(f"{where}: responses: missing or not a mapping of response names")
    return responses


def normalise(text: str) -> str:
    """``text`` as compared with other texts: NFC, case-folded, single spaces, stripped."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text).casefold()).strip()


class ResponseRecogniser:
    """Tells which response of a domain a bot message is (its name), from its text alone.

    Every variation of every response takes part; ``{placeholders}`` match any text. When
    several match, the one with the most fixed text wins. Templates without a word of their own
    (``"{text}"``, fragments like ``"{day}.{month}.{year}"``) are never recognised: they would
    match almost any message.
    """

    def __init__(self, responses: Mapping[str, Any]) -> None:
        patterns: list[tuple[int, str, re.Pattern[str]]] = []
        for name, variations in responses.items():
            for variation in variations if isinstance(variations, list) else []:
                template = variation.get("text") if isinstance(variation, dict) else None
                if isinstance(template, str):
                    fixed, pattern = _pattern(template)
                    if _WORD.search(_PLACEHOLDER.sub(" ", template)):
                        patterns.append((fixed, str(name), pattern))
        patterns.sort(key=lambda item: -item[0])
        self._patterns = patterns

    def name_of(self, text: str) -> str | None:
        """The name of the response ``text`` is (e.g. ``utter_goodbye``), or None."""
        message = normalise(text)
        found = (name for _, name, pattern in self._patterns if pattern.fullmatch(message))
        return next(found, None)


def _pattern(template: str) -> tuple[int, re.Pattern[str]]:
    """How many fixed characters ``template`` has, and a pattern of its normalised form."""
    parts = [
        _SPACE.sub(" ", unicodedata.normalize("NFC", part).casefold())
        for part in _PLACEHOLDER.split(template)
    ]
    parts[0], parts[-1] = parts[0].lstrip(), parts[-1].rstrip()
    fixed = sum(len(part.strip()) for part in parts)
    return fixed, re.compile("(.+?)".join(re.escape(part) for part in parts), re.DOTALL)
