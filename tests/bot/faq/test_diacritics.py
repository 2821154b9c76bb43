from __future__ import annotations

import pytest

from bot.faq.diacritics import DiacriticRestorer

RESTORER = DiacriticRestorer(
    {
        "sv": [
            "Hur lång tid tar återbetalningen?",
            "När får jag min beställning?",
            "Vad kostar frakten för en beställning?",
            "Han sa att det var så.",
            "Sa han så? Sa hon det?",  # "sa" (said) is more usual here than "så"
        ],
        "fi": ["Maksaako palautus mitään?", "Mitä tilaus maksaa?"],
    }
)


@pytest.mark.parametrize(
    ("text", "lang", "restored"),
    [
        ("hur lang tid tar aterbetalningen", "sv", "hur lång tid tar återbetalningen"),
        ("nar far jag min bestallning?", "sv", "när får jag min beställning?"),
        ("Nar kommer den", "sv", "När kommer den"),  # capital kept
        ("vad kostar frakten for 2 tält", "sv", "vad kostar frakten för 2 tält"),
        ("sa hon", "sv", "sa hon"),  # the plain word is the more usual one
        ("maksaako palautus mitaan", "fi", "maksaako palautus mitään"),
        ("mita maksaa", "fi", "mitä maksaa"),
        ("okänt ord utan accenter", "sv", "okänt ord utan accenter"),  # unknown words kept
    ],
)
def test_puts_back_the_faqs_diacritics(text: str, lang: str, restored: str) -> None:
    assert RESTORER.restore(text, lang) == restored


def test_only_the_messages_language_is_used() -> None:
    assert RESTORER.restore("mita nar", "sv") == "mita när"  # "mitä" is Finnish
    assert RESTORER.restore("nar mita", "en") == "nar mita"
    assert RESTORER.restore("nar", None) == "nar"
