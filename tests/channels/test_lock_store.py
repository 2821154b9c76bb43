"""channels.lock_store: two Rasa servers changing one conversation's lock at the same moment.

A real redis-server; Rasa 3.6's lock store classes in .venv-rasa. The race is made certain, not
left to timing: while one store is between reading and writing the lock, the other one takes a
ticket (a hook in ``TicketLock``, which both stores call between their read and their write).
Rasa's own ``RedisLockStore`` is run through the same scenarios: it fails them, which is why
``AtomicRedisLockStore`` exists (if an upgrade of Rasa fixes it, this test says so).
"""

from __future__ import annotations

from typing import Any, cast

import pytest

from tests.channels.test_python310 import run_in_rasa

pytestmark = pytest.mark.integration

_RUN = """
import json, sys
from rasa.core import lock as rasa_lock
from rasa.core.lock_store import RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from channels.lock_store import AtomicRedisLockStore

port = int(sys.argv[1])

def stores(kind):
    if kind == "atomic":
        make = lambda: AtomicRedisLockStore(EndpointConfig(url="127.0.0.1", port=port, db=3))
    else:
        make = lambda: RedisLockStore(host="127.0.0.1", port=port, db=3)
    one, other = make(), make()
    one.red.flushdb()
    return one, other

def meanwhile(method, action):
    # while the first store is between its read and its write, run action() once
    original = getattr(rasa_lock.TicketLock, method)
    state = {"done": False}
    def hooked(self, *args):
        if not state["done"]:
            state["done"] = True
            action()
        return original(self, *args)
    setattr(rasa_lock.TicketLock, method, hooked)
    return lambda: setattr(rasa_lock.TicketLock, method, original)

results = {}
for kind in ("stock", "atomic"):
    one, other = stores(kind)
    # 1. both servers take a ticket for a new conversation at the same moment
    taken = {}
    undo = meanwhile("issue_ticket", lambda: taken.update(other=other.issue_ticket("c1")))
    taken["one"] = one.issue_ticket("c1")
    undo()
    lock = one.get_lock("c1")
    # 2. a server finishes its turn while the other takes the next ticket
    first = one.issue_ticket("c2")
    waiting = {}
    undo = meanwhile("remove_ticket_for", lambda: waiting.update(t=other.issue_ticket("c2")))
    one.cleanup("c2", first)
    undo()
    after = one.get_lock("c2")
    results[kind] = {
        "tickets": sorted(taken.values()),
        "stored": sorted(t.number for t in lock.tickets) if lock else [],
        "waiting": waiting["t"],
        "after_cleanup": sorted(t.number for t in after.tickets) if after else [],
        "serving": after.now_serving if after else None,
    }
print(json.dumps(results))
"""


def test_two_servers_never_hold_the_same_ticket_nor_lose_a_waiting_one(redis_port: int) -> None:
    found = cast(dict[str, Any], run_in_rasa(_RUN, str(redis_port), timeout=120))
    stock, atomic = (found[kind] for kind in ("stock", "atomic"))

    # two tickets, both stored; the ticket taken meanwhile waits for the lock
    assert atomic["tickets"] == [0, 1] and atomic["stored"] == [0, 1]
    assert atomic["after_cleanup"] == [atomic["waiting"]]
    assert atomic["serving"] == atomic["waiting"]

    # Rasa's own store: both servers hold ticket 0 and the lock lists one ticket; the waiting
    # ticket is deleted with the finished one (its server then fails with a LockError)
    assert stock["tickets"] == [0, 0] and stock["stored"] == [0]
    assert stock["after_cleanup"] == []
