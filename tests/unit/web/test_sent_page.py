"""Confirmation pages filled in on the server: the reference and dates for families without JavaScript."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from functions.forms.bootstrap import local_services
from functions.forms.config import from_env
from functions.forms.web.app import handle
from functions.forms.web.sent_page import confirmation_pages

PAGE = """<!doctype html><html lang="en"><head><title>Sent</title></head><body>
<p>Your reference number is</p>
<p class="kids-panel__reference" data-kids-fill="reference">in the email we send you</p>
<div data-kids-needs="contact_by" hidden><p>Contact us by <strong data-kids-fill="contact_by"></strong>.</p></div>
</body></html>"""


@pytest.fixture
def services(tmp_path: Path):
    site = tmp_path / "site"
    for page in ("forms/referral-sent/", "pl/forms/referral-sent/", "forms/child-views-sent/"):
        (site / page).mkdir(parents=True)
        (site / page / "index.html").write_text(PAGE, encoding="utf-8")
    config = from_env({"VAR_DIR": str(tmp_path / "var"), "SITE_DIR": str(site)})
    return local_services(config)


def get(services, path: str, query: dict[str, str], method: str = "GET") -> dict[str, Any]:
    event = {
        "rawPath": path,
        "queryStringParameters": query,
        "headers": {},
        "requestContext": {"http": {"method": method, "path": path, "sourceIp": "127.0.0.1"}},
    }
    return handle(event, services)


def test_the_reference_and_dates_are_filled_in_and_their_block_shown(services):
    response = get(services, "/forms/referral-sent/", {"reference": "ABCDEFGH", "letter_date": "2026-11-02"})
    assert response["statusCode"] == 200
    assert response["headers"]["Cache-Control"] == "no-store"
    body = response["body"]
    assert 'data-kids-fill="reference">ABCDEFGH</p>' in body
    assert "in the email we send you" not in body
    assert 'data-kids-needs="contact_by">' in body  # no longer hidden
    assert "Saturday 2 January 2027" in body  # 2 months after the letter


@pytest.mark.parametrize(
    "query",
    [
        {"reference": "<script>alert(1)</script>"},
        {"reference": "abcdefgh"},
        {"reference": "ABCDEFGH1"},
        {"letter_date": "2026-02-30"},
        {},
    ],
)
def test_anything_but_a_well_formed_reference_or_real_date_leaves_the_page_as_built(services, query):
    response = get(services, "/forms/referral-sent/", query)
    assert response["statusCode"] == 200
    assert "in the email we send you" in response["body"]
    assert "<script>alert" not in response["body"]
    assert 'data-kids-needs="contact_by" hidden' in response["body"]


def test_translated_pages_are_filled_too_and_only_where_the_form_is_translated(services, monkeypatch):
    assert "/pl/forms/referral-sent/" in confirmation_pages()
    assert "/pl/forms/child-views-sent/" in confirmation_pages()
    response = get(services, "/pl/forms/referral-sent/", {"reference": "ABCDEFGH"})
    assert ">ABCDEFGH</p>" in response["body"]
    # A form with no catalogue in a language has no confirmation page there (its page is the English one).
    real_exists = Path.exists
    monkeypatch.setattr(Path, "exists", lambda self: self.name != "child-views.pl.json" and real_exists(self))
    confirmation_pages.cache_clear()
    try:
        assert "/pl/forms/child-views-sent/" not in confirmation_pages()
        assert get(services, "/pl/forms/child-views-sent/", {"reference": "ABCDEFGH"})["statusCode"] == 404
    finally:
        monkeypatch.undo()
        confirmation_pages.cache_clear()


def test_the_reference_is_given_even_when_the_built_page_cannot_be_read(services, tmp_path):
    (tmp_path / "site" / "forms" / "child-views-sent" / "index.html").unlink()
    response = get(services, "/forms/child-views-sent/", {"reference": "ABCDEFGH"})
    assert response["statusCode"] == 200
    assert "Your reference number is ABCDEFGH." in response["body"]


def test_only_get_and_head(services):
    assert get(services, "/forms/referral-sent/", {}, "HEAD")["statusCode"] == 200
    response = get(services, "/forms/referral-sent/", {}, "POST")
    assert response["statusCode"] == 405
    assert response["headers"]["Allow"] == "GET, HEAD"


@pytest.mark.parametrize(
    ("lang", "words"),
    [("pl", "sobota 2 stycznia 2027"), ("ur", "ہفتہ 2 جنوری 2027"), ("ar", "السبت 2 يناير 2027")],
)
def test_dates_are_written_in_the_pages_language(tmp_path, lang, words):
    site = tmp_path / "site"
    (site / lang / "forms" / "referral-sent").mkdir(parents=True)
    (site / lang / "forms" / "referral-sent" / "index.html").write_text(PAGE, encoding="utf-8")
    services = local_services(from_env({"VAR_DIR": str(tmp_path / "var"), "SITE_DIR": str(site)}))
    query = {"reference": "ABCDEFGH", "letter_date": "2026-11-02"}
    body = get(services, f"/{lang}/forms/referral-sent/", query)["body"]
    assert f'data-kids-fill="contact_by">{words}</strong>' in body
    assert "Saturday" not in body


@pytest.mark.parametrize(("age", "young"), [("9", False), ("15", False), ("16", True), ("25", True)])
def test_without_javascript_the_thanks_are_in_the_words_for_the_readers_age(tmp_path, age, young):
    """The views form's 303 says words=young from the young person's age (data/facts.yml); the page keeps only the
    wording for that reader, as its script would."""
    from tests.unit.application.test_uploads import event, multipart

    site = tmp_path / "site" / "forms" / "child-views-sent"
    site.mkdir(parents=True)
    (site / "index.html").write_text(
        PAGE.replace(
            "</body>", '<p data-kids-words="child">Thank you</p><p data-kids-words="young">Thanks</p></body>'
        ),
        encoding="utf-8",
    )
    services = local_services(
        from_env({"VAR_DIR": str(tmp_path / "var"), "SITE_DIR": str(tmp_path / "site")})
    )
    fields = [("about.age", age), ("agree_to_send", "true"), ("website", "")]
    body, content_type = multipart(fields, [])
    sent = handle(event("/api/child-views", body, content_type, accept="text/html"), services)
    assert sent["statusCode"] == 303
    location = sent["headers"]["Location"]
    assert ("words=young" in location) is young
    query = dict(part.split("=", 1) for part in location.split("?", 1)[1].split("&"))
    page = get(services, "/forms/child-views-sent/", query)["body"]
    assert ('<p data-kids-words="child" hidden>' in page) is young
    assert ('<p data-kids-words="young" hidden>' in page) is not young


@pytest.mark.parametrize("path", ["/forms/referral-sent/", "/pl/forms/referral-sent/"])
def test_the_steps_for_the_service_asked_for_are_shown_in_each_language(services, tmp_path, path):
    page = '<div data-kids-unless="steps">All</div><div data-kids-needs="steps_certificate" hidden>Certificate</div>'
    (tmp_path / "site" / path.strip("/") / "index.html").write_text(page, encoding="utf-8")
    body = get(services, path, {"reference": "ABCDEFGH", "service": "certificate"})["body"]
    assert '<div data-kids-unless="steps" hidden>' in body
    assert '<div data-kids-needs="steps_certificate">' in body
