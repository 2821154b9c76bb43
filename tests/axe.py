"""axe-core in the real-browser tests: WCAG 2.1 A and AA, 0 violations required.

axe-core is vendored (``tests/vendor/axe.min.js``, MPL-2.0, see ``tests/vendor/README.md``)
and injected through WebDriver, so pages need no script of their own and no CDN. It checks
open shadow roots too (the chat widget).

    from tests.axe import assert_no_violations
    assert_no_violations(driver, "the console's queue")
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.browser import keep_log

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
# WCAG 2.0 and 2.1, levels A and AA (axe's own best practices are not part of it)
TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")

_RUN = """
const [context, tags, done] = arguments;
axe.run(context || document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})
  .then((result) => done({violations: result.violations}))
  .catch((error) => done({error: String(error)}));
"""


def violations(driver: Any, context: str | None = None) -> list[dict[str, Any]]:
    """axe's WCAG 2.1 A/AA violations on the current page (or within the ``context`` selector).

    axe sets inline styles while it measures, which a page's CSP refuses (and logs): those log
    lines are dropped; everything else the browser logged is kept for
    :func:`tests.browser.page_problems`.
    """
    kept = keep_log(driver, driver.get_log("browser"))
    if not driver.execute_script("return typeof window.axe === 'object'"):
        driver.execute_script(AXE.read_text(encoding="utf-8"))
    driver.set_script_timeout(120)
    result = driver.execute_async_script(_RUN, context, list(TAGS))
    kept.extend(entry for entry in driver.get_log("browser") if not _axe_inline_style(entry))
    if "error" in result:
        raise AssertionError(f"axe-core failed to run: {result['error']}")
    found: list[dict[str, Any]] = result["violations"]
    return found


def _axe_inline_style(entry: dict[str, Any]) -> bool:
    message = str(entry.get("message"))
    return "Content Security Policy" in message and "inline style" in message


def describe(found: list[dict[str, Any]], per_rule: int = 5) -> str:
    """One line per rule and up to ``per_rule`` offending elements with axe's explanation."""
    lines = []
    for rule in found:
        nodes = rule.get("nodes") or []
        lines.append(
            f"{rule['id']} ({rule.get('impact')}): {rule['help']} — {len(nodes)} element(s)"
        )
        for node in nodes[:per_rule]:
            summary = str(node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    {node.get('target')}: {summary[:300]}")
    return "\n".join(lines)


def assert_no_violations(driver: Any, what: str = "the page", context: str | None = None) -> None:
    """Fail with axe's findings when the page breaks WCAG 2.1 A/AA anywhere."""
    found = violations(driver, context)
    assert not found, f"axe-core: {what} breaks WCAG 2.1 A/AA:\n{describe(found)}"
