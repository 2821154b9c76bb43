"""FaqService: the FAQ index plus language choice and policy, with hot reload of the FAQ files."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from bot import language
from bot.cache import embeddings_file
from bot.embeddings import EmbeddingCache
from bot.encoder import Encoder, open_encoder
from bot.errors import FaqValidationError
from bot.faq.index import FaqIndex, Match
from bot.faq.loader import Faq, FaqEntry, faq_files, load_faq
from bot.faq.policy import Decision, decide
from bot.faq.settings import Settings
from bot.faq.thresholds import Thresholds, thresholds_for
from bot.reloading import LastGood, file_stamp

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Served:
    """One FAQ version: its index and the thresholds derived for it (or set in faqbot.yml)."""

    index: FaqIndex
    thresholds: Thresholds


@dataclass(frozen=True)
class Reply:
    """The outcome of one shopper question."""

    language: str
    decision: Decision
    matches: list[Match]

    def offered_entries(self, faq: Faq) -> list[FaqEntry]:
        """The entries offered to the shopper, in order."""
        return [entry for entry_id in self.decision.offered if (entry := faq.get(entry_id))]


class FaqService:
    """Answers shop questions from the FAQ; call :meth:`warm_up` before the first question."""

    def __init__(self, settings: Settings, encoder: Encoder | None = None) -> None:
        self.settings = settings
        self._encoder = encoder
        self._cache: EmbeddingCache | None = None
        self._served: LastGood[Served] | None = None
        self._stop = threading.Event()

    def warm_up(self) -> None:
        """Load the model, the language profiles and the FAQ; build the index.

        Raises:
            FaqValidationError: when the FAQ is invalid at start-up (nothing to serve).
            ModelError: when the model cannot be prepared or loaded.
        """
        language.warm_up()
        if self._encoder is None:
            self._encoder = open_encoder(self.settings.model)
        self._cache = EmbeddingCache(self._encoder, embeddings_file(self._encoder.name))
        self._served = LastGood(
            "FAQ",
            lambda: file_stamp(faq_files(self.settings.faq_dir)),
            self._build,
            FaqValidationError,
        )

    @property
    def encoder(self) -> Encoder:
        """The embedding model (shared with product search, so it is loaded once)."""
        if self._encoder is None:
            raise RuntimeError("FaqService.warm_up() must be called first")
        return self._encoder

    @property
    def index(self) -> FaqIndex:
        """The index currently serving (raises if :meth:`warm_up` was not called)."""
        return self._current().index

    @property
    def thresholds(self) -> Thresholds:
        """The decision policy the current FAQ is served with, and where it came from."""
        return self._current().thresholds

    def _current(self) -> Served:
        if self._served is None:
            raise RuntimeError("FaqService.warm_up() must be called first")
        return self._served.value

    @property
    def faq(self) -> Faq:
        """The FAQ currently serving."""
        return self.index.faq

    def ask(self, text: str, current_language: str | None = None) -> Reply:
        """Choose the reply language for ``text``, then :meth:`answer` in it.

        Args:
            text: the shopper's message.
            current_language: the conversation's language so far (None: a first message).
        """
        lang = language.choose_language(text, current_language, self.settings.default_language)
        return self.answer(text, lang)

    def answer(self, text: str, lang: str) -> Reply:
        """Rank the entries for ``text``, a question in ``lang`` (already chosen), and decide."""
        served = self._current()  # one version for the whole question, even during a reload
        matches = served.index.search(
            text,
            lang,
            top_k=self.settings.retrieval.top_k,
            within=served.thresholds.policy.clarify_window,  # actions.routing reads all those
        )
        topic_only = len(language.WORD.findall(text)) == 1
        return Reply(lang, decide(matches, served.thresholds.policy, topic_only), matches)

    def _build(self) -> Served:
        assert self._cache is not None
        index = FaqIndex(load_faq(self.settings.faq_dir), self._cache, self.settings.retrieval)
        return Served(index, thresholds_for(index, self.settings))

    def reload_if_changed(self) -> bool:
        """Rebuild the index when a FAQ file changed; keep the last good one if the edit is invalid.

        Returns:
            True when a new index is now serving.
        """
        if self._served is None or not self._served.refresh():
            return False
        log.info("FAQ reloaded: %d entries", len(self.faq.entries))
        return True

    def watch(self) -> threading.Thread:
        """Start a daemon thread that reloads the FAQ when its files change."""
        thread = threading.Thread(target=self._watch_loop, name="faq-watch", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        """Stop the watcher thread."""
        self._stop.set()

    def _watch_loop(self) -> None:
        while not self._stop.wait(self.settings.reload_interval_seconds):
            try:
                self.reload_if_changed()
            except Exception:  # the watcher must never die: log and keep serving
                log.exception("FAQ reload failed; still serving the previous version")
