"""Families without JavaScript whose post is refused get a page, never raw JSON, and do not lose what they typed
(issue 17, point 13). Locally the server answers a post of 10 MB or more with the web ACL's own page, as AWS
does (waf.yaml); a smaller post too big to take comes back as the form, every answer in it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.test_views_form import drawing, no_axe_violations_without_script, press

pytestmark = pytest.mark.browser

HARD = "What is hard for you?"
AGE = "How old are you?"


def photo(tmp_path: Path, megabytes: float) -> Path:
    """A picture file of about this size (a small PNG, then padding): as a phone's photo would weigh."""
    path = drawing(tmp_path, "big photo.png")
    path.write_bytes(path.read_bytes() + bytes(int(megabytes * 2**20)))
    return path


def fill_views(page) -> None:
    page.get_by_label(HARD).fill("Lunch is too loud.")
    page.get_by_label(AGE).fill("9")
    page.get_by_label("Everyone at the meeting").check()


def test_a_post_too_big_for_the_service_gets_a_page_and_back_keeps_every_answer(
    nojs_page, live_server, tmp_path, watch
):
    page = nojs_page
    emails_before = len(list(live_server.outbox.glob("*.eml")))
    page.goto(live_server.url + "forms/child-views/")
    fill_views(page)
    page.locator("#files").set_input_files(str(photo(tmp_path, 11)))
    press(page, "Send my views")
    # The web ACL's page: no JSON, what happened, and that going back keeps what was typed.
    assert page.title().startswith("Sorry, your form was not sent")
    assert page.get_by_role("heading", name="Sorry, your form was not sent").is_visible()
    assert page.get_by_text("Go back to the form with your browser's back button").is_visible()
    assert page.get_by_role("link", name="03330 062 835").get_attribute("href") == "tel:+443330062835"
    page.go_back()
    page.wait_for_url("**/forms/child-views/")
    assert page.get_by_label(HARD).input_value() == "Lunch is too loud."
    assert page.get_by_label(AGE).input_value() == "9"
    assert page.get_by_label("Everyone at the meeting").is_checked()
    assert len(list(live_server.outbox.glob("*.eml"))) == emails_before  # nothing reached the team
    watch.console_errors = [e for e in watch.console_errors if "status of 413" not in e]


def test_a_photo_over_the_limit_brings_the_form_back_with_every_answer_and_says_why(
    nojs_page, page, live_server, tmp_path, watch
):
    checker, page = page, nojs_page
    page.goto(live_server.url + "forms/child-views/")
    fill_views(page)
    page.locator("#files").set_input_files(str(photo(tmp_path, 4.5)))
    press(page, "Send my views")
    assert page.title().startswith("Error: ")
    assert page.get_by_text("Each file must be 4 MB or smaller").first.is_visible()
    assert page.get_by_label(HARD).input_value() == "Lunch is too loud."
    assert page.get_by_label(AGE).input_value() == "9"
    assert page.get_by_label("Everyone at the meeting").is_checked()
    no_axe_violations_without_script(page, checker, "too-big")
    watch.console_errors = [e for e in watch.console_errors if "status of 413" not in e]


@pytest.mark.parametrize("status", [413, 429])
def test_api_gateways_own_refusal_sends_the_family_to_the_not_sent_page_and_back_keeps_answers(
    nojs_page, live_server, status
):
    """On AWS, a 413 or 429 of API Gateway's own reaches a browser as a 303 to the not-sent page (the CloudFront
    function ApiRefusalPagesFunction, tested in Node); here the post is answered as that function answers it."""
    page = nojs_page
    page.route(
        "**/api/referrals",
        lambda route: (
            route.fulfill(status=303, headers={"Location": "/forms/not-sent/", "Cache-Control": "no-store"})
            if route.request.method == "POST"
            else route.continue_()
        ),
    )
    page.goto(live_server.url + "forms/referral/")
    page.get_by_label("Your full name").fill("Testy McTestface")
    page.get_by_label("Which local authority (council) is this about?").fill("Exampleshire")
    page.get_by_label("What do you disagree about?").fill("The plan leaves out speech therapy.")
    press(page, "Send my request")
    page.wait_for_url("**/forms/not-sent/")
    assert page.get_by_text("What you typed will still be there").first.is_visible()
    page.go_back()
    page.wait_for_url("**/forms/referral/")
    assert page.get_by_label("Your full name").input_value() == "Testy McTestface"
    assert page.get_by_label("Which local authority (council) is this about?").input_value() == "Exampleshire"
    assert (
        page.get_by_label("What do you disagree about?").input_value()
        == "The plan leaves out speech therapy."
    )


@pytest.mark.parametrize("prefix", ["", "pl/", "ur/", "ar/"])
def test_the_not_sent_page_exists_in_every_language_the_function_sends_to(page, live_server, prefix):
    response = page.goto(live_server.url + prefix + "forms/not-sent/")
    assert response is not None and response.status == 200
    assert page.locator("a[href^='tel:']").count() >= 1
