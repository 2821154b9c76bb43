"""kill -9 of each process of `make run` (scripts/run.py) while shoppers chat over REST.

Used by ``tests/integration/test_crash_under_load.py`` (what must hold) and by
``scripts/bench.py crash-heal`` (how long each process takes to heal). Shoppers ask FAQ
questions, each message made unique so the tracker can be checked for it; a few ask for a
person, and an agent answers them through the handoff API while the processes die one by one.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import requests

try:  # run as scripts/bench.py (scripts/ on sys.path) or imported by the tests
    from stack import ROOT, Stack, free_port
except ImportError:  # pragma: no cover - depends on the caller
    from scripts.stack import ROOT, Stack, free_port

PROCESSES = ("handoff", "actions", "rasa")
MARKERS = {"actions": "actions", "rasa": "channels.server", "handoff": "serve"}
AGENT, PASSWORD = "crash-agent", "a long crash test password"
ALWAYS = {day: ["00:00-24:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
QUESTIONS = {
    "fi": ["kauanko toimitus kestää?", "miten palautan tuotteen?", "voinko maksaa laskulla?"],
    "sv": [
        "hur lång är leveranstiden?",
        "hur returnerar jag en vara?",
        "kan jag betala med faktura?",
    ],
    "en": ["how long does delivery take?", "how do I return an item?", "can I pay by invoice?"],
}
PERSON = {
    "fi": "haluan puhua ihmisen kanssa",
    "sv": "jag vill prata med en människa",
    "en": "I want to talk to a person",
}


@dataclass
class Turn:
    """One message a shopper sent and what came back."""

    sender: str
    text: str
    outcome: str  # "reply" (200 with messages), "empty" (200 with []), "http <code>", "down"
    replies: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class AgentReply:
    """One reply the agent sent; ``accepted`` when the handoff API answered 200."""

    sender: str
    text: str
    accepted: bool


@dataclass
class Report:
    """What happened: heal times, every turn, every agent reply, and what went wrong."""

    heal_seconds: dict[str, float]
    turns: list[Turn]
    agent_replies: list[AgentReply]
    problems: list[str]

    def summary(self) -> str:
        """Heal times and turn outcomes, for people."""
        outcomes = Counter(turn.outcome for turn in self.turns)
        lines = [f"{name}: healed after {took:.1f} s" for name, took in self.heal_seconds.items()]
        lines.append(f"shopper messages: {len(self.turns)} ({dict(outcomes)})")
        accepted = sum(reply.accepted for reply in self.agent_replies)
        lines.append(f"agent replies: {len(self.agent_replies)} sent, {accepted} accepted")
        lines.extend(f"PROBLEM: {problem}" for problem in self.problems)
        return "\n".join(lines)


class Supervised:
    """scripts/run.py as `make run` starts it, with a client of its ports."""

    def __init__(self, state: Path) -> None:
        self.state = state
        ports = {name: free_port() for name in ("RASA", "ACTIONS", "HANDOFF", "CHAT")}
        config = state / "handoff.yml"
        config.write_text(
            json.dumps(  # JSON is YAML: open around the clock, shoppers wait in the queue
                {
                    "domain_file": str(ROOT / "domain.yml"),
                    "opening_hours": {"timezone": "Europe/Helsinki", **ALWAYS},
                    "when_no_agent_online": "queue",
                    "agent_online_seconds": 600,
                    "limits": {"tickets_per_client": 1_000_000, "burst_tickets": 1_000_000},
                }
            ),
            encoding="utf-8",
        )
        self.env = dict(os.environ)
        self.env.update({f"{name}_PORT": str(port) for name, port in ports.items()})
        self.env.update(
            FAQBOT_STATE_DIR=str(state),
            RASA_AUTH_TOKEN="crash-token",
            FAQBOT_DATABASE_URL=f"sqlite:///{state / 'handoff.db'}",
            FAQBOT_HANDOFF_CONFIG=str(config),
        )
        self.client = Stack(
            rasa_port=ports["RASA"],
            actions_port=ports["ACTIONS"],
            token="crash-token",
            log_dir=state / "logs",
            tracker_db=state / "tracker.db",
            handoff_port=ports["HANDOFF"],
        )
        self.log = state / "run.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 400.0) -> None:
        """Add the agent, start run.py and wait until it says it is running."""
        subprocess.run(
            [str(ROOT / ".venv/bin/faqbot"), "agent", "add", AGENT, "--password-stdin"],
            input=PASSWORD + "\n",
            env=self.env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [str(ROOT / ".venv/bin/python"), str(ROOT / "scripts/run.py")],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + timeout
        while "faqbot is running" not in self.log_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"run.py did not start:\n{self.log_text()[-3000:]}")
            time.sleep(0.5)

    def stop(self) -> None:
        """SIGTERM run.py (it stops its children, as on Ctrl-C)."""
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_text(self) -> str:
        """run.py's output so far."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def child(self, name: str) -> psutil.Process:
        """The live child process running ``name``."""
        assert self.process is not None
        for child in psutil.Process(self.process.pid).children():
            with contextlib.suppress(psutil.NoSuchProcess):
                if MARKERS[name] in child.cmdline() and child.status() != psutil.STATUS_ZOMBIE:
                    return child
        raise LookupError(f"no {name} child of run.py")

    def kill(self, name: str) -> int:
        """kill -9 the child ``name``; returns its pid once it is gone."""
        child = self.child(name)
        child.kill()
        child.wait(timeout=30)
        return int(child.pid)

    def answers(self, name: str) -> bool:
        """Whether ``name`` answers its health check now."""
        url = {
            "actions": f"{self.client.actions_url}/health",
            "rasa": f"{self.client.rasa_url}/",
            "handoff": f"{self.client.handoff_url}/health",
        }[name]
        try:
            return requests.get(url, timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def healed(self, name: str, old_pid: int, deadline: float) -> float | None:
        """Seconds until a new ``name`` answers its health check (None: not within deadline)."""
        started = time.monotonic()
        while time.monotonic() - started < deadline:
            if self.process is None or self.process.poll() is not None:
                return None
            try:
                restarted = self.child(name).pid != old_pid
            except LookupError:
                restarted = False
            if restarted and self.answers(name):
                return time.monotonic() - started
            time.sleep(0.2)
        return None


class Load:
    """Shoppers and an agent chatting until :meth:`stop`."""

    def __init__(self, run: Supervised, shoppers: int, escalated: int) -> None:
        self.run = run
        self.turns: list[Turn] = []
        self.agent_replies: list[AgentReply] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        languages = list(QUESTIONS)
        self.shoppers = [
            (f"crash-{number:02d}-{os.getpid()}", languages[number % 3], number < escalated)
            for number in range(shoppers)
        ]
        self.escalated = {sender for sender, _, person in self.shoppers if person}
        self.threads = [
            threading.Thread(target=self._shopper, args=shopper, daemon=True)
            for shopper in self.shoppers
        ] + [threading.Thread(target=self._agent, daemon=True)]

    def start(self) -> None:
        """Start every shopper and the agent."""
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        """Stop and wait for them (a turn in flight finishes or times out)."""
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=120)

    def escalations_done(self) -> bool:
        """Whether every shopper who asks for a person has had that message answered."""
        with self.lock:
            done = {
                t.sender for t in self.turns if t.text in PERSON.values() and t.outcome != "down"
            }
        return self.escalated <= done

    def _send(self, sender: str, text: str) -> Turn:
        url = f"{self.run.client.rasa_url}/webhooks/rest/webhook"
        try:
            response = requests.post(url, json={"sender": sender, "message": text}, timeout=90)
        except requests.RequestException:
            turn = Turn(sender, text, "down")
        else:
            if response.status_code != 200:
                turn = Turn(sender, text, f"http {response.status_code}")
            else:
                replies = list(response.json())
                turn = Turn(sender, text, "reply" if replies else "empty", replies)
        with self.lock:
            self.turns.append(turn)
        return turn

    def _shopper(self, sender: str, lang: str, person: bool) -> None:
        if person:
            while self._send(sender, PERSON[lang]).outcome == "down":
                if self.stopping.wait(2.0):
                    return
        number = 0
        while not self.stopping.is_set():
            question = QUESTIONS[lang][number % len(QUESTIONS[lang])]
            turn = self._send(sender, f"{question} ({number + 1})")
            number += 1
            # like the widget: wait a little longer while Rasa does not answer
            self.stopping.wait(3.0 if turn.outcome == "down" else 1.0)

    def _agent(self) -> None:
        base = self.run.client.handoff_url
        http: requests.Session | None = None
        number = 0
        while not self.stopping.wait(2.0):
            try:
                if http is None:
                    http = requests.Session()
                    login = http.post(
                        f"{base}/api/login", json={"name": AGENT, "password": PASSWORD}, timeout=10
                    )
                    login.raise_for_status()
                    http.headers["X-CSRF-Token"] = login.json()["csrf_token"]
                queue = http.get(f"{base}/api/conversations", timeout=10)
                if queue.status_code == 401:
                    http = None
                    continue
                queue.raise_for_status()
                tickets = queue.json()["tickets"]
            except (requests.RequestException, KeyError, ValueError):
                continue
            for ticket in tickets:
                sender = ticket["conversation_id"]
                if sender not in self.escalated:
                    continue
                with contextlib.suppress(requests.RequestException):
                    if ticket.get("status") == "queued":
                        http.post(f"{base}/api/conversations/{ticket['id']}/claim", timeout=10)
                    number += 1
                    text = f"Agent reply {number} for {sender}"
                    accepted = False
                    try:  # never re-sent: a re-send after a lost answer would be a duplicate
                        reply = http.post(
                            f"{base}/api/conversations/{ticket['id']}/reply",
                            json={"text": text},
                            timeout=10,
                        )
                        accepted = reply.status_code == 200
                    finally:
                        with self.lock:
                            self.agent_replies.append(AgentReply(sender, text, accepted))


def check(run: Supervised, load: Load) -> list[str]:
    """Every promise of issue 12's crash test that the finished run broke."""
    problems: list[str] = []
    for sender, _, person in load.shoppers:
        tracker: dict[str, Any] = run.client.tracker(sender)
        events = tracker.get("events") or []
        said = Counter(e.get("text") for e in events if e.get("event") == "user")
        bot = Counter(e.get("text") for e in events if e.get("event") == "bot")
        turns = [turn for turn in load.turns if turn.sender == sender]
        for turn in turns:
            accepted = turn.outcome in ("reply", "empty")
            if accepted and said[turn.text] != 1:
                problems.append(f"{sender}: {turn.text!r} accepted, {said[turn.text]}x in tracker")
            if not accepted and said[turn.text] > 1:
                problems.append(f"{sender}: {turn.text!r} failed, {said[turn.text]}x in tracker")
            if turn.outcome == "empty" and not tracker.get("paused"):
                problems.append(f"{sender}: {turn.text!r} got 200 [] and is not paused")
        if person and not tracker.get("paused"):
            problems.append(f"{sender}: asked for a person and is no longer paused")
        for reply in [r for r in load.agent_replies if r.sender == sender]:
            if bot[reply.text] > 1 or (reply.accepted and bot[reply.text] != 1):
                problems.append(
                    f"{sender}: agent reply {reply.text!r} (accepted: {reply.accepted}) is "
                    f"{bot[reply.text]}x in the conversation"
                )
    if not any(turn.outcome == "reply" for turn in load.turns):
        problems.append("no shopper got an answer at all")
    if not any(reply.accepted for reply in load.agent_replies):
        problems.append("the agent never got a reply through")
    return problems


def run_crash_test(
    state: Path,
    shoppers: int = 20,
    escalated: int = 3,
    settle: float = 15.0,
    heal_deadline: float = 300.0,
    order: tuple[str, ...] = PROCESSES,
) -> Report:
    """Start the supervised stack, put load on it, kill -9 each process in turn, then check."""
    run = Supervised(state)
    run.start()
    load = Load(run, shoppers, escalated)
    heal: dict[str, float] = {}
    problems: list[str] = []
    try:
        load.start()
        deadline = time.monotonic() + heal_deadline
        while not load.escalations_done() and time.monotonic() < deadline:
            time.sleep(0.5)  # the shoppers who ask for a person are queued before any kill
        time.sleep(settle)  # load under way before the first kill
        for name in order:
            old = run.kill(name)
            took = run.healed(name, old, heal_deadline)
            if took is None:
                problems.append(f"{name} not healed within {heal_deadline:.0f} s")
                break
            heal[name] = took
            time.sleep(settle)  # the healed process under load before the next kill
        load.stop()
        for name in PROCESSES:  # everything answers again, by itself
            deadline = time.monotonic() + heal_deadline
            while not run.answers(name) and time.monotonic() < deadline:
                time.sleep(0.5)
            if not run.answers(name):
                problems.append(f"{name} does not answer at the end")
        if not problems:
            problems.extend(check(run, load))
    finally:
        load.stop()
        run.stop()
    return Report(heal, load.turns, load.agent_replies, problems)
