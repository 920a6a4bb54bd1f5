"""Run axe-core (shipped inside the axe-playwright-python package) in a page."""

from __future__ import annotations

from pathlib import Path

import axe_playwright_python
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

AXE_JS = Path(axe_playwright_python.__file__).parent / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


# True when no CSS transition or animation with an end is still running: axe judges the page as it settles, not a
# menu caught half faded (the language menu fades out over 0.25 s after focus leaves it: mid-fade its links
# measure 1.09:1 against the page).
SETTLED = """() => document.getAnimations().every(
    (a) => a.playState !== "running" || a.effect === null || a.effect.getComputedTiming().endTime === Infinity
)"""


def run_axe(page) -> list[dict]:
    """axe's violations for the WCAG 2.0, 2.1 and 2.2 A and AA rules (empty when there are none)."""
    try:
        page.wait_for_function(SETTLED, timeout=3000)
    except PlaywrightTimeoutError:
        pass  # still moving after 3 s: judged as it is
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # evaluate() goes through DevTools, so the page's Content-Security-Policy (no inline script) still holds.
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", TAGS
    )
    return result["violations"]


def describe(violations: list[dict]) -> str:
    """A readable list of what axe found, for assertion messages."""
    lines = []
    for v in violations:
        targets = [", ".join(node["target"]) for node in v["nodes"][:5]]
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} -> {targets}")
    return "\n".join(lines)
