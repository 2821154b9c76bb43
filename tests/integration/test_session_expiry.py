"""A conversation paused for a person stays paused past Rasa's session expiry.

domain.yml expires a session after 60 minutes without a shopper message
(``session_config.session_expiration_time``); a shopper may wait that long in the queue or with
an agent. Rasa here runs a copy of the trained model whose domain says 1 minute, and the test
waits for real past it (about 65 s).
"""

from __future__ import annotations

import io
import json
import tarfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.faq.loader import Faq, load_faq
from scripts.stack import rasa_model
from tests.conftest import ROOT
from tests.integration.handoff_stack import AgentApi, Stack, start_handoff_stack

pytestmark = pytest.mark.integration

EXPIRY_MINUTES = 1


def model_with_session_expiry(model: Path, minutes: float, target: Path) -> Path:
    """A copy of the model archive ``model`` whose domain expires sessions after ``minutes``.

    The domain is in the archive twice: in ``metadata.json`` (the one Rasa's message processor
    checks) and as the domain provider's ``domain.yml``; both are changed, nothing else.
    """
    changed = []
    with (
        tarfile.open(model, "r:gz") as source,
        tarfile.open(target, "w:gz", compresslevel=1) as copy,
    ):
        for member in source:
            reader = source.extractfile(member) if member.isfile() else None
            if reader is None:
                copy.addfile(member)
                continue
            content = reader.read()
            name = Path(member.name).name
            if name == "metadata.json":
                metadata = json.loads(content)
                metadata["domain"]["session_config"]["session_expiration_time"] = minutes
                content = json.dumps(metadata).encode("utf-8")
                changed.append(member.name)
            elif name == "domain.yml":
                domain = yaml.safe_load(content)
                domain["session_config"]["session_expiration_time"] = minutes
                content = yaml.safe_dump(domain, allow_unicode=True).encode("utf-8")
                changed.append(member.name)
            member.size = len(content)
            copy.addfile(member, io.BytesIO(content))
    assert len(changed) == 2, f"the model archive's layout changed: {changed}"
    return target


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    state = tmp_path_factory.mktemp("expiry")
    model = model_with_session_expiry(rasa_model(), EXPIRY_MINUTES, state / "expiry.tar.gz")
    running = start_handoff_stack(state, model=model)
    yield running
    running.stop()


def events(stack: Stack, sender: str, kind: str) -> list[dict[str, Any]]:
    """The conversation's events of one kind, all sessions."""
    found = stack.tracker(sender)["events"]
    assert isinstance(found, list)
    return [e for e in found if e["event"] == kind]


def wait_for(condition: Any, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.2)
    raise AssertionError(f"not true within {timeout} s: {condition}")


def texts(replies: list[dict[str, object]]) -> list[str]:
    return [str(r.get("text", "")) for r in replies]


def test_a_paused_conversation_stays_paused_past_the_session_expiry(stack: Stack) -> None:
    """One shopper waits in the queue, one with an agent, one (the control) talks to the bot;
    all three write again after the expiry."""
    faq: Faq = load_faq(ROOT / "data" / "faq")
    cost = faq.get("delivery_cost")
    assert cost is not None
    agent = AgentApi(stack)
    queued, helped, control = (f"{who}-{uuid.uuid4().hex[:8]}" for who in ("q", "a", "c"))
    assert cost.answer["fi"] in texts(stack.send(control, "paljonko toimitus maksaa?"))
    tickets = {}
    for shopper in (queued, helped):
        answer = texts(stack.send(shopper, "haluan puhua ihmiselle"))
        assert any("jonossa" in text for text in answer), answer
        assert stack.tracker(shopper)["paused"]
        tickets[shopper] = agent.ticket_of(shopper)["id"]
    assert agent.post(tickets[helped], "claim").ok
    assert agent.post(tickets[helped], "reply", text="Hei! Selvitän asiaa, hetki vain.").ok

    # wait until every session has expired by Rasa's rule: no shopper message for longer than
    # the expiry (the tracker's timestamps come from this machine's clock)
    shoppers = (queued, helped, control)
    last = max(e["timestamp"] for who in shoppers for e in events(stack, who, "user"))
    while (left := last + EXPIRY_MINUTES * 60 + 2 - time.time()) > 0:
        time.sleep(min(left, 5.0))

    # the expiry is real: the conversation that was not paused gets a new session
    assert cost.answer["fi"] in texts(stack.send(control, "paljonko toimitus maksaa?"))
    assert len(events(stack, control, "session_started")) == 2

    for shopper, status in ((queued, "queued"), (helped, "active")):
        # the shopper writes after the expiry: still paused, the ticket gets the message
        assert stack.send(shopper, "onko siellä vielä joku?") == []  # no bot reply
        assert stack.tracker(shopper)["paused"]
        # the same session: not a new one that the escalation action happened to pause again
        assert len(events(stack, shopper, "session_started")) == 1
        ticket = tickets[shopper]
        wait_for(
            lambda ticket=ticket: (
                agent.detail(ticket)["messages"][-1]["text"] == "onko siellä vielä joku?"
            )
        )
        assert agent.ticket_of(shopper)["status"] == status
        messages = agent.detail(ticket)["messages"]
        said = [m["text"] for m in messages if m["sender"] == "shopper"]
        assert said == ["haluan puhua ihmiselle", "onko siellä vielä joku?"], said

        # the agent answers and hands back; then the bot answers again
        if status == "queued":
            assert agent.post(ticket, "claim").ok
        assert agent.post(ticket, "reply", text="Täällä ollaan! Miten voin auttaa?").ok
        assert agent.post(ticket, "close").ok
        assert not stack.tracker(shopper)["paused"]
        assert cost.answer["fi"] in texts(stack.send(shopper, "paljonko toimitus maksaa?"))
