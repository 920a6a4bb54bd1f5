"""Reading answers from JSON and from plain HTML form posts."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from functions.forms.domain.schemas import get_form
from functions.forms.web.errors import ParseError
from functions.forms.web.parse import clean_text, parse_form, parse_json

FORM = get_form("referral")


def form_post(**fields: str) -> bytes:
    return urlencode({k.replace("__", "."): v for k, v in fields.items()}).encode()


def test_date_boxes_accept_3_03_and_month_names():
    for day, month, year in [
        ("3", "3", "2026"),
        ("03", "03", "2026"),
        ("3", "March", "2026"),
        ("3", "mar", "2026"),
    ]:
        body = urlencode(
            {
                "decision.letter_date-day": day,
                "decision.letter_date-month": month,
                "decision.letter_date-year": year,
            }
        ).encode()
        assert parse_form(FORM, body).answers["decision"]["letter_date"] == "2026-03-03"


def test_wrong_date_boxes_become_something_the_date_check_refuses():
    body = urlencode(
        {"child.date_of_birth-day": "31", "child.date_of_birth-month": "", "child.date_of_birth-year": "2015"}
    ).encode()
    value = parse_form(FORM, body).answers["child"]["date_of_birth"]
    assert value == "2015-??-31"


def test_empty_boxes_are_missing_answers_and_ticked_boxes_are_true():
    body = urlencode({"you.name": "  ", "consent.privacy_notice_read": "true", "website": ""}).encode()
    answers = parse_form(FORM, body).answers
    assert "you" not in answers or "name" not in answers["you"]
    assert answers["consent"] == {"privacy_notice_read": True}
    assert answers["website"] == ""


def test_a_form_post_without_javascript_gets_a_submission_id():
    answers = parse_form(FORM, b"service=mias").answers
    assert len(answers["submission_id"]) == 36


def test_what_was_typed_is_kept_to_show_back():
    parsed = parse_form(FORM, form_post(you__name="Testy", **{"child.date_of_birth-month": "Marhc"}))
    assert parsed.typed["you.name"] == "Testy"
    assert parsed.typed["child.date_of_birth-month"] == "Marhc"


def test_unknown_names_in_a_form_post_are_kept_so_validation_refuses_them():
    answers = parse_form(FORM, b"favourite_colour=blue").answers
    assert answers["favourite_colour"] == "blue"


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b'{"service": "mias", "service": "mediation"}', "appears twice"),
        (b'{"you": {"age": NaN}}', "not a number"),
        (b'{"x": Infinity}', "not a number"),
        (b"[1, 2]", "JSON object"),
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe", "UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
)
def test_bad_json_is_a_clear_parse_error(body, says):
    with pytest.raises(ParseError) as caught:
        parse_json(FORM, body)
    assert says in caught.value.text
    assert caught.value.status == 400


def test_text_is_normalised_and_control_characters_go():
    assert clean_text("Zoe\u0301\x00\u202e", multiline=False) == "Zoé"
    assert clean_text("line one\r\nline two\x07", multiline=True) == "line one\nline two"
    assert clean_text("no\nbreaks\rhere", multiline=False) == "no breaks here"


def test_json_answers_are_cleaned_by_field_kind():
    body = json.dumps({"you": {"name": "Testy\nMcTestface"}, "disagreement": "a\r\nb"}).encode()
    answers = parse_json(FORM, body).answers
    assert answers["you"]["name"] == "Testy McTestface"
    assert answers["disagreement"] == "a\nb"


# Issue 17, finding 5: str.isdigit() is true for a superscript or circled digit, which int() cannot read (a 500).
@pytest.mark.parametrize("digit", ["\u00b2", "\u2460", "\u2079", "\u2089", "\u24ff", "\u277c", "\U0001f102"])
@pytest.mark.parametrize("box", ["day", "month", "year"])
def test_a_superscript_or_circled_digit_in_a_date_box_is_something_the_date_check_refuses(digit, box):
    boxes = {"day": "27", "month": "3", "year": "2015"}
    boxes[box] = {"day": "2", "month": "", "year": "201"}[box] + digit
    body = urlencode({f"child.date_of_birth-{part}": typed for part, typed in boxes.items()}).encode()
    value = parse_form(FORM, body).answers["child"]["date_of_birth"]
    assert digit in value
    assert date_errors(value) == {"child.date_of_birth": "Date of birth must be a real date"}


def date_errors(date_of_birth: str) -> dict[str, str]:
    """What validation says of a referral with this date of birth."""
    from functions.forms.domain.validate import validate
    from tests.unit.factories import referral

    answers = referral(child__date_of_birth=date_of_birth)
    return {e.field: e.text for e in validate("referral", answers)}


@pytest.mark.parametrize(
    ("day", "month", "year"),
    [
        ("\u0662\u0667", "\u0663", "\u0662\u0660\u0661\u0665"),  # Arabic-Indic
        ("\u06f2\u06f7", "\u06f0\u06f3", "\u06f2\u06f0\u06f1\u06f5"),  # Eastern Arabic-Indic (Urdu)
        ("\uff12\uff17", "\uff13", "\uff12\uff10\uff11\uff15"),  # fullwidth
        ("27", "Mar", "20\u0661\u0665"),
    ],
)
def test_date_boxes_read_any_scripts_decimal_digits(day, month, year):
    boxes = {"day": day, "month": month, "year": year}
    body = urlencode({f"child.date_of_birth-{part}": typed for part, typed in boxes.items()}).encode()
    assert parse_form(FORM, body).answers["child"]["date_of_birth"] == "2015-03-27"


def test_trimming_a_long_run_of_spaces_takes_linear_time():
    import time

    started = time.perf_counter()
    assert (
        clean_text("x" + " \u200d" * 100_000 + "y" + " " * 100_000, multiline=True)
        == "x" + " \u200d" * 100_000 + "y"
    )
    assert time.perf_counter() - started < 2  # a regular expression anchored at the end would take minutes


def test_email_answers_are_kept_as_the_address_we_send_to():
    body = json.dumps({"you": {"email": "  Testy@B\u00dcCHER.Example "}}).encode()
    assert parse_json(FORM, body).answers["you"]["email"] == "Testy@xn--bcher-kva.example"
    parsed = parse_form(FORM, form_post(you__email="Testy@\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.COM"))
    assert parsed.answers["you"]["email"] == "Testy@example.com"
    # Shown back as typed, when the page is shown again.
    assert parsed.typed["you.email"] == "Testy@\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.COM"
    # One that cannot be used is kept as it was, for validation to refuse with the field's message.
    assert parse_form(FORM, form_post(you__email="testy..mc@example.com")).answers["you"]["email"] == (
        "testy..mc@example.com"
    )
