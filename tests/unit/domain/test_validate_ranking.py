"""Which error a field shows when several land on it: jsonschema's own ranking, and our one rule before it."""

from __future__ import annotations

import datetime as dt

from functions.forms.domain.validate import validate
from tests.unit.factories import referral

TODAY = dt.date(2026, 11, 28)
FILE_ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"


def shown(form, answers):
    return {e.field: e.text for e in validate(form, answers, today=TODAY)}


def test_a_broken_item_is_named_before_the_lists_own_limit():
    # jsonschema alone would put the list's maxItems or uniqueItems (the shallower error) first.
    assert shown("child-views", {"files": [1, 2, 3, 4]})["files"] == "Add your drawing or recording again"
    assert shown("child-views", {"files": [1, 1]})["files"] == "Add your drawing or recording again"


def test_the_lists_own_limit_comes_before_an_item_of_the_right_type_that_fails_a_check():
    assert shown("child-views", {"files": ["not an id"] * 4})["files"] == "Choose up to 3 files"
    assert shown("child-views", {"files": [FILE_ID, FILE_ID]})["files"] == "Add each file only once"


def test_a_missing_answer_beats_anyof_on_the_same_question():
    answers = referral()
    you = answers["you"]
    del you["email"], you["phone"]
    you["send_me_a_copy"] = True
    assert (
        shown("referral", answers)["you.email"] == "Enter an email address so we can send you a confirmation"
    )
    del you["send_me_a_copy"]
    you["contact_preference"] = "either"
    assert (
        shown("referral", answers)["you.email"]
        == "Enter an email address or a phone number, so we can reach you"
    )
