"""Helpers of the real-browser tests that drive the web chat widget (web/widget/), on the demo
shop or as the local chat page: its DOM is inside the shadow root of ``#faqbot-widget``."""

from __future__ import annotations

import re
import time
from typing import Any

from tests.browser import wait_for

# the widget's messages (without the screen-reader-only "who" prefix), oldest first
MESSAGES = """
const root = document.getElementById('faqbot-widget').shadowRoot;
return Array.from(root.querySelectorAll('.fqb-log .fqb-row:not(.fqb-typing):not(.fqb-welcome)'),
  (row) => {
    const bubble = row.querySelector('.fqb-bubble').cloneNode(true);
    bubble.querySelector('.fqb-sr').remove();
    const name = row.querySelector('.fqb-name');
    const avatar = row.querySelector('.fqb-avatar');
    const time = row.querySelector('time');
    return {kind: row.className.match(/fqb-from-(\\w+)/)[1], text: bubble.textContent,
            name: name ? name.textContent : '', avatar: avatar ? avatar.textContent : '',
            time: time ? time.getAttribute('datetime') : ''};
  });
"""


def inside(browser: Any, selector: str) -> list[Any]:
    """Elements in the widget's shadow root."""
    from selenium.common.exceptions import NoSuchElementException
    from selenium.webdriver.common.by import By

    try:
        root = browser.find_element(By.ID, "faqbot-widget").shadow_root
    except NoSuchElementException:
        return []
    return list(root.find_elements(By.CSS_SELECTOR, selector))


def shown(browser: Any, selector: str, timeout: float = 10.0) -> Any:
    """The first displayed element in the widget matching ``selector`` (waits for it)."""

    def found() -> Any:
        elements = [e for e in inside(browser, selector) if e.is_displayed()]
        return elements[0] if elements else None

    return wait_for(found, timeout, f"{selector} in the widget")


def click(browser: Any, selector: str) -> None:
    """Click, looking the element up again when the widget redrew it meanwhile."""
    from selenium.common.exceptions import StaleElementReferenceException

    for _attempt in range(5):
        try:
            shown(browser, selector).click()
            return
        except StaleElementReferenceException:
            time.sleep(0.1)
    raise AssertionError(f"{selector} kept being redrawn")


def messages(browser: Any, kind: str | None = None) -> list[dict[str, str]]:
    """The messages shown ("user", "bot" or "agent" ones, or all), oldest first."""
    found = list(browser.execute_script(MESSAGES))
    return [m for m in found if kind is None or m["kind"] == kind]


def says(browser: Any, pattern: str, after: int, kind: str = "bot", timeout: float = 20) -> str:
    """The first ``kind`` message after the first ``after`` ones that matches ``pattern``."""

    def found() -> str | None:
        texts = [m["text"] for m in messages(browser, kind)[after:]]
        return next((t for t in texts if re.search(pattern, t)), None)

    return str(wait_for(found, timeout, f"a {kind} message matching {pattern!r}"))


def writes(browser: Any, text: str) -> int:
    """Type and send a message; returns how many bot messages there were before."""
    from selenium.webdriver.common.keys import Keys

    before = len(messages(browser, "bot"))
    shown(browser, "#fqb-input").send_keys(text, Keys.ENTER)
    wait_for(lambda: text in [m["text"] for m in messages(browser, "user")], what=repr(text))
    return before


def connected(browser: Any) -> None:
    wait_for(
        lambda: any(
            e.get_attribute("data-state") == "connected" for e in inside(browser, ".fqb-status")
        ),
        timeout=20,
        what="the widget to connect",
    )


def banner(browser: Any) -> tuple[str, str]:
    """The handoff banner's state and text (("", "") when none is shown)."""
    found = [e for e in inside(browser, ".fqb-banner") if e.is_displayed()]
    return (found[0].get_attribute("data-state"), found[0].text) if found else ("", "")


def pressed_language(browser: Any) -> str:
    return next(
        e.get_attribute("data-lang")
        for e in inside(browser, ".fqb-langs button")
        if e.get_attribute("aria-pressed") == "true"
    )


def blur(browser: Any) -> None:
    """Take the focus out of the widget (no focus ring or caret in screenshots)."""
    browser.execute_script(
        "document.getElementById('faqbot-widget').shadowRoot.activeElement?.blur()"
    )
