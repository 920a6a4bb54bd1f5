"""The API handler as a family's browser or a script meets it: status codes, shapes, and nothing lost."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import urlencode

import pytest

from functions.forms.bootstrap import local_services
from functions.forms.config import from_env
from functions.forms.ports import MailError, StorageError
from functions.forms.web.app import handle
from tests.unit.factories import referral


@pytest.fixture
def services(tmp_path: Path):
    config = from_env(
        {"VAR_DIR": str(tmp_path), "SITE_URL": "http://127.0.0.1:8123/", "SITE_DIR": str(tmp_path / "none")}
    )
    return local_services(config)


def event(
    body: bytes | str,
    content_type="application/json",
    method="POST",
    path="/api/referrals",
    headers=None,
    b64=False,
):
    data = body.encode() if isinstance(body, str) else body
    return {
        "rawPath": path,
        "headers": {"content-type": content_type, **(headers or {})},
        "requestContext": {"http": {"method": method, "path": path}},
        "body": base64.b64encode(data).decode() if b64 else data.decode("utf-8", "replace"),
        "isBase64Encoded": b64,
    }


def outbox(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "outbox").glob("*.eml")) if (tmp_path / "outbox").exists() else []


def test_json_referral_gets_201_with_a_reference_and_one_email(services, tmp_path):
    response = handle(event(json.dumps(referral())), services)
    assert response["statusCode"] == 201
    body = json.loads(response["body"])
    assert len(body["reference"]) == 8
    emails = outbox(tmp_path)
    assert len(emails) == 1 and body["reference"] in emails[0].read_text()


def test_the_same_submission_id_twice_gives_the_same_reference_and_no_second_email(services, tmp_path):
    answers = json.dumps(referral())
    first = json.loads(handle(event(answers), services)["body"])["reference"]
    second = json.loads(handle(event(answers), services)["body"])["reference"]
    assert first == second
    assert len(outbox(tmp_path)) == 1


def test_invalid_json_referral_gets_400_with_every_error(services, tmp_path):
    response = handle(event(json.dumps(referral(you__name=..., service="nope"))), services)
    assert response["statusCode"] == 400
    body = json.loads(response["body"])
    assert body["title"] == "There is a problem"
    assert [e["field"] for e in body["errors"]] == ["service", "you.name"]
    assert body["errors"][1] == {"field": "you.name", "href": "#you-name", "text": "Enter your full name"}
    assert outbox(tmp_path) == []


def test_base64_bodies_from_api_gateway_are_read(services):
    response = handle(event(json.dumps(referral()), b64=True), services)
    assert response["statusCode"] == 201


def form_body(answers: dict) -> str:
    flat = {
        "submission_id": answers["submission_id"],
        "service": answers["service"],
        "website": "",
        "you.role": "parent_carer",
        "you.name": "Testy McTestface",
        "you.email": "testy@example.com",
        "you.contact_preference": "email",
        "child.name": "Tiny Tester",
        "child.date_of_birth-day": "27",
        "child.date_of_birth-month": "March",
        "child.date_of_birth-year": "2015",
        "local_authority": "Exampleshire",
        "decision.kind": "refuse_assessment",
        "decision.letter_date-day": "1",
        "decision.letter_date-month": "10",
        "decision.letter_date-year": "2026",
        "disagreement": "They said no.",
        "consent.share_with_local_authority": "true",
        "consent.privacy_notice_read": "true",
    }
    return urlencode(flat)


def test_a_plain_form_post_is_redirected_to_the_confirmation_page(services):
    response = handle(event(form_body(referral()), "application/x-www-form-urlencoded"), services)
    assert response["statusCode"] == 303
    location = response["headers"]["Location"]
    assert location.startswith("http://127.0.0.1:8123/forms/referral-sent/?reference=")
    assert "letter_date=2026-10-01" in location
    # The next steps for the service asked for, without JavaScript too.
    assert "service=" + referral()["service"] in location


def test_a_plain_form_post_with_errors_gets_the_form_back_with_answers_kept(services):
    body = (
        form_body(referral())
        .replace("Testy+McTestface", "")
        .replace("child.date_of_birth-month=March", "child.date_of_birth-month=Smarch")
    )
    response = handle(event(body, "application/x-www-form-urlencoded"), services)
    assert response["statusCode"] == 400
    html = response["body"]
    assert response["headers"]["Content-Type"].startswith("text/html")
    assert "<title>Error: " in html and "There is a problem" in html
    assert "Enter your full name" in html and "Date of birth must be a real date" in html
    assert 'value="Smarch"' in html and 'value="Exampleshire"' in html
    assert 'value="parent_carer" checked' in html


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"method": "GET"}, 405),
        ({"content_type": "text/plain"}, 415),
        ({"path": "/api/nothing-here"}, 404),
        ({"headers": {"origin": "https://evil.example"}}, 403),
    ],
)
def test_wrong_requests_get_a_clear_4xx_in_the_error_shape(services, kwargs, status):
    response = handle(event(json.dumps(referral()), **kwargs), services)
    assert response["statusCode"] == status
    body = json.loads(response["body"])
    assert body["errors"][0]["text"]


def test_the_sites_own_origin_may_post(services):
    response = handle(event(json.dumps(referral()), headers={"origin": "http://127.0.0.1:8123"}), services)
    assert response["statusCode"] == 201


def test_a_body_over_the_limit_gets_413(services):
    response = handle(event(json.dumps(referral(disagreement="x" * 300_000))), services)
    assert response["statusCode"] == 413


def test_malformed_json_gets_400_not_500(services):
    response = handle(event('{"service": "mias", "service": "x"}'), services)
    assert response["statusCode"] == 400
    assert "appears twice" in json.loads(response["body"])["errors"][0]["text"]


def test_when_storage_fails_the_family_is_not_told_sent(services, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise StorageError("disk gone")

    monkeypatch.setattr(services.storage, "put_new", broken)
    response = handle(event(json.dumps(referral())), services)
    assert response["statusCode"] == 503
    assert "have not been sent" in json.loads(response["body"])["errors"][0]["text"]
    assert outbox(tmp_path) == []


def test_when_mail_fails_the_submission_waits_and_is_sent_later(services, tmp_path, monkeypatch):
    from functions.forms.application.deliver import send_pending

    real_send = services.mailer.send

    def down(message):
        raise MailError("mail down")

    monkeypatch.setattr(services.mailer, "send", down)
    response = handle(event(json.dumps(referral())), services)
    assert response["statusCode"] == 201
    assert outbox(tmp_path) == [] and len(list(services.storage.pending())) == 1
    monkeypatch.setattr(services.mailer, "send", real_send)
    assert send_pending(services)["sent"] == 1
    assert send_pending(services).get("sent", 0) == 0
    assert len(outbox(tmp_path)) == 1
