"""The real stack with the handoff service, as the handoff, widget and Messenger tests start it."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any

import requests
import yaml

from scripts.stack import Stack, free_port
from tests.conftest import ROOT
from tests.integration.bot_stack import new_stack

__all__ = ["AGENT", "ALWAYS", "PASSWORD", "AgentApi", "Stack", "start_handoff_stack"]

AGENT, PASSWORD = "anna", "a long test password"
ALWAYS = {day: ["00:00-24:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def write_handoff_config(path: Path, **changes: Any) -> None:
    """handoff.yml: open around the clock, queue with nobody online, then ``changes``.

    The action server applies edits before the next escalation, so tests may rewrite it.
    """
    settings: dict[str, Any] = {
        "domain_file": str(ROOT / "domain.yml"),
        "opening_hours": {"timezone": "Europe/Helsinki", **ALWAYS},
        "when_no_agent_online": "queue",
        "agent_online_seconds": 30,
        # these tests escalate dozens of conversations a minute: the flood guard (tested in
        # tests/handoff/test_flood.py) would answer them with the contacts instead
        "limits": {"tickets_per_client": 1_000_000, "burst_tickets": 1_000_000},
        **changes,
    }
    path.write_text(yaml.safe_dump(settings), encoding="utf-8")
    stamp = time.time() + 1  # a new mtime even within the file system's time resolution
    os.utime(path, (stamp, stamp))


def start_handoff_stack(
    state: Path,
    config: Path | None = None,
    agent: str = AGENT,
    database_url: str | None = None,
    model: Path | None = None,
) -> Stack:
    """Rasa, actions and handoff on free ports in ``state``, with ``agent`` able to log in.

    The tickets go to ``database_url`` (default: a SQLite file in ``state``); Rasa runs
    ``model`` (default: the trained one). The children inherit the current environment (set
    FACEBOOK_* etc. before calling).
    """
    if config is None:
        config = state / "handoff.yml"
        write_handoff_config(config)
    tickets = {"database_url": database_url} if database_url else {}
    stack = new_stack(
        state, handoff_port=free_port(), handoff_config=config, model=model, **tickets
    )
    subprocess.run(
        [str(ROOT / ".venv/bin/faqbot"), "agent", "add", agent, "--password-stdin"],
        input=PASSWORD + "\n",
        env=stack.environment(),
        check=True,
        capture_output=True,
        text=True,
    )
    stack.start()
    return stack


class AgentApi:
    """The agent console's HTTP API, used as the console page uses it."""

    def __init__(self, stack: Stack, name: str = AGENT) -> None:
        self.base = stack.handoff_url
        self.http = requests.Session()
        response = self.http.post(
            f"{self.base}/api/login", json={"name": name, "password": PASSWORD}, timeout=10
        )
        response.raise_for_status()
        self.http.headers["X-CSRF-Token"] = response.json()["csrf_token"]

    def queue(self) -> list[dict[str, Any]]:
        """Open tickets (polling also marks the agent online)."""
        response = self.http.get(f"{self.base}/api/conversations", timeout=10)
        response.raise_for_status()
        return list(response.json()["tickets"])

    def ticket_of(self, conversation_id: str) -> dict[str, Any]:
        """The open ticket of a conversation."""
        return next(t for t in self.queue() if t["conversation_id"] == conversation_id)

    def detail(self, ticket_id: int) -> dict[str, Any]:
        """A ticket with its transcript."""
        response = self.http.get(f"{self.base}/api/conversations/{ticket_id}", timeout=10)
        response.raise_for_status()
        return dict(response.json())

    def post(self, ticket_id: int, action: str, **body: str) -> requests.Response:
        """claim, reply, note or close."""
        return self.http.post(
            f"{self.base}/api/conversations/{ticket_id}/{action}", json=body or None, timeout=10
        )
