"""A family sends a referral in Chromium, with JavaScript and without."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.axe import describe, run_axe

pytestmark = pytest.mark.browser


def fill_referral(page, name: str) -> None:
    page.get_by_label("Mediation", exact=True).check()
    page.get_by_label("A parent or carer").check()
    page.get_by_label("Your full name").fill(name)
    page.get_by_label("Email address").fill("testy.mctestface@example.com")
    page.locator("[data-field='you.contact_preference']").get_by_label("Email", exact=True).check()
    page.get_by_label("Their full name").fill("Tiny Tester")
    page.locator("#child-date_of_birth-day").fill("27")
    page.locator("#child-date_of_birth-month").fill("3")
    page.locator("#child-date_of_birth-year").fill("2015")
    page.get_by_label("Which local authority (council) is this about?").fill("Exampleshire County Council")
    page.get_by_label("What the final EHC plan says").check()
    page.locator("#decision-letter_date-day").fill("20")
    page.locator("#decision-letter_date-month").fill("October")
    page.locator("#decision-letter_date-year").fill("2026")
    page.get_by_label("What do you disagree about?").fill("The plan leaves out speech therapy.")
    page.get_by_label(re.compile("I agree that you can tell the local authority")).check()
    page.get_by_label("I have read the privacy notice").check()


def emails_with(live_server, text: str) -> list[str]:
    found = []
    for path in sorted(live_server.outbox.glob("*.eml")):
        content = path.read_text(encoding="utf-8", errors="replace")
        if text in content:
            found.append(content)
    return found


def test_a_family_sends_a_referral_with_javascript(page, live_server):
    page.goto(live_server.url + "forms/referral/")
    assert run_axe(page) == [], describe(run_axe(page))
    fill_referral(page, "Jay Script-Tester")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Check your answers before sending").wait_for()
    assert page.get_by_text("Jay Script-Tester").is_visible()
    assert run_axe(page) == []
    # No wait for the time trap: the live server runs with FORMS_MIN_SECONDS=0 (tests/conftest.py).
    page.get_by_role("button", name="Send my request").click()
    page.wait_for_url(re.compile(r".*/forms/referral-sent/\?reference=.*"))
    reference = page.locator("[data-kids-fill='reference']").first.inner_text().strip()
    assert re.fullmatch(r"[A-HJ-NP-Y2-9]{8}", reference)
    assert page.get_by_text("Sunday 20 December 2026").first.is_visible()
    assert run_axe(page) == [], describe(run_axe(page))
    emails = emails_with(live_server, "Jay Script-Tester")
    assert len(emails) == 1 and reference in emails[0]


def test_a_family_sends_a_referral_without_javascript(nojs_page, live_server):
    page = nojs_page
    page.goto(live_server.url + "forms/referral/")
    fill_referral(page, "Noah Script-Tester")
    page.get_by_role("button", name="Send my request").click()
    page.wait_for_url(re.compile(r".*/forms/referral-sent/\?reference=.*"))
    reference = page.locator("[data-kids-fill='reference']").first.inner_text().strip()
    assert re.fullmatch(r"[A-HJ-NP-Y2-9]{8}", reference)
    emails = emails_with(live_server, "Noah Script-Tester")
    assert len(emails) == 1 and reference in emails[0]


def test_an_empty_send_shows_the_error_summary_and_moves_focus_to_it(page, live_server, watch):
    page.goto(live_server.url + "forms/referral/")
    page.get_by_role("button", name="Continue").click()
    summary = page.locator("[data-kids-error-summary]")
    summary.wait_for(state="visible")
    # The browser logs the API's 400 answer itself; that is the expected answer here.
    watch.console_errors = [e for e in watch.console_errors if "status of 400" not in e]
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile("^Error: "))
    assert summary.get_by_role("link", name="Select what you would like help with").is_visible()
    assert page.locator("#you-name-error").inner_text().endswith("Enter your full name")
    assert run_axe(page) == [], describe(run_axe(page))
    summary.get_by_role("link", name="Enter your full name").click()
    expect(page.locator("#you-name")).to_be_focused()


def test_an_empty_send_without_javascript_shows_the_errors_on_a_page(nojs_page, live_server):
    page = nojs_page
    page.goto(live_server.url + "forms/referral/")
    page.get_by_label("Your full name").fill("Kept Answer")
    response_holder = {}
    page.on(
        "response", lambda r: response_holder.setdefault("status", r.status) if "/api/" in r.url else None
    )
    page.get_by_role("button", name="Send my request").click()
    page.wait_for_load_state()
    assert response_holder["status"] == 400
    assert page.title().startswith("Error: ")
    assert page.locator("[data-kids-error-summary]").is_visible()
    assert page.get_by_label("Your full name").input_value() == "Kept Answer"


def test_answers_survive_a_reload(page, live_server):
    page.goto(live_server.url + "forms/referral/")
    page.get_by_label("Your full name").fill("Sticky Tester")
    page.get_by_label("A parent or carer").check()
    page.reload()
    assert page.get_by_label("Your full name").input_value() == "Sticky Tester"
    assert page.get_by_label("A parent or carer").is_checked()
