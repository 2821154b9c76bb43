"""Help for agents in the console, in a real (headless) browser against the real handoff app and
a fake Rasa: the bot's FAQ guesses insert their answer, "/" finds saved replies (a lead edits
them), the verified order shows on the ticket, the video call link is one click, and an agent
who does not speak the shopper's language is told so. Every state passes axe-core.

Needs Debian's chromium and chromedriver; skipped without them unless
``FAQBOT_REQUIRE_BROWSER=1`` (CI), where a missing browser is a failure.
"""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bot.faq.loader import load_faq
from handoff.auth import hash_password
from handoff.config import HandoffSettings
from handoff.desk import HandoffDesk
from handoff.store import Store
from tests.axe import assert_no_violations
from tests.browser import (
    chrome,
    click,
    css,
    page_problems,
    require_browser,
    text_of,
    visible,
    wait_for,
)
from tests.handoff.test_console_page import RASA_TOKEN, FakeRasa, escalate, free_port

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
LEAD, PASSWORD = "lea", "correct horse battery"
SAVED_TITLE = "Kiitos odotuksesta"
SAVED_TEXT = "Kiitos kärsivällisyydestäsi! Katson asiaa heti."


@dataclass
class Console:
    base_url: str
    rasa: FakeRasa
    store: Store
    desk: HandoffDesk
    ticket: int
    conversation: str
    english: int


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    import uvicorn

    from handoff.app import create_app

    tmp = tmp_path_factory.mktemp("console-help")
    rasa = FakeRasa()
    rasa_server = ThreadingHTTPServer(("127.0.0.1", 0), rasa.handler())
    rasa.url = f"http://127.0.0.1:{rasa_server.server_address[1]}"
    threading.Thread(target=rasa_server.serve_forever, daemon=True).start()

    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("RASA_AUTH_TOKEN", RASA_TOKEN)
        settings = HandoffSettings.model_validate(
            {
                "database_url": f"sqlite:///{tmp / 'handoff.db'}",
                "domain_file": ROOT / "domain.yml",
                "when_no_agent_online": "queue",
                "rasa_url": rasa.url,
                "video": {"url_template": "https://meet.jit.si/faqbot-{ticket}"},
            }
        )
        store = Store(settings.database_url)
        store.create_schema()
        store.add_agent(LEAD, hash_password(PASSWORD))
        store.set_agent_profile(LEAD, role="lead", languages=["en", "sv"])
        desk = HandoffDesk(settings, store)
        conversation = "c0ffee-help-fi"
        ticket = escalate(
            desk,
            rasa,
            conversation,
            "fi",
            "not_helped",
            [
                ("shopper", "missä tilaukseni 100234 on?"),
                ("bot", "Kerro vielä tilauksen sähköpostiosoite tai postinumero."),
                ("shopper", "aino.virtanen@example.com"),
                ("shopper", "paljonko maksaa kotiinkuljetus?"),
            ],
            [{"id": "delivery_cost", "score": 0.66}, {"id": "delivery_time", "score": 0.52}],
        )
        # a newer English chat: the lead speaks English, so it comes first in the queue
        english = escalate(
            desk,
            rasa,
            "c0ffee-help-en",
            "en",
            "explicit_request",
            [("shopper", "Can I talk to a person?")],
            minutes_ago=0.5,
        )
        # the order form verified order 100234 in this chat (then cleared its slots)
        history = rasa.events(conversation)
        rasa.set_history(
            conversation,
            [
                *history[:3],
                {"event": "slot", "name": "order_number", "value": "100234"},
                {"event": "slot", "name": "order_proof", "value": "aino.virtanen@example.com"},
                {"event": "slot", "name": "order_number", "value": None},
                {"event": "slot", "name": "order_proof", "value": None},
                *history[3:],
            ],
        )

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
            yield Console(base_url, rasa, store, desk, ticket, conversation, english)
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


def sent_texts(rasa: FakeRasa, conversation: str) -> list[str]:
    return [str(e.get("text")) for e in rasa.posted(conversation) if e.get("event") == "bot"]


def test_agent_inserts_faq_answers_saved_replies_and_sends_a_video_link(
    console: Console, driver: Any
) -> None:
    from selenium.webdriver.common.keys import Keys

    browser, rasa, conversation = driver, console.rasa, console.conversation
    faq = load_faq(ROOT / "data" / "faq")
    delivery_cost = faq.get("delivery_cost")
    assert delivery_cost is not None

    browser.get(console.base_url + "/")
    visible(browser, "#login-name").send_keys(LEAD)
    css(browser, "#login-password")[0].send_keys(PASSWORD)
    css(browser, "#login-submit")[0].click()
    wait_for(lambda: text_of(browser, "#me-name") == LEAD, what="the lead to be logged in")

    # waiting chats in the lead's languages first: the newer English one before the Finnish one
    def waiting() -> list[str]:
        return [
            str(e.get_attribute("data-ticket-id"))
            for e in css(browser, '[data-section="waiting"] a.ticket')
        ]

    wanted = [str(console.english), str(console.ticket)]
    wait_for(lambda: waiting() == wanted, what="the English chat first")

    # the lead writes a Finnish saved reply in the dialog
    click(browser, "#replies-open")
    visible(browser, "#replies-dialog[open] #reply-form")
    assert_no_violations(browser, "the saved replies dialog")
    browser.find_element("css selector", "#reply-language option[value='fi']").click()
    css(browser, "#reply-title")[0].send_keys(SAVED_TITLE)
    css(browser, "#reply-text")[0].send_keys(SAVED_TEXT)
    click(browser, "#reply-save")
    wait_for(lambda: SAVED_TITLE in text_of(browser, "#replies-list"), what="the saved reply")
    assert [r.title for r in console.store.saved_replies("fi")] == [SAVED_TITLE]
    click(browser, "#replies-close")

    # the Finnish chat: the lead speaks English and Swedish only, and is told so
    click(browser, f'a.ticket[data-ticket-id="{console.ticket}"]')
    note = visible(browser, "#language-note")
    assert "writes FI" in note.text
    # the order the shopper verified here, as the shop has it
    visible(browser, "#order-panel")
    wait_for(lambda: "#100234" in text_of(browser, "#order-details"), what="the order")
    order = text_of(browser, "#order-details")
    assert "Shipped" in order and "Posti" in order and "JJFI64012300010023401" in order
    assert css(browser, '#order-details a[href*="JJFI64012300010023401"]')
    # and the customer's other order (same email), waiting in the store
    others = text_of(browser, "#order-others")
    assert "#100250" in others and "Ready for pickup" in others and "#100234" not in others
    assert_no_violations(browser, "a waiting chat with its order and language note")

    click(browser, "#claim")
    wait_for(lambda: "your chat" in text_of(browser, "#conv-status"), what="the claim")
    box = css(browser, "#composer-text")[0]
    wait_for(box.is_enabled, what="the reply box")
    assert visible(browser, "#language-note").text.startswith("The shopper writes FI")

    # one click inserts the FAQ guess's Finnish answer, to edit before sending
    click(browser, '.candidate-insert[data-entry="delivery_cost"]')
    wait_for(
        lambda: box.get_attribute("value") == delivery_cost.answer["fi"],  # type: ignore[index]
        what="the Finnish answer in the reply box",
    )
    box.send_keys(" Tervetuloa uudelleen!", Keys.ENTER)
    edited = delivery_cost.answer["fi"] + " Tervetuloa uudelleen!"  # type: ignore[index]
    wait_for(lambda: edited in sent_texts(rasa, conversation), what="the edited answer sent")
    wait_for(
        lambda: box.get_attribute("value") == "" and box.get_attribute("readonly") is None,
        what="the reply box to be empty again",
    )

    # "/" lists the Finnish saved replies; Enter inserts the one chosen (and does not send)
    box.send_keys("/kiit")
    visible(browser, "#saved-replies .saved-reply")
    assert text_of(browser, "#saved-replies .saved-reply-title") == SAVED_TITLE
    assert box.get_attribute("aria-activedescendant").startswith("saved-reply-")
    assert_no_violations(browser, "the saved replies list")
    box.send_keys(Keys.ENTER)
    wait_for(lambda: box.get_attribute("value") == SAVED_TEXT, what="the saved reply inserted")
    assert not css(browser, "#saved-replies")[0].is_displayed()
    assert SAVED_TEXT not in sent_texts(rasa, conversation)
    box.send_keys(Keys.ENTER)
    wait_for(lambda: SAVED_TEXT in sent_texts(rasa, conversation), what="the saved reply sent")

    # the video call link: a link button to the ticket's room, in Finnish
    click(browser, "#video-call")
    room = f"https://meet.jit.si/faqbot-{console.ticket}"

    def video_event() -> dict[str, Any] | None:
        for event in rasa.posted(conversation):
            if ((event.get("data") or {}).get("custom") or {}).get("link"):
                return event
        return None

    event = wait_for(video_event, what="the video call link to reach Rasa")
    assert event["data"]["custom"]["link"] == {"url": room, "title": "Avaa videopuhelu"}
    assert event["text"] == console.desk.text("utter_video_call", "fi")
    wait_for(
        lambda: any(room in t for t in [e.text for e in css(browser, "#transcript .msg-agent")]),
        what="the invitation in the transcript",
    )
    assert_no_violations(browser, "the conversation after the help was used")
    assert page_problems(browser) == []
