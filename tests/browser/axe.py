"""Run axe-core (shipped inside the axe-playwright-python package) in a page."""

from __future__ import annotations

from pathlib import Path

import axe_playwright_python

AXE_JS = Path(axe_playwright_python.__file__).parent / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def run_axe(page) -> list[dict]:
    """axe's violations for the WCAG 2.0, 2.1 and 2.2 A and AA rules (empty when there are none)."""
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
