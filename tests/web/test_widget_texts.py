"""The web chat widget's own texts: the same keys and placeholders in fi, sv and en."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.conftest import ROOT

TEXTS_JS = ROOT / "web" / "widget" / "faqbot-widget-texts.js"
ASSIGNMENT = "window.faqbotWidgetTexts ="


def load_widget_texts() -> dict[str, Any]:
    """The data file is JavaScript (it loads cross-origin as a script) holding one JSON object."""
    source = TEXTS_JS.read_text(encoding="utf-8")
    return dict(json.loads(source.split(ASSIGNMENT, 1)[1].strip().rstrip(";")))


def flatten(texts: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in texts.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[prefix + key] = value
    return flat


def test_every_text_exists_in_every_language_with_the_same_placeholders() -> None:
    texts = {lang: flatten(values) for lang, values in load_widget_texts().items()}
    assert sorted(texts) == ["en", "fi", "sv"]
    keys = set(texts["fi"])
    for lang, flat in texts.items():
        assert set(flat) == keys, lang
        for key, value in flat.items():
            assert value, (lang, key)
            fi_value = texts["fi"][key]
            placeholders = set(re.findall(r"\{\w+\}", str(value)))
            assert placeholders == set(re.findall(r"\{\w+\}", str(fi_value))), (lang, key)
    for key in keys - {"languageName"}:  # translated, not copied (names of languages may match)
        if isinstance(texts["fi"][key], str) and key not in ("dialogLabel",):
            assert len({texts[lang][key] for lang in texts}) == 3, key


def test_switch_messages_are_understood_by_the_bot() -> None:
    from bot.language import explicit_switch

    for lang, values in load_widget_texts().items():
        assert explicit_switch(values["switchMessage"]) == lang
