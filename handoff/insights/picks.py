"""Phrasings learned from the shoppers: questions they asked before picking an FAQ entry.

When the FAQ is unsure it offers buttons; a shopper who picks an entry (and does not then say
"not really") has told us how shoppers ask for it. A FAQ with one to three phrasings per
language gains most from these (docs/quality.md, "phrasings from shoppers"): an editor reviews
them and pastes them under the entry as ``shopper_questions``, which the ranking uses and the
derived thresholds leave out.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.contact import find_emails
from bot.faq.loader import Faq
from bot.language import LANGUAGES
from handoff.insights.conversations import Conversation
from handoff.insights.unanswered import question_key

# six or more digits, spaces and dashes allowed between them: order and phone numbers
_LONG_NUMBER = re.compile(r"\d(?:[\s-]?\d){5,}")


@dataclass(frozen=True)
class Suggestion:
    """A question to accept as a phrasing of ``entry`` in ``language``, picked ``times``."""

    entry: str
    language: str
    text: str
    times: int


def suggestions(
    conversations: Iterable[Conversation], faq: Faq, min_times: int = 1
) -> list[Suggestion]:
    """The picked questions that are not phrasings of their entry yet, most picked first.

    A question picked for more than one entry goes to the entry picked most often (ties: none);
    entries no longer in the FAQ and questions picked fewer than ``min_times`` are left out, and
    so are questions with personal data (an e-mail address, an order or phone number): the FAQ
    is no place for it, and a phrasing never needs it.
    """
    counts: dict[tuple[str, str], Counter[str]] = {}
    first_text: dict[tuple[str, str], str] = {}
    for conversation in conversations:
        for pick in conversation.picks:
            key = (question_key(pick.text), pick.language)
            words = any(ch.isalnum() for ch in pick.text)
            if not words or pick.language not in LANGUAGES or _personal(pick.text):
                continue
            counts.setdefault(key, Counter())[pick.entry] += 1
            first_text.setdefault(key, pick.text.strip())
    found: list[Suggestion] = []
    for key, by_entry in counts.items():
        ranked = by_entry.most_common(2)
        if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
            continue  # shoppers disagree: no phrasing to teach
        entry_id, times = ranked[0]
        entry = faq.get(entry_id)
        if entry is None or times < min_times:
            continue
        known = {
            question_key(q)
            for texts in (*entry.questions.values(), *entry.shopper_questions.values())
            for q in texts
        }
        if key[0] not in known:
            found.append(Suggestion(entry_id, key[1], first_text[key], times))
    found.sort(key=lambda s: (-s.times, s.entry, s.language, s.text))
    return found


def as_yaml(found: list[Suggestion], faq: Faq, since: datetime, until: datetime) -> str:
    """The suggestions as ``shopper_questions`` blocks to paste under each entry, with where
    the entry is; a comment when there are none."""
    period = f"{since:%Y-%m-%d %H:%M} .. {until:%Y-%m-%d %H:%M} UTC"
    if not found:
        return f"# no new questions picked from the buttons in {period}\n"
    lines = [
        f"# Questions shoppers asked before picking an FAQ entry from the buttons, {period}.",
        "# Review them; paste each block under its entry (merge with shopper_questions it has),",
        "# then run `faqbot faq check`. They help matching; thresholds stay derived on your own",
        "# questions.",
    ]
    for entry_id, by_language in _grouped(found).items():
        entry = faq.get(entry_id)
        where = entry.source if entry is not None else "?"
        lines += ["", f"# {entry_id} ({where})", "shopper_questions:"]
        for lang, items in by_language.items():
            lines.append(f"  {lang}:")
            for item in items:
                quoted = json.dumps(item.text, ensure_ascii=False)
                lines.append(f"    - {quoted}  # picked {item.times}x")
    return "\n".join(lines) + "\n"


def additions(found: list[Suggestion]) -> dict[str, dict[str, list[str]]]:
    """The suggestions as entry id -> language -> questions (most picked first), the form
    :func:`bot.faq.writer.add_shopper_questions` takes."""
    return {
        entry: {lang: [s.text for s in items] for lang, items in by_language.items()}
        for entry, by_language in _grouped(found).items()
    }


def _grouped(found: list[Suggestion]) -> dict[str, dict[str, list[Suggestion]]]:
    """``found`` per entry, then per language, in their order."""
    by_entry: dict[str, dict[str, list[Suggestion]]] = {}
    for suggestion in found:
        by_entry.setdefault(suggestion.entry, {}).setdefault(suggestion.language, []).append(
            suggestion
        )
    return by_entry


def _personal(text: str) -> bool:
    """Whether ``text`` holds an e-mail address or an order or phone number."""
    return bool(find_emails(text) or _LONG_NUMBER.search(text))
