"""Every built page, in Chromium: axe finds nothing, no other host is asked, no console error, a working skip link,
and no sideways scrolling on a phone."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.axe import describe, run_axe

pytestmark = pytest.mark.browser


def built_pages(site_dir: Path) -> list[str]:
    pages = []
    for index in sorted(site_dir.rglob("*.html")):
        relative = index.relative_to(site_dir).as_posix()
        if relative.startswith(("assets/", "search/")):
            continue
        pages.append(relative.removesuffix("index.html"))
    return pages


def test_every_page_passes_axe_and_asks_no_other_host(page, live_server, watch):
    pages = built_pages(live_server.site_dir)
    assert len(pages) >= 15, pages
    problems = []
    for path in pages:
        expected = 404 if path == "404.html" else 200
        response = page.goto(live_server.url + ("no-such-page/" if path == "404.html" else path))
        assert response is not None
        assert response.status == expected, path
        if expected == 404:  # the browser reports the 404 itself as a console error: expected here
            watch.console_errors = [e for e in watch.console_errors if "404" not in e]
        violations = run_axe(page)
        if violations:
            problems.append(f"{path}:\n{describe(violations)}")
    assert not problems, "\n\n".join(problems)


def test_every_page_fits_a_phone_screen(phone_page, live_server):
    wide = []
    for path in built_pages(live_server.site_dir):
        phone_page.goto(live_server.url + path)
        overflow = phone_page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 0:
            wide.append(f"{path} is {overflow}px too wide")
        violations = run_axe(phone_page)
        if violations:
            wide.append(f"{path}:\n{describe(violations)}")
    assert not wide, "\n".join(wide)


def test_skip_link_reaches_the_main_content(page, live_server):
    page.goto(live_server.url + "mediation/")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.textContent.trim()")
    assert focused.lower().startswith("skip to")
    page.keyboard.press("Enter")
    page.wait_for_timeout(100)
    target = page.evaluate("() => location.hash")
    assert target, "the skip link did not move to the content"
    in_main = page.evaluate(
        "h => !!document.querySelector('.md-content').contains(document.getElementById(decodeURIComponent(h.slice(1))))",
        target,
    )
    assert in_main


def test_pages_work_without_javascript(nojs_page, live_server):
    response = nojs_page.goto(live_server.url + "which-service/")
    assert response is not None and response.status == 200
    assert nojs_page.locator("h1").count() == 1
    assert nojs_page.locator("main a").count() > 3


def test_the_server_sends_security_headers(live_server):
    import urllib.request

    with urllib.request.urlopen(live_server.url) as response:
        headers = response.headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"]


@pytest.mark.parametrize("path", ["", "forms/child-views/", "ar/", "privacy/"])
def test_at_320_px_nothing_scrolls_sideways_and_the_closed_menu_is_not_in_the_tab_order(
    page, nojs_page, live_server, path
):
    """WCAG 1.4.10 at 320 CSS px, with JavaScript and without; the closed menu drawer's links are skipped by Tab."""
    for each in (page, nojs_page):
        each.set_viewport_size({"width": 320, "height": 640})
        each.goto(live_server.url + path)
        overflow = each.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path or '/'} is {overflow}px too wide"
    presses = 0
    while presses < 15 and not page.evaluate("() => !!document.activeElement.closest('.md-content')"):
        page.keyboard.press("Tab")
        presses += 1
    assert presses <= 10, f"{presses} presses of Tab before the content of {path or '/'}"
