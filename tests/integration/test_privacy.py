"""End to end: ``faqbot privacy forget`` against the real stack (Rasa with its SQL tracker store,
action server, handoff service), checked through Rasa's tracker API and the ticket store."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.shop.notifications import RestockStore
from handoff.store import FORGOTTEN, Store
from scripts.stack import Stack
from tests.conftest import ROOT
from tests.integration.handoff_stack import (
    ALWAYS,
    AgentApi,
    start_handoff_stack,
    write_handoff_config,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("privacy") / "handoff.yml"


@pytest.fixture(scope="module")
def restock_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("restock") / "restock.db"


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, config: Path, restock_db: Path
) -> Iterator[Stack]:
    write_handoff_config(config)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("FAQBOT_RESTOCK_DB", str(restock_db))
        env.delenv("WOOCOMMERCE_URL", raising=False)  # the demo shop's own data
        running = start_handoff_stack(tmp_path_factory.mktemp("stack"), config)
    yield running
    running.stop()


def privacy(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    """``faqbot privacy ...`` with the environment the servers have (same databases)."""
    env = {**stack.services[0].env}  # what the servers were started with
    return subprocess.run(
        [str(ROOT / ".venv/bin/faqbot"), "privacy", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def counts(output: str) -> dict[str, int]:
    """The ``label: number`` lines of the command's report."""
    found = {}
    for line in output.splitlines():
        label, _, value = line.rpartition(": ")
        if value.isdigit():
            found[label] = int(value)
    return found


def said(stack: Stack, sender: str) -> list[str]:
    """What the shopper and the bot said in the conversation, as Rasa has it now."""
    events: list[dict[str, Any]] = stack.tracker(sender)["events"]  # type: ignore[assignment]
    return [str(e.get("text")) for e in events if e["event"] in ("user", "bot")]


def test_forget_a_sender_removes_the_conversation_and_the_tickets_personal_data(
    stack: Stack, restock_db: Path
) -> None:
    sender = f"privacy-{uuid.uuid4().hex[:10]}"
    email = f"{sender}@example.com"
    stack.send(sender, "onko Vaellus 45 -reppua vihreänä M-koossa?")  # sold out
    stack.send(sender, "kyllä")
    assert email in " ".join(str(r.get("text")) for r in stack.send(sender, email))
    assert [s.email for s in RestockStore(restock_db).pending()] == [email]
    stack.send(sender, "paljonko toimitus maksaa?")
    assert "queue" in " ".join(str(r.get("text")) for r in stack.send(sender, "I want a person"))
    agent = AgentApi(stack)
    ticket = agent.ticket_of(sender)
    refused = privacy(stack, "forget", sender)
    assert refused.returncode == 1 and "still open" in refused.stderr, refused
    assert "paljonko toimitus maksaa?" in said(stack, sender)
    assert agent.post(ticket["id"], "claim").ok
    assert agent.post(ticket["id"], "reply", text="Hei, Anna tässä!").ok
    assert agent.post(ticket["id"], "close").ok
    assert "Hei, Anna tässä!" in said(stack, sender)

    dry = privacy(stack, "forget", sender, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "paljonko toimitus maksaa?" in said(stack, sender)
    done = privacy(stack, "forget", sender)
    assert done.returncode == 0, done.stderr
    removed = counts(done.stdout)
    assert removed == counts(dry.stdout)
    assert removed["handoff tickets anonymised"] == 1
    assert removed["handoff transcript lines deleted"] >= 3  # shopper, bot, agent lines
    assert removed["rasa tracker events deleted"] > 10
    assert removed["restock sign-ups deleted"] == 1
    assert RestockStore(restock_db).pending() == []

    assert said(stack, sender) == []  # Rasa itself no longer has the conversation
    detail = agent.detail(ticket["id"])
    assert detail["conversation_id"] == FORGOTTEN and detail["question"] is None
    assert detail["messages"] == []
    store = Store(stack.database_url or "")
    try:
        assert store.messages(ticket["id"]) == []
        assert store.ticket(ticket["id"]).reason == ticket["reason"]  # kept for statistics
    finally:
        store.engine.dispose()

    again = privacy(stack, "forget", sender)
    assert again.returncode == 0 and set(counts(again.stdout).values()) == {0}
    # the shopper can start afresh: a new conversation under the same id
    assert stack.send(sender, "hei")
    assert said(stack, sender)[0] == "hei"


def test_forget_an_email_finds_the_conversation_it_was_left_in(stack: Stack, config: Path) -> None:
    today = datetime.now(ZoneInfo("Europe/Helsinki")).date().isoformat()
    hours = {"timezone": "Europe/Helsinki", "holidays": [today]}
    hours.update({day: ["09:00-17:00"] for day in ALWAYS})
    write_handoff_config(config, opening_hours=hours)  # closed today: the email form
    try:
        sender = f"privacy-{uuid.uuid4().hex[:10]}"
        email = f"{sender}@example.fi"
        stack.send(sender, "haluan puhua ihmiselle")
        stack.send(sender, f"se on {email}")
        stack.send(sender, "Onko Vaellus 45 -reppua tulossa lisää?")
        agent = AgentApi(stack)
        ticket = agent.ticket_of(sender)
        assert ticket["email"] == email
        assert agent.post(ticket["id"], "close").ok
        done = privacy(stack, "forget", email.upper())
        assert done.returncode == 0, done.stderr
        assert f"conversations: {sender}\n" in done.stdout, done.stdout
        assert counts(done.stdout)["handoff tickets anonymised"] == 1
        assert said(stack, sender) == []
        assert agent.detail(ticket["id"])["email"] is None
    finally:
        write_handoff_config(config)
