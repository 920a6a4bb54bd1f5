"""MkDocs hook: the deadline helper on the "Work out your dates" page.

- ``<!-- deadlines: examples -->`` becomes a table of worked examples (with docs/stylesheets/deadlines.css), worked out by
  functions/forms/deadlines.py at build time, so the page without JavaScript can never disagree with it.
- ``<!-- deadlines: calculator -->`` becomes the calculator (hidden until docs/javascripts/deadlines.js
  shows it), carrying the bank holiday table, the facts and the one page link it needs in a data attribute
  (no extra request), and the script itself, loaded on this page only.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.utils import get_relative_url

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from functions.forms.domain import deadlines, html  # noqa: E402

EXAMPLES = re.compile(r"<!--\s*deadlines:\s*examples\s*-->")
CALCULATOR = re.compile(r"<!--\s*deadlines:\s*calculator\s*-->")
SCRIPT = "javascripts/deadlines.js"
STYLESHEET = "stylesheets/deadlines.css"
FORM_STYLESHEET = "stylesheets/forms.css"  # the calculator's boxes, button and error box
# The facts the browser needs (data/facts.yml). phone_link: the script draws the phone number as a tel: link
# itself, because hooks/facts.py only links the number in the page's HTML, not in text the script writes.
BROWSER_FACTS = (
    "phone",
    "phone_link",
    "contact_window_months",
    "appeal_after_certificate_months",
    "certificate_working_days",
    "mediation_arranged_days",
    "health_body_told_working_days",
    "agreed_actions_weeks",
    "due_time",
)
# The page the calculator's words link to (what happens after an agreement at mediation).
AFTER_MEDIATION = "after-mediation.md"
# Not bank holidays in law, but not working days either (HESC Rules 2008 rule 1(3)); the table lists them
# with the bank holidays. The same names are in deadlines.js.
NOT_BANK_HOLIDAYS = ("Christmas Day", "Good Friday")
# Worked examples: (date on the letter, certificate date or None). Kept in covered years.
EXAMPLE_DATES: tuple[tuple[str, str | None], ...] = (
    ("2026-10-01", None),
    ("2026-10-01", "2026-11-29"),
    ("2026-12-31", None),
    ("2027-06-15", None),
    ("2027-01-29", None),
    ("2027-03-01", "2027-03-10"),
    ("2027-04-16", "2027-06-01"),
)


def _holiday_words(day: str, holiday: str | None) -> str:
    """The words for a day in the table: "... is a bank holiday (Easter Monday)", or for Christmas Day and
    Good Friday, not bank holidays in law, "... is Good Friday, which is not a working day" (HESC Rules 2008
    rule 1(3))."""
    if holiday in NOT_BANK_HOLIDAYS:
        return f"{day} is {holiday}, which is not a working day"
    return f"{day} is a bank holiday ({holiday})"


def _why(details: deadlines.AppealDeadline) -> str:
    facts = deadlines._facts()
    # HESC Rules 2008 rule 20(1)(c): 1 month after the date on which the certificate was issued.
    after_certificate = (
        f"{facts['appeal_after_certificate_months']} month after the date the certificate was issued"
    )
    if details.uses == deadlines.CERTIFICATE:
        start = after_certificate
    else:
        start = f"{facts['contact_window_months']} months after the letter"
        if details.from_certificate is not None:
            start += f" (later than {after_certificate})"
    day = deadlines.format_date(details.unadjusted)
    moved = {
        deadlines.REASON_CHRISTMAS: f"{day} is between 25 December and 1 January, so the first working day "
        "after 1 January",
        deadlines.REASON_AUGUST: f"{day} is in August, so the first working day after 31 August",
        deadlines.REASON_WEEKEND: f"{day} is a weekend, so the next working day",
        deadlines.REASON_BANK_HOLIDAY: f"{_holiday_words(day, details.holiday)}, so the next working day",
    }.get(details.reason)
    return f"{start}: {day}." if not moved else f"{start}. {moved}."


def examples_table(page_url: str) -> str:
    """The worked examples as an HTML table (templates/deadline_examples.html), from the same functions the unit
    tests check."""
    due = deadlines._facts()["due_time"]
    headings = ("Date on the letter", "Certificate date", "Contact us by", "Appeal to the Tribunal by", "Why")
    rows = []
    for letter_iso, certificate_iso in EXAMPLE_DATES:
        letter = dt.date.fromisoformat(letter_iso)
        certificate = dt.date.fromisoformat(certificate_iso) if certificate_iso else None
        today = certificate or letter
        contact = deadlines.contact_deadline(letter, today)
        details = deadlines.appeal_details(letter, certificate, today)
        rows.append(
            (
                deadlines.format_date(letter),
                deadlines.format_date(certificate) if certificate else "No certificate",
                deadlines.format_date(contact),
                f"{due} on {deadlines.format_date(details.date)}",
                _why(details),
            )
        )
    return html.render(
        "deadline_examples.html",
        stylesheet=get_relative_url(STYLESHEET, page_url),
        headings=headings,
        rows=rows,
    )


def browser_data(links: dict[str, str] | None = None) -> dict[str, object]:
    """What deadlines.js needs: the bank holiday table, the facts, and links relative to the page."""
    table = deadlines.bank_holidays()
    facts = deadlines._facts()
    missing = [name for name in BROWSER_FACTS if facts.get(name) in (None, "")]
    if missing:
        raise PluginError(f"data/facts.yml: the dates helper needs {', '.join(missing)}")
    return {
        "covers": {"from": table.first_year, "to": table.last_year},
        "dates": {day.isoformat(): name for day, name in sorted(table.dates.items())},
        "facts": {name: facts[name] for name in BROWSER_FACTS},
        "links": dict(links or {}),
    }


def calculator_html(page_url: str, after_mediation_url: str = "after-mediation/") -> str:
    """The calculator form, for browsers with JavaScript (the page works fully without it).
    ``after_mediation_url``: the after-mediation page's URL in this build (on_page_content looks it up)."""
    links = {"after_mediation": get_relative_url(after_mediation_url, page_url)}
    return html.render(
        "deadline_calculator.html",
        stylesheet=get_relative_url(FORM_STYLESHEET, page_url),
        script=get_relative_url(SCRIPT, page_url),
        data=json.dumps(browser_data(links), separators=(",", ":"), ensure_ascii=False),
    )


def _is_dates_page(page) -> bool:
    return page.file.src_uri == "work-out-your-dates.md"


def on_page_markdown(markdown, page, config, files, **kwargs):
    if not _is_dates_page(page):
        return markdown
    if not EXAMPLES.search(markdown) or not CALCULATOR.search(markdown):
        raise PluginError(
            f"{page.file.src_uri}: keep the lines '<!-- deadlines: examples -->' and "
            "'<!-- deadlines: calculator -->': the deadline helper goes there."
        )
    return markdown


def on_page_content(html, page, config, files, **kwargs):
    if not _is_dates_page(page):
        return html
    # The script's link is not in the Markdown, so --strict cannot check it: check the page exists here.
    after = files.get_file_from_path(AFTER_MEDIATION)
    if after is None:
        raise PluginError(
            f"{page.file.src_uri}: the dates helper links to {AFTER_MEDIATION}, which is missing."
        )
    html = EXAMPLES.sub(lambda _: examples_table(page.url), html, count=1)
    return CALCULATOR.sub(lambda _: calculator_html(page.url, after.url), html, count=1)
