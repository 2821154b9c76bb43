"""Where the insights come from: the ticket store, the tracker store and the FAQ service.

One :class:`Insights` serves the console page (:mod:`handoff.api.insights`) and
``faqbot report``, so both compute the same figures the same way.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from bot.faq.loader import load_faq
from bot.faq.service import FaqService
from bot.faq.settings import Settings, load_settings
from handoff.insights import figures, picks, unanswered
from handoff.insights.conversations import ConversationReader
from handoff.store import Store


class Insights:
    """Figures and unanswered-question clusters of a period."""

    def __init__(
        self,
        store: Store,
        reader: ConversationReader,
        timezone: str = "Europe/Helsinki",
        faq_settings: Settings | None = None,
        faq_service: FaqService | None = None,
    ) -> None:
        """``faq_service``: a warmed-up one to use (default: one for ``faq_settings`` or
        faqbot.yml, made at first use)."""
        self.store, self.reader, self.timezone = store, reader, timezone
        self._faq_settings = faq_settings
        self._service: FaqService | None = faq_service
        self._lock = threading.Lock()
        # clusters per period key, with when they were computed (the API reuses them briefly)
        self.cache: dict[str, tuple[float, list[unanswered.Cluster]]] = {}

    def figures(self, since: datetime, until: datetime) -> dict[str, Any]:
        """Every figure of [since, until) (see :func:`handoff.insights.figures.compute`)."""
        return figures.report(self.store, self.reader, since, until, self.timezone)

    def faq_service(self) -> FaqService:
        """The FAQ service with its encoder, loaded at first use (a second or two)."""
        with self._lock:
            if self._service is None:
                service = FaqService(self._faq_settings or load_settings(None))
                service.warm_up()
                self._service = service
            self._service.reload_if_changed()
            return self._service

    def clusters(self, since: datetime, until: datetime) -> list[unanswered.Cluster]:
        """The period's unanswered questions, clustered; done ones last."""
        items = unanswered.collect(self.reader.conversations(since, until))
        return unanswered.cluster(items, self.faq_service(), self.store.done_keys())

    def picks(self, since: datetime, until: datetime) -> tuple[list[picks.Suggestion], str]:
        """The period's questions picked from the buttons that are not yet phrasings of their
        entry, and the same as ``shopper_questions`` blocks (``faqbot picks`` prints them).

        Raises:
            FaqValidationError: the FAQ files have errors.
        """
        faq = load_faq((self._faq_settings or load_settings(None)).faq_dir)
        found = picks.suggestions(self.reader.conversations(since, until), faq)
        return found, picks.as_yaml(found, faq, since, until)
