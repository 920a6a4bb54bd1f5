"""A refused request from a page without JavaScript gets a page, never raw JSON, and keeps the family's answers
wherever the body could be read (issue 17, point 13). Scripts and API clients still get JSON."""

from __future__ import annotations

import json
from dataclasses import replace
from urllib.parse import urlencode

import pytest

from functions.forms.domain.throttle import Throttle
from functions.forms.web import forms
from functions.forms.web.app import handle
from tests.unit.web.test_http import event

# An obviously invented family, sent as a plain form post (no JavaScript).
ANSWERS = {
    "you.name": "Testy McTestface",
    "you.email": "testy@example.com",
    "child.name": "Sunny Example",
    "local_authority": "Exampleshire",
}
BROWSER = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8", "x-client": "test"}


def no_js_post(services, answers=ANSWERS, path="/api/referrals", headers=None, client="192.0.2.7"):
    data = event(urlencode(answers), "application/x-www-form-urlencoded", path=path)
    data["headers"].update({"accept": BROWSER["accept"], **(headers or {})})
    data["requestContext"]["http"]["sourceIp"] = client
    return handle(data, services)


def is_page(response) -> bool:
    return (
        response["headers"]["Content-Type"].startswith("text/html") and "<!doctype html>" in response["body"]
    )


def test_a_throttled_post_without_javascript_gets_the_form_again_with_every_answer(services):
    services = replace(services, throttle=Throttle(per_minute=1, burst=1))
    no_js_post(services)  # the one the bucket allows
    response = no_js_post(services)
    assert response["statusCode"] == 429 and is_page(response)
    page = response["body"]
    assert "Wait " in page and " seconds, then send the form again" in page
    assert 'value="Testy McTestface"' in page and 'value="Exampleshire"' in page
    assert response["headers"]["Retry-After"].isdigit()
    assert "<title>Error" in page  # the error summary's page, as for any other error


def test_a_throttled_post_in_polish_is_answered_in_polish(services):
    services = replace(services, throttle=Throttle(per_minute=1, burst=1))
    no_js_post(services, {**ANSWERS, "lang": "pl"})
    page = no_js_post(services, {**ANSWERS, "lang": "pl"})["body"]
    assert "Twój formularz nie został wysłany" in page and 'lang="pl"' in page
    assert 'value="Testy McTestface"' in page


def test_a_throttled_script_still_gets_json(services):
    services = replace(services, throttle=Throttle(per_minute=1, burst=1))
    data = event(json.dumps({"service": "mias"}))
    data["requestContext"]["http"]["sourceIp"] = "192.0.2.8"
    handle(data, services)
    response = handle(data, services)
    assert response["statusCode"] == 429
    assert "a lot of forms" in json.loads(response["body"])["errors"][0]["text"]


def test_a_post_from_another_site_without_javascript_keeps_the_answers(services):
    response = no_js_post(services, headers={"origin": "https://other.example"})
    assert response["statusCode"] == 403 and is_page(response)
    assert "not on our website" in response["body"] and 'value="Sunny Example"' in response["body"]


def test_answers_too_long_to_send_come_back_in_the_form(services):
    response = no_js_post(services, {**ANSWERS, "disagreement": "This is far too long. " * 13_000})
    assert response["statusCode"] == 413 and is_page(response)
    assert "your answers are too long" in response["body"]
    assert 'value="Exampleshire"' in response["body"]


def test_an_unreadable_post_gets_a_page_saying_back_keeps_the_answers(services):
    data = event(b"--x\r\nbroken", "multipart/form-data", path="/api/child-views")
    data["headers"]["referer"] = "http://127.0.0.1:8000/ar/forms/child-views/"
    response = handle(data, services)
    assert response["statusCode"] == 400 and is_page(response)
    page = response["body"]
    assert 'lang="ar" dir="rtl"' in page  # the language of the page it came from
    assert "ارجع إلى النموذج" in page  # go back: what you typed is still there
    assert 'href="/ar/forms/child-views/"' in page
    assert 'href="tel:+443330062835"><bdi dir="ltr">03330 062 835</bdi>' in page


def test_a_form_post_of_a_kind_we_do_not_take_from_a_browser_gets_a_page(services):
    data = event("a=b", "text/plain")
    data["headers"]["accept"] = BROWSER["accept"]
    response = handle(data, services)
    assert response["statusCode"] == 415 and is_page(response)
    assert "could not be read" in response["body"]


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/api/referrals", 405, "only for sending a form"),
        ("/api/nothing-here", 404, "no form or page at this address"),
    ],
)
def test_a_browser_opening_an_api_address_gets_a_page(services, path, status, words):
    data = event("", "", path=path, method="GET", headers={"accept": BROWSER["accept"]})
    response = handle(data, services)
    assert response["statusCode"] == status and is_page(response)
    assert words in response["body"]
    if status == 405:
        assert response["headers"]["Allow"] == "POST"
        assert 'href="/forms/referral/"' in response["body"]  # where the form is


def test_a_bug_of_ours_gives_a_page_that_names_nothing_sent(services, monkeypatch, caplog):
    def broken(*_args, **_kwargs):
        raise KeyError("Testy McTestface")

    monkeypatch.setattr(forms, "submit", broken)
    response = no_js_post(services)
    assert response["statusCode"] == 500 and is_page(response)
    assert "went wrong on our side" in response["body"] and "Testy" not in caplog.text
    assert 'value="Testy McTestface"' in response["body"]  # the answers, kept in the form to send again
