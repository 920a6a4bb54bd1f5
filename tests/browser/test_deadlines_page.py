"""The "Work out your dates" page in Chromium: docs/javascripts/deadlines.js against the same vectors as
the Python (tests/vectors/deadlines.json), the calculator used with the keyboard, errors, no JavaScript,
the theme's instant navigation, and axe."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from tests.browser.axe import describe, run_axe

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
VECTORS = json.loads((ROOT / "tests" / "vectors" / "deadlines.json").read_text(encoding="utf-8"))
PATH = "work-out-your-dates/"
TODAY = "2026-12-01T12:00:00"  # the browser's clock in the calculator tests

# Runs every vector through window.KidsDeadlines and returns what happened, for Python to compare.
RUN_VECTORS = """
(all) => {
  const K = window.KidsDeadlines;
  const parts = (v) => {
    if (v === undefined || v === null || typeof v === "object") return v;
    const [y, m, d] = v.split("-");
    return {day: String(Number(d)), month: String(Number(m)), year: y};
  };
  const out = {vectors: {}, add_months: [], add_working_days: [], working_day: [], format_date: []};
  for (const v of all.vectors) {
    try {
      out.vectors[v.id] = {result: K.calculate({letter: parts(v.letter), certificate: parts(v.certificate),
                                                call: parts(v.call), today: v.today})};
    } catch (e) {
      out.vectors[v.id] = {error: {name: e.name, message: e.message, field: e.field, parts: e.parts}};
    }
  }
  for (const [d, n] of all.add_months) out.add_months.push(K.addMonths(d, n));
  for (const [d, n] of all.add_working_days) out.add_working_days.push(K.addWorkingDays(d, n));
  for (const [d] of all.working_day) out.working_day.push(K.isWorkingDay(d));
  for (const [d] of all.format_date) out.format_date.push(K.formatDate(d));
  return out;
}
"""


def open_dates_page(page, site_url: str, today: str = TODAY):
    page.clock.set_fixed_time(today)
    page.goto(site_url + PATH)
    page.wait_for_selector("#kids-deadlines:not([hidden])")


def type_date(page, field: str, day: str, month: str, year: str) -> None:
    """Type into the three boxes, moving between them with Tab as a keyboard user would."""
    page.focus(f"#{field}-day")
    for index, value in enumerate((day, month, year)):
        if index:
            page.keyboard.press("Tab")
        page.keyboard.press("Control+A")
        page.keyboard.press("Backspace")
        if value:
            page.keyboard.type(value)


def submit_with_keyboard(page) -> None:
    page.focus("#call-year")  # the last box before the button
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Work out my dates"
    page.keyboard.press("Enter")


def test_javascript_agrees_with_every_vector(page, site_url):
    page.goto(site_url + PATH)
    out = page.evaluate(RUN_VECTORS, VECTORS)
    problems = []
    for vector in VECTORS["vectors"]:
        got = out["vectors"][vector["id"]]
        if "error" in vector:
            want = vector["error"]
            error = got.get("error")
            if (
                not error
                or error["name"] != "DeadlineError"
                or error["message"] != want["message"]
                or (error["field"] != want["field"] or error["parts"] != want.get("parts", []))
            ):
                problems.append(f"{vector['id']}: expected {want}, got {got}")
            continue
        result = got.get("result")
        if result is None:
            problems.append(f"{vector['id']}: expected dates, got {got}")
            continue
        expect = dict(vector["expect"])
        if expect.pop("not_covered", False):
            if not (result["not_covered"] or "").startswith("We cannot work out this date yet. Call us on "):
                problems.append(f"{vector['id']}: expected the not-covered message, got {result}")
        elif result["not_covered"] is not None:
            problems.append(f"{vector['id']}: unexpected not-covered message")
        if "appeal" in expect:
            expect.setdefault("appeal_holiday", None)
        steps = expect.pop("next_steps", None)
        if steps is not None:
            if steps.get("not_covered") is True:  # stands for the message, which carries the phone number
                got_message = result["next_steps"].get("not_covered") or ""
                if not got_message.startswith("We cannot work out this date yet. Call us on "):
                    problems.append(f"{vector['id']}: next_steps expected the not-covered message")
                steps = {**steps, "not_covered": got_message}
            if result["next_steps"] != steps:
                problems.append(
                    f"{vector['id']}: next_steps expected {steps!r}, got {result['next_steps']!r}"
                )
        for key, value in expect.items():
            if result[key] != value:
                problems.append(f"{vector['id']}: {key} expected {value!r}, got {result[key]!r}")
    for group in ("add_months", "add_working_days", "working_day", "format_date"):
        for row, got in zip(VECTORS[group], out[group], strict=True):
            if got != row[-1]:
                problems.append(f"{group} {row[:-1]}: expected {row[-1]!r}, got {got!r}")
    assert not problems, "\n".join(problems)


def test_page_data_matches_the_bank_holiday_table_and_facts(page, site_url):
    from functions.forms.domain import deadlines

    page.goto(site_url + PATH)
    data = json.loads(page.get_attribute("#kids-deadlines", "data-kids-deadlines"))
    table = json.loads((ROOT / "data" / "bank-holidays.json").read_text(encoding="utf-8"))
    assert data["dates"] == table["dates"]
    assert data["covers"] == table["covers"]
    for name, value in data["facts"].items():
        assert value == deadlines._facts()[name]


def test_calculator_with_the_keyboard_shows_the_worked_example(page, site_url):
    open_dates_page(page, site_url)
    assert page.title().startswith("Work out your dates")
    type_date(page, "letter", "1", "10", "2026")
    page.keyboard.press("Tab")  # on to the certificate's day box
    assert page.evaluate("() => document.activeElement.id") == "certificate-day"
    type_date(page, "certificate", "29", "11", "2026")
    submit_with_keyboard(page)
    region = page.locator("#kids-deadlines-result[aria-live='polite']")
    region.get_by_text("Monday 4 January 2027").first.wait_for()
    text = region.inner_text()
    assert "Contact us by Tuesday 1 December 2026" in text
    assert "This date is today." in text
    assert "Appeal to the Tribunal by 5pm on Monday 4 January 2027" in text
    assert "Tuesday 29 December 2026 is between 25 December and 1 January" in text
    assert "1 month after the date the certificate was issued (Tuesday 29 December 2026)" in text
    assert "Enter the date of your information call to see when your certificate is due." in text
    assert "This is a guide" in text and "SENDIASS" in text
    assert page.locator(".kids-error-summary").is_hidden()
    violations = run_axe(page)
    assert not violations, describe(violations)


def days_after(today: str, days: int) -> str:
    """The date ``days`` after the browser's clock, in the page's words."""
    from functions.forms.domain.deadlines import format_date

    return format_date(dt.date.fromisoformat(today[:10]) + dt.timedelta(days=days))


def test_next_steps_count_from_the_call_never_from_today(page, site_url):
    """SEND Regs 2014 reg 34: the certificate is due 3 working days after the call at which the family says
    they do not want mediation. The 30 days for mediation start when the local authority is told (regs
    35-37), so no date 30 days after today may appear, and no certificate date without a call."""
    from functions.forms.domain import deadlines

    facts = deadlines._facts()
    open_dates_page(page, site_url)
    region = page.locator("#kids-deadlines-result")
    type_date(page, "letter", "20", "11", "2026")
    submit_with_keyboard(page)
    region.get_by_text(
        "Enter the date of your information call to see when your certificate is due."
    ).wait_for()
    text = region.inner_text()
    assert days_after(TODAY, 30) not in text  # the old "mediation should happen by today + 30 days"
    assert "Friday 4 December 2026" not in text  # the old "certificate by today + 3 working days"
    assert "we must send your certificate by" not in text
    assert "It must arrange the mediation within 30 days of being told." in text
    assert "it depends on when the local authority is told" in text
    assert "the local authority must tell the health body within 3 working days" in text
    assert (
        "If the mediation cannot happen in time, we must send your certificate within 3 working days of finding "
        "out." in text
    )
    assert "After mediation, we send your certificate within 3 working days." in text
    assert "within the same time limits as if the Tribunal had ordered them" in text
    assert "within 2 weeks of the agreement" in text
    assert "if everyone agrees them in writing" in text
    assert "If you want to appeal, tell us by then. Also tell us if you want mediation." in text
    link = region.get_by_role("link", name="Read what happens after mediation")
    assert link.get_attribute("href") == "../after-mediation/"

    # With the call on Monday 30 November 2026: Tuesday 1, Wednesday 2, Thursday 3 December.
    type_date(page, "call", "30", "11", "2026")
    submit_with_keyboard(page)
    region.get_by_text("Thursday 3 December 2026").wait_for()
    text = region.inner_text()
    assert (
        "If you told us at your call that you do not want mediation, we must send your certificate by "
        "Thursday 3 December 2026. That is 3 working days after the call."
    ) in text
    assert "Enter the date of your information call" not in text
    assert days_after(TODAY, 30) not in text
    assert page.locator(".kids-error-summary").is_hidden()
    violations = run_axe(page)
    assert not violations, describe(violations)

    # Every phone number the script writes dials it.
    tel = region.locator("a.kids-tel")
    assert tel.count() >= 1
    for index in range(tel.count()):
        assert tel.nth(index).get_attribute("href") == f"tel:{facts['phone_link']}"
        assert tel.nth(index).locator("bdi[dir='ltr']").inner_text() == facts["phone"]
    numbers = region.inner_text().count(facts["phone"])
    assert numbers == tel.count(), "a phone number in the result is not a link"


def test_call_date_errors(page, site_url):
    open_dates_page(page, site_url)
    summary = page.locator(".kids-error-summary")
    type_date(page, "letter", "2", "11", "2026")
    type_date(page, "call", "2", "12", "2026")
    submit_with_keyboard(page)
    page.locator("#call-error").get_by_text(
        "Date of your information call must be today or in the past"
    ).wait_for()
    assert summary.get_by_role("link").all_inner_texts() == [
        "Date of your information call must be today or in the past"
    ]
    assert "call-error" in page.get_attribute("#call-fieldset", "aria-describedby")
    type_date(page, "call", "1", "11", "2026")
    submit_with_keyboard(page)
    page.get_by_text(
        "Date of your information call must be the same as or after the date on the decision letter"
    ).first.wait_for()
    type_date(page, "call", "31", "11", "2026")
    submit_with_keyboard(page)
    page.locator("#call-error").get_by_text("Date of your information call must be a real date").wait_for()
    assert page.locator("#call-day.kids-input--error").count() == 1
    violations = run_axe(page)
    assert not violations, describe(violations)
    type_date(page, "call", "", "", "")
    submit_with_keyboard(page)
    page.locator("#kids-deadlines-result").get_by_text("Saturday 2 January 2027").first.wait_for()
    assert summary.is_hidden()
    assert page.locator("#call-group.kids-form-group--error").count() == 0


def test_good_friday_is_not_called_a_bank_holiday(page, site_url):
    """HESC Rules 2008 rule 1(3): Good Friday is not a working day, but not a bank holiday in law."""
    open_dates_page(page, site_url, "2027-02-01T12:00:00")
    type_date(page, "letter", "26", "1", "2027")
    submit_with_keyboard(page)
    region = page.locator("#kids-deadlines-result")
    region.get_by_text("5pm on Tuesday 30 March 2027").wait_for()
    text = region.inner_text()
    assert "Friday 26 March 2027 is Good Friday, which is not a working day." in text
    assert "bank holiday" not in text


def test_calculator_month_end_and_passed_dates(page, site_url):
    open_dates_page(page, site_url, "2027-03-05T12:00:00")
    type_date(page, "letter", "31", "12", "2026")
    submit_with_keyboard(page)
    region = page.locator("#kids-deadlines-result")
    region.get_by_text("Sunday 28 February 2027").first.wait_for()
    text = region.inner_text()
    assert "5pm on Monday 1 March 2027" in text
    assert "Sunday 28 February 2027 is a weekend" in text
    assert text.count("This date has passed.") == 2
    # Both "Call us on ..." and the caveat's number are tel: links the script drew.
    assert region.locator("a.kids-tel").count() == 3


def test_errors_follow_the_gov_uk_pattern(page, site_url):
    open_dates_page(page, site_url)
    submit_with_keyboard(page)
    summary = page.locator(".kids-error-summary")
    summary.wait_for(state="visible")
    assert page.evaluate("() => document.activeElement.classList.contains('kids-error-summary')")
    assert page.title().startswith("Error: Work out your dates")
    assert summary.get_by_role("heading").inner_text() == "There is a problem"
    assert summary.get_by_role("link").all_inner_texts() == ["Enter the date on the decision letter"]
    assert page.locator("#letter-error").text_content() == "Error: Enter the date on the decision letter"
    assert "letter-error" in page.get_attribute("#letter-fieldset", "aria-describedby")
    violations = run_axe(page)
    assert not violations, describe(violations)

    # Both dates wrong: one message for each, in the summary and by each field.
    type_date(page, "letter", "31", "", "2026")
    type_date(page, "certificate", "29", "2", "2023")
    submit_with_keyboard(page)
    page.get_by_text("Certificate date must be a real date").first.wait_for()
    assert summary.get_by_role("link").all_inner_texts() == [
        "Date on the decision letter must include a month",
        "Certificate date must be a real date",
    ]
    assert page.locator("#letter-month.kids-input--error").count() == 1
    assert page.locator("#letter-day.kids-input--error").count() == 0
    summary.get_by_role("link").first.click()
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'letter-month'")

    # A future letter, then a good date: the errors go and the title is restored.
    type_date(page, "letter", "2", "12", "2026")
    type_date(page, "certificate", "", "", "")
    submit_with_keyboard(page)
    page.get_by_text("Date on the decision letter must be today or in the past").first.wait_for()
    type_date(page, "letter", "1", "12", "2026")
    submit_with_keyboard(page)
    page.locator("#kids-deadlines-result").get_by_text("Monday 1 February 2027").first.wait_for()
    assert summary.is_hidden()
    assert page.title().startswith("Work out your dates")
    assert page.locator(".kids-form-group--error").count() == 0


def test_year_the_table_does_not_cover_says_call_us(page, site_url):
    from functions.forms.domain import deadlines

    open_dates_page(page, site_url, "2030-11-05T12:00:00")
    type_date(page, "letter", "1", "11", "2030")
    submit_with_keyboard(page)
    region = page.locator("#kids-deadlines-result")
    region.get_by_text("Wednesday 1 January 2031").first.wait_for()
    phone = deadlines._facts()["phone"]
    expected = f"We cannot work out this date yet. Call us on {phone} and we will tell you."
    assert expected in region.inner_text()
    message = region.locator("p", has_text="We cannot work out this date yet.")
    assert message.locator("a.kids-tel bdi").inner_text() == phone


def test_page_works_without_javascript(nojs_page, site_url):
    nojs_page.goto(site_url + PATH)
    assert nojs_page.locator("#kids-deadlines").is_hidden()
    assert nojs_page.locator("h1").count() == 1
    table = nojs_page.locator("table.kids-examples").inner_text()
    assert "Monday 4 January 2027" in table  # domain.md's worked example
    assert "Sunday 28 February 2027" in table  # 31 December + 2 months
    assert "No certificate" in table and "None" not in table
    assert "1 month after the date the certificate was issued" in table  # HESC Rules 2008 rule 20(1)(c)
    body = nojs_page.locator("article").inner_text()
    assert "28 February, or 29 February in a leap year" in body
    assert "contact us sooner rather than later" in body.lower()


def test_following_a_link_from_the_home_page_starts_the_calculator(page, site_url):
    page.clock.set_fixed_time(TODAY)
    page.goto(site_url)
    page.locator("article a[href$='work-out-your-dates/']").first.click()
    page.wait_for_url(re.compile(r"work-out-your-dates/$"))
    page.wait_for_selector("#kids-deadlines:not([hidden])")
    type_date(page, "letter", "1", "10", "2026")
    submit_with_keyboard(page)
    page.locator("#kids-deadlines-result").get_by_text("Tuesday 1 December 2026").first.wait_for()
