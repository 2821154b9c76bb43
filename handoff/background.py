"""The handoff service's background work: shopper messages from Rasa, and the outbox.

Shopper messages come from Rasa's event broker table (:mod:`handoff.broker`), with a slow
full read of the trackers as the fallback (:class:`RasaSync`).

Each runs in its own daemon thread, so a partner that is slow to answer a delivery never
delays the messages shoppers write to the console, and a sync that fails never stops the
deliveries. Both wait for the ticket database: when it did not answer at start-up, its
tables are created as soon as it does.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from handoff.broker import BrokerReader
from handoff.desk import HandoffDesk
from handoff.errors import BrokerUnavailable, HandoffError
from handoff.logs import FailureLog
from handoff.outbox import OutboxWorker
from handoff.store import Store

log = logging.getLogger(__name__)


class Schema:
    """Creates the store's tables once the database answers; thread-safe."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._ready = threading.Event()
        self._lock = threading.Lock()

    def ensure(self) -> None:
        """Create the tables unless done already.

        Raises:
            StorageError: the database does not answer (yet).
        """
        if self._ready.is_set():
            return
        with self._lock:
            if not self._ready.is_set():
                self.store.create_schema()
                self._ready.set()


class BackgroundLoop:
    """Calls ``work`` every ``interval`` seconds in a daemon thread until stopped.

    A failure is logged (the same one again only every few minutes) and the loop goes on.
    """

    def __init__(
        self,
        name: str,
        work: Callable[[], object],
        interval: float = 0.5,
        schema: Schema | None = None,
    ) -> None:
        self.name, self.work, self.interval, self.schema = name, work, interval, schema
        self.failures = FailureLog(log)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop and wait (at most ``timeout`` s: a delivery may be waiting on its partner)."""
        self._stop.set()
        self._thread.join(timeout=timeout)

    def run_once(self) -> None:
        """One pass of ``work``; never raises."""
        try:
            if self.schema is not None:
                self.schema.ensure()
            self.work()
        except HandoffError as exc:
            self.failures.failed(self.name, str(exc))
        except Exception as exc:  # the loop must survive anything and keep going
            self.failures.failed(self.name, f"{type(exc).__name__}: {exc}", traceback=True)
        else:
            self.failures.ok(self.name)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._stop.wait(self.interval)


class RasaSync:
    """One pass of ``handoff-sync``: what shoppers wrote while waiting, into their tickets.

    With an event broker, the rows Rasa published since the last pass (cost independent of the
    open tickets), plus a full tracker reconcile at start and every ``reconcile_minutes``. While
    the broker table does not answer, and without a broker, every waiting ticket's tracker is
    read (every ``fallback_seconds``; without a broker on every pass). All in one thread, so a
    line read both ways is stored once.
    """

    def __init__(
        self,
        desk: HandoffDesk,
        broker: BrokerReader | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.desk, self.broker, self.clock = desk, broker, clock
        self._reconcile_at = clock()  # at start
        self._fallback_at = clock()

    def run_once(self) -> None:
        """Read new broker rows (or trackers); never raises for a broker that is down."""
        if self.broker is None:
            self.desk.sync_from_rasa()
            return
        settings, now = self.desk.settings.sync, self.clock()
        try:
            self.desk.sync_from_broker(self.broker)
        except BrokerUnavailable as exc:
            self.desk.failures.failed("event broker", f"{exc}; reading Rasa trackers instead")
            if now >= self._fallback_at:
                self._fallback_at = now + settings.fallback_seconds
                self.desk.sync_from_rasa()
            return
        self.desk.failures.ok("event broker")
        if settings.reconcile_minutes > 0 and now >= self._reconcile_at:
            self._reconcile_at = now + settings.reconcile_minutes * 60
            self.desk.sync_from_rasa()


def background_loops(
    desk: HandoffDesk, worker: OutboxWorker, schema: Schema | None = None
) -> list[BackgroundLoop]:
    """The service's loops: ``handoff-sync`` (shopper messages) and ``handoff-outbox``."""
    url = desk.settings.sync.event_broker_url
    sync = RasaSync(desk, BrokerReader(url) if url else None)
    return [
        BackgroundLoop("handoff-sync", sync.run_once, schema=schema),
        BackgroundLoop("handoff-outbox", worker.run_once, schema=schema),
    ]
