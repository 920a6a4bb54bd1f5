"""Validation: every problem at once, one per field, in form order, in GOV.UK wording from the schema."""

from __future__ import annotations

import datetime as dt

import pytest

from functions.forms.domain.schemas import get_form
from functions.forms.domain.validate import validate
from tests.unit.factories import referral

TODAY = dt.date(2026, 11, 28)


def errors_of(answers, today=TODAY):
    return {e.field: e.text for e in validate("referral", answers, today=today)}


def test_a_complete_referral_has_no_errors():
    assert validate("referral", referral(), today=TODAY) == []


def test_an_empty_referral_lists_every_required_question_in_form_order():
    errors = validate("referral", {}, today=TODAY)
    fields = [e.field for e in errors]
    order = get_form("referral").order()
    assert fields == sorted(fields, key=order.get)
    assert "service" in fields and "you.name" in fields and "child.date_of_birth" in fields
    assert "consent.privacy_notice_read" in fields
    assert len(fields) == len(set(fields))
    assert errors[1].text == "Select what you would like help with"


def test_error_links_point_at_the_first_box_of_a_date_and_at_the_input_id():
    errors = {e.field: e.href for e in validate("referral", referral(child__date_of_birth=...), today=TODAY)}
    assert errors == {"child.date_of_birth": "#child-date_of_birth-day"}
    errors = {e.field: e.href for e in validate("referral", referral(you__name=...), today=TODAY)}
    assert errors == {"you.name": "#you-name"}


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        ({"child__date_of_birth": "2015-02-30"}, "child.date_of_birth", "Date of birth must be a real date"),
        ({"child__date_of_birth": "2027-01-01"}, "child.date_of_birth", "Date of birth must be in the past"),
        (
            {"child__date_of_birth": "2000-11-27", "child__young_person_agrees": "yes"},
            "child.date_of_birth",
            "The child or young person must be 25 or younger. Call us if they are older",
        ),
        (
            {"decision__letter_date": "2026-11-29"},
            "decision.letter_date",
            "Date on the decision letter must be today or in the past",
        ),
        (
            {"decision__letter_date": "31/10/2026"},
            "decision.letter_date",
            "Date on the decision letter must be a real date",
        ),
        ({"decision__letter_date": ...}, "decision.letter_date", "Enter the date on the decision letter"),
        (
            {"you__email": "not an email"},
            "you.email",
            "Enter an email address in the correct format, like name@example.com",
        ),
        ({"you__phone": "call me"}, "you.phone", "Enter a phone number, like 01632 960 001 or 07700 900 982"),
        ({"service": "therapy"}, "service", "Select what you would like help with"),
        (
            {"consent__privacy_notice_read": False},
            "consent.privacy_notice_read",
            "Confirm that you have read the privacy notice",
        ),
        ({"website": "http://spam.example"}, "website", "Leave the last box empty"),
        (
            {"disagreement": "x" * 5001},
            "disagreement",
            "What you disagree about must be 5,000 characters or fewer",
        ),
        ({"submission_id": "1234"}, "submission_id", "Submission number must be a UUID"),
    ],
)
def test_each_problem_gets_its_own_message(change, field, text):
    assert errors_of(referral(**change)) == {field: text}


def test_a_26_year_old_is_refused_but_a_25_year_old_is_not():
    adult = {"child__young_person_agrees": "yes"}  # a parent asking for a young person they agree to
    assert errors_of(referral(child__date_of_birth="2000-11-29", **adult)) == {}
    assert "child.date_of_birth" in errors_of(referral(child__date_of_birth="2000-11-28", **adult))


def test_email_or_phone_is_needed_but_not_both():
    assert errors_of(referral(you__email=..., you__contact_preference="phone")) == {}
    assert errors_of(referral(you__phone=...)) == {}
    assert errors_of(referral(you__phone=..., you__email=..., you__contact_preference="either")) == {
        "you.email": "Enter an email address or a phone number, so we can reach you"
    }


@pytest.mark.parametrize(
    ("chosen", "missing", "text"),
    [
        ("phone", "phone", "Enter a phone number, or choose another way for us to contact you"),
        ("email", "email", "Enter an email address, or choose another way for us to contact you"),
    ],
)
def test_the_contact_method_chosen_needs_its_detail(chosen, missing, text):
    answers = referral(you__contact_preference=chosen, **{f"you__{missing}": ...})
    assert errors_of(answers) == {f"you.{missing}": text}


def test_a_rule_across_questions_is_listed_with_every_other_error_at_once():
    answers = referral(you__contact_preference="phone", you__phone=..., you__name=..., local_authority=...)
    assert list(errors_of(answers)) == ["you.name", "you.phone", "local_authority"]


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        ({"decision__letter_date": "26-10-20"}, "decision.letter_date", "year with 4 numbers, like 2026"),
        ({"child__date_of_birth": "15-03-27"}, "child.date_of_birth", "year with 4 numbers, like 2015"),
        ({"child__date_of_birth": "20155-03-27"}, "child.date_of_birth", "year with 4 numbers, like 2015"),
    ],
)
def test_a_year_not_typed_with_4_numbers_says_so_in_the_dates_pages_words(change, field, text):
    assert errors_of(referral(**change))[field].endswith(f"must include a {text}")


def test_a_decision_letter_dated_before_the_child_was_born_is_refused():
    answers = referral(child__date_of_birth="2015-03-27", decision__letter_date="2015-03-26")
    assert errors_of(answers) == {
        "decision.letter_date": "Date on the decision letter must be the same as or after their date of birth"
    }
    assert errors_of(referral(child__date_of_birth="2015-03-27", decision__letter_date="2015-03-27")) == {}


@pytest.mark.parametrize("lang", ["pl", "ur", "ar"])
def test_the_new_messages_are_in_every_language(lang):
    answers = referral(you__contact_preference="phone", you__phone=..., decision__letter_date="2014-01-01")
    english = validate("referral", answers, today=TODAY, lang="en")
    translated = validate("referral", answers, today=TODAY, lang=lang)
    assert (
        [e.field for e in translated] == [e.field for e in english] == ["you.phone", "decision.letter_date"]
    )
    assert all(t.text != e.text for t, e in zip(translated, english, strict=True))


def test_letter_date_is_not_needed_for_disagreement_resolution():
    answers = referral(service="disagreement_resolution", decision__letter_date=...)
    assert errors_of(answers) == {}


def test_unknown_fields_are_refused_at_any_level():
    errors = errors_of(referral(favourite_colour="blue", you__shoe_size="9"))
    assert errors["favourite_colour"].startswith("Remove 'favourite_colour'")
    assert errors["you.shoe_size"].startswith("Remove 'shoe_size'")


def test_wrong_types_get_the_fields_message_not_a_crash():
    errors = errors_of(referral(you=["not", "an", "object"], consent__share_with_local_authority="yes"))
    assert errors["you"] == "Tell us about you"
    assert (
        errors["consent.share_with_local_authority"]
        == "Agree that we can tell the local authority about your request for mediation"
    )


def test_every_question_has_a_message_for_every_way_it_can_fail():
    checked = {
        "required",
        "type",
        "enum",
        "format",
        "maxLength",
        "minLength",
        "pattern",
        "const",
        "x-not-future",
        "x-max-age-years",
    }
    missing = []
    for field in get_form("referral").leaves():
        messages = field.schema.get("x-messages", {})
        needed = (
            {k for k in checked if k in field.schema} | ({"required"} if field.required else set()) | {"type"}
        )
        missing += [f"{field.path}: {k}" for k in sorted(needed - set(messages))]
    assert not missing, missing


def test_the_age_limit_is_the_services_own_fact():
    from functions.forms.domain.facts import facts

    dob = get_form("referral").by_path()["child.date_of_birth"].schema
    assert dob["x-max-age-years"] == facts()["age_to"]
    assert str(facts()["age_to"]) in dob["x-messages"]["x-max-age-years"]


@pytest.mark.parametrize(
    "address", ["a@example.com Bcc: x@example.net", "a@localhost", "a@@example.com", "<a@example.com>"]
)
def test_an_email_address_must_be_one_usable_address(address):
    assert errors_of(referral(you__email=address)) == {
        "you.email": "Enter an email address in the correct format, like name@example.com"
    }


def test_ordinary_addresses_pass():
    for address in ["testy.mctestface@example.com", "o'brien+send@mail.example.co.uk", "ZOE@EXAMPLE.ORG"]:
        assert errors_of(referral(you__email=address)) == {}


def test_the_views_forms_age_limits_are_the_services_own_facts():
    from functions.forms.domain.facts import facts

    age = get_form("child-views").by_path()["about.age"].schema
    assert (age["minimum"], age["maximum"]) == (facts()["age_from"], facts()["age_to"])
    assert age["x-messages"]["maximum"] == (
        f"This form is for children and young people who are {facts()['age_to']} or younger"
    )


# The local authority is told about a request for mediation (SEND Regs 2014 regs 33-37); any other request is
# not shared with it on the strength of this box, so the box is needed for mediation only (privacy notice).
@pytest.mark.parametrize("service", ["mias", "certificate", "disagreement_resolution"])
def test_the_local_authority_box_is_needed_only_for_mediation(service):
    answers = referral(service=service)
    del answers["consent"]["share_with_local_authority"]
    assert "consent.share_with_local_authority" not in errors_of(answers)
    answers["consent"]["share_with_local_authority"] = False
    assert "consent.share_with_local_authority" not in errors_of(answers)


def test_mediation_without_the_local_authority_box_is_refused_with_the_reason():
    answers = referral(service="mediation")
    del answers["consent"]["share_with_local_authority"]
    assert errors_of(answers)["consent.share_with_local_authority"] == (
        "Agree that we can tell the local authority about your request for mediation"
    )
    answers["consent"]["share_with_local_authority"] = False
    assert "consent.share_with_local_authority" in errors_of(answers)


# CFA 2014 s.51(2): the decisions that can be appealed, and so mediated, include a refused re-assessment and an
# amended plan. New values were added; the old ones keep their meaning.
@pytest.mark.parametrize(
    "kind",
    [
        "refuse_assessment",
        "refuse_reassessment",
        "refuse_plan",
        "plan_contents",
        "amended_plan_contents",
        "refuse_amendment",
        "cease_plan",
        "health_social_care",
        "other",
    ],
)
def test_every_decision_the_law_names_can_be_chosen(kind):
    assert "decision.kind" not in errors_of(referral(decision__kind=kind))


# Issue 17, finding 9: addresses that cannot be a Reply-To or receive the family's copy, refused at once rather than
# failing later where nobody sees it.
@pytest.mark.parametrize(
    "address",
    [
        "testy..mctestface@example.com",
        "=?utf-8?q?testy=40example.net?=@example.com",
        "testy=?utf-8?b?QQ==?=@example.com",
        '"testy"@example.com',
        "testy(comment)@example.com",
        "(comment)testy@example.com",
        "testy@ex\u0430mple.com",  # Cyrillic a among Latin letters
        "testy@\u0440aypal.com",  # Cyrillic r
        "testy@g\u03bfogle.com",  # Greek omicron
        "t\u0435sty@example.com",  # Cyrillic e before the @
        "zo\u00eb@example.com",  # SES sends only to an ASCII part before the @
        "testy@example.test",
        "testy@[192.0.2.1]",
        "testy@192.0.2.1",
        "t" * 65 + "@example.com",
        ".testy@example.com",
        "testy@example.com.",
    ],
)
def test_an_address_nobody_could_write_to_is_refused(address):
    assert errors_of(referral(you__email=address)) == {
        "you.email": "Enter an email address in the correct format, like name@example.com"
    }


@pytest.mark.parametrize(
    ("address", "sent_to"),
    [
        ("testy@b\u00fccher.example", "testy@xn--bcher-kva.example"),
        ("testy@\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444", "testy@xn--e1afmkfd.xn--p1ai"),
        ("testy@\u4f8b\u5b50.\u5e7f\u544a", "testy@xn--fsqu00a.xn--4rr70v"),
        # Katakana and Han in one label, as Japanese writes them
        ("testy@\u30c9\u30e1\u30a4\u30f3\u540d\u4f8b.jp", "testy@xn--eckwd4c7cu47r2wf.jp"),
        ("Testy@EXAMPLE.ORG", "Testy@example.org"),
        ("testy@\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.com", "testy@example.com"),
    ],
)
def test_international_domains_pass_and_are_sent_to_in_ascii(address, sent_to):
    from functions.forms.domain.validate import email_address

    assert errors_of(referral(you__email=address)) == {}
    assert email_address(address) == sent_to


def test_a_too_long_address_is_told_so():
    address = "testy@" + "a" * 250 + ".com"
    assert errors_of(referral(you__email=address)) == {
        "you.email": "Email address must be 254 characters or fewer"
    }


# The rights pass to the young person at the end of compulsory school age: the last Friday in June of the school
# year in which they turn 16 (CFA 2014 ss.80, 83(2); Education Act 1996 s.8; SEND Regs 2014 regs 63-65).
@pytest.mark.parametrize(
    ("born", "ends"),
    [
        ("2010-01-15", "2026-06-26"),  # 16 in January 2026: that school year's leaving date
        ("2010-08-31", "2026-06-26"),  # 16 at the end of August, after the leaving date: still June 2026
        ("2010-09-01", "2027-06-25"),  # 16 in September: the school year ending in June 2027
    ],
)
def test_compulsory_school_age_ends_on_the_last_friday_in_june_of_the_year_they_turn_16(born, ends):
    from functions.forms.domain.deadlines import compulsory_school_age_ends

    assert compulsory_school_age_ends(dt.date.fromisoformat(born)) == dt.date.fromisoformat(ends)


def test_a_parent_asking_for_a_young_person_over_school_age_says_whether_they_agree():
    over = referral(child__date_of_birth="2010-01-15", decision__letter_date="2026-06-01")
    assert errors_of(over, dt.date(2026, 6, 26)) == {}  # the leaving date itself: still of school age
    assert errors_of(over, dt.date(2026, 6, 27))["child.young_person_agrees"].startswith(
        "Tell us if the young person agrees that you ask for them"
    )
    for answer in ("yes", "lacks_capacity"):
        over["child"]["young_person_agrees"] = answer
        assert errors_of(over, dt.date(2026, 6, 27)) == {}
    over["child"]["young_person_agrees"] = "no"
    assert "child.young_person_agrees" in errors_of(over, dt.date(2026, 6, 27))


def test_a_young_person_asking_for_themself_is_not_asked_whether_they_agree():
    themself = referral(child__date_of_birth="2008-03-01", you__role="young_person")
    assert errors_of(themself, dt.date(2026, 12, 3)) == {}


@pytest.mark.parametrize("lang", ["en", "pl", "ur", "ar"])
def test_the_age_limit_is_said_as_a_person_would_with_only_the_upper_age(lang):
    from functions.forms.domain.facts import facts

    born = referral(child__date_of_birth="1990-01-01", child__young_person_agrees="yes")
    said = {e.field: e.text for e in validate("referral", born, today=TODAY, lang=lang)}[
        "child.date_of_birth"
    ]
    views = get_form("child-views", lang).by_path()["about.age"].message("maximum")
    for text in (said, views):
        assert str(facts()["age_to"]) in text
        assert f"{facts()['age_from']} " not in text and "aged" not in text  # not "aged 0 to 25"
