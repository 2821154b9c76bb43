"""Recognising an explicit request for a person, in fi/sv/en, as a lexical safety net.

Rasa's ``request_human`` intent is the main signal; this catches the requests the classifier
files under a shop question ("I want to talk to someone about my return"), because a request for
a person must always win over an FAQ match. Patterns match lowercased text with and without
diacritics; they are detection rules, not texts shown to shoppers.

Every pattern runs in linear time on any text: neighbouring quantifiers that share characters
(spaces, an optional word, spaces) are possessive, and no "anything" gap is retried from every
start; tests/bot/test_human_request.py holds the rewritten patterns to the original ones.
"""

from __future__ import annotations

import re
from functools import cache

from bot.language import fold_diacritics

_PATTERNS = [
    # English
    r"\b(talk|speak|chat)\s+(to|with)\s+(a\s+|an\s+|some\s*one|somebody|real|live|human|person|agent|customer service|your staff)",
    r"\b(real|live|actual)\s+(person|human|agent|people)\b",
    r"\b(human|person|agent|operator|representative|rep)[\s.,!]*+(please|pls|plz|now)?[\s.!?]*+$",
    r"\b(call|ring|phone)\s+me(\s+back)?\b",
    r"^\s*(an?\s+)?(human|person|agent|operator|representative|rep)\b",
    r"\b(get|connect|transfer|put)\s+me\s++(to|through|with)?\s*+(someone|somebody|a human|a person|an agent|customer service|support)",
    r"\bcustomer\s+(service|support)\s+(agent|person|rep)\b",
    # "get someone on the phone", "find a person for me", "put somebody on the line"
    r"\b(get|find|fetch|put)\s+(some\s*one|somebody|a\s+human|a\s+person|an\s+agent)\s+(on\s+the\s+(phone|line)|for\s+me)\b",
    r"\b(any|some)\s*(one|body)\s+(i|we)\s+(can|could)\s+(talk|speak|chat)\b",
    r"\b(want|like|need|get|request|have)\s+(a\s+)?call\s*-?back\b",
    r"\b(don'?t|do\s+not)\s+want\s+(to\s+)?(talk|speak|chat)\s+(to|with)\s+(a\s+)?(bot|robot|machine)",
    # Finnish
    # not someone else or a tent's capacity: "toisen ihmisen puolesta", "kolmen ihmisen teltta"
    r"(?<!toisen\s)(?<!kahden\s)(?<!kolmen\s)(?<!nelj[aä]n\s)"
    r"\b(ihmise(lle|n|ll[aä])|ihminen|oikea(lle|n)?\s+ihmise|oikea\s+ihminen|oikeaa?\s+ihmist[aä])",
    # not the staff as a whole ("tavoitan asiakaspalvelijat") or past help ("... auttoi")
    r"\basiakaspalvelija(?!t\b)(?!\w*\s+(auttoi|vastasi|sanoi|lupasi|oli|on\s+ollut|selvitti|hoiti|ratkaisi|korjasi)\b)",
    # "puhu ... jonkun" on one line: from a line's start to its first "puhu" (atomic, so later
    # ones are not tried again: they can only find what the first one finds)
    r"(?:\A|(?<=\n))(?>[^\n]*?\b(puhu(a|n)?|jutella|keskustella)\s+)[^\n]*?\b(jonkun|ihmisen|asiakaspalvelu|henkil[oö])",
    r"\byhdist[aä]\s+(minut\s+)?(asiakaspalveluun|ihmiselle|henkil[oö])",
    r"\bhaluu?n\s+(puhua|jutella)\b",
    r"\ben\s+(halua|jaksa)\s+(puhua|jutella|keskustella)\s+(botin|robotin|koneen)",
    r"\bsoit(taa|taisi|tais|takaa|tatko|atteko|tamaan)\s+(mulle|minulle|mulle\s+takaisin|takaisin)",
    # "tarviin ihmistä", "onko ketään ihmistä" (not "en tarvii ihmistä")
    r"(?<!\be[int]\s)\b(tarvi\w*|haluu?n|haluaisin|ket[aä][aä]n|joku|jotain)\s+(oikea\w*\s+|oikee\w*\s+)?ihmis",
    # Swedish
    r"\b(prata?|tala|chatta)\s+med\s+(n[aå]gon|en\s+(m[aä]n+i?ska|person|handl[aä]ggare)|kundtj[aä]nst|personal)",
    r"\b(vill|orkar)\s+inte\s+(prata|chatta|tala)\s+med\s+(en\s+)?(bot|robot|maskin)",
    r"\b(riktig|verklig|levande)\s+(m[aä]nniska|person)",
    r"\bm[aä]nniska\b",
    r"\bkoppla\s+(mig\s+)?(till|vidare)",
    r"\bhandl[aä]ggare\b",
    r"\bring(a|er)?\s+(upp\s+)?mig\b",
    r"\bh[oö]ra\s+av\s+(sig|er)\s+till\s+mig\b",
]
_REGEX = re.compile("|".join(f"(?:{p})" for p in _PATTERNS))


# Words of the patterns above that a hurried shopper mistypes ("is there someoen i could talk
# to", "kan ni rnga mig"). A spelling with two neighbouring letters swapped, or one letter left
# out, is read as the word before the patterns run again. Detection vocabulary, not shopper texts.
# Letters added or changed are not forgiven: in Finnish they are mostly inflections ("ihmisille",
# "ihmisten" are not typos of "ihmiselle", "ihmisen").
_REQUEST_WORDS = {
    "en": "talk speak chat human person people agent operator representative someone somebody "
    "anyone real live actual call ring phone back customer service support connect transfer "
    "through please with need want",
    "fi": "ihminen ihmisen ihmiselle ihmisellä ihmistä ihmiseen oikea oikean oikealle oikeaa puhua "
    "puhun jutella keskustella kanssa asiakaspalvelija asiakaspalvelijalle asiakaspalvelijan "
    "asiakaspalveluun asiakaspalvelu yhdistä minut haluan haluun haluaisin tarvitsen soittaa "
    "soittakaa soittamaan minulle mulle jonkun henkilö henkilön siirrä siirtäkää",
    "sv": "prata tala chatta snacka någon människa handläggare kundtjänst koppla ringa riktig "
    "levande vidare till",
}
# Real words among those spellings (simplemma's fi/sv/en dictionaries, see
# tests/bot/test_human_request.py, which keeps this list complete): never corrected.
_REAL_WORDS = frozenset(
    """
    puuha kansas haluna tarvisten osittaa osittakaa osittamaan parta peak gent hone pone trough
    though lease pease ikea ikean puun kassa kansa asiakaspalvelun halun halaisin haluisin
    taritsen tarviten sottaa soitta soittaman sirrä siirä rata pata hatta nacka sacka mäniska
    oppla koppa inga riga rina
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
_WORD = re.compile(r"[^\W\d_]{3,}")


def _one_typo_away(word: str) -> set[str]:
    """Spellings of ``word`` with two neighbours swapped (4+ letters) or one letter left out
    (5+ letters, not the last one, where inflections differ)."""
    size = len(word)
    spellings: set[str] = set()
    if size >= 4:
        spellings |= {
            word[:i] + word[i + 1] + word[i] + word[i + 2 :]
            for i in range(size - 1)
            if word[i] != word[i + 1]
        }
    if size >= 5:
        spellings |= {word[:i] + word[i + 1 :] for i in range(size - 1)}
    spellings.discard(word)
    return spellings


@cache
def _typos() -> dict[str, str]:
    """Each mistyped spelling of a request word -> the word (built on first use, ~1 ms)."""
    spelled = {w for words in _REQUEST_WORDS.values() for w in words.split()}
    words = sorted(spelled | {fold_diacritics(w) for w in spelled})
    keep_apart = set(words) | _REAL_WORDS | {fold_diacritics(w) for w in _REAL_WORDS}
    typos: dict[str, str] = {}
    for word in words:
        for spelling in _one_typo_away(word):
            if spelling not in keep_apart:
                typos.setdefault(spelling, word)
    return typos


def _untyped(text: str) -> str:
    """``text`` (lower case) with each mistyped request word spelled right."""
    typos = _typos()
    return _WORD.sub(lambda m: typos.get(m.group(0), m.group(0)), text)


def asks_for_human(text: str) -> bool:
    """True when ``text`` explicitly asks for a person / customer-service agent.

    Two letters swapped or one left out in the words of a request is forgiven ("connect me to an
    agnet"); inflections are not taken for typos.
    """
    lowered = text.lower()
    folded = fold_diacritics(lowered)
    if _REGEX.search(lowered) or _REGEX.search(folded):
        return True
    return any(
        fixed != typed and _REGEX.search(fixed)
        for typed, fixed in ((lowered, _untyped(lowered)), (folded, _untyped(folded)))
    )


# -- a second opinion on Rasa's "wants a person" ------------------------------------------------
# Rasa files questions that merely mention customer service, staff or people under
# request_human ("talar er kundtjänst finska?", "how many people fit in the tent"). Such a
# message may be answered instead of escalated when it asks for no one (no words of a request:
# talking with, being contacted by, wanting or being given someone) and reads as a question about
# something the FAQ or the shop knows: languages, hours and days, a number or address, a cost, how
# fast, how many (people), a gift or someone else's order. Patterns run on the folded lower-case
# text (å, ä → a, ö → o) and only bounded gaps ({0,n}), so any text is read in linear time.

_REQUEST_PATTERNS = [
    # someone to help (but "someone else's order", "någon annans", "jonkun muun" ask about them)
    r"\b(?:some ?one|somebody|any ?one|anybody|joku|jonkun|jollekin|joltakin|jotakuta"
    r"|nagon|nan)\b(?!\s*(?:else|annan|annans|annat|muu|muun|muulle)\b)",
    # a person's role ("is an agent free?"); not "ihminen"/"människa", said of a tent's capacity
    r"\b(?:humans?|agents?|operators?|representatives?|reps?|managers?|supervisors?|esimie\w*"
    r"|esihenkilo\w*|handlaggare\w*|chef\w*)\b",
    # talking with someone
    r"\b(?:talk|speak|chat|discuss)\w*\s+(?:\w+\s+)?(?:to|with)\b",
    r"\b(?:puhu|jutel|juttel|keskustel|chattail)\w*\b[^.?!]{0,60}\bkanssa",
    r"\b(?:prata|snacka|tala|chatta)\w*\s+(?:\w+\s+)?med\b",
    # being contacted or helped: "contact me", "ottaisi minuun yhteyttä", "ringa upp mig"
    r"\b(?:contact|call|ring|phone|e-?mail|text|message|help|reach|assist|get back to"
    r"|get in touch with|look at|check)\s+(?:me|us|my)\b",
    r"\b(?:call ?back|callback|phone me)\b",
    r"\b(?:soit|otta|ottais|auta|autta|tavoit|katso|tarkist|kontakt)\w*\s+(?:\w+\s+)?"
    r"(?:minuun|muhun|minulle|mulle|minua|mua|minut|mut)\b",
    r"\b(?:minuun|muhun|minulle|mulle|minua|mua|minut|mut)\s+(?:\w+\s+)?(?:yhteytta|soit\w*|autta\w*)",
    r"\b(?:yhteydenot\w*|takaisinsoit\w*|puhelinsoit\w*|soittopyyn\w*)",
    r"\b(?:kontakta\w*|ringa|ring|ringer|hjalpa|hjalp|mejla|na)\s+(?:upp\s+)?(?:mig|oss)\b",
    r"\b(?:hora|hor)\s+av\s+(?:sig|er|dig)\b|\bkontaktad\b|\buppringning\b",
    # wanting, needing, being given or passed to someone
    r"\b(?:i want|i wanna|i need|i'?d like|i would like|i'?d prefer|i would prefer|give me"
    r"|get me|let me|lemme|pass me|hook me|put me|transfer me|may i (?:have|chat|speak))\b",
    r"\b(?:haluan|haluun|haluaisin|haluisin|tarvitsen|tarviin|tarvitaan|anna|antakaa|pyydan"
    r"|ohjaa|ohjatkaa|siirra|siirtakaa|yhdista\w*|pistakaa|laita|laittakaa)\b",
    r"\b(?:jag vill|vill ha|behover|ge mig|skicka mig|lat mig|koppla\w*)\b",
    r"\b(?:kan jag fa|far jag)\s+(?:en|ett|prata|tala|chatta|snacka)\b",
]
_ABOUT_PATTERNS = [
    # languages
    r"\b(?:languages?|english|finnish|swedish|german|russian|french|estonian|spanish"
    r"|kiel\w*|englan\w*|suome\w*|ruotsi\w*|saksa\w*|venaj\w*|viro\w*|ranska\w*"
    r"|sprak\w*|engelska|finska|svenska|tyska|ryska|franska|estniska|spanska)\b",
    # hours and days
    r"\b(?:hours?|open\w*|closed?|weekends?|(?:mon|tues|wednes|thurs|fri|satur|sun)days?"
    r"|holidays?|christmas|easter|midsummer|evenings?|what time|when"
    r"|auki|aukiolo\w*|avoinna|suljettu|kiinni|viikonlop\w*|maanantai\w*|tiistai\w*"
    r"|keskiviik\w*|torstai\w*|perjantai\w*|lauantai\w*|sunnuntai\w*|arkisin|arkipaiv\w*"
    r"|pyhapaiv\w*|pyhina|juhlapyh\w*|joulu\w*|juhannu\w*|paasiai\w*|iltaisin|milloin|koska"
    r"|mihin aikaan|moneen asti|oppet|oppettid\w*|stangt|helg\w*|mandag\w*|tisdag\w*"
    r"|onsdag\w*|torsdag\w*|fredag\w*|lordag\w*|sondag\w*|jul\w*|pask\w*|midsommar\w*"
    r"|kvall\w*|nar|vilken tid)\b",
    # a number, address or line
    r"\b(?:number|phone line|e-?mail address|address|numero\w*|puhelinnumero\w*|sahkopost\w*"
    r"|meili\w*|osoit\w*|nummer|telefonnummer|mejl\w*|e-post\w*|adress\w*)\b",
    # a cost or paying
    r"\b(?:cost\w*|free of charge|for free|is it free|price|fee|charge\w*|pay\w*|maks\w*|hinta\w*|hinnan|ilmai\w*|kosta\w*"
    r"|avgift\w*|gratis|pris\w*|betala\w*)\b",
    # how fast
    r"\b(?:how (?:fast|quickly|long|soon)|within|kuinka (?:nopeasti|kauan|pian)|monessako"
    r"|hur (?:snabbt|lange|fort)|inom)\b",
    # how many (people), a product's capacity
    r"\b(?:how many|fits?|sleeps?|persons|(?:one|two|three|four|five|six|\d+)[- ]?person"
    r"|kuinka mon\w*|montako|monelle\w*|monen|\w*hengen|hengelle|henkea|mahtu\w*"
    r"|hur manga|ryms|rymmer|plats for|far plats|personer)\b",
    # a gift, someone else's order, someone else collecting it
    r"\b(?:gift\w*|presents?|bought|friend\w*|partner|husband|wife|aunt|uncle|mother|father"
    r"|mum|mom|dad|somebody else|someone else|collect\w*|pick up"
    r"|lahja\w*|osti|ostanut|ostama\w*|kaveri\w*|ystava\w*|puoliso\w*|vaimo\w*|miehe\w*"
    r"|anop\w*|aiti\w*|isa\w*|jonkun muun|toisen|nout\w*|hake\w*"
    r"|gava\w*|kopt\w*|kompis\w*|van|vannen|sambo\w*|fru|moster|faster|mamma|pappa"
    r"|nagon annan\w*|hamta\w*)\b",
]
# a question: a question mark, a question word, a verb first in a clause ("..., kan jag byta"),
# or a Finnish -ko/-kö word
_QUESTION = re.compile(
    r"\?|(?:^|[,.;:!]\s*)(?:do|does|did|is|are|was|can|could|will|would|may|should|has|have"
    r"|any|kan|har|finns|ar|talar|svarar|jobbar|gar|blir|kostar|far|onks|koska)\b"
    r"|\b(?:what|which|how|when|where|who|vilka|vilket|vilken|nar|hur|vad|vem|mika|mita|mila"
    r"|milla|missa|mista|mihin|milloin|kuinka|montako|paljonko|miten|kuka)\b|\w(?:ko|ks|kos)\b"
)
_THANKS = re.compile(r"\b(?:thanks?|thank you|thx|ty|cheers|kiitos|kiitti|kiitoksia|tack\w*)\b")
# the matter is settled already: "your colleague already sorted it out"
_SETTLED = re.compile(
    r"\b(?:already|sorted|solved|fixed|resolved|helped|took care|jo|hoiti|hoitanut|ratkais\w*"
    r"|selvitti|selvittanyt|auttoi|auttanut|korjasi|redan|loste|lost|fixade|fixat|hjalpte|hjalpt"
    r"|ordnade|ordnat|klarade)\b"
)
_BUT = re.compile(r"\b(?:but|still|mutta|silti|men|anda)\b")
_REQUEST = re.compile("|".join(f"(?:{p})" for p in _REQUEST_PATTERNS))
_ABOUT = re.compile("|".join(f"(?:{p})" for p in _ABOUT_PATTERNS))

QUESTION = "question"
THANKS = "thanks"


def asks_for_no_one(text: str) -> str | None:
    """How a message Rasa filed as a request for a person reads when it asks for no one.

    Returns:
        :data:`THANKS` for thanks for a matter settled already ("kiitos, myyjä auttoi jo"),
        :data:`QUESTION` for a question about something the FAQ or the shop may answer
        ("talar er kundtjänst finska?", "how many people fit in the tent?"), else None: the
        message may be a request for a person (any word of a request, or neither reading).
    """
    if asks_for_human(text):
        return None
    folded = " ".join(fold_diacritics(text.lower()).split())
    if _REQUEST.search(folded):
        return None
    if _THANKS.search(folded) and _SETTLED.search(folded) and not _BUT.search(folded):
        return None if "?" in folded else THANKS
    if _QUESTION.search(folded) and _ABOUT.search(folded):
        return QUESTION
    return None
