"""The agent console in a real (headless) browser against the real handoff app and a fake Rasa.

Needs Debian's chromium and chromedriver; skipped without them unless
``FAQBOT_REQUIRE_BROWSER=1`` (CI), where a missing browser is a failure.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from handoff.auth import hash_password
from handoff.config import HandoffSettings
from handoff.desk import Escalation, HandoffDesk
from handoff.hours import OpeningHours
from handoff.store import Store, utcnow
from tests.axe import assert_no_violations
from tests.browser import (
    chrome,
    click,
    css,
    page_problems,
    require_browser,
    screenshot,
    text_of,
    viewport,
    visible,
    wait_for,
)

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
RASA_TOKEN = "fake-rasa-token"
AGENT, PASSWORD = "anna", "correct horse battery"
MALICIOUS = "Missä tilaukseni on? <img src=x onerror=alert(1)>"
REPLY = "Hei, autan mielelläni"
FORCE_CLICK = "claim.hidden = false; claim.click();"
NOTE = "Tilaus 12345 on jumissa varastolla — tarkistan Postin seurannan."


# fake Rasa ---------------------------------------------------------------------------------------


class FakeRasa:
    """Trackers the test controls, and every event the handoff service appends."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._trackers: dict[str, list[dict[str, Any]]] = {}
        self._posted: list[tuple[str, dict[str, Any]]] = []
        self.url = ""

    def set_history(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        with self._lock:
            self._trackers[conversation_id] = list(events)

    def events(self, conversation_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._trackers.get(conversation_id, []))

    def shopper_writes(self, conversation_id: str, text: str) -> None:
        """The shopper types into the (paused) chat: Rasa logs a user event."""
        with self._lock:
            self._trackers.setdefault(conversation_id, []).append(
                {"event": "user", "text": text, "timestamp": time.time()}
            )

    def posted(self, conversation_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [event for conv, event in self._posted if conv == conversation_id]

    def all_posted(self) -> list[dict[str, Any]]:
        with self._lock:
            return [event for _conv, event in self._posted]

    def handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _conversation(self, suffix: str) -> str | None:
                url = urlsplit(self.path)
                if parse_qs(url.query).get("token") != [RASA_TOKEN]:
                    return None
                parts = url.path.split("/")
                if len(parts) >= 4 and parts[1] == "conversations" and url.path.endswith(suffix):
                    return unquote(parts[2])
                return None

            def do_GET(self) -> None:
                if urlsplit(self.path).path == "/":
                    self._reply(200, {"version": "fake"})
                    return
                conversation = self._conversation("/tracker")
                if conversation is None:
                    self._reply(401, {"message": "bad token or path"})
                    return
                # like Rasa: an unknown conversation is an empty tracker
                self._reply(200, {"sender_id": conversation, "events": fake.events(conversation)})

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                conversation = self._conversation("/tracker/events")
                if conversation is None:
                    self._reply(401, {"message": "bad token or path"})
                    return
                events = json.loads(body)
                with fake._lock:
                    for event in events:
                        fake._posted.append((conversation, event))
                        fake._trackers.setdefault(conversation, []).append(event)
                self._reply(200, {"sender_id": conversation})

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


# helpers -----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Console:
    base_url: str
    rasa: FakeRasa
    store: Store
    desk: HandoffDesk
    tickets: dict[str, int]
    conversations: dict[str, str]


def escalate(
    desk: HandoffDesk,
    rasa: FakeRasa,
    conversation_id: str,
    language: str,
    reason: str,
    lines: list[tuple[str, str]],
    candidates: list[dict[str, Any]] | None = None,
    minutes_ago: float = 1,
) -> int:
    """A conversation that went through the bot and escalated ``minutes_ago``."""
    start = utcnow() - timedelta(minutes=minutes_ago + 1)
    history: list[dict[str, Any]] = [{"event": "action", "name": "action_listen"}]
    transcript: list[tuple[str, str, datetime]] = []
    for index, (sender, text) in enumerate(lines):
        at = start + timedelta(seconds=20 * index)
        history.append({"event": "user" if sender == "shopper" else "bot", "text": text})
        history[-1]["timestamp"] = at.timestamp()
        transcript.append((sender, text, at))
    history += [{"event": "slot", "name": "handoff", "value": "queued"}, {"event": "pause"}]
    rasa.set_history(conversation_id, history)
    outcome = desk.escalate(
        Escalation(
            conversation_id=conversation_id,
            channel="socketio",
            language=language,
            reason=reason,
            candidates=candidates or [],
            transcript=transcript,
            events_seen=len(history),
        )
    )
    desk.store.update_ticket(
        outcome.ticket_id, created_at=utcnow() - timedelta(minutes=minutes_ago)
    )
    return outcome.ticket_id


# fixtures ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    import uvicorn

    from handoff.app import create_app

    tmp = tmp_path_factory.mktemp("console")
    rasa = FakeRasa()
    rasa_server = ThreadingHTTPServer(("127.0.0.1", 0), rasa.handler())
    rasa.url = f"http://127.0.0.1:{rasa_server.server_address[1]}"
    threading.Thread(target=rasa_server.serve_forever, daemon=True).start()

    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("RASA_AUTH_TOKEN", RASA_TOKEN)
        monkeypatch.delenv("FAQBOT_HANDOFF_API_TOKEN", raising=False)
        settings = HandoffSettings(
            database_url=f"sqlite:///{tmp / 'handoff.db'}",
            domain_file=ROOT / "domain.yml",
            when_no_agent_online="queue",
            rasa_url=rasa.url,
        )
        store = Store(settings.database_url)
        store.create_schema()
        store.add_agent(AGENT, hash_password(PASSWORD))
        store.add_agent("bob", hash_password("bobs password 123"))
        desk = HandoffDesk(settings, store)

        conversations = {
            "fi": "c0ffee-fi-0001",
            "sv": "c0ffee-sv-0002",
            "offline": "c0ffee-en-0003",
            "bob": "c0ffee-en-0004",
            "overflow": "c0ffee-fi-0005",
        }
        tickets = {
            "fi": escalate(
                desk,
                rasa,
                conversations["fi"],
                "fi",
                "explicit_request",
                [
                    ("shopper", MALICIOUS),
                    ("bot", "Tilauksen tilan näet Omat tilaukset -sivulta."),
                    ("shopper", "En löydä sitä. Haluan puhua ihmisen kanssa."),
                    ("bot", "Välitän sinut asiakaspalveluun. Jonossa olet ensimmäisenä."),
                ],
                [{"id": "order_status", "score": 0.71}, {"id": "delivery_time", "score": 0.46}],
                minutes_ago=3,
            ),
            "sv": escalate(
                desk,
                rasa,
                conversations["sv"],
                "sv",
                "not_helped",
                [
                    ("shopper", "Kan jag byta storlek på mina vandringskängor?"),
                    ("bot", "Du kan returnera produkter inom 30 dagar."),
                    ("shopper", "Nej, jag vill byta, inte returnera."),
                ],
                [{"id": "return_period", "score": 0.52}],
                minutes_ago=7,
            ),
            "bob": escalate(
                desk,
                rasa,
                conversations["bob"],
                "en",
                "handoff_entry",
                [("shopper", "My tent arrived with a broken pole"), ("bot", "I'm sorry!")],
                [{"id": "damaged_item", "score": 0.93}],
                minutes_ago=12,
            ),
            "overflow": escalate(
                desk,
                rasa,
                conversations["overflow"],
                "fi",
                "explicit_request",
                [("shopper", "Voinko maksaa laskulla?")],
                minutes_ago=2,
            ),
        }
        desk.claim(tickets["bob"], "bob")
        store.touch_agent("bob")
        store.update_ticket(tickets["overflow"], status="overflow", backend="partner")
        # outside opening hours the shopper leaves an email address instead
        closed = HandoffDesk(settings.model_copy(update={"opening_hours": OpeningHours()}), store)
        tickets["offline"] = escalate(
            closed,
            rasa,
            conversations["offline"],
            "en",
            "late_order",
            [("shopper", "Hello? Is anyone there?")],
            minutes_ago=25,
        )
        closed.leave_contact(
            conversations["offline"],
            "sam.shopper@example.com",
            "Can I exchange the hiking boots I bought for a bigger size?",
        )
        assert store.ticket(tickets["offline"]).status == "offline"

        app = create_app(settings)
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, name="handoff-app", daemon=True)
        thread.start()
        base_url = f"http://127.0.0.1:{port}"

        def answers() -> bool:
            try:
                with urllib.request.urlopen(f"{base_url}/health", timeout=2) as response:
                    return bool(response.status == 200)
            except OSError:
                return False

        wait_for(answers, timeout=20, what="the handoff app to answer")
        try:
            yield Console(base_url, rasa, store, desk, tickets, conversations)
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            rasa_server.shutdown()
            rasa_server.server_close()


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    require_browser()
    browser = chrome(1280, 900)
    try:
        yield browser
    finally:
        browser.quit()


# page helpers ------------------------------------------------------------------------------------


def log_in(browser: Any, password: str = PASSWORD) -> None:
    name = visible(browser, "#login-name")
    if name.get_attribute("value") != AGENT:
        name.clear()
        name.send_keys(AGENT)
    field = css(browser, "#login-password")[0]
    field.clear()
    field.send_keys(password)
    css(browser, "#login-submit")[0].click()


def transcript_texts(browser: Any, sender: str) -> list[str]:
    return [e.text for e in css(browser, f"#transcript .msg-{sender} .msg-bubble")]


# tests -------------------------------------------------------------------------------------------


def test_agent_logs_in_claims_replies_notes_and_closes(
    console: Console, driver: Any, tmp_path: Path
) -> None:
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.keys import Keys

    browser, rasa, ids = driver, console.rasa, console.tickets
    fi_conversation = console.conversations["fi"]
    browser.get(console.base_url + "/")
    visible(browser, "#login-name")
    assert_no_violations(browser, "the console's login page")

    # a wrong password is refused with a clear message
    log_in(browser, "wrong password")
    wait_for(
        lambda: "Wrong name or password" in text_of(browser, "#login-error"),
        what="the login error",
    )
    assert_no_violations(browser, "the console's login page with an error")
    log_in(browser)
    wait_for(lambda: text_of(browser, "#me-name") == AGENT, what="the agent name in the header")
    assert css(browser, "#login-view")[0].is_displayed() is False

    # the queue: the Finnish chat waits, the other states are in their own sections
    # (the queue is redrawn when it changes, so elements are looked up again each time)
    fi_selector = f'[data-section="waiting"] a.ticket[data-ticket-id="{ids["fi"]}"]'
    visible(browser, fi_selector)
    assert text_of(browser, f"{fi_selector} .lang-badge [aria-hidden]") == "FI"
    assert "Asked for a person" in text_of(browser, fi_selector)
    assert re.search(r"\b[34] min\b", text_of(browser, f"{fi_selector} .ticket-wait"))
    offline = f'[data-section="offline"] a.ticket[data-ticket-id="{ids["offline"]}"]'
    visible(browser, offline)
    assert "sam.shopper@example.com" in text_of(browser, offline)
    assert "hiking boots" in text_of(browser, offline)
    bobs = f'[data-section="others"] a.ticket[data-ticket-id="{ids["bob"]}"]'
    visible(browser, bobs)
    assert "with bob" in text_of(browser, bobs)
    visible(browser, f'[data-section="overflow"] a.ticket[data-ticket-id="{ids["overflow"]}"]')
    wait_for(lambda: text_of(browser, "#online-count") == "2", what="two agents online")
    # the first shopper line is the preview, as text
    wait_for(
        lambda: MALICIOUS in text_of(browser, fi_selector), what="the preview of the Finnish chat"
    )
    assert not css(browser, "#queue-sections img")
    assert_no_violations(browser, "the console's queue")

    # the Swedish shopper writes again: an unread marker appears
    rasa.shopper_writes(console.conversations["sv"], "Hallå? Är det någon där?")
    visible(browser, f'a.ticket[data-ticket-id="{ids["sv"]}"] .unread-badge')

    # the offline request: no chat to reply in, an email link instead
    click(browser, offline)
    mailto = visible(browser, "#mailto")
    assert mailto.get_attribute("href").startswith("mailto:sam.shopper@example.com?subject=")
    assert not css(browser, "#composer-form")[0].is_displayed()
    visible(browser, "#claim")
    wait_for(lambda: "hiking boots" in " ".join(transcript_texts(browser, "shopper")))
    browser.execute_script("document.activeElement.blur()")
    assert_no_violations(browser, "an offline ticket in the console")
    screenshot(browser, "console-queue.png", tmp_path)

    # open the Finnish chat: language, transcript (the markup stays text), candidates
    click(browser, fi_selector)
    wait_for(
        lambda: text_of(browser, "#conv-lang-text") == "Shopper writes Finnish — reply in Finnish",
        what="the language banner",
    )
    wait_for(lambda: MALICIOUS in transcript_texts(browser, "shopper"), what="the transcript")
    assert not css(browser, "#transcript img")
    assert "order_status" in text_of(browser, "#candidates")
    assert "0.71" in text_of(browser, "#candidates")
    reply_box = css(browser, "#composer-text")[0]
    assert not reply_box.is_enabled(), "replying before claiming must not be possible"

    # claim: the shopper is told a person joined and the bot stays paused
    css(browser, "#claim")[0].click()
    wait_for(lambda: "your chat" in text_of(browser, "#conv-status"), what="the claimed status")
    # the console shows the claim before the shopper's side is told (a delivery to Rasa)
    wait_for(
        lambda: (
            {"event": "slot", "name": "handoff", "value": "active"} in rasa.posted(fi_conversation)
        ),
        what="the paused-bot slot posted to Rasa",
    )
    posted = rasa.posted(fi_conversation)
    assert any(e["event"] == "bot" and AGENT in e["text"] for e in posted), posted
    wait_for(lambda: reply_box.is_enabled(), what="the reply box to be enabled")

    # reply with Enter: goes to the shopper through Rasa, marked as written by the agent
    reply_box.send_keys(REPLY, Keys.ENTER)
    sent = wait_for(
        lambda: [e for e in rasa.posted(fi_conversation) if e.get("text") == REPLY],
        what="the reply to reach Rasa",
    )
    assert sent[0]["event"] == "bot"
    assert sent[0]["metadata"]["agent"] == AGENT
    wait_for(
        lambda: REPLY in transcript_texts(browser, "agent"), what="the reply in the transcript"
    )
    assert AGENT in text_of(browser, "#transcript .msg-agent .msg-who")
    assert reply_box.get_attribute("value") == ""

    # the shopper answers: it appears while the agent watches
    rasa.shopper_writes(fi_conversation, "Tilausnumero on 12345 <b>kiitos</b>")
    wait_for(
        lambda: "Tilausnumero on 12345 <b>kiitos</b>" in transcript_texts(browser, "shopper"),
        timeout=6,
        what="the shopper's new message in the console",
    )
    assert not css(browser, "#transcript b")

    # an internal note: shown to agents, never sent to Rasa
    css(browser, "#mode-note")[0].click()
    note_box = css(browser, "#composer-text")[0]
    note_box.send_keys(NOTE)
    css(browser, "#send")[0].click()
    wait_for(lambda: NOTE in transcript_texts(browser, "note"), what="the note in the transcript")
    assert (
        text_of(browser, "#transcript .msg-note .msg-who")
        == "Internal note — not shown to the shopper"
    )
    browser.execute_script("document.activeElement.blur()")
    assert_no_violations(browser, "the console's conversation")
    screenshot(browser, "console-conversation.png", tmp_path)
    assert not any(NOTE in str(e.get("text")) for e in rasa.all_posted())

    # a small laptop: everything still fits without scrolling sideways
    viewport(browser, 800, 700)
    try:
        browser.save_screenshot(str(tmp_path / "console-800.png"))
        assert browser.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth"
        )
        send = visible(browser, "#send")
        assert send.rect["x"] + send.rect["width"] <= 800
    finally:
        viewport(browser, 1280, 900)

    # close (after confirming): the bot resumes and the ticket leaves the queue
    before = len(rasa.posted(fi_conversation))
    css(browser, "#close")[0].click()
    visible(browser, "#close-dialog[open] #close-confirm").click()
    wait_for(
        lambda: len(rasa.posted(fi_conversation)) > before,
        what="the hand-back events",
    )
    handback = rasa.posted(fi_conversation)[before:]
    assert handback[:2] == [{"event": "resume"}, {"event": "action", "name": "action_listen"}]
    wait_for(
        lambda: not css(browser, f'a.ticket[data-ticket-id="{ids["fi"]}"]'),
        what="the closed ticket to leave the queue",
    )
    wait_for(lambda: "Closed" in text_of(browser, "#conv-status"), what="the closed status")
    assert console.store.ticket(ids["fi"]).status == "closed"
    assert NOTE not in json.dumps(rasa.all_posted(), ensure_ascii=False)

    with pytest.raises(NoAlertPresentException):
        _ = browser.switch_to.alert.text
    assert page_problems(browser) == []


def test_claim_race_is_explained_inline(console: Console, driver: Any) -> None:
    browser, ids = driver, console.tickets
    browser.get(f"{console.base_url}/#t={ids['sv']}")
    wait_for(
        lambda: css(browser, "#login-name")[0].is_displayed() or text_of(browser, "#me-name"),
        what="the console or the login form",
    )
    if css(browser, "#login-name")[0].is_displayed():
        log_in(browser)
    visible(browser, "#claim")
    wait_for(lambda: "Nej, jag vill byta" in " ".join(transcript_texts(browser, "shopper")))

    # bob is faster; anna clicks before her console learned about it
    console.desk.claim(ids["sv"], "bob")
    browser.execute_script("const claim = document.getElementById('claim');" + FORCE_CLICK)
    wait_for(
        lambda: text_of(browser, "#action-error") == "Someone else took this chat (bob).",
        what="the inline claim error",
    )
    wait_for(lambda: "Active — bob" in text_of(browser, "#conv-status"), what="bob's status")
    assert not css(browser, "#claim")[0].is_displayed()
    assert "bob is handling this chat" in text_of(browser, "#composer-hint")
    assert not css(browser, "#composer-text")[0].is_enabled()
    visible(browser, f'[data-section="others"] a.ticket[data-ticket-id="{ids["sv"]}"]')
    assert page_problems(browser) == []


def test_expired_session_asks_to_log_in_and_keeps_the_draft(console: Console, driver: Any) -> None:
    from selenium.webdriver.common.keys import Keys

    browser, rasa = driver, console.rasa
    conversation = "c0ffee-en-0006"
    ticket = escalate(
        console.desk,
        rasa,
        conversation,
        "en",
        "not_helped",
        [("shopper", "Where do I find the warranty terms?")],
    )
    console.desk.claim(ticket, AGENT)

    browser.get(f"{console.base_url}/#t={ticket}")
    wait_for(
        lambda: css(browser, "#login-name")[0].is_displayed() or text_of(browser, "#me-name"),
        what="the console or the login form",
    )
    if css(browser, "#login-name")[0].is_displayed():
        log_in(browser)
    wait_for(
        lambda: text_of(browser, "#conv-lang-text") == "Shopper writes English — reply in English",
        what="the conversation to open from the address",
    )
    box = css(browser, "#composer-text")[0]
    wait_for(lambda: box.is_enabled(), what="the reply box")
    draft = "Our warranty is two years, and"
    box.send_keys(draft)

    browser.delete_cookie("faqbot_session")
    visible(browser, "#login-expired")
    assert box.get_attribute("value") == draft
    log_in(browser)
    wait_for(lambda: not css(browser, "#login-view")[0].is_displayed(), what="the login to close")
    assert box.get_attribute("value") == draft

    box.send_keys(" it covers the tent poles.", Keys.ENTER)
    wanted = draft + " it covers the tent poles."
    wait_for(
        lambda: any(e.get("text") == wanted for e in rasa.posted(conversation)),
        what="the draft to be sent after logging in again",
    )
    assert page_problems(browser) == []
