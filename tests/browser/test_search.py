"""Offline search: it has an accessible name, loads only when wanted, and finds pages."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_search_loads_only_when_opened_and_finds_pages(page, live_server):
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(live_server.url)
    page.wait_for_load_state("networkidle")
    assert not [u for u in requested if "search_index" in u or "/workers/search" in u], requested
    assert page.locator(".md-search").get_attribute("aria-label") == "Search this site"
    page.locator(".md-search__input").click()
    page.locator(".md-search__input").fill("mediation")
    result = page.locator(".md-search-result__item").first
    result.wait_for(state="visible", timeout=10_000)
    assert any("search_index.json" in u for u in requested)
    assert page.locator(".md-search-result__item").count() > 3


def test_search_opens_from_the_keyboard(page, live_server):
    page.goto(live_server.url + "mediation/")
    page.keyboard.press("s")
    page.locator(".md-search__input").fill("certificate")
    page.locator(".md-search-result__item").first.wait_for(state="visible", timeout=10_000)
