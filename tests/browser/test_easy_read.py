"""Easy Read pages in Chromium: each picture sits beside its words (phone, computer and paper), large text,
alt text on every image, no axe violation, no other host, and links to and from the full pages."""

from __future__ import annotations

import pytest

from tests.browser.axe import describe, run_axe

pytestmark = pytest.mark.browser

# Easy Read page -> the full page it comes from.
PAGES = {
    "easy-read/mediation/": "mediation/",
    "easy-read/ask-for-help/": "ask-for-help/",
    "easy-read/your-views/": "child-views/",
}

# For each row: the picture's and the words' boxes, the words' font size and line height, the image's state.
ROWS_JS = """() => [...document.querySelectorAll('.kids-er-row')].map(row => {
  const img = row.querySelector('img');
  const words = row.querySelector('.kids-er-words');
  const box = el => { const r = el.getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, h: r.height}; };
  const style = getComputedStyle(words);
  return {
    picture: box(img), words: box(words), src: img.getAttribute('src'),
    complete: img.complete, naturalWidth: img.naturalWidth,
    fontSize: parseFloat(style.fontSize), lineHeight: parseFloat(style.lineHeight),
    text: words.innerText.trim(),
  };
})"""


def rows_of(page) -> list[dict]:
    rows = page.evaluate(ROWS_JS)
    assert len(rows) >= 8, "an Easy Read page has a row for each idea"
    return rows


def assert_side_by_side(rows: list[dict], min_picture: float) -> None:
    for row in rows:
        picture, words = row["picture"], row["words"]
        where = f"{row['src']} beside {row['text'][:40]!r}"
        assert picture["w"] >= min_picture and picture["h"] >= min_picture, f"picture too small: {where}"
        # The picture is on the left and the words start to its right, not below it.
        assert picture["x"] + picture["w"] <= words["x"] + 1, f"words not beside the picture: {where}"
        # They share the same band of the page: each overlaps the other vertically.
        assert picture["y"] < words["y"] + words["h"] and words["y"] < picture["y"] + picture["h"], where
        assert words["w"] >= 150, f"words squeezed: {where}"


@pytest.mark.parametrize("path", PAGES)
def test_easy_read_page_on_a_computer(page, live_server, path):
    response = page.goto(live_server.url + path)
    assert response is not None and response.status == 200
    assert page.locator("h1").count() == 1
    rows = rows_of(page)
    assert_side_by_side(rows, min_picture=100)
    for row in rows:
        assert row["complete"] and row["naturalWidth"] > 0, f"picture did not load: {row['src']}"
        assert row["fontSize"] >= 24, f"text too small ({row['fontSize']}px): {row['text'][:40]!r}"
        assert row["lineHeight"] >= 1.4 * row["fontSize"], f"lines too close: {row['text'][:40]!r}"
    violations = run_axe(page)
    assert not violations, describe(violations)


@pytest.mark.parametrize("path", PAGES)
def test_easy_read_page_on_a_phone(phone_page, live_server, path):
    phone_page.goto(live_server.url + path)
    rows = rows_of(phone_page)
    assert_side_by_side(rows, min_picture=64)
    for row in rows:
        assert row["fontSize"] >= 20, f"text too small on a phone: {row['text'][:40]!r}"
    overflow = phone_page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{path} is {overflow}px too wide for a phone"
    violations = run_axe(phone_page)
    assert not violations, describe(violations)


@pytest.mark.parametrize("path", PAGES)
def test_every_image_has_alt_text_and_is_our_own(page, live_server, path):
    page.goto(live_server.url + path)
    images = page.evaluate(
        "() => [...document.querySelectorAll('.md-content img')].map(i => ({alt: i.getAttribute('alt'), src: i.src}))"
    )
    assert images
    for image in images:
        assert image["alt"] and image["alt"].strip(), f"no alt text: {image['src']}"
        assert image["src"].startswith(live_server.url + "easy-read/images/"), image["src"]
        assert image["src"].endswith(".svg"), image["src"]


@pytest.mark.parametrize("path", PAGES)
def test_printing_keeps_each_picture_beside_its_words(page, live_server, path):
    page.set_viewport_size({"width": 794, "height": 1123})  # about A4 at 96 dpi
    page.goto(live_server.url + path)
    page.emulate_media(media="print")
    rows = rows_of(page)
    assert_side_by_side(rows, min_picture=80)
    styles = page.evaluate(
        """() => [...document.querySelectorAll('.kids-er-row')].map(row => {
             const s = getComputedStyle(row); return [s.display, s.breakInside];
           })"""
    )
    assert all(display == "grid" and brk == "avoid" for display, brk in styles), styles
    assert page.pdf(format="A4")[:4] == b"%PDF"


@pytest.mark.parametrize(("easy_read", "full"), PAGES.items())
def test_full_page_links_to_easy_read_and_back(page, live_server, easy_read, full):
    page.goto(live_server.url + full)
    link = page.get_by_role("link", name="Read this page in Easy Read")
    assert link.count() == 1
    link.click()  # navigation.instant swaps the content in after the address changes: wait for the rows
    page.wait_for_url(live_server.url + easy_read)
    page.locator(".kids-er-row").first.wait_for()
    assert page.locator(".kids-er-row").count() >= 8
    target = live_server.url + full
    hrefs = page.evaluate("() => [...document.querySelectorAll('.md-content a')].map(a => a.href)")
    assert target in hrefs, f"the Easy Read page does not link back to {target}: {hrefs}"
    page.locator(".md-content a", has_text="Read the full page").first.click()
    page.wait_for_url(live_server.url + full)
    page.locator(".kids-easy-read-link").wait_for()


def test_easy_read_pages_are_in_the_navigation(page, live_server):
    page.goto(live_server.url + "easy-read/mediation/")
    hrefs = page.evaluate(
        "() => [...document.querySelectorAll('.md-nav a')].map(a => new URL(a.href).pathname)"
    )
    for path in PAGES:
        assert "/" + path in hrefs
