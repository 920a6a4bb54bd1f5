"""The time trap counts from the form's first display in the tab, so a family who reloads and sends at once is
not taken for a script; and a send that is held still reaches the team, marked."""

from __future__ import annotations

import dataclasses
import re
import time

import pytest

from functions.forms import bootstrap
from tests.browser.test_referral_form import emails_with, fill_referral

pytestmark = pytest.mark.browser


@pytest.fixture
def trap(live_server):
    """Set the live server's time trap (the browser tests run it at 0 s to save waiting), then put it back."""
    services = bootstrap.services()
    before = services.settings

    def set_to(seconds: float) -> None:
        services.settings = dataclasses.replace(before, min_seconds=seconds)

    yield set_to
    services.settings = before


def test_a_reload_does_not_restart_the_clock(page, live_server, trap):
    trap(3.0)  # its real setting
    page.goto(live_server.url + "forms/referral/")
    page.wait_for_function("() => document.querySelector('input[name=started]')?.value")
    shown = time.monotonic()
    fill_referral(page, "Rhea Load-Tester")
    page.wait_for_timeout(max(0, int((3.5 - (time.monotonic() - shown)) * 1000)))
    page.reload()
    expect_name = page.get_by_label("Your full name")
    assert expect_name.input_value() == "Rhea Load-Tester"  # the answers came back with the page
    page.wait_for_function("() => document.querySelector('input[name=started]')?.value")
    page.get_by_role("button", name="Continue").click()  # at once, as a family who had finished would
    page.get_by_role("button", name="Send my request").click()
    page.wait_for_url(re.compile(r".*/forms/referral-sent/\?reference=.*"))
    [email] = emails_with(live_server, "Rhea Load-Tester")
    assert "POSSIBLE SPAM" not in email  # timed from the first display, over 3 s ago: not held


def test_a_send_faster_than_a_person_reaches_the_team_marked(page, live_server, trap):
    trap(60.0)  # no test run is that slow, so this send is always "too fast"
    page.goto(live_server.url + "forms/referral/")
    page.wait_for_function("() => document.querySelector('input[name=started]')?.value")
    page.evaluate("() => sessionStorage.clear()")
    page.reload()  # a fresh tab's first display: the clock starts now
    page.wait_for_function("() => document.querySelector('input[name=started]')?.value")
    fill_referral(page, "Quinn Fast-Tester")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Send my request").click()
    page.wait_for_url(re.compile(r".*/forms/referral-sent/\?reference=.*"))
    [email] = emails_with(live_server, "Quinn Fast-Tester")
    assert re.search(r"^Subject: POSSIBLE SPAM: ", email, re.M)
