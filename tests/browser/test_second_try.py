"""Forms that forgive the second try (issue 18), in Chromium: Back after sending, a reload of the views form, errors
in the views form one question at a time, and a file refused when it is added, not at Send."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from functions.forms.domain.facts import read_facts
from tests.browser.axe import describe, run_axe
from tests.browser.conftest import ARGS, CHROMIUM, PageWatch, _assert_clean, _new_page
from tests.browser.test_referral_form import fill_referral

pytestmark = pytest.mark.browser

REFERENCE = re.compile(r"[A-HJ-NP-Y2-9]{8}")


def wait_for_the_time_trap(page) -> None:
    """The time trap holds a form sent faster than a person could (FORMS_MIN_SECONDS, 3 by default)."""
    seconds = float(os.environ.get("FORMS_MIN_SECONDS", "3"))
    if seconds > 0:
        page.wait_for_timeout(seconds * 1000 + 100)


@pytest.fixture(scope="module")
def bfcache_browser(browser):
    """Chromium with its back/forward cache, as people have it (Playwright switches the cache off by default)."""
    cached = browser.browser_type.launch(
        executable_path=CHROMIUM, args=ARGS, ignore_default_args=["--disable-back-forward-cache"]
    )
    yield cached
    cached.close()


@pytest.fixture
def bfcache_page(bfcache_browser, site_url: str, watch: PageWatch) -> Iterator:
    context, page = _new_page(bfcache_browser, site_url, watch)
    # Whether each page shown came from the back/forward cache.
    page.add_init_script(
        "window.addEventListener('pageshow', function (e) { window.__kidsPersisted = e.persisted; });"
    )
    yield page
    context.close()
    _assert_clean(watch)


def no_axe_violations(page) -> None:
    violations = run_axe(page)
    assert not violations, describe(violations)


def team_emails(live_server, text: str) -> list[str]:
    """The team's emails (not the family's copies) that hold this text."""
    found = []
    for path in sorted(live_server.outbox.glob("*.eml")):
        content = path.read_text(encoding="utf-8", errors="replace")
        if text in content:
            found.append(content)
    return found


def send_referral(page) -> str:
    """From a filled-in form: Continue, check, Send; the reference on the confirmation page."""
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Check your answers before sending").wait_for()
    wait_for_the_time_trap(page)
    page.get_by_role("button", name="Send my request").click()
    page.wait_for_url(re.compile(r".*/forms/referral-sent/\?reference=.*"))
    reference = page.locator("[data-kids-fill='reference']").first.inner_text().strip()
    assert REFERENCE.fullmatch(reference), reference
    return reference


def back(page, path: str) -> None:
    """Back, as a person presses it; a page from the back/forward cache fires no load event, so none is awaited."""
    page.go_back(wait_until="commit")
    page.wait_for_function(
        "(path) => location.pathname.endsWith(path) && document.readyState !== 'loading'", arg=path
    )


def no_frozen_button(page) -> None:
    """No button is left greyed out on "Sending…"."""
    frozen = page.evaluate(
        "() => Array.from(document.querySelectorAll('form button')).filter(b => b.offsetParent !== null &&"
        " (b.disabled || /Sending/.test(b.textContent))).map(b => b.textContent)"
    )
    assert frozen == [], frozen


def sent_notice_says(page, reference: str) -> None:
    notice = page.locator("[data-kids-sent-notice]")
    notice.wait_for(state="visible")
    assert reference in notice.inner_text()
    # The reference is isolated left to right (it reads the same in Arabic and Urdu pages).
    assert notice.locator("bdi[dir=ltr]").inner_text() == reference


# 2. Back after sending ------------------------------------------------------------------------------------


def test_back_after_sending_a_referral_says_it_was_sent_and_sending_again_is_the_same_request(
    bfcache_page, live_server
):
    page = bfcache_page
    page.goto(live_server.url + "forms/referral/")
    fill_referral(page, "Bea Backbutton-Cached")
    reference = send_referral(page)
    back(page, "/forms/referral/")
    assert page.evaluate("window.__kidsPersisted") is True  # the page came back from the back/forward cache
    no_frozen_button(page)
    sent_notice_says(page, reference)
    no_axe_violations(page)
    # Sending the same answers again: the same request, the same reference, and no second email.
    page.get_by_role("button", name="Send my request").click()
    page.wait_for_url(re.compile(r".*/forms/referral-sent/\?reference=.*"))
    assert page.locator("[data-kids-fill='reference']").first.inner_text().strip() == reference
    assert len(team_emails(live_server, "Bea Backbutton-Cached")) == 1


def test_back_after_sending_a_referral_without_the_cache_shows_the_reference_and_an_empty_form(
    page, live_server
):
    page.goto(live_server.url + "forms/referral/")
    fill_referral(page, "Bea Backbutton-Reloaded")
    reference = send_referral(page)
    page.go_back()  # Playwright's Chromium has no back/forward cache: the page loads again
    page.wait_for_url(re.compile(r".*/forms/referral/$"))
    no_frozen_button(page)
    sent_notice_says(page, reference)
    assert page.get_by_label("Your full name").input_value() == ""
    assert not page.get_by_label("A parent or carer").is_checked()
    no_axe_violations(page)
    # A new request made from the empty form is a new request.
    fill_referral(page, "Bea Backbutton-Again")
    second = send_referral(page)
    assert second != reference
    assert len(team_emails(live_server, "Bea Backbutton-Reloaded")) == 1
    assert len(team_emails(live_server, "Bea Backbutton-Again")) == 1


def test_a_referral_sent_whose_confirmation_never_came_is_the_same_request_when_sent_again(
    page, live_server, watch
):
    page.goto(live_server.url + "forms/referral/")
    fill_referral(page, "Nia Neverconfirmed")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Check your answers before sending").wait_for()
    wait_for_the_time_trap(page)
    # The request is stored, then the connection drops before the confirmation page comes.
    answers: list[dict] = []

    def through(route) -> None:
        response = route.fetch()
        answers.append(response.json())
        route.fulfill(response=response)

    page.route("**/api/referrals", through)
    page.route("**/forms/referral-sent/**", lambda route: route.abort())
    page.get_by_role("button", name="Send my request").click()
    for _ in range(50):
        if answers:
            break
        page.wait_for_timeout(100)
    reference = answers[0]["reference"]
    page.wait_for_timeout(300)
    page.unroute("**/forms/referral-sent/**")
    page.unroute("**/api/referrals")
    page.goto(live_server.url + "forms/referral/")
    # The answers are back, and the page says they were sent.
    assert page.get_by_label("Your full name").input_value() == "Nia Neverconfirmed"
    sent_notice_says(page, reference)
    wait_for_the_time_trap(page)
    assert send_referral(page) == reference
    assert len(team_emails(live_server, "Nia Neverconfirmed")) == 1
    # The confirmation page has been shown: the answers are no longer kept on the device.
    assert page.evaluate("sessionStorage.getItem('kids-form:referral')") is None
    # The aborted confirmation page is reported by the browser itself: expected here.
    watch.console_errors = [
        e for e in watch.console_errors if "ERR_FAILED" not in e and "ERR_ABORTED" not in e
    ]


def test_back_after_sending_views_says_they_were_sent_and_sending_again_is_the_same_request(
    bfcache_page, live_server
):
    page = bfcache_page
    page.goto(live_server.url + "forms/child-views/")
    page.get_by_label("What do you like to be called?").fill("Bobby Backbutton")
    while not page.locator('[data-field="agree_to_send"]').is_visible():
        page.get_by_role("button", name="Next").click()
    page.get_by_label("I am happy for you to send this to the mediator").check()
    wait_for_the_time_trap(page)
    page.get_by_role("button", name="Send my views").click()
    page.wait_for_url(re.compile(r"/forms/child-views-sent/\?reference="))
    reference = page.locator('[data-kids-fill="reference"]').inner_text().strip()
    back(page, "/forms/child-views/")
    assert page.evaluate("window.__kidsPersisted") is True
    no_frozen_button(page)
    sent_notice_says(page, reference)
    no_axe_violations(page)
    page.get_by_role("button", name="Send my views").click()
    page.wait_for_url(re.compile(r"/forms/child-views-sent/\?reference="))
    assert page.locator('[data-kids-fill="reference"]').inner_text().strip() == reference
    assert len(team_emails(live_server, "Bobby Backbutton")) == 1


def test_back_after_sending_views_without_the_cache_shows_the_reference_and_an_empty_form(page, live_server):
    page.goto(live_server.url + "forms/child-views/")
    page.get_by_label("What do you like to be called?").fill("Robin Reloaded")
    while not page.locator('[data-field="agree_to_send"]').is_visible():
        page.get_by_role("button", name="Next").click()
    page.get_by_label("I am happy for you to send this to the mediator").check()
    wait_for_the_time_trap(page)
    page.get_by_role("button", name="Send my views").click()
    page.wait_for_url(re.compile(r"/forms/child-views-sent/\?reference="))
    reference = page.locator('[data-kids-fill="reference"]').inner_text().strip()
    back(page, "/forms/child-views/")
    no_frozen_button(page)
    sent_notice_says(page, reference)
    assert re.fullmatch(r"Question 1 of \d+", page.locator(".kids-steps__count").inner_text())
    assert page.get_by_label("What do you like to be called?").input_value() == ""
    no_axe_violations(page)
    assert len(team_emails(live_server, "Robin Reloaded")) == 1


# 3. A reload of the views form ----------------------------------------------------------------------------


def drawing(tmp_path: Path, name: str) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 120, 200)).save(buffer, "PNG")
    path = tmp_path / name
    path.write_bytes(buffer.getvalue())
    return path


def next_until(page, field: str) -> None:
    """Next, until the question about this field is shown."""
    for _ in range(30):
        if page.locator(f'[data-field="{field}"]').is_visible():
            return
        page.get_by_role("button", name="Next").click()
    raise AssertionError(f"no question for {field}")


def test_a_reload_keeps_the_views_answers_and_the_question_and_names_the_files_to_choose_again(
    page, live_server, tmp_path
):
    page.goto(live_server.url + "forms/child-views/")
    count = page.locator(".kids-steps__count")
    page.get_by_label("What do you like to be called?").fill("Remy Reload")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("How old are you?").fill("9")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Me, with some help").check()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("What is going well for you?").fill("Painting.\nBreak time with Jo.")
    next_until(page, "files")
    page.locator("#files").set_input_files(str(drawing(tmp_path, "rainbow.png")))
    page.get_by_text("rainbow.png is added").wait_for()
    page.get_by_role("button", name="Next").click()
    where = count.inner_text()
    assert where != "Question 1 of " + where.rsplit(" ", 1)[1]

    page.reload()
    # The question the child was on, and every answer.
    assert count.inner_text() == where
    assert page.locator("#about-name").input_value() == "Remy Reload"
    assert page.locator("#about-age").input_value() == "9"
    assert page.locator("input[value='me_with_help']").is_checked()
    assert page.get_by_label("What is going well for you?", exact=False).input_value() == (
        "Painting.\nBreak time with Jo."
    )
    # The file cannot be kept: the page says which one to choose again, by name, at once and at its question.
    notice = page.locator(".kids-files-notice")
    assert notice.is_visible() and "rainbow.png" in notice.inner_text()
    no_axe_violations(page)
    page.get_by_role("button", name="Back", exact=True).click()
    again = page.locator("[data-field='files'] .kids-files-again")
    assert again.is_visible() and "rainbow.png" in again.inner_text()
    assert "files-again" in (page.locator("#files").get_attribute("aria-describedby") or "")
    no_axe_violations(page)
    # Chosen again: the messages go.
    page.locator("#files").set_input_files(str(drawing(tmp_path, "rainbow.png")))
    page.get_by_text("rainbow.png is added").wait_for()
    assert not again.is_visible() and not notice.is_visible()


def test_after_views_are_sent_their_answers_are_no_longer_kept(page, live_server):
    page.goto(live_server.url + "forms/child-views/")
    page.get_by_label("What do you like to be called?").fill("Kit Cleared")
    next_until(page, "agree_to_send")
    page.get_by_label("I am happy for you to send this to the mediator").check()
    assert "Kit Cleared" in (page.evaluate("sessionStorage.getItem('kids-form:child-views')") or "")
    wait_for_the_time_trap(page)
    page.get_by_role("button", name="Send my views").click()
    page.wait_for_url(re.compile(r"/forms/child-views-sent/\?reference="))
    assert page.evaluate("sessionStorage.getItem('kids-form:child-views')") is None


# 12. Errors after Send in the views form ------------------------------------------------------------------


def test_errors_after_send_stay_one_question_at_a_time_on_the_first_question_with_an_error(
    page, live_server, watch
):
    page.goto(live_server.url + "forms/child-views/")
    page.get_by_label("What do you like to be called?").fill("Erin Errors")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("How old are you?").fill("two hundred")
    next_until(page, "agree_to_send")  # the box to agree stays empty
    wait_for_the_time_trap(page)
    page.get_by_role("button", name="Send my views").click()
    summary = page.locator("[data-kids-error-summary]")
    summary.wait_for(state="visible")
    watch.console_errors = [e for e in watch.console_errors if "status of 400" not in e]
    # One question at a time: the first one with an error (the age, question 2), not every question on one page.
    count = page.locator(".kids-steps__count")
    assert count.is_visible() and count.inner_text().startswith("Question 2 of ")
    assert page.locator("[data-field]:visible").count() == 1
    assert page.locator('[data-field="about.age"]').is_visible()
    assert page.locator("#about-age-error").is_visible()
    # The summary lists and links every error; a link goes to its own question.
    links = summary.locator("a")
    assert links.count() >= 2
    no_axe_violations(page)
    agree = summary.get_by_role("link", name=re.compile("Tick the box"))
    agree.click()
    assert page.locator('[data-field="agree_to_send"]').is_visible()
    assert page.evaluate("document.activeElement.id") == "agree_to_send"
    assert not page.locator('[data-field="about.age"]').is_visible()


# 5. A file that is not what its name says ------------------------------------------------------------------


def test_a_file_that_is_not_a_picture_is_refused_by_name_when_it_is_added(page, live_server, tmp_path):
    fake = tmp_path / "x.png"
    fake.write_bytes(b"This is a letter, not a picture.\n" * 20)
    page.goto(live_server.url + "forms/child-views/")
    next_until(page, "files")
    page.locator("#files").set_input_files(str(fake))
    error = page.locator("[data-field='files'] .kids-error-message")
    error.wait_for(state="visible")
    assert "x.png" in error.inner_text()
    assert page.locator(".kids-file-list").inner_text().strip() == ""
    no_axe_violations(page)


# 8. Phones: every state of every control readable; nothing floats over the form -----------------------------

CONTRAST = """(el) => {
  function rgba(text) {
    var m = text.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return [0, 0, 0, 0];
    var p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  }
  function over(top, bottom) {
    var a = top[3];
    return [0, 1, 2].map(function (i) { return top[i] * a + bottom[i] * (1 - a); }).concat([1]);
  }
  function background(node) {
    var layers = [];
    for (; node && node.nodeType === 1; node = node.parentElement) {
      var c = rgba(getComputedStyle(node).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    var colour = [255, 255, 255, 1];
    for (var i = layers.length - 1; i >= 0; i--) colour = over(layers[i], colour);
    return colour;
  }
  function luminance(c) {
    var v = c.slice(0, 3).map(function (x) { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
  }
  var style = getComputedStyle(el);
  var back = background(el);
  var opacity = 1;
  for (var n = el; n && n.nodeType === 1; n = n.parentElement) opacity *= Number(getComputedStyle(n).opacity);
  var fore = over(rgba(style.color), back);
  if (opacity < 1) { fore = over(fore.slice(0, 3).concat([opacity]), [255, 255, 255, 1]); back = over(back.slice(0, 3).concat([opacity]), [255, 255, 255, 1]); }
  var a = luminance(fore), b = luminance(back);
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


def contrast(locator) -> float:
    return float(locator.evaluate(CONTRAST))


def test_on_a_touch_screen_a_tapped_secondary_button_keeps_its_contrast(phone_page, live_server):
    page = phone_page
    page.goto(live_server.url + "forms/child-views/")
    assert page.evaluate("matchMedia('(hover: hover)').matches") is False  # a touch screen, as emulated
    page.get_by_role("button", name="Next").tap()
    page.get_by_role("button", name="Next").tap()
    back = page.get_by_role("button", name="Back", exact=True)
    back.tap()  # the browser now counts the button as hovered, and keeps it so
    assert back.is_visible() and back.evaluate("b => b.matches(':hover')")
    page.evaluate("document.activeElement.blur()")
    assert contrast(back) >= 4.5, contrast(back)


def test_every_state_of_the_forms_buttons_keeps_its_contrast(page, live_server):
    page.goto(live_server.url + "forms/child-views/")
    page.get_by_role("button", name="Next").click()
    for name in ("Next", "Back"):
        button = page.get_by_role("button", name=name, exact=True)
        assert contrast(button) >= 4.5, (name, "normal", contrast(button))
        button.hover()
        assert contrast(button) >= 4.5, (name, "hover", contrast(button))
        button.focus()
        assert contrast(button) >= 4.5, (name, "focus", contrast(button))
        button.evaluate("b => { b.blur(); b.disabled = true; }")
        assert contrast(button) >= 4.5, (name, "busy", contrast(button))
        button.evaluate("b => { b.disabled = false; }")


def test_there_is_no_floating_back_to_top_button(phone_page, live_server):
    page = phone_page
    page.goto(live_server.url + "forms/referral/")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_timeout(300)
    assert page.locator(".md-top, [data-md-component=top]").count() == 0


# 9. Right-to-left pages -----------------------------------------------------------------------------------


def built_pages(live_server, lang: str) -> list[str]:
    """Every page built for a language, as an address under the site."""
    root = live_server.site_dir
    pages = []
    for path in sorted((root / lang).rglob("index.html")):
        relative = path.parent.relative_to(root).as_posix()
        if "/search" not in relative:
            pages.append(relative + "/")
    assert len(pages) > 20, pages
    return pages


WIDTHS = (390, 320)

# Where the phone number is in its reading order: the x of its first digit and of its last digit, and whether it is on
# one line, inside a left-to-right isolate.
PHONE_LAYOUT = """(link) => {
  const bdi = link.querySelector('bdi');
  const isolated = !!bdi && getComputedStyle(bdi).direction === 'ltr' &&
    /isolate|plaintext/.test(getComputedStyle(bdi).unicodeBidi);
  const text = (bdi || link).firstChild;
  const range = document.createRange();
  range.setStart(text, 0); range.setEnd(text, 1);
  const first = range.getBoundingClientRect();
  range.setStart(text, text.length - 1); range.setEnd(text, text.length);
  const last = range.getBoundingClientRect();
  return {isolated: isolated, lines: (bdi || link).getClientRects().length, firstX: first.left, lastX: last.left,
          text: (bdi || link).textContent, sameLine: Math.abs(first.top - last.top) < 2};
}"""


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", ["ar", "ur"])
def test_right_to_left_pages_have_no_sideways_scroll_a_whole_title_and_the_phone_number_in_order(
    browser, site_url, watch, live_server, lang, width
):
    context, page = _new_page(
        browser, site_url, watch, viewport={"width": width, "height": 800}, is_mobile=True, has_touch=True
    )
    try:
        for address in built_pages(live_server, lang):
            page.goto(live_server.url + address)
            sizes = page.evaluate(
                "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            assert sizes[0] <= sizes[1], (address, width, sizes)
            title = page.locator(".md-header__title .md-header__topic").first.locator(".md-ellipsis")
            assert title.evaluate("e => e.scrollWidth <= e.clientWidth"), (address, width)
            for link in page.locator("a.kids-tel").all():
                if not link.is_visible():
                    continue
                layout = link.evaluate(PHONE_LAYOUT)
                assert layout["isolated"] and layout["lines"] == 1 and layout["sameLine"], (address, layout)
                assert layout["text"] == "03330 062 835" and layout["firstX"] < layout["lastX"], (
                    address,
                    layout,
                )
    finally:
        context.close()
    _assert_clean(watch)


def test_a_right_to_left_page_with_the_phone_number_passes_axe_on_a_small_phone(browser, site_url, watch):
    context, page = _new_page(browser, site_url, watch, viewport={"width": 320, "height": 640})
    try:
        for address in ("ar/", "ur/ask-for-help/", "ar/forms/referral-sent/?reference=ABCD2345"):
            page.goto(site_url + address)
            no_axe_violations(page)
    finally:
        context.close()
    _assert_clean(watch)


# 10. Tap to call ------------------------------------------------------------------------------------------

PHONE_TEXT = re.compile(r"0\s*3\s*3\s*3\s*0\s*0\s*6\s*2\s*8\s*3\s*5")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class PhoneFinder(HTMLParser):
    """The phone number in a page's text (not in attributes, its head or its scripts) outside a tel: link; links in
    links."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[tuple[str, dict]] = []
        self.unlinked: list[str] = []
        self.nested: int = 0
        self.tel_links: list[str] = []
        self.mail_links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        attributes = dict(attrs)
        if tag == "a":
            if any(t == "a" for t, _ in self.open):
                self.nested += 1
            href = attributes.get("href") or ""
            if href.startswith("tel:"):
                self.tel_links.append(href)
            if href.startswith("mailto:"):
                self.mail_links.append(href)
        self.open.append((tag, attributes))

    def handle_endtag(self, tag):
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i][0] == tag:
                del self.open[i:]
                return

    def handle_data(self, data):
        if not PHONE_TEXT.search(data):
            return
        tags = [t for t, _ in self.open]
        if "head" in tags or "script" in tags or "style" in tags:
            return
        if not any(t == "a" and (a.get("href") or "").startswith("tel:") for t, a in self.open):
            self.unlinked.append(f"{' > '.join(tags[-4:])}: {data.strip()[:80]}")


def test_every_phone_number_on_every_page_is_a_tel_link_and_the_footer_has_phone_and_email(live_server):
    facts = read_facts()
    pages = sorted(live_server.site_dir.rglob("*.html"))
    assert len(pages) > 100
    problems = {}
    for path in pages:
        finder = PhoneFinder()
        finder.feed(path.read_text(encoding="utf-8"))
        found = finder.unlinked + ([f"{finder.nested} links inside links"] if finder.nested else [])
        if found:
            problems[path.relative_to(live_server.site_dir).as_posix()] = found
        if path.name == "index.html" and "search" not in path.parts:
            footer = path.read_text(encoding="utf-8").split('<footer class="md-footer">', 1)
            assert len(footer) == 2, path
            assert f'href="tel:{facts["phone_link"]}"' in footer[1], path
            assert f'href="mailto:{facts["email"]}"' in footer[1], path
    assert not problems, problems
    # The dates helper's data and the pages' descriptions keep the plain number (attributes, the head).
    dates = (live_server.site_dir / "work-out-your-dates" / "index.html").read_text(encoding="utf-8")
    assert "&#34;phone&#34;:&#34;03330 062 835&#34;" in dates or '"phone": "03330 062 835"' in dates


def test_the_footer_carries_the_phone_number_and_email_address_as_links(page, live_server):
    facts = read_facts()
    for address in ("", "ar/forms/referral/"):
        page.goto(live_server.url + address)
        footer = page.locator("footer.md-footer")
        assert footer.locator(f'a[href="tel:{facts["phone_link"]}"]').inner_text() == facts["phone"]
        assert footer.locator(f'a[href="mailto:{facts["email"]}"]').inner_text() == facts["email"]
        no_axe_violations(page)


# 11. The editor's pencil ----------------------------------------------------------------------------------

FORM_PAGES = (
    "forms/referral/",
    "forms/referral-sent/",
    "forms/child-views/",
    "forms/child-views-sent/",
    "pl/forms/referral/",
    "ur/forms/referral-sent/",
    "ar/forms/child-views/",
    "ar/forms/child-views-sent/",
)


def test_no_edit_link_on_the_forms_and_their_confirmation_pages(page, live_server):
    for address in FORM_PAGES:
        page.goto(live_server.url + address)
        assert page.locator("a[rel=edit], .md-content__button").count() == 0, address


def test_on_a_text_page_the_edit_link_comes_after_the_content(page, live_server):
    page.goto(live_server.url + "mediation/")
    edit = page.locator("a[rel=edit]")
    assert edit.count() == 1
    # The last link of the page's text, and the first 10 presses of Tab never reach it.
    assert (
        page.evaluate(
            "() => { const links = document.querySelectorAll('article a'); return links[links.length - 1].rel; }"
        )
        == "edit"
    )
    for _ in range(10):
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.getAttribute('rel')") != "edit"
    no_axe_violations(page)


# The new states on small phones: axe finds nothing ---------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_the_new_states_pass_axe_on_phones(browser, site_url, watch, live_server, tmp_path, width):
    context, page = _new_page(
        browser, site_url, watch, viewport={"width": width, "height": 700}, is_mobile=True, has_touch=True
    )
    try:
        # The notice on the form after a request was sent, in Arabic (the reference isolated left to right).
        page.goto(live_server.url + "ar/forms/referral/")
        page.evaluate(
            "sessionStorage.setItem('kids-sent:referral', JSON.stringify({id: 'x', reference: 'ABCD2345',"
            " url: '/ar/forms/referral-sent/?reference=ABCD2345'})); sessionStorage.removeItem('kids-form:referral')"
        )
        page.reload()
        sent_notice_says(page, "ABCD2345")
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        no_axe_violations(page)
        # The views form after a reload that lost a file, then with errors after Send.
        page.goto(live_server.url + "forms/child-views/")
        next_until(page, "files")
        page.locator("#files").set_input_files(str(drawing(tmp_path, f"sun-{width}.png")))
        page.get_by_text(f"sun-{width}.png is added").wait_for()
        page.reload()
        assert page.locator(".kids-files-notice").is_visible()
        no_axe_violations(page)
        next_until(page, "agree_to_send")
        page.get_by_role("button", name="Send my views").click()
        page.locator("[data-kids-error-summary]").wait_for(state="visible")
        no_axe_violations(page)
    finally:
        context.close()
    watch.console_errors = [e for e in watch.console_errors if "status of 400" not in e]
    _assert_clean(watch)


# 1. A late family is told plainly; a close date is called close -------------------------------------------------


def months_before(today, months: int, days: int = 0):
    """The same day number `months` calendar months before today (the deadline rules' own month arithmetic)."""
    import datetime as dt

    from functions.forms.domain.deadlines import add_months

    return add_months(today, -months) + dt.timedelta(days=days)


def fill_letter_date(page, day) -> None:
    page.locator("#decision-letter_date-day").fill(str(day.day))
    page.locator("#decision-letter_date-month").fill(str(day.month))
    page.locator("#decision-letter_date-year").fill(str(day.year))


def tel_link_in(locator) -> None:
    """The notice's phone number is a tel: link, isolated left to right, as every phone number on the site."""
    facts = read_facts()
    link = locator.locator(f'a[href="tel:{facts["phone_link"]}"]').first
    assert link.inner_text().strip() == facts["phone"]
    assert link.locator("bdi[dir=ltr]").count() == 1


def test_a_late_family_is_told_on_check_your_answers_and_the_confirmation_that_the_dates_have_passed(
    page, live_server
):
    import datetime as dt

    page.goto(live_server.url + "forms/referral/")
    fill_referral(page, "Lara Latecomer")
    fill_letter_date(page, months_before(dt.date.today(), 3))
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Check your answers before sending").wait_for()
    news = page.locator("[data-kids-date-news]")
    news.wait_for(state="visible")
    assert "has passed" in news.inner_text()
    assert "The Tribunal can sometimes accept a late appeal" in news.inner_text()
    tel_link_in(news)
    assert "We have your request now" not in news.inner_text()  # not sent yet, and no false comfort
    no_axe_violations(page)
    page.get_by_role("button", name="Send my request").click()
    page.wait_for_url(re.compile(r".*/forms/referral-sent/\?reference=.*"))
    passed = page.locator('[data-kids-needs="contact_passed"]')
    assert passed.is_visible() and "has passed" in passed.inner_text()
    tel_link_in(passed)
    late = page.locator('[data-kids-needs="appeal_passed"]')
    assert late.is_visible()
    assert "The Tribunal can sometimes accept a late appeal" in late.inner_text()
    assert late.locator('a[href$="other-free-help/"]').count() == 1
    assert not page.get_by_text("We have your request now").is_visible()
    no_axe_violations(page)


def test_a_family_in_good_time_is_reassured_and_warned_of_nothing(page, live_server):
    import datetime as dt

    letter = dt.date.today() - dt.timedelta(days=3)
    page.goto(live_server.url + f"forms/referral-sent/?reference=ABCD2345&letter_date={letter.isoformat()}")
    assert page.get_by_text("We have your request now").is_visible()
    assert page.locator(".kids-notice[data-kids-needs]:visible").count() == 0


def test_an_appeal_date_that_is_close_is_called_close(page, live_server):
    import datetime as dt

    from functions.forms.domain.deadlines import SOON, appeal_deadline, how_soon

    today = dt.date.today()
    letter = next(  # a letter whose appeal date is within the soon days, whatever today is
        day
        for day in (months_before(today, 2, days) for days in range(1, 15))
        if how_soon(appeal_deadline(day, None, today), today) == SOON
    )
    for prefix in ("", "ar/"):
        page.goto(live_server.url + f"{prefix}forms/referral-sent/?reference=ABCD2345&letter_date={letter}")
        soon = page.locator('[data-kids-needs="appeal_soon"]')
        assert soon.is_visible()
        tel_link_in(soon)
        assert not page.locator('[data-kids-needs="appeal_passed"]').is_visible()
        no_axe_violations(page)


@pytest.mark.parametrize("prefix", ["pl/", "ur/", "ar/"])
def test_the_late_notices_are_in_every_language_with_the_phone_number_to_tap(page, live_server, prefix):
    import datetime as dt

    letter = months_before(dt.date.today(), 3)
    page.goto(live_server.url + f"{prefix}forms/referral-sent/?reference=ABCD2345&letter_date={letter}")
    for name in ("contact_passed", "appeal_passed"):
        notice = page.locator(f'[data-kids-needs="{name}"]')
        assert notice.is_visible()
        assert "has passed" not in notice.inner_text()  # in the page's language, not English
        tel_link_in(notice)
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    no_axe_violations(page)


# 4. The contact method chosen needs its detail, listed with every other error -------------------------------


def test_phone_chosen_without_a_number_is_an_error_listed_with_the_others_at_once(page, live_server, watch):
    page.goto(live_server.url + "forms/referral/")
    fill_referral(page, "Pip Phoneless")
    page.get_by_label("Your full name").fill("")
    page.get_by_label("Email address").fill("")
    page.locator("[data-field='you.contact_preference']").get_by_label("Phone", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    summary = page.locator("[data-kids-error-summary]")
    summary.wait_for(state="visible")
    listed = summary.locator("li").all_inner_texts()
    assert listed == [
        "Enter your full name",
        "Enter a phone number, or choose another way for us to contact you",
    ]
    assert summary.locator("a[href='#you-phone']").count() == 1
    no_axe_violations(page)
    watch.console_errors = [e for e in watch.console_errors if "status of 400" not in e]


# 5. Kinder messages: a 2-digit year, a letter before the birth, a likely typo in an email address -----------


def test_a_2_digit_year_and_a_letter_dated_before_the_birth_get_clear_messages(page, live_server, watch):
    page.goto(live_server.url + "forms/referral/")
    fill_referral(page, "Yana Twodigits")
    page.locator("#child-date_of_birth-year").fill("15")
    page.get_by_role("button", name="Continue").click()
    summary = page.locator("[data-kids-error-summary]")
    summary.wait_for(state="visible")
    assert summary.locator("li").all_inner_texts() == [
        "Date of birth must include a year with 4 numbers, like 2015"
    ]
    page.locator("#child-date_of_birth-year").fill("2015")
    page.locator("#decision-letter_date-year").fill("2014")
    page.get_by_role("button", name="Continue").click()
    summary.get_by_text(
        "Date on the decision letter must be the same as or after their date of birth"
    ).wait_for()
    no_axe_violations(page)
    watch.console_errors = [e for e in watch.console_errors if "status of 400" not in e]


def test_a_likely_typo_in_an_email_address_is_pointed_out_but_never_blocks_the_send(page, live_server):
    page.goto(live_server.url + "forms/referral/")
    fill_referral(page, "Gus Gmialuser")
    page.get_by_label("Email address").fill("gus.gmialuser@gmial.com")
    page.get_by_label("Email address").blur()
    hint = page.locator("[data-field='you.email'] [data-kids-typo]")
    hint.wait_for(state="visible")
    assert "Did you mean gus.gmialuser@gmail.com?" in hint.inner_text()
    no_axe_violations(page)
    page.get_by_role("button", name="Continue").click()
    check = page.locator("[data-kids-check]")
    page.get_by_role("heading", name="Check your answers before sending").wait_for()
    assert "Did you mean gus.gmialuser@gmail.com?" in check.inner_text()
    page.get_by_role("button", name="Send my request").click()
    page.wait_for_url(re.compile(r".*/forms/referral-sent/\?reference=.*"))
    reference = page.locator("[data-kids-fill='reference']").first.inner_text().strip()
    assert REFERENCE.fullmatch(reference)
    assert "gus.gmialuser@gmial.com" in team_emails(live_server, "Gus Gmialuser")[0]  # sent as typed


def test_the_likely_address_can_be_taken_with_one_button(page, live_server):
    page.goto(live_server.url + "forms/referral/")
    page.get_by_label("Email address").fill("someone@hotmial.co.uk")
    page.get_by_label("Email address").blur()
    page.get_by_role("button", name="Use this address").click()
    assert page.get_by_label("Email address").input_value() == "someone@hotmail.co.uk"
    assert page.locator("[data-kids-typo]").count() == 0


# 6. What happens next depends on the service asked for ----------------------------------------------------------


@pytest.mark.parametrize(
    ("service", "says", "never"),
    [
        ("Disagreement resolution", "we first ask the other side if they will take part", "MIAS"),
        ("My certificate, so I can appeal to the Tribunal", "You do not have to go to mediation", "4 weeks"),
        ("A call to talk about mediation (MIAS)", "we make the arrangements with you", "the other side"),
    ],
)
def test_what_happens_next_is_for_the_service_asked_for(page, live_server, service, says, never):
    page.goto(live_server.url + "forms/referral/")
    fill_referral(page, f"Sam Service-{len(service)}")
    page.get_by_label(service, exact=True).check()
    send_referral(page)
    steps = page.locator(
        "h2:has-text('What happens next') + div:visible, [data-kids-needs^='steps_']:visible"
    )
    text = " ".join(steps.all_inner_texts())
    assert says in text
    assert never not in text
    assert page.locator("[data-kids-needs^='steps_']:visible").count() == 1
    no_axe_violations(page)


# 12. The age limit said as a person would, in every language ----------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "pl", "ur", "ar"])
def test_the_age_limit_is_said_as_a_person_would(page, live_server, watch, lang):
    from functions.forms.domain.languages import page_prefix
    from functions.forms.domain.schemas import get_form

    page.goto(live_server.url + page_prefix(lang) + "forms/referral/")
    for box, value in (("day", "1"), ("month", "1"), ("year", "1990")):
        page.locator(f"#child-date_of_birth-{box}").fill(value)
    page.locator("[data-kids-submit]").click()
    summary = page.locator("[data-kids-error-summary]")
    summary.wait_for(state="visible")
    said = get_form("referral", lang).by_path()["child.date_of_birth"].message("x-max-age-years")
    assert said in summary.locator("li").all_inner_texts()
    assert "25" in said and "0 " not in said
    watch.console_errors = [e for e in watch.console_errors if "status of 400" not in e]


# 5. On AWS a file goes straight to S3, which checks nothing: it is still refused by name when it is added ----------


def test_a_fake_png_sent_straight_to_storage_as_on_aws_is_refused_by_name_when_added(
    page, live_server, tmp_path, watch
):
    from functions.forms import bootstrap
    from functions.forms.domain.files import incoming_key

    fake = tmp_path / "x.png"
    fake.write_bytes(b"This is a letter, not a picture.\n" * 20)

    def like_s3(route) -> None:
        """Our upload target, standing in for S3: the file is kept as it came, with no check (S3 makes none)."""
        if route.request.method != "POST" or "multipart" not in (
            route.request.headers.get("content-type") or ""
        ):
            route.continue_()
            return
        upload_id = route.request.url.rsplit("/", 1)[-1]
        bootstrap.services().uploads.write(
            incoming_key(upload_id), fake.read_bytes(), "application/octet-stream"
        )
        route.fulfill(status=204, body="")

    page.route("**/api/uploads/*", like_s3)
    page.goto(live_server.url + "forms/child-views/")
    next_until(page, "files")
    page.locator("#files").set_input_files(str(fake))
    error = page.locator("[data-field='files'] .kids-error-message")
    error.wait_for(state="visible")
    assert "x.png was not added" in error.inner_text()
    assert "x.png" not in page.locator(".kids-file-list").inner_text()
    no_axe_violations(page)
    watch.console_errors = [e for e in watch.console_errors if "status of 400" not in e]


def test_the_team_email_names_the_drawing_as_sent_with_its_type_and_real_size(page, live_server, tmp_path):
    from email import message_from_string, policy

    from functions.forms.domain.files import size_words

    page.goto(live_server.url + "forms/child-views/")
    next_until(page, "files")
    page.locator("#files").set_input_files(str(drawing(tmp_path, "Our garden.png")))
    page.get_by_text("Our garden.png is added").wait_for()
    next_until(page, "agree_to_send")
    page.get_by_label("I am happy for you to send this to the mediator").check()
    page.get_by_role("button", name="Send my views").click()
    page.wait_for_url(re.compile(r".*/forms/child-views-sent/\?reference=.*"))
    reference = page.locator("[data-kids-fill='reference']").first.inner_text().strip()
    (email,) = team_emails(live_server, reference)
    message = message_from_string(email, policy=policy.default)
    text = message.get_body(("plain",)).get_content()
    (attachment,) = message.iter_attachments()
    size = size_words(len(attachment.get_content()))  # the real size of the file the team gets
    assert f'drawing-1.png, sent as "Our garden.png" (PNG drawing, {size}): attached.' in text
    assert "0.0 MB" not in text
    ids = re.findall(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", text)
    assert ids == [], ids  # no file is listed by its raw id


@pytest.mark.parametrize("width", WIDTHS)
def test_the_server_sides_new_states_pass_axe_on_phones(browser, site_url, watch, live_server, width):
    """A late family's confirmation (English and Arabic), and errors across fields, at 390 and 320 px."""
    import datetime as dt

    context, page = _new_page(
        browser, site_url, watch, viewport={"width": width, "height": 700}, is_mobile=True, has_touch=True
    )
    late = months_before(dt.date.today(), 3).isoformat()
    try:
        for prefix in ("", "ar/"):
            page.goto(f"{live_server.url}{prefix}forms/referral-sent/?reference=ABCD2345&letter_date={late}")
            passed = page.locator('[data-kids-needs="contact_passed"]')
            assert passed.is_visible()
            tel_link_in(passed)
            assert page.evaluate(
                "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
            )
            no_axe_violations(page)
        page.goto(live_server.url + "forms/referral/")
        fill_referral(page, "Pip Phoneless")
        page.locator("[data-field='you.contact_preference']").get_by_label("Phone", exact=True).check()
        page.get_by_label("Your full name").fill("")
        page.get_by_role("button", name="Continue").click()
        page.locator("[data-kids-error-summary]").wait_for(state="visible")
        no_axe_violations(page)
    finally:
        context.close()
    watch.console_errors = [e for e in watch.console_errors if "status of 400" not in e]
    _assert_clean(watch)
