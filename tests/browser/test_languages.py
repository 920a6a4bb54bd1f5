"""The site and the referral form in Polish, Urdu and Arabic, in Chromium: the right language and direction, axe
clean on a desktop and a phone, a language switcher that works from the keyboard, Polish error messages, and a
Polish referral that reaches the team with its language named (and the family's copy only when asked)."""

from __future__ import annotations

import datetime as dt
import re
from email import message_from_bytes, policy

import pytest

from tests.browser.axe import describe, run_axe

pytestmark = pytest.mark.browser

LANGUAGES = {"pl": "ltr", "ur": "rtl", "ar": "rtl"}
PAGES = ["", "ask-for-help/", "mias/", "forms/referral/"]
NOTICE_EN = "A qualified translator has not checked this translation yet."


def no_axe_violations(page) -> None:
    violations = run_axe(page)
    assert not violations, describe(violations)


def check_page(page, url: str, lang: str) -> None:
    page.goto(url)
    assert page.evaluate("document.documentElement.lang") == lang
    direction = LANGUAGES[lang]
    assert page.evaluate("document.documentElement.dir || 'ltr'") == direction
    assert page.evaluate("document.body.dir") == direction
    assert page.locator(".kids-translation-notice").get_by_text(NOTICE_EN).is_visible()
    assert page.locator("h1").count() == 1
    no_axe_violations(page)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("path", PAGES)
def test_translated_pages_on_a_desktop(page, live_server, lang, path):
    check_page(page, f"{live_server.url}{lang}/{path}", lang)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("path", PAGES)
def test_translated_pages_on_a_phone(phone_page, live_server, lang, path):
    check_page(phone_page, f"{live_server.url}{lang}/{path}", lang)
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"


@pytest.mark.parametrize("lang", ["pl", "ar"])
def test_a_page_not_translated_yet_says_so_and_marks_its_english(page, live_server, lang):
    page.goto(f"{live_server.url}{lang}/mediation/")
    assert page.evaluate("document.documentElement.lang") == lang
    notice = page.locator(".kids-translation-notice")
    assert notice.get_by_text("This page is not translated yet.").is_visible()
    english = page.locator('article [lang="en"] h1')
    assert english.count() == 1
    no_axe_violations(page)


def test_the_english_home_page_offers_help_in_each_language(page, live_server):
    page.goto(live_server.url)
    assert page.evaluate("document.documentElement.lang") == "en"
    block = page.locator(".kids-languages")
    for lang, direction in LANGUAGES.items():
        line = block.locator(f'p[lang="{lang}"]')
        assert line.is_visible()
        assert (line.get_attribute("dir") or "ltr") == direction
    block.locator('a[hreflang="pl"]').click()
    page.wait_for_url(re.compile(r"/pl/$"))
    assert page.evaluate("document.documentElement.lang") == "pl"


def test_the_contact_page_offers_help_in_each_language(page, live_server):
    page.goto(live_server.url + "contact/")
    for lang in LANGUAGES:
        assert page.locator(f'.kids-languages p[lang="{lang}"]').is_visible()
    no_axe_violations(page)


def test_the_language_switcher_works_from_the_keyboard(page, live_server):
    page.goto(live_server.url + "mias/")
    button = page.locator(".md-select > button")
    assert button.get_attribute("aria-label") == "Select language"
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate(
            "document.activeElement.classList.contains('md-header__button') && "
            "!!document.activeElement.closest('.md-select')"
        ):
            break
    else:
        raise AssertionError("the language switcher cannot be reached with Tab")
    page.keyboard.press("Tab")
    for _ in range(4):
        if page.evaluate("document.activeElement.getAttribute('hreflang')") == "ur":
            break
        page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('hreflang')")
    assert focused == "ur", focused
    assert page.locator('.md-select__link[hreflang="ur"]').is_visible()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/ur/mias/$"))
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["ur", "rtl"]


def test_after_an_instant_page_change_the_switcher_points_at_this_page(page, live_server):
    page.goto(live_server.url + "pl/")
    page.locator("article").get_by_role("link", name="Rozmowa informacyjna (MIAS)").first.click()
    page.wait_for_url(re.compile(r"/pl/mias/$"))
    href = ""
    for _ in range(50):  # the switcher's links are worked out again after the instant page change
        href = page.locator('.md-select__link[hreflang="ar"]').get_attribute("href") or ""
        if href.endswith("/ar/mias/"):
            break
        page.wait_for_timeout(100)
    assert href.endswith("/ar/mias/"), href
    page.locator('.md-select__link[hreflang="ar"]').evaluate("a => a.click()")
    page.wait_for_url(re.compile(r"/ar/mias/$"))
    assert page.evaluate("document.documentElement.dir") == "rtl"


def test_search_asks_for_the_index_of_the_pages_language(page, live_server):
    asked = []
    page.on("request", lambda r: asked.append(r.url) if "search_index.json" in r.url else None)
    page.goto(live_server.url + "pl/")
    page.wait_for_load_state("networkidle")
    assert asked == []  # the index waits until search is opened
    assert page.locator(".md-search").get_attribute("aria-label") == "Szukaj w serwisie"
    page.locator(".md-search__input").click()
    page.locator(".md-search__input").fill("mediacja")
    page.locator(".md-search-result__item").first.wait_for()
    assert asked and all("/pl/search/search_index.json" in url for url in asked)
    assert "/pl/" in page.locator(".md-search-result__item a").first.get_attribute("href")


def expected_400(watch) -> None:
    """The browser logs the API's 400 answer itself; that is the expected answer here."""
    watch.console_errors = [e for e in watch.console_errors if "status of 400" not in e]


def test_a_polish_empty_send_shows_polish_errors(page, live_server, watch):
    page.goto(live_server.url + "pl/forms/referral/")
    page.get_by_role("button", name="Dalej").click()
    summary = page.locator("[data-kids-error-summary]")
    summary.get_by_role("heading", name="Wystąpił problem").wait_for()
    assert summary.get_by_role("link", name="Wybierz, w czym możemy pomóc").is_visible()
    assert summary.get_by_role("link", name="Podaj swoje imię i nazwisko").is_visible()
    assert page.title().startswith("Błąd: ")
    assert page.locator("#you-name-error").inner_text().endswith("Podaj swoje imię i nazwisko")
    expected_400(watch)
    no_axe_violations(page)


def fill_polish_referral(page, name: str, copy: bool) -> None:
    letter = dt.date.today() - dt.timedelta(days=10)
    page.locator("#service-2").check()
    page.locator("#you-role").check()
    page.locator("#you-name").fill(name)
    page.locator("#you-email").fill("rodzic@example.com")
    if copy:
        page.get_by_label("Wyślij mi e-mail z potwierdzeniem mojej prośby").check()
    page.locator("#you-contact_preference").check()
    page.locator("#child-name").fill("Kasia Testowa")
    page.locator("#child-date_of_birth-day").fill("27")
    page.locator("#child-date_of_birth-month").fill("3")
    page.locator("#child-date_of_birth-year").fill("2015")
    page.locator("#local_authority").fill("Exampleshire County Council")
    page.locator("#decision-kind-3").check()
    page.locator("#decision-letter_date-day").fill(str(letter.day))
    page.locator("#decision-letter_date-month").fill(str(letter.month))
    page.locator("#decision-letter_date-year").fill(str(letter.year))
    page.locator("#disagreement").fill("Plan nie obejmuje terapii mowy.")
    page.locator("#consent-share_with_local_authority").check()
    page.locator("#consent-privacy_notice_read").check()


def emails(live_server):
    return [
        message_from_bytes(p.read_bytes(), policy=policy.default)
        for p in sorted(live_server.outbox.glob("*.eml"))
    ]


def test_a_polish_referral_is_sent_and_the_team_email_names_the_language(page, live_server):
    page.goto(live_server.url + "pl/forms/referral/")
    fill_polish_referral(page, "Jan Testowy-Polski", copy=True)
    page.get_by_role("button", name="Dalej").click()
    page.get_by_role("heading", name="Sprawdź odpowiedzi przed wysłaniem").wait_for()
    no_axe_violations(page)
    page.get_by_role("button", name="Wyślij moją prośbę").click()
    page.wait_for_url(re.compile(r"/pl/forms/referral-sent/\?reference="))
    reference = page.locator("[data-kids-fill='reference']").first.inner_text().strip()
    assert re.fullmatch(r"[A-HJ-NP-Y2-9]{8}", reference)
    assert page.evaluate("document.documentElement.lang") == "pl"
    no_axe_violations(page)

    mine = [m for m in emails(live_server) if reference in str(m["Subject"])]
    team = [m for m in mine if "Jan Testowy-Polski" in m.get_body(("plain",)).get_content()]
    assert len(team) == 1
    assert "Language: Polish (pl)" in team[0].get_body(("plain",)).get_content()
    [copy] = [m for m in mine if m not in team]
    assert str(copy["To"]) == "rodzic@example.com"
    assert copy["Subject"] == f"Twoja prośba do KIDS SEND Mediation - {reference}"
    raw = copy.as_string() + copy.get_body(("plain",)).get_content()
    for answer in ("Jan Testowy-Polski", "Kasia Testowa", "Exampleshire", "terapii mowy"):
        assert answer not in raw


@pytest.mark.parametrize("lang", ["ar", "ur"])
def test_the_right_to_left_form_shows_its_errors_on_a_phone(phone_page, live_server, lang, watch):
    page = phone_page
    page.goto(f"{live_server.url}{lang}/forms/referral/")
    page.locator("button[data-kids-submit]").click()
    page.locator("[data-kids-error-summary]:not([hidden])").wait_for()
    assert page.locator("#kids-error-summary-title").inner_text() in {"توجد مشكلة", "ایک مسئلہ ہے"}
    expected_400(watch)
    no_axe_violations(page)
