"""Browser fixtures: Debian's Chromium driven by Playwright's Python package (no browser download, ever)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


class PageWatch:
    """What a page asked for and complained about."""

    def __init__(self) -> None:
        self.other_hosts: list[str] = []
        self.console_errors: list[str] = []


@pytest.fixture
def watch() -> PageWatch:
    return PageWatch()


def _new_page(browser, site_url: str, watch: PageWatch, **context_args):
    context = browser.new_context(**context_args)
    page = context.new_page()
    page.set_default_timeout(10_000)
    allowed = urlsplit(site_url).netloc

    def on_request(request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in {"http", "https", "ws", "wss"} and parts.netloc != allowed:
            watch.other_hosts.append(request.url)

    def block_others(route) -> None:
        if urlsplit(route.request.url).netloc == allowed:
            route.continue_()
        else:
            route.abort()

    page.on("request", on_request)
    page.on("console", lambda m: watch.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: watch.console_errors.append(str(e)))
    context.route("**/*", block_others)
    return context, page


def _assert_clean(watch: PageWatch) -> None:
    """The page asked no other host for anything and logged no console error."""
    assert not watch.other_hosts, f"requests to other hosts: {watch.other_hosts}"
    assert not watch.console_errors, f"console errors: {watch.console_errors}"


@pytest.fixture
def page(browser, site_url: str, watch: PageWatch) -> Iterator:
    """A fresh page; the test fails if it asks another host for anything or logs a console error."""
    context, page = _new_page(browser, site_url, watch)
    yield page
    context.close()
    _assert_clean(watch)


@pytest.fixture
def phone_page(browser, site_url: str, watch: PageWatch) -> Iterator:
    """A page the size of a phone (390x844), with touch."""
    context, page = _new_page(
        browser,
        site_url,
        watch,
        viewport={"width": 390, "height": 844},
        has_touch=True,
        is_mobile=True,
        device_scale_factor=2,
    )
    yield page
    context.close()
    _assert_clean(watch)


@pytest.fixture
def nojs_page(browser, site_url: str, watch: PageWatch) -> Iterator:
    """A page with JavaScript switched off."""
    context, page = _new_page(browser, site_url, watch, java_script_enabled=False)
    yield page
    context.close()
    assert not watch.other_hosts, f"requests to other hosts: {watch.other_hosts}"
