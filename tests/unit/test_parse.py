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
