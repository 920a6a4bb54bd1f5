"""The deadline helper's rules (functions/forms/deadlines.py), run from tests/vectors/deadlines.json.

The same vectors run through docs/javascripts/deadlines.js in tests/browser/test_deadlines_page.py.

To extend the bank holiday table (data/bank-holidays.json) with the `holidays` package:
    .venv/bin/python tests/unit/domain/test_deadlines.py --write 2018 2032
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:  # so the --write command works when run as a script
    sys.path.insert(0, str(ROOT))

from functions.forms.domain import deadlines  # noqa: E402
from functions.forms.domain.deadlines import (  # noqa: E402
    CalendarNotCoveredError,
    DeadlineError,
    add_months,
    add_working_days,
    appeal_deadline,
    calculate,
    contact_deadline,
    format_date,
    is_working_day,
    next_steps,
)

VECTORS_FILE = ROOT / "tests" / "vectors" / "deadlines.json"
TABLE_FILE = ROOT / "data" / "bank-holidays.json"
VECTORS = json.loads(VECTORS_FILE.read_text(encoding="utf-8"))
D = dt.date.fromisoformat


def as_parts(value: str | dict[str, str] | None) -> dict[str, str] | None:
    """A vector's date as typed into the day, month and year boxes."""
    if value is None or isinstance(value, dict):
        return value
    day = D(value)
    return {"day": str(day.day), "month": str(day.month), "year": str(day.year)}


NOT_COVERED = "We cannot work out this date yet. Call us on "


def check_next_steps(got: dict, want: dict) -> None:
    """``"not_covered": true`` in a vector's next_steps stands for the message (it carries the phone)."""
    if want.get("not_covered") is True:
        assert (got.get("not_covered") or "").startswith(NOT_COVERED)
        want = {**want, "not_covered": got.get("not_covered")}
    assert got == want


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=[v["id"] for v in VECTORS["vectors"]])
def test_vector(vector):
    letter, certificate = as_parts(vector["letter"]), as_parts(vector.get("certificate"))
    call = as_parts(vector.get("call"))
    today = D(vector["today"])
    if "error" in vector:
        with pytest.raises(DeadlineError) as caught:
            calculate(letter, certificate, today, call)
        assert caught.value.message == vector["error"]["message"]
        assert caught.value.field == vector["error"]["field"]
        assert list(caught.value.parts) == vector["error"].get("parts", [])
        return
    result = calculate(letter, certificate, today, call).as_dict()
    expect = dict(vector["expect"])
    if expect.pop("not_covered", False):
        assert result["not_covered"].startswith(NOT_COVERED)
        assert result["appeal"] is None
    else:
        assert result["not_covered"] is None
    if "appeal" in expect:
        expect.setdefault("appeal_holiday", None)
    if "next_steps" in expect:
        check_next_steps(result["next_steps"], expect.pop("next_steps"))
    for key, value in expect.items():
        assert result[key] == value, key


def test_vectors_are_plenty_and_cover_every_reason():
    vectors = VECTORS["vectors"]
    assert len(vectors) >= 40
    reasons = {v["expect"].get("appeal_reason") for v in vectors if "expect" in v}
    assert {"", "christmas", "august", "weekend", "bank_holiday"} <= reasons
    assert len({v["id"] for v in vectors}) == len(vectors), "each vector needs its own id"
    # The call date is checked like the others: in the future, before the letter, not a real date.
    call_errors = {v["error"]["message"] for v in vectors if v.get("error", {}).get("field") == "call"}
    assert {
        "Date of your information call must be today or in the past",
        "Date of your information call must be the same as or after the date on the decision letter",
        "Date of your information call must be a real date",
    } <= call_errors


def test_no_date_is_counted_from_today():
    """The certificate counts from the call (SEND Regs 2014 reg 34), and mediation's 30 days from when the
    local authority is told (regs 35-37): "today" starts neither, so no call means no next-steps date."""
    for today in (dt.date(2026, 10, 5), dt.date(2026, 12, 23)):
        result = calculate({"day": "1", "month": "10", "year": "2026"}, None, today).as_dict()
        assert result["next_steps"] == {}
        later = calculate(
            {"day": "1", "month": "10", "year": "2026"},
            None,
            today + dt.timedelta(days=9),
            as_parts("2026-10-02"),
        ).as_dict()
        assert later["next_steps"]["certificate_by"] == "2026-10-07"  # the same whatever today is
    for vector in VECTORS["vectors"]:
        assert "mediation_by" not in vector.get("expect", {}).get("next_steps", {})


@pytest.mark.parametrize(("start", "months", "expected"), VECTORS["add_months"])
def test_add_months_vectors(start, months, expected):
    assert add_months(D(start), months) == D(expected)


@pytest.mark.parametrize(("start", "days", "expected"), VECTORS["add_working_days"])
def test_add_working_days_vectors(start, days, expected):
    assert add_working_days(D(start), days) == D(expected)


@pytest.mark.parametrize(("day", "expected"), VECTORS["working_day"])
def test_working_day_vectors(day, expected):
    assert is_working_day(D(day)) is expected


@pytest.mark.parametrize(("day", "expected"), VECTORS["format_date"])
def test_format_date(day, expected):
    assert format_date(D(day)) == expected


def test_month_end_rule_every_day_of_several_years():
    """Same day number N months later; if that month is shorter, its last day. Never spills over."""
    day = dt.date(2023, 1, 1)
    while day.year < 2029:
        for months in (1, 2, 3, 12):
            later = add_months(day, months)
            assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == months
            next_month_start = (later.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            last_day = (next_month_start - dt.timedelta(days=1)).day
            assert later.day == min(day.day, last_day)
        day += dt.timedelta(days=1)
    assert add_months(dt.date(2026, 12, 31), 2) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2027, 12, 31), 2) == dt.date(2028, 2, 29)


def test_contact_deadline_is_not_moved_off_weekends_or_holidays():
    # 25 October + 2 months is Christmas Day; the appeal moves, the contact date does not.
    today = dt.date(2026, 11, 1)
    assert contact_deadline(dt.date(2026, 10, 25), today) == dt.date(2026, 12, 25)
    assert appeal_deadline(dt.date(2026, 10, 25), None, today) == dt.date(2027, 1, 4)


def test_contact_deadline_needs_no_bank_holiday_table():
    assert contact_deadline(dt.date(2040, 1, 31), dt.date(2040, 2, 1)) == dt.date(2040, 3, 31)


def test_today_defaults_to_the_real_today():
    assert contact_deadline(dt.date.today()) == add_months(dt.date.today(), 2)
    with pytest.raises(DeadlineError, match="must be today or in the past"):
        contact_deadline(dt.date.today() + dt.timedelta(days=1))


def test_errors_are_value_errors_and_not_covered_is_a_deadline_error():
    assert issubclass(DeadlineError, ValueError)
    assert issubclass(CalendarNotCoveredError, DeadlineError)
    phone = deadlines._facts()["phone"]
    with pytest.raises(CalendarNotCoveredError) as caught:
        is_working_day(dt.date(2099, 1, 5))
    assert (
        caught.value.message == f"We cannot work out this date yet. Call us on {phone} and we will tell you."
    )
    with pytest.raises(CalendarNotCoveredError):
        appeal_deadline(dt.date(2030, 11, 1), None, dt.date(2030, 11, 2))


def test_error_messages_follow_the_gov_uk_style():
    for vector in VECTORS["vectors"]:
        if "error" in vector:
            message = vector["error"]["message"]
            assert not any(word in message.lower() for word in ("please", "sorry", "invalid", "valid "))
            assert not message.endswith(".")


def test_next_steps_use_the_facts():
    steps = next_steps(dt.date(2026, 12, 23), mediation_date=dt.date(2027, 2, 5))
    assert steps.call == dt.date(2026, 12, 23)
    assert steps.certificate_by == dt.date(2026, 12, 30)  # 24th, (25th, 26th, 27th, 28th off), 29th, 30th
    assert not hasattr(steps, "mediation_by")  # its 30 days start on a day we cannot know
    assert steps.certificate_after_mediation_by == dt.date(2027, 2, 10)  # Friday: Mon 8, Tue 9, Wed 10
    assert steps.agreed_actions_by == dt.date(2027, 2, 19)
    assert next_steps(dt.date(2026, 12, 23)).certificate_after_mediation_by is None


def test_christmas_day_and_good_friday_are_not_working_days():
    """HESC Rules 2008 rule 1(3): not bank holidays in law, but not working days either."""
    assert not is_working_day(dt.date(2026, 12, 25))  # a Friday
    assert not is_working_day(dt.date(2027, 3, 26))  # Good Friday


def test_numbers_come_from_the_facts_file():
    facts = deadlines._facts()
    assert facts["contact_window_months"] == 2
    assert facts["appeal_after_certificate_months"] == 1
    assert facts["certificate_working_days"] == 3


# --- The bank holiday table ------------------------------------------------------------------------


def make_table(first: int, last: int) -> dict:
    """The table as the `holidays` package gives it (the package is only for making and checking it)."""
    import holidays

    days = holidays.UK(subdiv="ENG", years=range(first, last + 1))
    table = json.loads(TABLE_FILE.read_text(encoding="utf-8"))
    table["covers"] = {"from": first, "to": last}
    table["dates"] = {day.isoformat(): name for day, name in sorted(days.items())}
    return table


def test_table_matches_the_holidays_package_for_every_covered_year():
    table = json.loads(TABLE_FILE.read_text(encoding="utf-8"))
    first, last = table["covers"]["from"], table["covers"]["to"]
    expected = make_table(first, last)["dates"]
    assert sorted(table["dates"]) == sorted(expected)
    assert all(first <= D(day).year <= last for day in table["dates"])


def test_table_covers_next_year():
    """Fails in time for someone to add years (see the module docstring), before families see
    "We cannot work out this date yet"."""
    table = json.loads(TABLE_FILE.read_text(encoding="utf-8"))
    assert table["covers"]["to"] >= dt.date.today().year + 1, (
        "data/bank-holidays.json needs more years: run .venv/bin/python tests/unit/domain/test_deadlines.py "
        "--write FROM TO"
    )


def test_runtime_does_not_import_holidays():
    source = (ROOT / "functions" / "forms" / "domain" / "deadlines.py").read_text(encoding="utf-8")
    assert "import holidays" not in source and "boto" not in source


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--write":
        new = make_table(int(sys.argv[2]), int(sys.argv[3]))
        TABLE_FILE.write_text(json.dumps(new, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"Wrote {len(new['dates'])} dates to {TABLE_FILE}")
    else:
        print(__doc__)
