"""The web chat widget on the demo shop page, in a real browser, on the real stack (Rasa with the
socket.io channel of channels/socketio.py, action server, handoff service).

A shopper opens the widget on the Finnish shop page, asks in Swedish, picks a clarification,
reloads, asks for a person and waits, an agent claims the chat and answers (the shopper was away
meanwhile: the reply comes from the history on return), hands it back, and the shopper rates the
help. Needs Debian's chromium and chromedriver; skipped without them unless
``FAQBOT_REQUIRE_BROWSER=1`` (CI), where a missing browser is a failure. With
``FAQBOT_SCREENSHOTS=1`` it refreshes docs/widget-desktop.png and docs/widget-phone.png.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.faq.loader import Faq, load_faq
from scripts.stack import Stack, free_port, serve_chat_page
from tests.axe import assert_no_violations
from tests.browser import chrome, page_problems, require_browser, screenshot, viewport, wait_for
from tests.conftest import ROOT
from tests.integration.handoff_stack import AGENT, AgentApi, start_handoff_stack
from tests.web.test_widget_texts import load_widget_texts
from tests.widget import (
    banner,
    blur,
    click,
    connected,
    inside,
    messages,
    pressed_language,
    says,
    shown,
    writes,
)

pytestmark = pytest.mark.integration

AGENT_REPLY = "Hej! Jag heter Anna. Jag kollar gärna presentkortet åt dig."

# whether the typing indicator was shown since this ran
WATCH_TYPING = """
const typing = document.getElementById('faqbot-widget').shadowRoot.querySelector('.fqb-typing');
window.__typingSeen = false;
new MutationObserver(() => { if (!typing.hidden) window.__typingSeen = true; })
  .observe(typing, {attributes: true});
"""
FOCUSED = "return document.getElementById('faqbot-widget').shadowRoot.activeElement?.id || ''"


# the stack, the pages, the agent ----------------------------------------------------------------


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_handoff_stack(tmp_path_factory.mktemp("widget"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def shop_url(stack: Stack) -> Iterator[str]:
    port = free_port()
    server = serve_chat_page(port, stack.rasa_url)
    try:
        yield f"http://127.0.0.1:{port}/shop/"
    finally:
        server.shutdown()
        server.server_close()


# the browser ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A Finnish shopper's browser, laptop-sized."""
    require_browser()
    driver = chrome(1280, 800, "fi")
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def faq() -> Faq:
    return load_faq(ROOT / "data" / "faq")


# the demo ---------------------------------------------------------------------------------------


def test_shopper_chats_in_the_widget_on_the_shop_page(
    stack: Stack, shop_url: str, browser: Any, faq: Faq, tmp_path: Path
) -> None:
    texts = load_widget_texts()

    # one script tag on a Finnish page: a launcher, in Finnish, that opens into the input
    browser.get(shop_url)
    launcher = shown(browser, ".fqb-launcher")
    assert launcher.get_attribute("aria-label") == texts["fi"]["openChat"]
    assert launcher.get_attribute("aria-expanded") == "false"
    launcher.click()
    connected(browser)
    assert browser.execute_script(FOCUSED) == "fqb-input"
    assert shown(browser, ".fqb-launcher").get_attribute("aria-expanded") == "true"
    assert [e.text for e in inside(browser, ".fqb-suggestions .fqb-choice")] == texts["fi"][
        "suggestions"
    ]

    # a Swedish question gets the Swedish answer, and the widget follows into Swedish
    browser.execute_script(WATCH_TYPING)
    question = "hur lång tid har jag på mig att returnera en vara?"
    before = writes(browser, question)
    answer = faq.get("return_period")
    assert answer is not None
    says(browser, re.escape(answer.answer["sv"][:40]), before)  # type: ignore[index]
    assert browser.execute_script("return window.__typingSeen"), "no typing indicator"
    wait_for(lambda: not any(e.is_displayed() for e in inside(browser, ".fqb-typing")))
    wait_for(lambda: pressed_language(browser) == "sv", what="the widget to switch to Swedish")
    assert shown(browser, "#fqb-input").get_attribute("placeholder") == texts["sv"]["placeholder"]
    assert all(m["time"] for m in messages(browser)), "every message has a timestamp"

    # something short and ambiguous gets clarification buttons; one click answers
    before = writes(browser, "presentkort")
    says(browser, r"Vilket av de här menade du", before)
    choice = shown(browser, ".fqb-choices .fqb-choice")
    picked = choice.text
    entry = next(e for e in faq.entries if picked in e.questions.get("sv", ()))  # type: ignore[arg-type]
    choice.click()
    wait_for(lambda: messages(browser, "user")[-1]["text"] == picked, what="the choice sent")
    says(browser, re.escape(entry.answer["sv"][:40]), before)  # type: ignore[index]
    says(browser, r"Fick du svar på din fråga\?", before)

    # a reload keeps the conversation (and the open chat)
    history = messages(browser)
    browser.refresh()
    connected(browser)
    assert messages(browser) == history
    assert pressed_language(browser) == "sv"
    assert_no_violations(browser, "the widget with answers and yes/no buttons")

    # asking for a person: the waiting state shows
    before = writes(browser, "jag vill prata med en person")
    says(browser, r"Du är nummer \d+ i kön", before)
    wait_for(lambda: banner(browser)[0] == "queued", what="the waiting banner")
    assert banner(browser)[1] == texts["sv"]["handoff"]["queued"]
    assert_no_violations(browser, "the widget while the shopper waits for a person")
    conversation = browser.execute_script("return localStorage.getItem('faqbot-widget:session')")
    assert re.fullmatch(r"[0-9a-f]{32}", conversation)

    # an agent claims the chat: the shopper sees who joined
    agent = AgentApi(stack)
    ticket = agent.ticket_of(conversation)
    assert (ticket["channel"], ticket["language"]) == ("socketio", "sv")
    before = len(messages(browser, "bot"))
    agent.post(ticket["id"], "claim").raise_for_status()
    says(browser, rf"^{AGENT} från kundtjänsten har anslutit", before)
    wait_for(lambda: banner(browser)[0] == "active", what="the agent-joined banner")
    assert banner(browser)[1] == texts["sv"]["handoff"]["active"].replace("{agent}", AGENT)

    # the shopper steps away; the agent answers; back on the page, the answer is there
    browser.get("about:blank")
    agent.post(ticket["id"], "reply", text=AGENT_REPLY).raise_for_status()
    browser.get(shop_url)
    connected(browser)
    says(browser, re.escape(AGENT_REPLY), 0, kind="agent")
    reply = messages(browser, "agent")[-1]
    assert reply["name"] == f"{AGENT} · {texts['sv']['agentRole']}"
    assert reply["avatar"] == AGENT[0].upper()
    assert_no_violations(browser, "the widget with an agent's reply")
    blur(browser)
    screenshot(browser, "widget-desktop.png", tmp_path)

    # the agent hands back: the bot is back and asks how easy it was; one click answers
    before = len(messages(browser, "bot"))
    agent.post(ticket["id"], "close").raise_for_status()
    says(browser, r"jag är här igen.*Var det lätt att få hjälp i dag\?", before)
    wait_for(lambda: banner(browser)[0] == "back", what="the back-to-the-bot banner")

    # on a phone the chat fills the screen, nothing scrolls sideways (the rating buttons shown)
    viewport(browser, 360, 740, mobile=True)
    try:
        panel = shown(browser, ".fqb-panel")
        wait_for(lambda: panel.rect["width"] == 360, what="a full-width panel")
        assert panel.rect["height"] == 740
        assert browser.execute_script("return document.documentElement.scrollWidth <= 360")
        send = shown(browser, ".fqb-send")
        assert send.rect["x"] + send.rect["width"] <= 360
        screenshot(browser, "widget-phone.png", tmp_path)
    finally:
        viewport(browser, 1280, 800)

    rating = shown(browser, ".fqb-choice.fqb-rating")
    assert rating.text.startswith("👍")
    assert_no_violations(browser, "the widget's satisfaction question")
    rating.click()
    says(browser, r"Tack för din feedback", before)
    slots = stack.tracker(conversation)["slots"]
    assert slots["satisfaction"] == "up"  # type: ignore[index]

    # Esc closes the chat and gives the focus back to the launcher
    from selenium.webdriver.common.keys import Keys

    shown(browser, "#fqb-input").send_keys(Keys.ESCAPE)
    wait_for(lambda: not inside(browser, ".fqb-panel")[0].is_displayed(), what="the chat to close")
    assert (
        browser.execute_script(
            "return document.getElementById('faqbot-widget').shadowRoot.activeElement?.className"
        )
        == "fqb-launcher"
    )
    assert page_problems(browser) == []


def test_the_widget_speaks_english_and_finnish_too(
    stack: Stack, shop_url: str, browser: Any, faq: Faq
) -> None:
    texts = load_widget_texts()
    browser.get(shop_url)
    browser.execute_script("localStorage.clear()")  # a new shopper on the same page
    browser.refresh()
    shown(browser, ".fqb-launcher").click()
    connected(browser)
    assert pressed_language(browser) == "fi"  # the page's lang

    # the selector switches the widget and tells the bot; an English question, English answer
    click(browser, '.fqb-langs button[data-lang="en"]')
    wait_for(lambda: pressed_language(browser) == "en", what="the widget to switch to English")
    assert shown(browser, "#fqb-input").get_attribute("placeholder") == texts["en"]["placeholder"]
    before = writes(browser, "how long does delivery take to Finland?")
    delivery = faq.get("delivery_time")
    assert delivery is not None
    says(browser, re.escape(delivery.answer["en"][:40]), before)  # type: ignore[index]

    # and back to Finnish by writing Finnish
    before = writes(browser, "paljonko toimitus maksaa?")
    cost = faq.get("delivery_cost")
    assert cost is not None
    says(browser, re.escape(cost.answer["fi"][:40]), before)  # type: ignore[index]
    wait_for(lambda: pressed_language(browser) == "fi", what="the widget to follow into Finnish")
    assert page_problems(browser) == []
