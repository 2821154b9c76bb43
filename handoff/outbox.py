"""Delivers the persisted outbox to helpdesk backends, retrying with exponential backoff."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from handoff.backends import Backend, build_backend
from handoff.config import HandoffSettings
from handoff.errors import BackendError, HandoffConfigError
from handoff.store import Store, utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12  # 2 s doubling up to 30 min: about 3 hours of retries before giving up
FIRST_DELAY = 2.0
MAX_DELAY = 1800.0


def retry_delay(attempts: int) -> float:
    """Seconds to wait after the ``attempts``-th failure."""
    return float(min(MAX_DELAY, FIRST_DELAY * 2 ** max(0, attempts - 1)))


class OutboxWorker:
    """Sends due deliveries one by one, keeping each ticket's events in order."""

    def __init__(
        self,
        settings: HandoffSettings,
        store: Store,
        backends: dict[str, Backend] | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.settings = settings
        self.store = store
        self._backends = dict(backends or {})
        self.clock = clock

    def backend(self, name: str) -> Backend:
        """The configured backend called ``name``."""
        if name not in self._backends:
            config = self.settings.backends.get(name)
            if config is None:
                raise HandoffConfigError(f"backend {name!r} is not configured in handoff.yml")
            self._backends[name] = build_backend(name, config)
        return self._backends[name]

    def run_once(self) -> int:
        """Attempt every due delivery once; return how many were delivered."""
        delivered = 0
        for item in self.store.due_deliveries(self.clock()):
            if self.store.pending_before(item):
                continue  # an earlier event of this ticket must arrive first
            ticket = self.store.ticket(item.ticket_id)
            payload = dict(item.payload)
            known = payload.get("ticket", {})
            # a forgotten ticket no longer has its external id: its notice carries it
            external_id = ticket.external_id or known.get("external_id")
            payload["ticket"] = {**known, "external_id": external_id}
            attempts = item.attempts + 1
            try:
                result = self.backend(item.backend).deliver(
                    item.event, payload, delivery_id=f"faqbot-{item.id}"
                )
            except (BackendError, HandoffConfigError) as exc:
                retryable = isinstance(exc, BackendError) and exc.retryable
                give_up = not retryable or attempts >= MAX_ATTEMPTS
                retry_at = (
                    None if give_up else self.clock() + timedelta(seconds=retry_delay(attempts))
                )
                self.store.mark_failed(item.id, str(exc), retry_at)
                log.warning(
                    "delivery %d (%s to %s) failed, attempt %d%s: %s",
                    item.id,
                    item.event,
                    item.backend,
                    attempts,
                    ", giving up" if give_up else "",
                    exc,
                )
                continue
            if result.external_id and result.external_id != ticket.external_id:
                self.store.update_ticket(ticket.id, external_id=result.external_id)
            self.store.mark_delivered(item.id)
            delivered += 1
        return delivered
