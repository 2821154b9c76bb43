"""Language detection for short, informal shopper messages in Finnish, Swedish and English.

Plain langdetect is unreliable on two-word chat messages, so :func:`detect` combines it
(restricted to the three supported languages) with cheap signals: frequent function and shop
words per language, compound stems, typical letters and endings. Every word is also compared
without diacritics ("paljonko maksaa toimitus", "hur lang tid") and with one typo allowed.

:func:`choose_language` keeps a conversation's language unless a message is confidently in
another one, and :func:`explicit_switch` recognises requests such as "på svenska tack".
"""

from __future__ import annotations

import itertools
import math
import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Language = Literal["fi", "sv", "en"]
LANGUAGES: tuple[Language, ...] = ("fi", "sv", "en")

CONFIDENT = 0.8
"""A detection at least this confident switches an ongoing conversation's language."""

PLAUSIBLE = 0.45
"""A first message needs at least this much confidence, otherwise the default language is used."""

# --------------------------------------------------------------------------- word lists
# Whole words, lower case, written with their diacritics; folded forms are derived below.

# fmt: off
FI_WORDS = frozenset(
    {
        # function words, colloquial forms included
        "on", "onko", "onks", "oliko", "ei", "en", "eikö", "eiks", "oo", "oon", "mä", "mää",
        "minä", "mun", "mulla", "mulle", "multa", "minun", "sä", "sun", "sulla", "te", "teillä",
        "teiltä", "teille", "me", "meillä", "se", "sen", "ne", "niitä", "tää", "tämä", "tätä",
        "tän", "tämän", "toi", "tuo", "nää", "nämä", "noi", "noita", "mikä", "mitä", "mitkä",
        "missä", "mistä", "mihin", "miten", "kuinka", "paljonko", "paljonks", "kauanko",
        "kauan", "koska", "milloin", "miks", "miksi", "kuka", "voiko", "voiks", "voinko",
        "voinks", "voisko", "voitko", "voitteko", "saako", "saanko", "saaks", "pitääkö",
        "pitää", "tuleeko", "tuleeks", "tulee", "tuli", "tullut", "tullu", "kestää", "menee",
        "ja", "tai", "vai", "mut", "mutta", "et", "että", "jos", "kun", "niin", "nyt", "vielä",
        "jo", "myös", "vaan", "ihan", "aika", "vaikka", "enää", "sitten", "sit", "takas",
        "takaisin", "lisää", "joo", "juu", "kyllä", "okei", "selvä", "kiva", "hyvä", "hyvää",
        "kiitos", "kiitti", "kiitoksia", "moi", "moikka", "moro", "hei", "heippa",
        "terve", "päivää", "apua", "auttaa", "haluan", "haluaisin", "tarviin", "tarvitsen",
        "voi", "voisitteko", "olisko", "oisko", "onkse", "siis", "eli", "kanssa", "ilman",
        "heips", "moimoi", "terppa", "nähdään", "käy", "käykö", "käyks", "kelpaa", "jep",
        "eipä", "ihminen", "ihmisen", "ihmiselle", "asiakaspalvelu", "agentti", "kiitokset",
        "huomenta", "morjens", "heissan", "iltaa", "sopii", "totta", "kai", "tervehdys",
        # shop words
        "toimitus", "toimituksen", "toimitusta", "toimitukset", "palautus", "palautuksen",
        "palauttaa", "palautan", "palautin", "tilaus", "tilauksen", "tilausta", "tilasin",
        "tilata", "tilaan", "paketti", "paketin", "pakettia", "postikulut", "postikuluja",
        "maksaa", "maksu", "maksaako", "hinta", "hintaa", "lasku", "laskulla", "varastossa",
        "saatavilla", "myymälä", "myymälässä", "myymälästä", "liike", "liikkeessä", "koko",
        "kokoa", "koossa", "isompi", "pienempi", "pieni", "iso", "liian", "vaihtaa", "vaihto",
        "takuu", "hyvitys", "rahat", "tuote", "tuotteen", "tuotetta", "tuotteet", "kengät",
        "takki", "housut", "rikki", "hukassa", "perua", "peruttu", "ilmainen", "ilmanen",
        "noutaa", "nouto", "kuitti", "alennus", "lahjakortti", "ostin", "ostaa", "ale",
    }
)
SV_WORDS = frozenset(
    {
        # function words
        "och", "är", "e", "jag", "ja", "jo", "nej", "inte", "int", "det", "den", "de", "dem",
        "en", "ett", "du", "ni", "vi", "man", "min", "mitt", "mina", "din", "ditt", "er",
        "hur", "vad", "va", "var", "när", "varför", "vilken", "vilka", "vem", "kan", "kunde",
        "ska", "skulle", "vill", "får", "få", "fick", "har", "hade", "finns", "fanns", "blir",
        "kommer", "kom", "tar", "att", "på", "för", "med", "till", "från", "om", "av", "i",
        "som", "men", "eller", "bara", "också", "redan", "än", "igen", "nu", "sen", "här",
        "där", "någon", "något", "några", "nån", "nåt", "inget", "ingen", "mycket", "lite",
        "länge", "lång", "tid", "ännu", "hos", "mig", "mej", "dig", "så", "tack", "tak",
        "hej", "hejsan", "hejdå", "tjena", "tja", "tjenare", "hallå", "okej", "japp", "visst",
        "snälla", "tusen", "bra", "gärna", "hjälp", "behöver", "undrar", "måste", "vet",
        "god", "morgon", "kväll", "halloj", "ses", "hörs", "adjö", "ajöss", "absolut",
        "precis", "toppen", "jepp", "javisst", "nä", "nähä", "människa", "kundtjänst",
        "tackar", "goddag", "kundservice",
        # shop words
        "leverans", "leveransen", "leveranstid", "leverera", "levererar", "retur", "returen",
        "returnera", "beställning", "beställningen", "beställa", "beställde", "frakt",
        "frakten", "paket", "paketet", "lager", "storlek", "storleken", "byta", "pris",
        "priset", "kostar", "kosta", "kostnad", "betala", "betalning", "faktura", "butik",
        "butiken", "butiker", "kvitto", "skicka", "skickar", "skickas", "ångra", "avboka",
        "avbryta", "trasig", "trasigt", "fel", "liten", "stor", "större", "mindre", "gratis",
        "öppettider", "rabatt", "rabattkod", "presentkort", "återbetalning", "pengarna",
        "kläder", "skor", "jacka", "byxor", "vara", "varan", "varor", "köp", "köpa", "köpte",
        "funkar", "fungerar", "kvar", "fått", "kommit", "rea", "rean",
    }
)
EN_WORDS = frozenset(
    {
        # function words
        "the", "a", "an", "is", "are", "was", "be", "been", "do", "does", "did", "dont",
        "doesnt", "didnt", "have", "has", "had", "how", "what", "whats", "when", "where",
        "wheres", "why", "which", "who", "can", "cant", "could", "would", "will", "wont",
        "should", "my", "your", "you", "u", "ur", "i", "im", "me", "we", "it", "its", "this",
        "that", "these", "those", "there", "and", "or", "but", "of", "to", "for", "in", "with",
        "from", "at", "by", "about", "not", "no", "yes", "yeah", "yep", "please", "pls", "plz",
        "thanks", "thank", "thx", "ty", "hi", "hello", "hey", "much", "many", "long", "still",
        "yet", "any", "some", "get", "got", "need", "want", "help", "just", "if", "so", "again",
        "never", "already", "too", "very", "here", "out", "back", "possible", "on", "yo",
        "sup", "see", "ya", "later", "gotta", "go", "bye", "tnx", "yup", "okay", "nah", "sure",
        "cool", "great", "good", "morning", "evening", "human", "person", "agent", "date",
        "goodbye", "nope", "hiya", "nevermind",
        # shop words
        "order", "orders", "ordered", "delivery", "deliver", "delivered", "shipping", "ship",
        "shipped", "return", "returns", "returned", "refund", "refunded", "stock", "size",
        "sizes", "price", "cost", "costs", "parcel", "package", "item", "items", "arrived",
        "broken", "damaged", "wrong", "cancel", "exchange", "track", "tracking", "store",
        "shop", "gift", "card", "discount", "code", "invoice", "pay", "payment", "warranty",
        "free", "open", "hours", "available", "buy", "bought", "received", "small", "big",
        "status", "policy", "time", "take", "takes", "shoes", "jacket", "receipt",
        "working", "works", "money", "purchase", "send", "sent", "sale", "dunno",
    }
)
WORDS: dict[str, frozenset[str]] = {"fi": FI_WORDS, "sv": SV_WORDS, "en": EN_WORDS}

# Beginnings of compound and inflected shop words ("toimituskulut", "fraktkostnad").
# None of them begins a frequent word of another of the three languages.
FI_STEMS = frozenset(
    {
        "toimitu", "toimitat", "palautu", "palaut", "tilau", "varasto", "postiku", "hyvity",
        "maksu", "lasku", "lahjakort", "alennu", "aukiolo", "nouto", "myymäl", "kauppa",
        "tuottee", "kenk", "takuu", "vaihd", "vaihto", "peru", "pakett", "seuranta", "sähköpos",
        "kuljetu", "koko", "isomp", "pienem", "tavara", "kuiti", "ilmai",
    }
)
SV_STEMS = frozenset(
    {
        "leverans", "leverer", "beställ", "frakt", "returner", "återbet", "återköp", "storlek",
        "betaln", "butik", "kvitto", "presentkort", "rabatt", "öppet", "skick", "lagers",
        "spårning", "försen", "trasig", "reklamation",
    }
)
EN_STEMS = frozenset(
    {
        "deliver", "shipp", "refund", "warrant", "purchas", "cancel", "exchang", "track",
        "discount", "invoice", "payment", "availab", "receiv", "recieve", "restock",
    }
)
STEMS: dict[str, frozenset[str]] = {"fi": FI_STEMS, "sv": SV_STEMS, "en": EN_STEMS}

FI_ENDINGS = frozenset(
    {
        "ssa", "ssä", "sta", "stä", "lla", "llä", "lta", "ltä", "lle", "ksi", "ko", "kö",
        "ks", "kin", "kaan", "kään", "nen", "iin", "aan", "ään", "tta", "ttä", "mme", "tte",
    }
)
SV_ENDINGS = frozenset({"ning", "ningen", "arna", "erna", "orna", "ligt", "heten", "andet"})
EN_ENDINGS = frozenset({"ing", "tion", "ght", "ly", "ed"})
ENDINGS: dict[str, frozenset[str]] = {"fi": FI_ENDINGS, "sv": SV_ENDINGS, "en": EN_ENDINGS}
# fmt: on

# ---------------------------------------------------------------------------- weights
# Per-language log-odds added for each signal; the sum goes through a softmax.
_W_WORD = 1.5  # a listed word written as listed
_W_FOLDED = 1.2  # a listed word written without its diacritics
_W_STEM = 1.0  # a listed compound beginning
_W_TYPO = 0.7  # a listed word of five letters or more, one typo away
_W_ENDING = 0.5  # a typical ending on an unlisted word
_W_LANGDETECT = 0.6  # langdetect's log-probability, at full text length
_LANGDETECT_FULL_LENGTH = 30  # letters at which langdetect gets its full weight
_LANGDETECT_FLOOR = 0.01
# Scores are pulled towards 1/3 each as if this many words without evidence had been seen:
# one word alone is never "sure" (at most ~0.71), two clear words can be.
_UNINFORMED_WORDS = 0.75


def fold_diacritics(text: str) -> str:
    """Strip diacritics: "pääsiäinen" -> "paasiainen", "på" -> "pa"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


FOLDED_WORDS: dict[str, frozenset[str]] = {
    lang: frozenset(fold_diacritics(w) for w in words) for lang, words in WORDS.items()
}
FOLDED_STEMS: dict[str, frozenset[str]] = {
    lang: frozenset(fold_diacritics(s) for s in stems) for lang, stems in STEMS.items()
}
_TYPO_TARGETS: dict[str, frozenset[str]] = {
    lang: frozenset(w for w in folded if len(w) >= 5) for lang, folded in FOLDED_WORDS.items()
}
_ALL_FOLDED = frozenset().union(*FOLDED_WORDS.values())
# the longest stem: a longer beginning of a word cannot be one, so only this many are tried
_LONGEST_STEM = max(len(stem) for stems in FOLDED_STEMS.values() for stem in stems)

WORD = re.compile(r"[^\W\d_]+")  # a run of letters: what counts as a word everywhere in bot/
_SENTENCE_ENDS = frozenset(".!?:;\n")
_MAX_TOKENS = 100  # words looked at: plenty for a chat message
_APOSTROPHES = re.compile("['`\u2019\u00b4]")


@dataclass(frozen=True)
class Detection:
    """The detected language of one message.

    Attributes:
        lang: the best guess among :data:`LANGUAGES`.
        confidence: the best guess's score; at least :data:`CONFIDENT` means "sure".
        scores: a score per supported language; they sum to 1.
    """

    lang: str
    confidence: float
    scores: dict[str, float]


# ------------------------------------------------------------------------- langdetect
_factory: Any = None
_factory_lock = threading.Lock()


def warm_up() -> None:
    """Load langdetect's fi/sv/en profiles once (later calls do nothing)."""
    global _factory
    if _factory is not None:
        return
    with _factory_lock:
        if _factory is not None:
            return
        from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

        factory = DetectorFactory()
        factory.set_seed(0)  # langdetect samples n-grams at random: make it deterministic
        profiles = [
            (Path(PROFILES_DIRECTORY) / lang).read_text(encoding="utf-8") for lang in LANGUAGES
        ]
        factory.load_json_profile(profiles)
        _factory = factory


def _langdetect(text: str) -> dict[str, float] | None:
    """langdetect's probabilities over the supported languages only; None without n-grams."""
    from langdetect.lang_detect_exception import LangDetectException

    warm_up()
    detector = _factory.create()
    detector.append(text)
    try:
        detector.get_probabilities()
    except LangDetectException:  # no letters: nothing to detect
        return None
    return dict(zip(_factory.get_lang_list(), detector.langprob, strict=True))


# --------------------------------------------------------------------------- signals
def _tokens(text: str) -> list[str]:
    """Lower-case word tokens (at most :data:`_MAX_TOKENS`), without product and place names.

    A capitalised word that is not a listed word ("Hej", "I") is taken for a name ("Trail
    Runner", "Tampere") and dropped, unless it starts a sentence and the next word is not
    capitalised too. Words in capitals ("XL") are dropped; a message in capitals is lower-cased.
    """
    text = _APOSTROPHES.sub("", text)
    matches = list(itertools.islice(WORD.finditer(text), _MAX_TOKENS))
    shouting = sum(len(m[0]) for m in matches) > 3 and all(m[0].isupper() for m in matches)
    kept: list[str] = []
    previous_end = 0
    for i, match in enumerate(matches):
        token = match[0]
        lower = token.lower()
        if not shouting and token[0].isupper() and fold_diacritics(lower) not in _ALL_FOLDED:
            gap = text[previous_end : match.start()]
            starts_sentence = i == 0 or any(ch in _SENTENCE_ENDS for ch in gap)
            next_capitalised = i + 1 < len(matches) and matches[i + 1][0][0].isupper()
            if token.isupper() or not starts_sentence or next_capitalised:
                previous_end = match.end()
                continue
        kept.append(lower)
        previous_end = match.end()
    return kept


def within_one_edit(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by at most one insertion, deletion, substitution or swap."""
    if len(a) > len(b):
        a, b = b, a
    if len(b) - len(a) > 1:
        return False
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if i == len(a):
        return True
    if len(a) < len(b):
        return a[i:] == b[i + 1 :]
    if a[i + 1 :] == b[i + 1 :]:
        return True
    return i + 1 < len(a) and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]


def _word_evidence(token: str) -> dict[str, float]:
    """Log-odds from the word lists for one token."""
    folded = fold_diacritics(token)
    evidence: dict[str, float] = dict.fromkeys(LANGUAGES, 0.0)
    matched = False
    for lang in LANGUAGES:
        if token in WORDS[lang]:
            evidence[lang] += _W_WORD
            matched = True
        elif folded in FOLDED_WORDS[lang]:
            evidence[lang] += _W_FOLDED
            matched = True
    if matched:
        return evidence
    for lang in LANGUAGES:
        stems = FOLDED_STEMS[lang]
        if any(folded[:k] in stems for k in range(4, min(len(folded), _LONGEST_STEM) + 1)):
            evidence[lang] += _W_STEM
            matched = True
    if matched or len(folded) < 4:
        return evidence
    for lang in LANGUAGES:
        if any(within_one_edit(folded, w) for w in _TYPO_TARGETS[lang]):
            evidence[lang] += _W_TYPO
            matched = True
    if matched:
        return evidence
    if len(token) >= 5:
        for lang in LANGUAGES:
            if any(token.endswith(e) for e in ENDINGS[lang]):
                evidence[lang] += _W_ENDING
    return evidence


_FI_DOUBLE_VOWEL = re.compile(r"(aa|ii|uu|yy|ää|öö)")
_NON_FINNISH = re.compile(r"[bcfqwxzå]")
_SV_CLUSTERS = re.compile(r"(^sj|^skj|^stj|^tj|kv|^hj|^lj)")
_EN_CLUSTERS = re.compile(r"(th|wh|sh|ght|ou|ea|w|c(?!k))")
_INITIAL_CLUSTER = re.compile(r"^[bcdfghjklmnpqrstvwxz]{2}")


def _char_evidence(token: str) -> dict[str, float]:
    """Log-odds from the letters of one token."""
    evidence: dict[str, float] = dict.fromkeys(LANGUAGES, 0.0)
    if "å" in token:
        evidence["sv"] += 1.5
    if "ä" in token or "ö" in token:
        evidence["en"] -= 1.0
    if _FI_DOUBLE_VOWEL.search(token):
        evidence["fi"] += 0.5
    if _NON_FINNISH.search(token):
        evidence["fi"] -= 0.4
    if _INITIAL_CLUSTER.search(token):
        evidence["fi"] -= 0.3
    if _SV_CLUSTERS.search(token):
        evidence["sv"] += 0.4
    if _EN_CLUSTERS.search(token):
        evidence["en"] += 0.4
    return evidence


def _softmax(logits: dict[str, float]) -> dict[str, float]:
    top = max(logits.values())
    exp = {lang: math.exp(value - top) for lang, value in logits.items()}
    total = sum(exp.values())
    return {lang: value / total for lang, value in exp.items()}


def detect(text: str) -> Detection:
    """Detect the language of a short shopper message.

    Args:
        text: the message as typed.

    Returns:
        The best guess among :data:`LANGUAGES` with per-language scores summing to 1. Text
        without words (empty, emoji, numbers, sizes, names) scores 1/3 for every language; a
        single word never reaches :data:`CONFIDENT`.
    """
    tokens = _tokens(text)
    logits: dict[str, float] = dict.fromkeys(LANGUAGES, 0.0)
    for token in tokens:
        for source in (_word_evidence(token), _char_evidence(token)):
            for lang, value in source.items():
                logits[lang] += value
    letters = sum(len(t) for t in tokens)
    if letters:
        probabilities = _langdetect(" ".join(tokens))
        if probabilities:
            weight = _W_LANGDETECT * min(1.0, letters / _LANGDETECT_FULL_LENGTH)
            for lang in LANGUAGES:
                logits[lang] += weight * math.log(max(probabilities[lang], _LANGDETECT_FLOOR))
    posterior = _softmax(logits)
    weight = len(tokens) / (len(tokens) + _UNINFORMED_WORDS)
    scores = {lang: weight * p + (1 - weight) / len(LANGUAGES) for lang, p in posterior.items()}
    best = max(LANGUAGES, key=lambda lang: scores[lang])  # ties: first in LANGUAGES
    return Detection(best, scores[best], scores)


def choose_language(text: str, current: str | None, default: str = "fi") -> str:
    """The language to reply in.

    An explicit request (:func:`explicit_switch`) always wins. Otherwise an ongoing
    conversation keeps its language unless the message is confidently (:data:`CONFIDENT`) in
    another one; a first message (``current`` None or unsupported) takes the detected
    language when it has some evidence (:data:`PLAUSIBLE`), else ``default``.

    Args:
        text: the shopper's message.
        current: the conversation's language so far, None for a new conversation.
        default: the language when a first message gives no clue.
    """
    requested = explicit_switch(text)
    if requested is not None:
        return requested
    detection = detect(text)
    if current in LANGUAGES:
        if detection.lang != current and detection.confidence >= CONFIDENT:
            return detection.lang
        return current
    return detection.lang if detection.confidence >= PLAUSIBLE else default


# ----------------------------------------------------------------- explicit switches
# Names of the languages as used when asking for one. Nominatives that also name the country
# ("suomi", "ruotsi", "englanti") are left out: "ruotsi?" is more likely about delivery.
# fmt: off
LANGUAGE_NAMES: dict[str, frozenset[str]] = {
    "fi": frozenset(
        {"suomea", "suomee", "suomeksi", "suomeks", "suomen", "suomenkielellä", "finnish",
         "finska", "finsk"}
    ),
    "sv": frozenset(
        {"ruotsia", "ruotsii", "ruotsiksi", "ruotsiks", "ruotsin", "ruotsinkielellä", "swedish",
         "svenska", "svensk"}
    ),
    "en": frozenset(
        {"englantia", "englantii", "englanniksi", "englanniks", "englannin",
         "englanninkielellä", "english", "engelska", "engelsk"}
    ),
}
# Every other word of a switch request must be one of these: a message that also talks about
# something else ("do you deliver to Sweden", "onko ohje suomeksi") is not a request.
SWITCH_WORDS = frozenset(
    {
        # English
        "in", "please", "pls", "plz", "can", "could", "would", "will", "you", "u", "we", "i",
        "me", "us", "speak", "speaks", "talk", "write", "read", "answer", "reply", "respond",
        "continue", "switch", "change", "language", "to", "do", "does", "dont", "not", "cant",
        "cannot", "understand", "know", "use", "instead", "lets", "let", "only", "prefer",
        "want", "like", "id", "is", "there", "someone", "anyone", "somebody", "who", "ok",
        "okay", "thanks", "thank", "yes", "sorry", "hi", "hello", "hey", "the", "an", "a", "go",
        "back", "now", "on", "from", "with", "chat", "have", "possible", "but", "and", "or",
        "rather",
        # Swedish
        "på", "tack", "kan", "du", "ni", "vi", "jag", "mig", "mej", "skriva", "skriv",
        "skriver", "svara", "svarar", "svar", "prata", "pratar", "tala", "talar", "snälla",
        "byt", "byta", "till", "språk", "språket", "ta", "det", "fortsätta", "förstår",
        "förstå", "inte", "int", "få", "får", "hellre", "istället", "gärna", "hej", "okej",
        "vill", "helst", "kunde", "man", "med", "och", "någon", "nån", "som", "finns", "är",
        "eller", "men", "bara", "nu", "kör", "hallå", "ja",
        # Finnish
        "puhu", "puhua", "puhutko", "puhutteko", "puhuuko", "puhuu", "puhutaanko", "puhutaan",
        "osaatko", "osaa", "osaako", "osaatteko", "voitko", "voisitko", "voiko", "voidaanko",
        "voisko", "voiks", "voitteko", "voisitteko", "voinko", "saanko", "saisinko", "saako",
        "kirjoita", "kirjoittaa", "kirjoitatko", "kirjota", "vastaa", "vastata", "vastaatko",
        "vastaukset", "vaihda", "vaihdetaan", "vaihtaa", "kieli", "kieltä", "kielen",
        "kieleksi", "kielellä", "kiitos", "kiitti", "pliis", "jatkaa", "jatketaan", "haluan",
        "haluaisin", "haluisin", "asioida", "en", "ei", "ymmärrä", "tän", "tämän", "käydä",
        "mä", "minä", "mulle", "minulle", "sä", "sinä", "joo", "okei", "hei", "moi",
        "onnistuuko", "onko", "onks", "teillä", "palvelua", "joku", "kukaan", "mieluummin",
        "mielummin", "vaan", "nyt", "sitten", "tai", "mutta", "kanssa", "mun", "tähän",
        "täällä",
    }
)
# A negation followed (or, in Swedish, preceded) by one of these verbs negates the next
# language name: "I don't speak Finnish", "jag förstår inte finska", "en ymmärrä ruotsia".
NEGATIONS: dict[str, frozenset[str]] = {
    "fi": frozenset({"en", "ei"}),
    "sv": frozenset({"inte", "int"}),
    "en": frozenset({"dont", "not", "cant", "cannot"}),
}
NEGATED_VERBS = frozenset(
    {
        "speak", "understand", "read", "know", "talk", "write", "förstår", "pratar", "talar",
        "kan", "läser", "ymmärrä", "osaa", "puhu", "puhuta", "lue",
    }
)
# fmt: on
_MAX_SWITCH_WORDS = 12

_NAME_TARGET = {fold_diacritics(n): lang for lang, names in LANGUAGE_NAMES.items() for n in names}
_FOLDED_SWITCH_WORDS = frozenset(fold_diacritics(w) for w in SWITCH_WORDS)
_FOLDED_NEGATED_VERBS = frozenset(fold_diacritics(w) for w in NEGATED_VERBS)
_NEGATION_LANG = {fold_diacritics(w): lang for lang, words in NEGATIONS.items() for w in words}


def names_language(text: str) -> bool:
    """Whether ``text`` names one of the languages ("svenska", "englanniksi", "englsih"): every
    request to switch does, so a message naming none is not one, whatever a classifier says."""
    for token in WORD.findall(text):
        folded = fold_diacritics(token.lower())
        if folded in _NAME_TARGET or (
            len(folded) >= 6 and any(within_one_edit(folded, name) for name in _NAME_TARGET)
        ):
            return True
    return False


def explicit_switch(text: str) -> str | None:
    """The language an explicit request asks for ("på svenska tack", "puhu suomea"), else None.

    The message must consist of a language name and request words only, so questions that
    mention a language or a country ("do you deliver to Sweden?") are not requests. "I don't
    speak Finnish" asks for the language it is written in; several wanted languages
    ("finnish or english") are ambiguous (None).

    Args:
        text: the shopper's message.
    """
    tokens = [fold_diacritics(t.lower()) for t in WORD.findall(_APOSTROPHES.sub("", text))]
    if not tokens or len(tokens) > _MAX_SWITCH_WORDS:
        return None
    names = [(i, _NAME_TARGET[t]) for i, t in enumerate(tokens) if t in _NAME_TARGET]
    if not names:
        return None
    if any(t not in _FOLDED_SWITCH_WORDS and t not in _NAME_TARGET for t in tokens):
        return None
    negated: set[int] = set()
    negation_lang: str | None = None
    for j, token in enumerate(tokens):
        if token not in _NEGATION_LANG:
            continue
        if not _FOLDED_NEGATED_VERBS.intersection(tokens[max(0, j - 2) : j + 3]):
            continue
        following = [i for i, _ in names if i > j]
        if following:
            negated.add(following[0])
            negation_lang = negation_lang or _NEGATION_LANG[token]
    wanted = list(dict.fromkeys(lang for i, lang in names if i not in negated))
    if len(wanted) == 1:
        return wanted[0]
    if wanted or negation_lang is None:
        return None
    refused = {lang for _, lang in names}
    return None if negation_lang in refused else negation_lang
