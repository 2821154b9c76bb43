"""The text every channel hands to Rasa: valid, bounded, and never a typed intent."""

from __future__ import annotations

import unicodedata

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from actions.faq import _choose as choose_faq
from actions.shop_stock import _choose as choose_product
from bot.conversation import BUTTON_INTENTS
from channels.shopper_text import MAX_MESSAGE_CHARS, is_button_payload, shopper_text
from tests.conftest import ROOT

DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def _domain_payloads() -> list[str]:
    return [
        str(button["payload"])
        for variations in DOMAIN["responses"].values()
        for variation in variations
        for button in variation.get("buttons") or []
    ]


def test_every_button_of_the_bot_passes_as_an_intent() -> None:
    payloads = [*_domain_payloads(), choose_faq("delivery_time"), choose_product("tent-1")]
    assert len(payloads) > 10
    for payload in payloads:
        assert is_button_payload(payload), payload
        assert shopper_text(payload) == payload
    assert BUTTON_INTENTS.issubset(DOMAIN["intents"])


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("/help", "help"),
        ("/restart", "restart"),
        ("  /session_start", "session_start"),
        ("/nlu_fallback", "nlu_fallback"),
        ("/ /restart", "restart"),
        ("//affirm", "affirm"),
        ('/affirm{"x": 1', 'affirm{"x": 1'),  # not a JSON object
        ("/affirm@0.99", "affirm@0.99"),  # a confidence: no button sends one
        ("/greet", "greet"),  # a real intent, but no button's
        ("mikä on /tilaus?", "mikä on /tilaus?"),
    ],
)
def test_other_slash_text_is_read_as_text(typed: str, read: str) -> None:
    assert shopper_text(typed) == read


def test_broken_text_is_repaired() -> None:
    assert shopper_text("x\ud800") == "x\ufffd"  # a lone surrogate
    assert shopper_text("\ud83d\ude00") == "\U0001f600"  # a pair in two code points
    assert shopper_text("a\x00b\x1b[31mc\x7f\r\n\td") == "ab[31mc\n\td"
    assert shopper_text(None) == ""
    assert shopper_text("👍🏽 <b>hei</b> 👨‍👩‍👧") == "👍🏽 <b>hei</b> 👨‍👩‍👧"  # joiners stay


def test_a_long_message_is_cut() -> None:
    assert shopper_text("a" * 200_000) == "a" * MAX_MESSAGE_CHARS


@given(st.one_of(st.text(), st.text(alphabet='/{}"a_\ud800\x00 \n', max_size=30)))
def test_any_text_becomes_valid_text_that_rasa_reads_as_text_or_a_button(raw: str) -> None:
    text = shopper_text(raw)
    text.encode("utf-8")  # no lone surrogates
    assert not any(unicodedata.category(ch) == "Cc" for ch in text if ch not in "\n\t")
    assert len(text) <= MAX_MESSAGE_CHARS
    assert not text.strip().startswith("/") or is_button_payload(text)
    assert shopper_text(text) == text
