"""Help for agents in the console: the bot's FAQ answers, the video call invitation and the
language check at claim (README "Help for agents").

The FAQ is the bot's own (``faqbot.yml``'s ``faq_dir``), read again when one of its files
changes, so an agent inserts the answer the bot would give.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from bot.errors import FaqbotError
from bot.faq.loader import Faq, faq_files, load_faq
from bot.faq.settings import load_settings
from bot.language import LANGUAGES
from handoff.errors import HandoffConfigError, UnknownConversation


@dataclass(frozen=True)
class FaqAnswer:
    """One FAQ entry's answer for the reply box."""

    id: str
    language: str  # the language of ``answer`` (another one when the entry lacks the asked one)
    question: str
    answer: str


class FaqAnswers:
    """The FAQ entries' answers by id and language."""

    def __init__(self, faq_dir: Path | None = None) -> None:
        self._faq_dir = faq_dir
        self._lock = threading.Lock()
        self._faq: Faq | None = None
        self._stamp: tuple[tuple[str, float], ...] = ()

    def _directory(self) -> Path:
        if self._faq_dir is None:
            try:
                self._faq_dir = load_settings().faq_dir
            except FaqbotError as exc:
                raise HandoffConfigError(f"cannot read the bot's settings: {exc}") from exc
        return self._faq_dir

    def faq(self) -> Faq:
        """The FAQ as it is on disk now (loaded again after a file changed).

        Raises:
            HandoffConfigError: the FAQ cannot be read (the bot would refuse it too).
        """
        directory = self._directory()
        stamp = tuple((str(path), path.stat().st_mtime) for path in faq_files(directory))
        with self._lock:
            if self._faq is None or stamp != self._stamp:
                try:
                    self._faq = load_faq(directory)
                except FaqbotError as exc:
                    raise HandoffConfigError(f"cannot read the FAQ in {directory}: {exc}") from exc
                self._stamp = stamp
            return self._faq

    def answer(self, entry_id: str, language: str) -> FaqAnswer:
        """Entry ``entry_id``'s answer in ``language``, else in the first language it has.

        Raises:
            UnknownConversation: there is no such entry (any more).
        """
        entry = self.faq().get(entry_id)
        if entry is None:
            raise UnknownConversation(f"no FAQ entry {entry_id!r}")
        code = next(c for c in (language, *LANGUAGES) if c in entry.answer)
        return FaqAnswer(entry.id, code, entry.first_question(code), entry.answer[code])


def language_note(ticket_language: str, speaks: tuple[str, ...]) -> str | None:
    """What the console tells an agent who claims a chat in a language they did not list.

    None when they speak it, or listed no languages at all (nothing is known).
    """
    if not speaks or ticket_language in speaks:
        return None
    return (
        f"The shopper writes {ticket_language.upper()}; you listed {', '.join(speaks).upper()}. "
        "Insert the bot's FAQ answers or saved replies in their language, or leave the chat "
        "to a colleague who speaks it."
    )
