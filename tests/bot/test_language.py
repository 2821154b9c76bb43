"""Unit tests of bot.language: detection of short shopper messages, language choice, switches."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import language
from bot.language import (
    CONFIDENT,
    LANGUAGES,
    PLAUSIBLE,
    choose_language,
    detect,
    explicit_switch,
    warm_up,
)
from tests.deadline import finishes

REPO = Path(__file__).resolve().parents[2]

# Short, informal messages (1-6 words), with and without diacritics, with typos and product
# names. Plain langdetect gets about two thirds of them right.
# fmt: off
FI_SHORT = [
    "moi", "hei", "moikka", "kiitos", "kiitti", "kiitos paljon", "palautus", "toimituskulut?",
    "toimitusaika?", "palautusoikeus", "takuu?", "postikulut", "hyvitys", "maksutavat",
    "laskulla?", "lahjakortti", "aukioloajat", "noutopiste", "paljonko maksaa", "onko varastossa?",
    "milloin toimitus", "missä mun paketti", "missa mun tilaus", "voiko palauttaa",
    "saako vaihtaa", "koko ei sovi", "liian pieni", "kuinka kauan", "ilmainen toimitus?",
    "ei kiitos", "selvä, kiitti", "paketti hukassa", "rikki tuli", "vaihto isompaan",
    "tilaus peruttu", "alennuskoodi ei toimi", "myymälässä?", "joo kiitos", "kitos", "palautsu",
    "toimitsu kulut", "onks lisää?", "Trail Runner varastossa?", "onks tää varastossa",
    "paljonko maksaa toimitus", "onks tata kokoa", "milloin tulee lisaa", "voinko perua tilauksen",
    "kauanko kestaa toimitus", "toimitatteko myös ruotsiin", "onko tätä koossa M",
    "hei, onko Trail Runner 42 varastossa", "mun paketti ei oo tullu",
    "en saanut tilausvahvistusta", "miten palautan tuotteen", "saako myymälästä noutaa",
    "huomenna perillä?", "missä vaiheessa tilaus", "kuitti hukassa", "pitääkö maksaa palautus",
    "saako rahat takas", "onko alennusta", "ale?", "koska ale loppuu", "voiko maksaa mobilepaylla",
    "hinta?", "liian iso", "paita väärää kokoa", "ei mahdu", "tilaus viivästyy", "seurantanumero",
    "kenkien koko", "mitä maksaa", "onks teil myymälää helsingissä", "auki sunnuntaina?",
    "kiitos avusta", "okei kiitti", "no niin", "ihan sama", "tarviin apua", "paketti tuli rikki",
    "jäikö tilaus kesken", "tuleeko lisaa", "voiks tilata ulkomaille", "kestaako kauan",
    "mika on toimitusaika", "paljon kiitoksia", "hyva palvelu", "en tiiä", "ootteko auki",
    "milloin aukeatte",
]
SV_SHORT = [
    "hej", "tack", "hejsan", "tjena", "tack så mycket", "tusen tack", "fraktkostnad?", "frakt",
    "retur", "returnera", "leveranstid?", "bestallning", "min beställning", "var är mitt paket?",
    "var ar mitt paket", "byta storlek", "fel storlek", "för liten", "gratis frakt?",
    "vad kostar frakten", "ångra köp", "öppettider", "presentkort", "nej tack", "ja tack",
    "okej tack", "trasig vara", "återbetalning", "aterbetalning", "kvitto", "faktura?",
    "när kommer paketet", "nar kommer paketet", "har ni butik", "finns i lager?", "tak",
    "leveranstd", "bestälning", "hur mycket kostar", "rabattkod funkar inte", "finns den i lager",
    "hur lang tid tar leveransen", "hur lång tid tar leveransen", "kan jag returnera den",
    "paketet har inte kommit", "levererar ni till Finland?", "finns Trail Runner i lager",
    "kan man betala med faktura", "jag vill avbryta beställningen", "finns storlek 42 kvar",
    "hej, var är min order", "kommer det imorgon?", "var är paketet", "kvittot borta",
    "måste jag betala returen", "får jag pengarna tillbaka", "finns det rabatt", "rea?",
    "när slutar rean", "kan man betala med swish", "priset?", "för stor", "tröjan är fel storlek",
    "passar inte", "beställningen är försenad", "spårningsnummer", "vilken storlek",
    "vad kostar det", "har ni butik i helsingfors", "öppet på söndag?", "tack för hjälpen",
    "okej tackar", "ingen fara", "spelar ingen roll", "behöver hjälp", "paketet kom trasigt",
    "gick beställningen igenom", "kommer det mer", "kan jag beställa utomlands",
    "tar det lang tid", "vad ar leveranstiden", "stort tack", "bra service", "vet inte",
    "har ni öppet", "när öppnar ni",
]
EN_SHORT = [
    "hi", "hello", "thanks", "thank you", "thx", "in stock?", "delivery cost?", "shipping",
    "return", "returns policy", "refund", "wheres my order", "order status", "track my parcel",
    "wrong size", "too small", "exchange size", "free shipping?", "cancel order", "gift card",
    "opening hours", "pay by invoice?", "damaged item", "hey there", "ok thanks", "no thanks",
    "yes please", "warranty?", "refund status", "delivery time", "dilevery cost", "retrun",
    "thnks", "shipping to finland?", "Trail Runner in stock?", "where is my order",
    "how long does delivery take", "can I return this", "cancel my order pls",
    "do you have size 42", "is this in stock", "discount code not working",
    "my package never arrived", "item arrived broken", "when is it back in stock",
    "how much is shipping", "do you ship to sweden", "recieved the wrong item",
    "hi, is Trail Runner 42 available", "arrive tomorrow?", "where is the package",
    "lost my receipt", "do i pay for returns", "can i get my money back", "any discounts", "sale?",
    "when does the sale end", "can i pay with paypal", "the price?", "too big",
    "shirt is wrong size", "doesnt fit", "order is delayed", "tracking number", "which size",
    "what does it cost", "do you have a store in helsinki", "open on sunday?",
    "thanks for the help", "okay thank you", "no worries", "doesnt matter", "need help",
    "package came damaged", "did my order go through", "will you get more",
    "can i order from abroad", "does it take long", "whats the delivery time", "many thanks",
    "great service", "dunno", "are you open", "when do you open",
]
# fmt: on


def _cases(lang: str, texts: list[str]) -> list[tuple[str, str]]:
    return [(text, lang) for text in texts]


SHORT_CASES = _cases("fi", FI_SHORT) + _cases("sv", SV_SHORT) + _cases("en", EN_SHORT)

# Messages that say nothing about their language.
# fmt: off
AMBIGUOUS = [
    "ok", "42", "👍", "Trail Runner 42", "XL", "", "   ", "?!", "M", "ok 👍", "Trail Runner",
]
# fmt: on

SENTENCES = [
    ("Do you deliver to Finland and how long does it usually take?", "en"),
    ("I'd like to return these shoes, they are too small", "en"),
    ("Hej, jag undrar hur länge leveransen tar till Vasa?", "sv"),
    ("kan jag byta jackan mot en större storlek", "sv"),
    ("Moi, kauanko toimitus kestää Ouluun?", "fi"),
    ("voinko vielä muuttaa tilauksen toimitusosoitetta", "fi"),
    ("mun paketti ei oo vielä tullu vaikka tilasin viikko sitten", "fi"),
    ("hur lang tid tar leveransen till helsingfors", "sv"),
]


@pytest.mark.parametrize(("text", "lang"), SHORT_CASES)
def test_detect_short_messages(text: str, lang: str) -> None:
    assert detect(text).lang == lang


@pytest.mark.parametrize(("text", "lang"), SENTENCES)
def test_detect_full_sentences_confidently(text: str, lang: str) -> None:
    detection = detect(text)
    assert detection.lang == lang
    assert detection.confidence >= CONFIDENT


@pytest.mark.parametrize("text", AMBIGUOUS)
def test_detect_without_words_has_low_confidence(text: str) -> None:
    assert detect(text).confidence < PLAUSIBLE


@pytest.mark.parametrize("text", ["kiitos", "tack", "thanks", "palautus", "fraktkostnad?"])
def test_one_word_is_never_sure(text: str) -> None:
    detection = detect(text)
    assert PLAUSIBLE <= detection.confidence < CONFIDENT


@pytest.mark.parametrize("text", ["", "hej", "where is my order", "Trail Runner 42", "🤔🤔"])
def test_scores_are_a_distribution_over_supported_languages(text: str) -> None:
    detection = detect(text)
    assert set(detection.scores) == set(LANGUAGES)
    assert sum(detection.scores.values()) == pytest.approx(1.0)
    assert all(0.0 <= score <= 1.0 for score in detection.scores.values())
    assert detection.confidence == max(detection.scores.values())
    assert detection.scores[detection.lang] == detection.confidence


def test_detect_is_deterministic() -> None:
    texts = ["hej moi thanks", "order", "koko", "paketti"]
    assert [detect(t) for t in texts] == [detect(t) for t in texts]


def test_detect_handles_long_text() -> None:
    assert detect("missä mun paketti " * 2000).lang == "fi"


def test_capitals_are_not_taken_for_names() -> None:
    assert detect("ONKO TÄMÄ VARASTOSSA").lang == "fi"
    assert detect("Hej. Finns den i lager? Jag behöver den snabbt").lang == "sv"


# ------------------------------------------------------------------- choose_language
@pytest.mark.parametrize("current", LANGUAGES)
@pytest.mark.parametrize("text", AMBIGUOUS)
def test_choose_keeps_current_language_for_ambiguous_input(text: str, current: str) -> None:
    assert choose_language(text, current) == current


@pytest.mark.parametrize(("text", "lang"), SENTENCES)
def test_choose_switches_for_a_confident_sentence(text: str, lang: str) -> None:
    for current in LANGUAGES:
        assert choose_language(text, current) == lang


@pytest.mark.parametrize(
    ("text", "current"),
    [("thanks", "fi"), ("tack", "en"), ("kiitos", "sv"), ("in stock?", "fi"), ("hej", "fi")],
)
def test_choose_keeps_current_language_for_one_foreign_word(text: str, current: str) -> None:
    assert choose_language(text, current) == current


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("hej", "sv"),
        ("thanks", "en"),
        ("moi", "fi"),
        ("finns den i lager", "sv"),
        ("where is my order", "en"),
        ("toimituskulut?", "fi"),
    ],
)
def test_choose_takes_detected_language_for_a_first_message(text: str, lang: str) -> None:
    assert choose_language(text, None, default="fi") == lang
    assert choose_language(text, None, default="sv") == lang


@pytest.mark.parametrize("text", AMBIGUOUS)
@pytest.mark.parametrize("default", LANGUAGES)
def test_choose_falls_back_to_default_without_evidence(text: str, default: str) -> None:
    assert choose_language(text, None, default=default) == default


def test_choose_treats_unsupported_current_language_as_none() -> None:
    assert choose_language("ok", "de", default="sv") == "sv"
    assert choose_language("tack så mycket", "de") == "sv"


@pytest.mark.parametrize(
    ("text", "current", "lang"),
    [
        ("på svenska tack", "fi", "sv"),
        ("english", "sv", "en"),
        ("suomeksi", "en", "fi"),
        ("engelska", "sv", "en"),
        ("i don't speak finnish", "fi", "en"),
    ],
)
def test_choose_explicit_switch_always_wins(text: str, current: str, lang: str) -> None:
    assert choose_language(text, current) == lang


# ------------------------------------------------------------------- explicit_switch
# fmt: off
SWITCH_TO = {
    "fi": [
        "suomeksi", "puhu suomea", "voitko puhua suomea", "suomeksi kiitos", "Puhutko suomea?",
        "vaihda kieli suomeksi", "osaatko suomee", "på finska", "kan du prata finska",
        "finnish please", "can we speak finnish", "en ymmärrä englantia, suomeksi kiitos",
    ],
    "sv": [
        "på svenska", "kan du skriva på svenska", "svenska tack", "svenska?", "pa svenska tack",
        "pratar du svenska", "jag förstår inte finska, svenska tack", "speak swedish",
        "in swedish please", "ruotsiksi", "voitko vastata ruotsiksi", "osaatko ruotsia",
    ],
    "en": [
        "in English please", "can you speak english", "english", "english?", "English pls",
        "switch to english", "i don't speak finnish", "engelska", "på engelska tack",
        "kan vi byta till engelska", "englanniksi", "voitko puhua englantia",
        "englanniks pliis",
    ],
}
NOT_A_SWITCH = [
    "do you deliver to Sweden?", "toimitetaanko Ruotsiin?", "levererar ni till Finland?",
    "is the manual in English?", "onko käyttöohje suomeksi?", "finns bruksanvisningen på svenska",
    "I'm from Sweden", "svenska kronor?", "finnish sizes or swedish sizes?",
    "toimitus ruotsiin ja englantiin", "hur mycket kostar frakt till Sverige", "ruotsi?",
    "kiitos", "thanks", "can you help me", "english or finnish please", "",
]
# fmt: on


@pytest.mark.parametrize(
    ("text", "lang"), [(text, lang) for lang, texts in SWITCH_TO.items() for text in texts]
)
def test_explicit_switch_recognises_requests(text: str, lang: str) -> None:
    assert explicit_switch(text) == lang


@pytest.mark.parametrize("text", NOT_A_SWITCH)
def test_explicit_switch_ignores_other_messages(text: str) -> None:
    assert explicit_switch(text) is None


# --------------------------------------------------------------------------- loading
def test_warm_up_is_idempotent() -> None:
    warm_up()
    factory = language._factory
    warm_up()
    assert language._factory is factory
    assert sorted(factory.get_lang_list()) == sorted(LANGUAGES)


def test_import_loads_nothing_heavy() -> None:
    code = (
        "import sys, bot.language; "
        "assert 'langdetect' not in sys.modules, 'langdetect imported'; "
        "assert not [m for m in sys.modules if m.split('.')[0] in ('rasa', 'rasa_sdk')]"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("på svenska tack", True),
        ("englanniks pliis", True),
        ("englsih please", True),  # one typo
        ("can you reply in swedish instead", True),
        ("hur lang tid har jag pa mig att byta en jacka", False),
        ("do you deliver to Sweden?", False),  # a country, not a language
        ("", False),
    ],
)
def test_a_switch_request_names_a_language(text: str, names: bool) -> None:
    assert language.names_language(text) is names


# -- any text, any length -----------------------------------------------------------------------


def _stem_evidence_as_before(folded: str, lang: str) -> bool:
    """The original stem test: every prefix of four letters or more against the stems."""
    return any(folded[:k] in language.FOLDED_STEMS[lang] for k in range(4, len(folded) + 1))


@given(st.one_of(st.sampled_from(sorted(set().union(*language.STEMS.values()))), st.text()))
def test_word_evidence_is_unchanged_by_the_bounded_stem_test(text: str) -> None:
    for token in (text, text + "kulut", text.lower()):
        folded = language.fold_diacritics(token)
        expected = {lang: _stem_evidence_as_before(folded, lang) for lang in LANGUAGES}
        evidence = language._word_evidence(token)
        listed = any(
            token in language.WORDS[lang] or folded in language.FOLDED_WORDS[lang]
            for lang in LANGUAGES
        )
        if not listed and any(expected.values()):
            assert {lang: evidence[lang] >= language._W_STEM for lang in LANGUAGES} == expected


@given(st.text())
def test_any_text_gets_a_language(text: str) -> None:
    detection = detect(text)
    assert detection.lang in LANGUAGES
    assert sum(detection.scores.values()) == pytest.approx(1.0)
    assert choose_language(text, None) in LANGUAGES
    assert explicit_switch(text) in (*LANGUAGES, None)


def _read_every_way(text: str) -> None:
    choose_language(text, "fi")
    language.names_language(text)
    language.detect(text)


@pytest.mark.parametrize(
    "text",
    [
        "a" * 200_000,  # one word: every prefix was compared with the stems
        "toimitus" * 25_000,
        "Toimituskulut " * 15_000,
        "på svenska " * 20_000,
        "ä" * 200_000,
    ],
    ids=["letters", "compound", "words", "switch-words", "ä"],
)
def test_a_huge_message_is_read_in_linear_time(text: str) -> None:
    assert finishes(_read_every_way, text)
