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

from bot.language import fold_diacritics

_PATTERNS = [
    # English
    r"\b(talk|speak|chat)\s+(to|with)\s+(a\s+|an\s+|some\s*one|somebody|real|live|human|person|agent|customer service|your staff)",
    r"\b(real|live|actual)\s+(person|human|agent|people)\b",
    r"\b(human|person|agent|operator|representative|rep)[\s.,!]*+(please|pls|plz|now)?[\s.!?]*+$",
    r"\b(call|ring|phone)\s+me(\s+back)?\b",
    r"^\s*(human|person|agent|operator|representative)\b",
    r"\b(get|connect|transfer|put)\s+me\s++(to|through|with)?\s*+(someone|somebody|a human|a person|an agent|customer service|support)",
    r"\bcustomer\s+(service|support)\s+(agent|person|rep)\b",
    # "get someone on the phone", "find a person for me", "put somebody on the line"
    r"\b(get|find|fetch|put)\s+(some\s*one|somebody|a\s+human|a\s+person|an\s+agent)\s+(on\s+the\s+(phone|line)|for\s+me)\b",
    r"\b(any|some)\s*(one|body)\s+(i|we)\s+(can|could)\s+(talk|speak|chat)\b",
    r"\b(don'?t|do\s+not)\s+want\s+(to\s+)?(talk|speak|chat)\s+(to|with)\s+(a\s+)?(bot|robot|machine)",
    # Finnish
    r"\b(ihmise(lle|n|ll[aä])|ihminen|oikea(lle|n)?\s+ihmise|oikea\s+ihminen|oikeaa?\s+ihmist[aä])",
    r"\basiakaspalvelija(?!\w*\s+(auttoi|vastasi|sanoi|lupasi|oli|on\s+ollut))",
    # "puhu ... jonkun" on one line: from a line's start to its first "puhu" (atomic, so later
    # ones are not tried again: they can only find what the first one finds)
    r"(?:\A|(?<=\n))(?>[^\n]*?\b(puhu(a|n)?|jutella|keskustella)\s+)[^\n]*?\b(jonkun|ihmisen|asiakaspalvelu|henkil[oö])",
    r"\byhdist[aä]\s+(minut\s+)?(asiakaspalveluun|ihmiselle|henkil[oö])",
    r"\bhaluu?n\s+(puhua|jutella)\b",
    r"\ben\s+(halua|jaksa)\s+(puhua|jutella|keskustella)\s+(botin|robotin|koneen)",
    r"\bsoit(taa|taisi|tais|takaa|tatko|atteko)\s+(mulle|minulle|mulle\s+takaisin|takaisin)",
    # Swedish
    r"\b(prata?|tala|chatta)\s+med\s+(n[aå]gon|en\s+(m[aä]n+i?ska|person|handl[aä]ggare)|kundtj[aä]nst|personal)",
    r"\b(vill|orkar)\s+inte\s+(prata|chatta|tala)\s+med\s+(en\s+)?(bot|robot|maskin)",
    r"\b(riktig|verklig|levande)\s+(m[aä]nniska|person)",
    r"\bm[aä]nniska\b",
    r"\bkoppla\s+(mig\s+)?(till|vidare)",
    r"\bhandl[aä]ggare\b",
    r"\bring(a|er)?\s+(upp\s+)?mig\b",
]
_REGEX = re.compile("|".join(f"(?:{p})" for p in _PATTERNS))


def asks_for_human(text: str) -> bool:
    """True when ``text`` explicitly asks for a person / customer-service agent."""
    lowered = text.lower()
    return bool(_REGEX.search(lowered) or _REGEX.search(fold_diacritics(lowered)))
