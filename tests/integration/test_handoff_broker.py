"""End to end: what queued shoppers write reaches their tickets through Rasa's event broker.

Real Rasa (``endpoints.yml``: the SQL event broker), action server and handoff service. The
handoff service reaches Rasa through a counting proxy, which shows that it reads no trackers:
the tracker reconcile is switched off, so every line must come from the broker table.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from scripts.rasa_proxy import CountingProxy
from scripts.stack import Stack
from tests.integration.handoff_stack import AgentApi, start_handoff_stack, write_handoff_config

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, CountingProxy]]:
    """The stack, with the handoff service restarted to reach Rasa through the proxy."""
    state = tmp_path_factory.mktemp("broker")
    config = state / "handoff.yml"
    write_handoff_config(config, sync={"reconcile_minutes": 0})
    stack = start_handoff_stack(state, config)
    proxy = CountingProxy(stack.rasa_url)
    try:
        stack.stop_service("handoff")
        stack.start_handoff(handoff_env(stack, proxy), wait=True)
        yield stack, proxy
    finally:
        stack.stop()
        proxy.close()


def handoff_env(stack: Stack, proxy: CountingProxy) -> dict[str, str]:
    return {**stack.environment(), "RASA_URL": proxy.url}


def wait_for(condition: Any, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.3)
    raise AssertionError(f"not true within {timeout} s: {condition}")


def shopper_lines(agent: AgentApi, ticket_id: int) -> list[str]:
    return [m["text"] for m in agent.detail(ticket_id)["messages"] if m["sender"] == "shopper"]


def has_all(agent: AgentApi, tickets: dict[str, int], lines: dict[str, list[str]]) -> bool:
    return all(
        set(lines[sender]) <= set(shopper_lines(agent, tickets[sender])) for sender in tickets
    )


def test_queued_shoppers_lines_come_from_the_broker_across_a_restart(
    proxied: tuple[Stack, CountingProxy],
) -> None:
    stack, proxy = proxied
    senders = [f"broker-{uuid.uuid4().hex[:8]}" for _ in range(4)]
    for sender in senders:
        stack.send(sender, "haluan puhua ihmiselle")
    agent = AgentApi(stack)
    tickets = {s: wait_for(lambda s=s: _ticket_id(agent, s)) for s in senders}
    lines: dict[str, list[str]] = {s: [] for s in senders}
    for n, sender in enumerate(senders):
        for text in (f"onko siellä ketään? ({n})", f"tilausnumero on 10023{n}"):
            assert stack.send(sender, text) == []  # paused: the agent answers, not the bot
            lines[sender].append(text)
    wait_for(lambda: has_all(agent, tickets, lines))

    stack.stop_service("handoff")
    for n, sender in enumerate(senders):  # written while the handoff service is down
        text = f"hallå, är det någon där? ({n})"
        assert stack.send(sender, text) == []
        lines[sender].append(text)
    stack.start_handoff(handoff_env(stack, proxy), wait=True)
    wait_for(lambda: has_all(agent, tickets, lines))
    for n, sender in enumerate(senders):  # read after every earlier row: a duplicate shows now
        text = f"still here ({n})"
        stack.send(sender, text)
        lines[sender].append(text)
    wait_for(lambda: has_all(agent, tickets, lines))

    for sender in senders:
        stored = shopper_lines(agent, tickets[sender])
        assert [line for line in stored if line in lines[sender]] == lines[sender], stored
    assert proxy.snapshot()["tracker"] == 0  # no tracker was read: the broker brought them all


def _ticket_id(agent: AgentApi, sender: str) -> int | None:
    ids = [t["id"] for t in agent.queue() if t["conversation_id"] == sender]
    return int(ids[0]) if ids else None
