"""The children's and young people's views form in Polish, Urdu and Arabic, in Chromium: the page's language and
direction, the form's words from the catalogue (with JavaScript and without), axe clean, and a form sent without
JavaScript that lands on the confirmation page in the same language with its reference; the team's email names
the language, and the family's copy (when asked) is in it and holds none of the answers."""

from __future__ import annotations

import re
from email import message_from_bytes, policy

import pytest

from tests.browser.axe import describe, run_axe

pytestmark = pytest.mark.browser

# Each language: its direction, the form's title, a question's label, the send button, the thanks on the
# confirmation page, and a step of "what happens next" in the family's copy email.
WORDS = {
    "pl": {
        "dir": "ltr",
        "title": "Powiedz nam, co myślisz",
        "name_label": "Jak mamy do Ciebie mówić?",
        "hard_label": "Co jest dla Ciebie trudne?",
        "agree_label": "Zgadzam się, żebyście przekazali to mediatorowi",
        "send": "Wyślij moje zdanie",
        "thanks": "Dziękujemy, że mówisz nam, co myślisz.",
        "young_thanks": "Dziękujemy za podzielenie się swoim zdaniem.",
        "copy_step": "Przed spotkaniem mediator przeczyta to, co od Ciebie dostaliśmy.",
        "language_line": "Language: Polish (pl)",
    },
    "ur": {
        "dir": "rtl",
        "title": "ہمیں بتائیں آپ کیا سوچتے ہیں",
        "name_label": "ہم آپ کو کس نام سے بلائیں؟",
        "hard_label": "آپ کے لیے کیا مشکل ہے؟",
        "agree_label": "میں راضی ہوں کہ آپ یہ ثالث کو بھیج دیں",
        "send": "میری رائے بھیجیں",
        "thanks": "ہمیں یہ بتانے کا شکریہ کہ آپ کیا سوچتے ہیں۔",
        "young_thanks": "اپنی رائے بتانے کا شکریہ۔",
        "copy_step": "ثالث ملاقات سے پہلے وہ سب پڑھیں گے جو آپ نے بھیجا ہے۔",
        "language_line": "Language: Urdu (ur)",
    },
    "ar": {
        "dir": "rtl",
        "title": "أخبرنا برأيك",
        "name_label": "بأي اسم تحب أن نناديك؟",
        "hard_label": "ما الأشياء الصعبة عليك؟",
        "agree_label": "أوافق على أن ترسلوا هذا إلى الوسيط",
        "send": "أرسل رأيي",
        "thanks": "شكرًا لأنك أخبرتنا بما تفكر فيه.",
        "young_thanks": "شكرًا لأنك شاركتنا رأيك.",
        "copy_step": "سيقرأ الوسيط ما أرسلته قبل الاجتماع.",
        "language_line": "Language: Arabic (ar)",
    },
}
LANGS = list(WORDS)


def no_axe_violations(page) -> None:
    violations = run_axe(page)
    assert not violations, describe(violations)


def no_axe_violations_without_script(nojs_page, page, name: str) -> None:
    """axe needs script, so the page as a browser without JavaScript got it is shown, scripts removed, in another."""
    html = re.sub(r"<script\b.*?</script>", "", nojs_page.content(), flags=re.S)
    address = nojs_page.url.split("#")[0].split("?")[0].rstrip("/") + f"-{name}-copy/"
    page.route(
        address, lambda route: route.fulfill(status=200, body=html, content_type="text/html; charset=utf-8")
    )
    page.goto(address)
    no_axe_violations(page)


def in_language(page, lang: str) -> None:
    """The page is in the language and its direction, and the form's words come from the catalogue."""
    words = WORDS[lang]
    assert page.evaluate("document.documentElement.lang") == lang
    assert page.evaluate("document.documentElement.dir || 'ltr'") == words["dir"]
    assert page.locator("h1").count() == 1
    assert page.locator("h1").inner_text().strip() == words["title"]
    form = page.locator("form[data-kids-form='child-views']")
    assert form.get_attribute("lang") == lang and form.get_attribute("dir") == words["dir"]
    assert page.get_by_label(words["name_label"]).is_visible()


def emails_for(live_server, reference: str) -> list:
    found = []
    for path in sorted(live_server.outbox.glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        if reference in str(message["Subject"]):
            found.append(message)
    return found


@pytest.mark.parametrize("lang", LANGS)
def test_with_javascript_the_form_is_in_the_language_and_axe_finds_nothing(page, live_server, lang):
    page.goto(f"{live_server.url}{lang}/forms/child-views/")
    in_language(page, lang)
    no_axe_violations(page)
    # A young person's age: the catalogue's one wording stays (the schema's other wording is English).
    next_button = page.locator(".kids-steps .kids-button:not(.kids-button--secondary)")
    next_button.click()
    page.locator("#about-age").fill("17")
    page.locator(".kids-steps .kids-button--secondary").click()
    assert page.get_by_label(WORDS[lang]["name_label"]).is_visible()
    assert page.locator("[data-kids-young]").count() == 0
    assert page.locator('[data-kids-words="young"]').first.is_visible()
    assert not page.locator('[data-kids-words="child"]').first.is_visible()
    no_axe_violations(page)


@pytest.mark.parametrize("lang", LANGS)
def test_without_javascript_the_form_is_sent_and_the_confirmation_is_in_the_language(
    nojs_page, page, live_server, lang
):
    checker, page = page, nojs_page
    words = WORDS[lang]
    page.goto(f"{live_server.url}{lang}/forms/child-views/")
    in_language(page, lang)
    assert page.get_by_label(words["agree_label"]).is_visible()
    no_axe_violations_without_script(page, checker, "form")

    name = f"Testy-{lang}-Sunny"
    page.get_by_label(words["name_label"]).fill(name)
    page.locator("#about-age").fill("9")
    page.get_by_label(words["hard_label"]).fill(f"Lunch is too loud ({lang}).")
    page.locator("#share_with").check()  # everyone at the meeting
    page.locator("#send_me_a_copy").check()
    page.locator("#copy_email").fill(f"grown.up.{lang}@example.com")
    page.get_by_label(words["agree_label"]).check()
    # No time trap to wait for: a form sent without JavaScript has no token and is not held.
    with page.expect_navigation():
        page.get_by_role("button", name=words["send"]).click()
    page.wait_for_url(re.compile(rf"/{lang}/forms/child-views-sent/\?reference="))
    reference = page.locator('[data-kids-fill="reference"]').inner_text().strip()
    assert re.fullmatch(r"[A-HJ-NP-Y2-9]{8}", reference), reference
    assert page.evaluate("document.documentElement.lang") == lang
    assert page.evaluate("document.documentElement.dir || 'ltr'") == words["dir"]
    assert page.get_by_text(words["thanks"]).is_visible()
    assert not page.get_by_text(words["young_thanks"]).is_visible()
    no_axe_violations_without_script(page, checker, "sent")

    mine = emails_for(live_server, reference)
    team = [m for m in mine if name in m.get_body(("plain",)).get_content()]
    assert len(team) == 1
    text = team[0].get_body(("plain",)).get_content()
    assert words["language_line"] in text and f"Lunch is too loud ({lang})." in text
    [copy] = [m for m in mine if m not in team]
    assert str(copy["To"]) == f"grown.up.{lang}@example.com"
    assert copy["Content-Language"] == lang
    assert words["copy_step"] in copy.get_body(("plain",)).get_content()
    raw = copy.as_string() + copy.get_body(("plain",)).get_content()
    for answer in (name, "Lunch is too loud"):
        assert answer not in raw


def test_without_javascript_a_young_persons_thanks_in_the_language(nojs_page, live_server):
    page = nojs_page
    page.goto(f"{live_server.url}pl/forms/child-views/")
    page.locator("#about-age").fill("17")
    page.get_by_label(WORDS["pl"]["agree_label"]).check()
    with page.expect_navigation():
        page.get_by_role("button", name=WORDS["pl"]["send"]).click()
    page.wait_for_url(re.compile(r"/pl/forms/child-views-sent/\?reference=.*words=young"))
    assert page.get_by_text(WORDS["pl"]["young_thanks"]).is_visible()
    assert not page.get_by_text(WORDS["pl"]["thanks"]).is_visible()


def test_without_javascript_errors_are_in_the_language(nojs_page, page, live_server, watch):
    checker, page = page, nojs_page
    page.goto(f"{live_server.url}ar/forms/child-views/")
    with page.expect_navigation():
        page.get_by_role("button", name=WORDS["ar"]["send"]).click()
    assert page.evaluate("document.documentElement.lang") == "ar"
    summary = page.locator("[data-kids-error-summary]")
    assert summary.get_by_role("heading", name="توجد مشكلة").is_visible()
    assert summary.get_by_role("link", name="ضع علامة في المربع لتقول إنك موافق على الإرسال").is_visible()
    no_axe_violations_without_script(page, checker, "errors")
    # The browser reports the error page's 400 itself as a console error: expected here.
    watch.console_errors = [e for e in watch.console_errors if "status of 400" not in e]
