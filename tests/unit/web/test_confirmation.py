"""The confirmation page's values: a date that has passed or is soon says so, and what happens next fits the service
asked for (issue 18 points 1 and 6)."""

from __future__ import annotations

import datetime as dt

import pytest

from functions.forms.domain.schemas import get_form
from functions.forms.web.confirmation import fill, values_from_query

LATE_FAMILY = {"reference": "ABCD2345", "letter_date": "2026-09-01"}
PAGE = """<p>By <strong data-kids-fill="contact_by"></strong>.<span data-kids-needs="contact_in_time" hidden> We have
your request now.</span></p>
<div data-kids-needs="contact_passed" hidden><p>That date has passed.</p></div>
<div data-kids-needs="appeal_passed" hidden><p>The Tribunal can sometimes accept a late appeal.</p></div>
<div data-kids-needs="appeal_soon" hidden><p>Soon.</p></div>
<div data-kids-unless="steps"><p>Every service</p></div>
<div data-kids-needs="steps_mias_mediation" hidden><p>MIAS and mediation</p></div>
<div data-kids-needs="steps_certificate" hidden><p>Certificate only</p></div>
<div data-kids-needs="steps_disagreement_resolution" hidden><p>Disagreement resolution</p></div>"""


def shown(html: str) -> set[str]:
    """The names of the blocks left visible."""
    import re

    names = set()
    for match in re.finditer(r'<(?:div|span) data-kids-(needs|unless)="(\w+)"( hidden)?', html):
        if not match.group(3):
            names.add(f"{match.group(1)}:{match.group(2)}")
    return names


def test_the_late_familys_dates_have_passed_and_the_page_says_so_instead_of_reassuring():
    values = values_from_query(LATE_FAMILY, today=dt.date(2026, 12, 3))
    assert values["contact_by"] == "Sunday 1 November 2026"
    assert values["appeal_by"] == "Monday 2 November 2026"
    html = fill(PAGE, values)
    assert shown(html) == {"needs:contact_passed", "needs:appeal_passed", "unless:steps"}


def test_a_family_in_good_time_is_told_we_have_the_request_and_nothing_is_soon():
    values = values_from_query({"letter_date": "2026-11-20"}, today=dt.date(2026, 12, 3))
    assert shown(fill(PAGE, values)) == {"needs:contact_in_time", "unless:steps"}


@pytest.mark.parametrize(
    ("today", "soon"),
    [
        (dt.date(2026, 10, 18), False),  # 15 days before Monday 2 November
        (dt.date(2026, 10, 19), True),  # 14 days before: soon (facts.urgent_within_days)
        (dt.date(2026, 11, 2), True),  # the day itself, until 5pm
    ],
)
def test_an_appeal_date_within_14_days_is_soon(today, soon):
    values = values_from_query({"letter_date": "2026-09-01"}, today=today)
    assert ("needs:appeal_soon" in shown(fill(PAGE, values))) is soon
    assert "appeal_passed" not in values


@pytest.mark.parametrize(
    ("service", "block"),
    [
        ("mias", "steps_mias_mediation"),
        ("mediation", "steps_mias_mediation"),
        ("certificate", "steps_certificate"),
        ("disagreement_resolution", "steps_disagreement_resolution"),
    ],
)
def test_what_happens_next_is_the_one_for_the_service_asked_for(service, block):
    values = values_from_query({"service": service}, form=get_form("referral"))
    assert shown(fill(PAGE, values)) == {f"needs:{block}"}


@pytest.mark.parametrize("service", ["", "therapy", "<b>mias</b>"])
def test_without_a_service_the_form_offers_every_services_steps_stay(service):
    values = values_from_query({"service": service}, form=get_form("referral"))
    assert shown(fill(PAGE, values)) == {"unless:steps"}
