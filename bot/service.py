"""FaqService: the FAQ index plus language choice and policy, with hot reload of the FAQ files."""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from bot import language
from bot.encoder import Encoder, SentenceEncoder
from bot.errors import FaqValidationError
from bot.faq.loader import Faq, FaqEntry, faq_files, load_faq
from bot.index import EmbeddingCache, FaqIndex, Match
from bot.model import default_cache_dir, prepare_model
from bot.policy import Decision, decide
from bot.settings import Settings

log = logging.getLogger(__name__)

Fingerprint = tuple[tuple[str, int, int], ...]


@dataclass(frozen=True)
class Reply:
    """The outcome of one shopper question."""

    language: str
    decision: Decision
    matches: list[Match]

    def offered_entries(self, faq: Faq) -> list[FaqEntry]:
        """The entries offered to the shopper, in order."""
        return [entry for entry_id in self.decision.offered if (entry := faq.get(entry_id))]


def embedding_cache_path(model_name: str) -> Path:
    """Where FAQ row embeddings of ``model_name`` are kept between runs."""
    key = hashlib.sha256(model_name.encode()).hexdigest()[:16]
    return default_cache_dir() / "embeddings" / f"{key}.npz"


class FaqService:
    """Answers shop questions from the FAQ; call :meth:`warm_up` before the first question."""

    def __init__(self, settings: Settings, encoder: Encoder | None = None) -> None:
        self.settings = settings
        self._encoder = encoder
        self._cache: EmbeddingCache | None = None
        self._index: FaqIndex | None = None
        self._fingerprint: Fingerprint = ()
        self._failed_fingerprint: Fingerprint = ()
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def warm_up(self) -> None:
        """Load the model, the language profiles and the FAQ; build the index.

        Raises:
            FaqValidationError: when the FAQ is invalid at start-up (nothing to serve).
            ModelError: when the model cannot be prepared or loaded.
        """
        language.warm_up()
        if self._encoder is None:
            self._encoder = SentenceEncoder(prepare_model(self.settings.model))
        self._cache = EmbeddingCache(self._encoder, embedding_cache_path(self._encoder.name))
        fingerprint = self._faq_fingerprint()
        self._index = self._build(load_faq(self.settings.faq_dir))
        self._fingerprint = fingerprint

    @property
    def encoder(self) -> Encoder:
        """The embedding model (shared with product search, so it is loaded once)."""
        if self._encoder is None:
            raise RuntimeError("FaqService.warm_up() must be called first")
        return self._encoder

    @property
    def index(self) -> FaqIndex:
        """The index currently serving (raises if :meth:`warm_up` was not called)."""
        if self._index is None:
            raise RuntimeError("FaqService.warm_up() must be called first")
        return self._index

    @property
    def faq(self) -> Faq:
        """The FAQ currently serving."""
        return self.index.faq

    def ask(self, text: str, current_language: str | None = None) -> Reply:
        """Choose the reply language, rank the entries and decide what to do."""
        lang = language.choose_language(text, current_language, self.settings.default_language)
        index = self.index
        matches = index.search(text, lang)
        topic_only = len(language.WORD.findall(text)) == 1
        return Reply(lang, decide(matches, self.settings.policy, topic_only), matches)

    def _build(self, faq: Faq) -> FaqIndex:
        assert self._cache is not None
        return FaqIndex(faq, self._cache, self.settings.retrieval)

    def _faq_fingerprint(self) -> Fingerprint:
        files = faq_files(self.settings.faq_dir)
        stats = [(path, path.stat()) for path in files if path.exists()]
        return tuple((str(p), s.st_mtime_ns, s.st_size) for p, s in stats)

    def reload_if_changed(self) -> bool:
        """Rebuild the index when a FAQ file changed; keep the last good one if the edit is invalid.

        Returns:
            True when a new index is now serving.
        """
        with self._lock:
            try:
                fingerprint = self._faq_fingerprint()
            except OSError as exc:  # a file vanished between glob and stat: next tick
                log.debug("FAQ directory changing: %s", exc)
                return False
            if fingerprint in (self._fingerprint, self._failed_fingerprint):
                return False
            try:
                index = self._build(load_faq(self.settings.faq_dir))
            except FaqValidationError as exc:
                self._failed_fingerprint = fingerprint
                log.error(
                    "FAQ edit rejected, still serving the previous version:\n%s",
                    "\n".join(exc.problems),
                )
                return False
            self._index, self._fingerprint = index, fingerprint
            self._failed_fingerprint = ()
            log.info("FAQ reloaded: %d entries", len(index.faq.entries))
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
