"""Shared helpers of the real-browser tests (Debian's chromium driven headless by Selenium)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


def require_browser() -> None:
    """Skip without chromium, unless FAQBOT_REQUIRE_BROWSER=1 (CI), where it fails instead."""
    if CHROMIUM.exists() and CHROMEDRIVER.exists():
        return
    reason = f"needs {CHROMIUM} and {CHROMEDRIVER} (apt-get install chromium chromium-driver)"
    if os.environ.get("FAQBOT_REQUIRE_BROWSER") == "1":
        pytest.fail(f"FAQBOT_REQUIRE_BROWSER=1 but the browser is missing: {reason}")
    pytest.skip(reason)


def chrome(width: int, height: int, language: str = "en-GB") -> Any:
    """A headless Chromium whose page (not window) is ``width`` × ``height``."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--window-size={width},{height}",
        f"--lang={language}",
    ):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"intl.accept_languages": language})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    browser.set_window_size(width, height)
    viewport(browser, width, height)
    return browser


def viewport(browser: Any, width: int, height: int, mobile: bool = False) -> None:
    """Size the page itself (the window size of headless Chrome includes its frame)."""
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
    )


def wait_for(check: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    """Poll ``check`` until it returns something truthy; a redrawn (stale) element means retry."""
    from selenium.common.exceptions import StaleElementReferenceException

    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
        except StaleElementReferenceException:  # live pages redraw themselves: look again
            result = None
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def css(browser: Any, selector: str) -> list[Any]:
    """Elements matching a CSS selector."""
    from selenium.webdriver.common.by import By

    return list(browser.find_elements(By.CSS_SELECTOR, selector))


def visible(browser: Any, selector: str, timeout: float = 10.0) -> Any:
    """The first displayed element matching ``selector`` (waits for it)."""

    def found() -> Any:
        shown = [e for e in css(browser, selector) if e.is_displayed()]
        return shown[0] if shown else None

    return wait_for(found, timeout, f"{selector} to be visible")


def text_of(browser: Any, selector: str) -> str:
    """Text of the first element matching ``selector`` ("" when there is none)."""

    def read() -> tuple[str]:
        elements = css(browser, selector)
        return (str(elements[0].text) if elements else "",)

    return str(wait_for(read, 5.0, f"{selector} to stop being redrawn")[0])


def click(browser: Any, selector: str) -> None:
    """Click, looking the element up again when the page redrew it meanwhile."""
    from selenium.common.exceptions import StaleElementReferenceException

    for _attempt in range(10):
        try:
            visible(browser, selector).click()
            return
        except StaleElementReferenceException:
            time.sleep(0.1)
    raise AssertionError(f"{selector} kept being redrawn")


def keep_log(browser: Any, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keep browser log entries read by a helper (tests/axe.py) for :func:`page_problems`."""
    kept: list[dict[str, Any]] = browser.__dict__.setdefault("faqbot_kept_log", [])
    kept.extend(entries)
    return kept


def page_problems(browser: Any) -> list[str]:
    """JavaScript errors and CSP violations in the browser console (HTTP errors are expected)."""
    entries = browser.__dict__.pop("faqbot_kept_log", []) + browser.get_log("browser")
    return [
        entry["message"]
        for entry in entries
        if entry["level"] == "SEVERE" and "Failed to load resource" not in entry["message"]
    ]


DOCS = Path(__file__).resolve().parent.parent / "docs"


def screenshot(browser: Any, name: str, fallback_dir: Path) -> Path:
    """Save a screenshot; into the tracked ``docs/`` only with FAQBOT_SCREENSHOTS=1.

    Test runs then leave the working tree clean; ``FAQBOT_SCREENSHOTS=1 make test`` refreshes the
    pictures in the docs.
    """
    folder = DOCS if os.environ.get("FAQBOT_SCREENSHOTS") == "1" else fallback_dir
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    assert browser.save_screenshot(str(path)), f"could not save the screenshot {path}"
    return path
