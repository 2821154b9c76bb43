"""Shopper-facing texts are domain.yml responses; this picks the variation for a language.

Used by the action server (with the domain Rasa sends) and by the handoff service (which reads
domain.yml itself), so both speak with the same words.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.errors import ConfigError
from bot.yamlfile import read_yaml


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
        raise ConfigError("\n".join(doc.problems) or f"{domain_path}: not a Rasa domain file")
    responses = doc.data.get("responses")
    if not isinstance(responses, dict):
        raise ConfigError(f"{domain_path}: has no responses section")
    return responses
