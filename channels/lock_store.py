"""Rasa's Redis lock store with each change of a conversation's lock done atomically.

Several Rasa servers behind one load balancer (README "Scale-out mode") take turns on a
conversation through its ticket lock in Redis. Rasa 3.6's ``RedisLockStore`` changes the lock
with a GET, a change in Python and a SET: two servers that take a ticket at the same moment
read the same lock, both get ticket n and both handle their message at once, so one turn
overwrites the other's events. Here every read-change-write is one optimistic Redis
transaction (WATCH/MULTI/EXEC, retried when another server changed the lock meanwhile), and
the ticket lock is first-come first-served across all servers.

endpoints-scaled.yml: ``lock_store: type: channels.lock_store.AtomicRedisLockStore`` with the
stock store's settings (url, port, db, username, password, key_prefix, use_ssl...).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

Change = Callable[[TicketLock], TicketLock | None]


class AtomicRedisLockStore(RedisLockStore):
    """``RedisLockStore`` whose ticket issue, refresh and release are Redis transactions."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        """Created by Rasa from the ``lock_store`` section of the endpoints file."""
        super().__init__(host=endpoint_config.url or "localhost", **endpoint_config.kwargs)

    def _change(self, conversation_id: str, change: Change, create: bool = False) -> Any:
        """Apply ``change`` to the stored lock in one transaction; it returns the lock to save
        (``None``: delete it). Returns what the last ``change`` call set in ``result``."""
        key = self.key_prefix + conversation_id
        outcome: dict[str, Any] = {}

        def transaction(pipe: Any) -> None:
            stored = pipe.get(key)
            lock = TicketLock.from_dict(_loads(stored)) if stored else None
            if lock is None:
                if not create:
                    return
                lock = TicketLock(conversation_id)
            changed = change(lock)
            outcome["lock"] = lock
            pipe.multi()
            if changed is None:
                pipe.delete(key)
            else:
                pipe.set(key, changed.dumps())

        self.red.transaction(transaction, key)
        return outcome.get("lock")

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """A new ticket, the next number after every ticket any server issued."""
        issued: list[int] = []

        def issue(lock: TicketLock) -> TicketLock:
            issued[:] = [lock.issue_ticket(lock_lifetime)]
            return lock

        try:
            self._change(conversation_id, issue, create=True)
        except Exception as exc:  # the stock store's contract: any failure is a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{exc}") from exc
        return issued[0]

    def update_lock(self, conversation_id: str) -> None:
        """Drop expired tickets (a crashed server's) so the next one is served."""

        def drop_expired(lock: TicketLock) -> TicketLock:
            lock.remove_expired_tickets()
            return lock

        self._change(conversation_id, drop_expired)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        """Remove the served ticket."""

        def remove(lock: TicketLock) -> TicketLock:
            lock.remove_ticket_for(ticket_number)
            return lock

        self._change(conversation_id, remove)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Remove the served ticket, and the lock when nobody waits (one transaction, so a
        ticket issued meanwhile by another server is never deleted with it)."""

        def release(lock: TicketLock) -> TicketLock | None:
            lock.remove_ticket_for(ticket_number)
            return lock if lock.is_someone_waiting() else None

        self._change(conversation_id, release)


def _loads(stored: bytes | str) -> dict[str, Any]:
    text = stored.decode() if isinstance(stored, bytes) else stored
    return dict(json.loads(text))
