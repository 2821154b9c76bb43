"""The scale-out mode (scripts/scaled.py): 2 Rasa and 2 action servers behind HAProxy, the
tracker store, event broker and tickets in PostgreSQL, the lock store in Redis.

Many concurrent REST messages, several per conversation, sent round-robin to both Rasa servers:
afterwards every conversation's tracker holds each message exactly once, in the order sent. A
handoff made through one Rasa server is seen by the other. Needs PostgreSQL
(FAQBOT_TEST_POSTGRES_URL), redis-server and haproxy (CI installs them and sets
FAQBOT_REQUIRE_SCALE=1, which turns a skip into a failure). FAQBOT_TEST_SCALE_ENDPOINTS names
another endpoints file, e.g. one with the in-memory lock store, to see these tests fail.
"""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
import socketio

from scripts.scaled import ScaledStack, missing_programs, server_name
from scripts.stack import free_port
from tests.conftest import ROOT
from tests.integration.handoff_stack import PASSWORD, AgentApi, write_handoff_config

pytestmark = pytest.mark.integration

# the last user message of each FAQ question is made unique by a tag: no digits an order lookup
# could take for an order number, no words a language detector could read as another language
QUESTIONS = [
    "How long does delivery take?",
    "How much does shipping cost?",
    "Can I return a product?",
    "Which payment methods do you accept?",
]


def _requirements() -> str | None:
    """Why the mode cannot run here, or None."""
    if not os.environ.get("FAQBOT_TEST_POSTGRES_URL"):
        return "no PostgreSQL: set FAQBOT_TEST_POSTGRES_URL (CI does)"
    if missing := missing_programs():
        return f"not installed: {', '.join(missing)} (apt-get install {' '.join(missing)})"
    return None


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScaledStack]:
    """The whole scaled stack, started once for the module, its databases dropped after."""
    if reason := _requirements():
        if os.environ.get("FAQBOT_REQUIRE_SCALE") == "1":
            pytest.fail(f"FAQBOT_REQUIRE_SCALE=1 but {reason}")
        pytest.skip(reason)
    state = tmp_path_factory.mktemp("scaled")
    config = state / "handoff.yml"
    write_handoff_config(config)
    test_url = urlsplit(os.environ["FAQBOT_TEST_POSTGRES_URL"])
    prefix = f"faqbot_scale_{uuid.uuid4().hex[:8]}"
    scaled = ScaledStack(
        rasa_port=free_port(),
        actions_port=free_port(),
        token="test-token",
        log_dir=state / "logs",
        tracker_db=state / "tracker.db",
        handoff_port=free_port(),
        handoff_config=config,
        postgres_url=urlunsplit(test_url._replace(path=f"/{prefix}")),
        endpoints=os.environ.get("FAQBOT_TEST_SCALE_ENDPOINTS", "endpoints-scaled.yml"),
    )
    try:
        scaled.ensure_databases()
        subprocess.run(
            [str(ROOT / ".venv/bin/faqbot"), "agent", "add", "anna", "--password-stdin"],
            input=PASSWORD + "\n",
            env=scaled.environment(),
            check=True,
            capture_output=True,
            text=True,
        )
        scaled.start()
        yield scaled
    finally:
        scaled.stop()
        scaled.drop_databases()


def send(base_url: str, sender: str, text: str) -> tuple[list[dict[str, Any]], str]:
    """One REST message; the bot's messages and the Rasa server that answered."""
    response = requests.post(
        f"{base_url}/webhooks/rest/webhook",
        json={"sender": sender, "message": text},
        timeout=120,
    )
    response.raise_for_status()
    return list(response.json()), server_name(response.headers.get("X-Faqbot-Server", ""))


def user_texts(stack: ScaledStack, sender: str, base_url: str | None = None) -> list[str]:
    """The shopper's messages in the tracker, in the tracker's order."""
    tracker = tracker_of(stack, sender, base_url)
    return [e["text"] for e in tracker["events"] if e["event"] == "user"]


def tracker_of(stack: ScaledStack, sender: str, base_url: str | None = None) -> dict[str, Any]:
    response = requests.get(
        f"{base_url or stack.rasa_url}/conversations/{sender}/tracker",
        params={"token": stack.token},
        timeout=30,
    )
    response.raise_for_status()
    return dict(response.json())


def wait_for(condition: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.3)
    raise AssertionError(f"not true within {timeout} s: {condition}")


def test_interleaved_conversations_keep_every_turn_in_order(stack: ScaledStack) -> None:
    # 10 shoppers at once, each sending 4 questions one after the other; consecutive messages
    # of one conversation go round-robin to different Rasa servers
    senders = [f"scale-{uuid.uuid4().hex[:8]}" for _ in range(10)]
    sent = {
        sender: [f"{q} ({'abcdefghij'[n]}{'wxyz'[m]})" for m, q in enumerate(QUESTIONS)]
        for n, sender in enumerate(senders)
    }
    servers: dict[str, list[str]] = {sender: [] for sender in senders}

    def converse(sender: str) -> None:
        for text in sent[sender]:
            replies, server = send(stack.rasa_url, sender, text)
            assert replies, f"no reply to {text!r}"
            servers[sender].append(server)

    with ThreadPoolExecutor(len(senders)) as pool:
        list(pool.map(converse, senders))

    assert {s for names in servers.values() for s in names} == {"rasa-1", "rasa-2"}
    assert any(len(set(names)) == 2 for names in servers.values())
    for sender in senders:
        assert user_texts(stack, sender) == sent[sender]


def test_a_burst_on_one_conversation_loses_and_repeats_nothing(stack: ScaledStack) -> None:
    # 12 messages of one shopper at the same moment, spread over both Rasa servers: the Redis
    # lock store lets one turn at a time through, in the order the servers took their tickets
    sender = f"burst-{uuid.uuid4().hex[:8]}"
    texts = [f"{QUESTIONS[n % len(QUESTIONS)]} (burst {'abcdefghijkl'[n]})" for n in range(12)]
    with ThreadPoolExecutor(len(texts)) as pool:
        answered = list(pool.map(lambda text: send(stack.rasa_url, sender, text), texts))

    assert all(replies for replies, _ in answered)
    assert {server for _, server in answered} == {"rasa-1", "rasa-2"}
    logged = user_texts(stack, sender)
    assert Counter(logged) == Counter(texts)
    # both servers read the same tracker
    assert user_texts(stack, sender, stack.server_url("rasa-1")) == logged
    assert user_texts(stack, sender, stack.server_url("rasa-2")) == logged


def test_a_handoff_through_one_server_is_seen_by_the_other(stack: ScaledStack) -> None:
    one, other = stack.server_url("rasa-1"), stack.server_url("rasa-2")
    agent = AgentApi(stack)
    agent.queue()  # online
    sender = f"handoff-{uuid.uuid4().hex[:8]}"

    assert send(one, sender, "I want to talk to a person")[0]  # straight to rasa-1
    ticket = wait_for(lambda: next((t for t in agent.queue() if t["conversation_id"] == sender), 0))

    # rasa-2 knows the conversation waits for a person: the bot stays quiet, and the line
    # reaches the ticket through the event broker in PostgreSQL
    assert send(other, sender, "are you there, anybody?")[0] == []
    wait_for(
        lambda: (
            "are you there, anybody?" in [m["text"] for m in agent.detail(ticket["id"])["messages"]]
        )
    )

    # the agent's reply goes through the balancer; both servers' trackers hold it
    assert agent.post(ticket["id"], "claim").ok
    assert agent.post(ticket["id"], "reply", text="Hi, Anna here!").ok
    for base in (one, other):
        bot = [e for e in tracker_of(stack, sender, base)["events"] if e["event"] == "bot"]
        assert bot[-1]["text"] == "Hi, Anna here!"
        assert bot[-1]["metadata"]["agent"] == "anna"

    # closed through the console: rasa-2 answers as the bot again, rasa-1 sees that turn
    assert agent.post(ticket["id"], "close").ok
    assert not tracker_of(stack, sender, one)["paused"]
    assert send(other, sender, QUESTIONS[0])[0] != []
    assert user_texts(stack, sender, one)[-1] == QUESTIONS[0]


def test_an_agent_reply_sent_through_one_server_reaches_a_socket_on_the_other(
    stack: ScaledStack,
) -> None:
    # the shopper's web chat is connected to rasa-1; the handoff service's reply goes through
    # the balancer and may land on rasa-2, which holds no socket of the shopper
    session_id = uuid.uuid4().hex
    received: queue.Queue[dict[str, Any]] = queue.Queue()
    client = socketio.Client(reconnection=False)
    client.on("bot_uttered", received.put)
    confirmed = threading.Event()
    client.on("session_confirm", lambda *_: confirmed.set())
    client.connect(stack.server_url("rasa-1"), transports=["websocket"], socketio_path="socket.io")
    try:
        client.emit("session_request", {"session_id": session_id})
        assert confirmed.wait(10), "no session_confirm"
        client.emit("user_uttered", {"message": QUESTIONS[0], "session_id": session_id})
        assert received.get(timeout=60).get("text")
        response = requests.post(
            f"{stack.server_url('rasa-2')}/conversations/{session_id}/tracker/events",
            params={
                "token": stack.token,
                "execute_side_effects": "true",
                "output_channel": "latest",
            },
            json=[{"event": "bot", "text": "Hi, Anna here!", "metadata": {"agent": "anna"}}],
            timeout=30,
        )
        response.raise_for_status()
        texts: list[str] = []
        deadline = time.monotonic() + 20
        while "Hi, Anna here!" not in texts and time.monotonic() < deadline:
            with contextlib.suppress(queue.Empty):
                texts.append(str(received.get(timeout=1).get("text", "")))
        assert "Hi, Anna here!" in texts
    finally:
        client.disconnect()
