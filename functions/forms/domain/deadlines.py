"""Deadlines for families: when to contact us, when to appeal to the Tribunal, and what happens next.

The same rules are in docs/javascripts/deadlines.js (the calculator on the "Work out your dates" page);
tests/vectors/deadlines.json is run against both, so they cannot drift apart.

The rules (shared/domain.md, "Time limits"):

1. Contact us (the mediation adviser) within ``contact_window_months`` calendar months of the date the
   decision was sent (the date on the letter), and say then whether you want mediation (SEND Regulations
   2014 reg 33). This date is NOT moved off weekends, bank holidays, Christmas or August: the working-day
   rules below are the Tribunal's rules for the appeal, not for contacting us. The page tells families to
   contact us sooner rather than later.
2. Appeal to the Tribunal by the later of: the date on the letter plus ``contact_window_months`` calendar
   months, and (when there is a certificate) the date the certificate was issued plus
   ``appeal_after_certificate_months`` calendar months (HESC Rules 2008 rule 20(1)(c)).
3. If that date falls on any day from 25 December to 1 January inclusive, or on any day in August, it
   moves to the first working day after 1 January, or after 31 August (HESC Rules 2008 rule 12).
4. Otherwise, if it falls on a day that is not a working day it moves to the next working day (rule 12).
   A working day is not a Saturday, a Sunday, Christmas Day, Good Friday or a bank holiday in England and
   Wales (HESC Rules 2008 rule 1(3)). Christmas Day and Good Friday are not bank holidays in law; the table
   lists them beside the bank holidays so that one lookup finds every day that is not a working day.
   Whatever the day, the appeal is due by 5pm.
5. Month ends: "the same day number N months later; if that month is shorter, the last day of that
   month". So 31 December + 2 months is 28 February (29 February in a leap year), and 31 August + 1 month
   is 30 September.
6. What follows, counted only from days the family knows (never from "today"): a certificate within
   ``certificate_working_days`` working days of the information call at which the family said they do not
   want mediation (SEND Regulations 2014 reg 34); a certificate within ``certificate_working_days`` working
   days after mediation; actions agreed in mediation that could not be appealed, within
   ``agreed_actions_weeks`` weeks of the agreement (reg 42(3)). The ``mediation_arranged_days`` days for
   arranging mediation run from when the local authority (or, for health-only disagreements, the health
   body) is told (regs 35-37): we cannot know that day, so the page says the rule in words and gives no date.

Bank holidays come from data/bank-holidays.json (a table an editor can extend). A date in a year the
table does not cover raises :class:`CalendarNotCoveredError` rather than guessing.

Pure functions, standard library only (the numbers come from data/facts.yml through ``facts``).
Every function that compares with today takes ``today`` as a parameter, so tests are deterministic.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any

from functions.forms.domain.paths import DATA_DIR

LETTER = "letter"
CERTIFICATE = "certificate"
CALL = "call"  # the information call (MIAS), when the family tells us whether they want mediation
# What each date is called in error messages (GOV.UK pattern: "[whatever it is] must be a real date").
FIELD_NAMES = {
    LETTER: "Date on the decision letter",
    CERTIFICATE: "Certificate date",
    CALL: "Date of your information call",
}
# Dates a family may leave empty: not everyone has a certificate or has had the call yet.
OPTIONAL_FIELDS = (CERTIFICATE, CALL)

# English names whatever the machine's locale (calendar.day_name follows the locale).
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

# Why the appeal date moved (the same codes in deadlines.js). "bank_holiday" is any weekday in the table:
# a bank holiday, or Christmas Day or Good Friday (not bank holidays in law, but not working days either).
REASON_NONE = ""
REASON_CHRISTMAS = "christmas"
REASON_AUGUST = "august"
REASON_WEEKEND = "weekend"
REASON_BANK_HOLIDAY = "bank_holiday"


class DeadlineError(ValueError):
    """A date we cannot work with. ``message`` is worded for the page (GOV.UK error message style).

    ``field`` says which date is wrong ("letter", "certificate" or "call", or None), and ``parts`` which of
    its boxes ("day", "month", "year") to mark; empty means all of them.
    """

    def __init__(self, message: str, field: str | None = None, parts: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.parts = parts


class CalendarNotCoveredError(DeadlineError):
    """The date needs bank holidays for a year that data/bank-holidays.json does not list yet."""

    def __init__(self, year: int) -> None:
        phone = _facts().get("phone", "")
        super().__init__(f"We cannot work out this date yet. Call us on {phone} and we will tell you.")
        self.year = year


@cache
def _facts() -> dict[str, Any]:
    from functions.forms.domain.facts import facts  # read data/facts.yml only when a number is needed

    return facts()


def _fact(name: str) -> int:
    return int(_facts()[name])


@dataclass(frozen=True)
class BankHolidays:
    """The table in data/bank-holidays.json: which years it covers and the dates in them."""

    first_year: int
    last_year: int
    dates: dict[dt.date, str]

    def covers(self, year: int) -> bool:
        return self.first_year <= year <= self.last_year


def load_bank_holidays(raw: dict[str, Any]) -> BankHolidays:
    """Read the table's JSON (``{"covers": {"from", "to"}, "dates": {"YYYY-MM-DD": name}}``)."""
    return BankHolidays(
        first_year=int(raw["covers"]["from"]),
        last_year=int(raw["covers"]["to"]),
        dates={dt.date.fromisoformat(day): name for day, name in raw["dates"].items()},
    )


@cache
def bank_holidays() -> BankHolidays:
    """The bank holiday table, read once per process."""
    with (DATA_DIR / "bank-holidays.json").open(encoding="utf-8") as handle:
        return load_bank_holidays(json.load(handle))


# --- Calendar arithmetic -------------------------------------------------------------------------


def add_months(d: dt.date, n: int) -> dt.date:
    """The same day number ``n`` calendar months later; if that month is shorter, its last day.

    ``add_months(date(2026, 12, 31), 2)`` is 28 February 2027; in a leap year, 29 February.
    """
    index = d.year * 12 + (d.month - 1) + n
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(d.day, last))


def bank_holiday_name(d: dt.date) -> str | None:
    """The day's name if the table lists ``d`` (a bank holiday in England and Wales, Christmas Day or Good
    Friday), else None."""
    table = bank_holidays()
    if not table.covers(d.year):
        raise CalendarNotCoveredError(d.year)
    return table.dates.get(d)


def is_working_day(d: dt.date) -> bool:
    """Not a Saturday, a Sunday, Christmas Day, Good Friday or a bank holiday in England and Wales (HESC
    Rules 2008 rule 1(3)).

    Raises CalendarNotCoveredError for a year the bank holiday table does not cover.
    """
    if bank_holiday_name(d) is not None:
        return False
    return d.weekday() < 5


def next_working_day(d: dt.date) -> dt.date:
    """``d`` itself if it is a working day, else the next working day."""
    while not is_working_day(d):
        d += dt.timedelta(days=1)
    return d


def add_working_days(d: dt.date, n: int) -> dt.date:
    """The ``n``-th working day after ``d`` (``d`` itself does not count). ``n`` must be 0 or more."""
    if n < 0:
        raise ValueError("n must be 0 or more")
    while n > 0:
        d += dt.timedelta(days=1)
        if is_working_day(d):
            n -= 1
    return d


def tribunal_due_date(d: dt.date) -> tuple[dt.date, str]:
    """Where the Tribunal's rules move a period ending on ``d`` (rules 3 and 4), and why.

    25 December to 1 January, or any day in August: the first working day after 1 January or 31 August.
    Otherwise a day that is not a working day: the next working day. Returns (date, reason code).
    """
    if d.month == 12 and d.day >= 25:
        return next_working_day(dt.date(d.year + 1, 1, 2)), REASON_CHRISTMAS
    if d.month == 1 and d.day == 1:
        return next_working_day(dt.date(d.year, 1, 2)), REASON_CHRISTMAS
    if d.month == 8:
        return next_working_day(dt.date(d.year, 9, 1)), REASON_AUGUST
    if is_working_day(d):
        return d, REASON_NONE
    reason = REASON_BANK_HOLIDAY if bank_holiday_name(d) else REASON_WEEKEND
    return next_working_day(d), reason


# --- Checks on what the family entered -----------------------------------------------------------


def parse_date_parts(day: str, month: str, year: str, field: str = LETTER) -> dt.date | None:
    """The date from day, month and year boxes, or None if all three are empty (optional dates only).

    Raises DeadlineError with a GOV.UK-style message (the field's name comes from FIELD_NAMES).
    """
    name = FIELD_NAMES[field]
    values = {"day": (day or "").strip(), "month": (month or "").strip(), "year": (year or "").strip()}
    missing = tuple(part for part, value in values.items() if not value)
    if len(missing) == 3:
        if field in OPTIONAL_FIELDS:
            return None
        raise DeadlineError(f"Enter the {name[0].lower()}{name[1:]}", field)
    if missing:
        raise DeadlineError(f"{name} must include a {' and '.join(missing)}", field, missing)
    if not all(value.isascii() and value.isdigit() for value in values.values()):
        raise DeadlineError(f"{name} must be a real date", field)
    if len(values["year"]) != 4:
        raise DeadlineError(f"{name} must include a year with 4 numbers, like 2026", field, ("year",))
    try:
        return dt.date(int(values["year"]), int(values["month"]), int(values["day"]))
    except ValueError:
        raise DeadlineError(f"{name} must be a real date", field) from None


def check_dates(
    letter_date: dt.date,
    certificate_date: dt.date | None = None,
    today: dt.date | None = None,
    call_date: dt.date | None = None,
) -> None:
    """Raise DeadlineError (letter first, then certificate, then call) unless every date given is today or
    in the past, and neither the certificate nor the call is before the letter."""
    today = today or dt.date.today()
    if letter_date > today:
        raise DeadlineError(f"{FIELD_NAMES[LETTER]} must be today or in the past", LETTER)
    for name, day in ((CERTIFICATE, certificate_date), (CALL, call_date)):
        if day is None:
            continue
        if day > today:
            raise DeadlineError(f"{FIELD_NAMES[name]} must be today or in the past", name)
        if day < letter_date:
            raise DeadlineError(
                f"{FIELD_NAMES[name]} must be the same as or after the date on the decision letter", name
            )


# --- The deadlines --------------------------------------------------------------------------------


def contact_deadline(letter_date: dt.date, today: dt.date | None = None) -> dt.date:
    """The last day to contact us: the date on the letter plus ``contact_window_months`` calendar months.

    Deliberately NOT moved off weekends, bank holidays, Christmas or August: the working-day rules are the
    Tribunal's rules for the appeal. The page says to contact us sooner rather than later. Raises
    DeadlineError if the letter date is after ``today``.
    """
    check_dates(letter_date, None, today)
    return add_months(letter_date, _fact("contact_window_months"))


@dataclass(frozen=True)
class AppealDeadline:
    """The appeal deadline and how it was reached (for the words on the page)."""

    date: dt.date
    unadjusted: dt.date  # the later of the two periods, before the Tribunal's rules move it
    from_letter: dt.date
    from_certificate: dt.date | None
    uses: str  # "letter" or "certificate": which period ends later
    reason: str  # REASON_* code: why ``date`` differs from ``unadjusted`` ("" if it does not)
    holiday: str | None  # the bank holiday's name when reason is "bank_holiday"


def appeal_details(
    letter_date: dt.date, certificate_date: dt.date | None = None, today: dt.date | None = None
) -> AppealDeadline:
    """The appeal deadline (rules 2 to 5) with the working shown."""
    check_dates(letter_date, certificate_date, today)
    from_letter = add_months(letter_date, _fact("contact_window_months"))
    from_certificate = (
        add_months(certificate_date, _fact("appeal_after_certificate_months"))
        if certificate_date is not None
        else None
    )
    uses = CERTIFICATE if from_certificate is not None and from_certificate > from_letter else LETTER
    unadjusted = from_certificate if uses == CERTIFICATE and from_certificate else from_letter
    due, reason = tribunal_due_date(unadjusted)
    holiday = bank_holiday_name(unadjusted) if reason == REASON_BANK_HOLIDAY else None
    return AppealDeadline(due, unadjusted, from_letter, from_certificate, uses, reason, holiday)


def appeal_deadline(
    letter_date: dt.date, certificate_date: dt.date | None = None, today: dt.date | None = None
) -> dt.date:
    """The last day to appeal to the Tribunal (by 5pm): the later of the letter date plus
    ``contact_window_months`` months and the certificate date plus ``appeal_after_certificate_months``
    months, moved by the Tribunal's Christmas, August and working-day rules."""
    return appeal_details(letter_date, certificate_date, today).date


@dataclass(frozen=True)
class NextSteps:
    """Rule 6: the dates that follow from days the family knows, never from "today".

    No date for arranging mediation: its ``mediation_arranged_days`` run from when the local authority (or
    the health body) is told (SEND Regulations 2014 regs 35-37), a day the family cannot tell us.
    """

    call: dt.date  # the information call (MIAS) at which the family said they do not want mediation
    certificate_by: dt.date  # reg 34: ``certificate_working_days`` working days after the call
    certificate_after_mediation_by: dt.date | None = None  # only when a mediation date is known
    agreed_actions_by: dt.date | None = None  # reg 42(3): only when a mediation (agreement) date is known


def next_steps(call: dt.date, mediation_date: dt.date | None = None) -> NextSteps:
    """What happens next, counted from ``call`` (the day of the information call) and, if known, the day of
    the mediation (taken as the day of any agreement made there)."""
    working = _fact("certificate_working_days")
    after: dict[str, dt.date] = {}
    if mediation_date is not None:
        after = {
            "certificate_after_mediation_by": add_working_days(mediation_date, working),
            "agreed_actions_by": mediation_date + dt.timedelta(weeks=_fact("agreed_actions_weeks")),
        }
    return NextSteps(call=call, certificate_by=add_working_days(call, working), **after)


@dataclass
class Result:
    """Everything the calculator shows, as ISO dates (the same shape as deadlines.js's ``workOut``).

    ``next_steps`` is empty without a call date; with one it is ``{"call", "certificate_by", "not_covered"}``
    (``certificate_by`` None and ``not_covered`` the message when the bank holiday table cannot count it).
    """

    contact: str
    appeal: str | None = None
    appeal_unadjusted: str | None = None
    appeal_from_letter: str | None = None
    appeal_from_certificate: str | None = None
    appeal_uses: str | None = None
    appeal_reason: str | None = None
    appeal_holiday: str | None = None
    not_covered: str | None = None
    next_steps: dict[str, str | None] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def work_out(
    letter_date: dt.date,
    certificate_date: dt.date | None = None,
    today: dt.date | None = None,
    call: dt.date | None = None,
) -> Result:
    """All the dates for the page. A year outside the bank holiday table does not stop the contact date:
    ``not_covered`` then holds the message to show instead of the dates that need the table. The
    certificate date after the call is worked out apart from the appeal, so either can show without the
    other."""
    today = today or dt.date.today()
    check_dates(letter_date, certificate_date, today, call)
    result = Result(contact=contact_deadline(letter_date, today).isoformat())
    if call is not None:
        try:
            due: str | None = next_steps(call).certificate_by.isoformat()
            missing = None
        except CalendarNotCoveredError as error:
            due, missing = None, error.message
        result.next_steps = {"call": call.isoformat(), "certificate_by": due, "not_covered": missing}
    try:
        appeal = appeal_details(letter_date, certificate_date, today)
    except CalendarNotCoveredError as error:
        result.not_covered = error.message
        return result
    result.appeal = appeal.date.isoformat()
    result.appeal_unadjusted = appeal.unadjusted.isoformat()
    result.appeal_from_letter = appeal.from_letter.isoformat()
    result.appeal_from_certificate = appeal.from_certificate.isoformat() if appeal.from_certificate else None
    result.appeal_uses = appeal.uses
    result.appeal_reason = appeal.reason
    result.appeal_holiday = appeal.holiday
    return result


PASSED = "passed"
SOON = "soon"
IN_TIME = "in_time"


def how_soon(deadline: dt.date, today: dt.date) -> str:
    """PASSED once the day is over, SOON within ``urgent_within_days`` days (the day itself included), else IN_TIME.

    The same number of days makes the team's email URGENT (message.py), so the family and the team are told a date
    is close at the same time; it also leaves a few working days for a certificate before the date.
    """
    days_left = (deadline - today).days
    if days_left < 0:
        return PASSED
    return SOON if days_left <= _fact("urgent_within_days") else IN_TIME


def format_date(d: dt.date) -> str:
    """A date in words, as on GOV.UK: "Tuesday 1 December 2026"."""
    return f"{DAY_NAMES[d.weekday()]} {d.day} {MONTH_NAMES[d.month - 1]} {d.year}"


def calculate(
    letter: dict[str, str],
    certificate: dict[str, str] | None = None,
    today: dt.date | None = None,
    call: dict[str, str] | None = None,
) -> Result:
    """What the calculator does: read the day, month and year boxes, check them, and work out the dates.

    ``letter``, ``certificate`` and ``call`` are ``{"day": ..., "month": ..., "year": ...}`` as typed (the
    last two optional). Raises DeadlineError (the first problem: letter, then certificate, then call) with
    the message for the page.
    """
    letter_date = parse_date_parts(letter.get("day", ""), letter.get("month", ""), letter.get("year", ""))
    if letter_date is None:  # parse_date_parts returns None only for an empty optional date
        raise DeadlineError("Enter the date on the decision letter", LETTER)
    optional: dict[str, dt.date | None] = {CERTIFICATE: None, CALL: None}
    for name, boxes in ((CERTIFICATE, certificate), (CALL, call)):
        if boxes:
            optional[name] = parse_date_parts(
                boxes.get("day", ""), boxes.get("month", ""), boxes.get("year", ""), name
            )
    return work_out(letter_date, optional[CERTIFICATE], today, optional[CALL])


def compulsory_school_age_ends(born: dt.date) -> dt.date:
    """The last day of compulsory school age: the school leaving date (the last Friday in June) of the school
    year in which the child turns 16. A 16th birthday from September on falls in the school year that ends the
    next June. From the end of this day a young person holds the rights to ask for mediation and to appeal.

    Sources: Education Act 1996 s.8(3)-(4); Education (School Leaving Date) Order 1997; CFA 2014 ss.80, 83(2).
    """
    sixteen = born.year + 16
    year = sixteen + 1 if born.month >= 9 else sixteen
    last = dt.date(year, 6, 30)
    return last - dt.timedelta(days=(last.weekday() - 4) % 7)  # Friday is weekday 4
