"""The defences that need no AWS to test: only CloudFront's requests pass when an origin secret is set, the team's
emails have a cap a minute, and a file link has one spelling."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from functions.forms.application.deliver import send_pending
from functions.forms.application.worker import sweep
from functions.forms.bootstrap import local_services
from functions.forms.config import from_env
from functions.forms.domain import file_tokens
from functions.forms.web.app import handle
from tests.unit.factories import referral
from tests.unit.web.test_http import event, outbox


def services_with(tmp_path: Path, **env: str):
    config = from_env(
        {
            "VAR_DIR": str(tmp_path),
            "SITE_URL": "http://127.0.0.1:8123/",
            "SITE_DIR": str(tmp_path / "none"),
            **env,
        }
    )
    return local_services(config)


def test_with_an_origin_secret_only_requests_that_carry_it_are_answered(tmp_path):
    services = local_services(
        dataclasses.replace(services_with(tmp_path).settings, origin_secret="a-secret-cloudfront-sends")
    )
    answers = json.dumps(referral())
    for headers in ({}, {"x-origin-verify": "a-wrong-one"}, {"x-origin-verify": ""}):
        response = handle(event(answers, headers=headers), services)
        assert response["statusCode"] == 403, headers
        assert "this service's own website" in response["body"]
    assert outbox(tmp_path) == []
    token = handle(event("", method="GET", path="/api/token"), services)
    assert token["statusCode"] == 403
    good = handle(event(answers, headers={"x-origin-verify": "a-secret-cloudfront-sends"}), services)
    assert good["statusCode"] == 201 and len(outbox(tmp_path)) == 1


def test_without_an_origin_secret_the_local_server_answers_as_before(tmp_path):
    assert handle(event(json.dumps(referral())), services_with(tmp_path))["statusCode"] == 201


def test_over_the_cap_team_emails_wait_and_are_counted_then_go_later(tmp_path):
    services = services_with(tmp_path, MAX_TEAM_EMAILS_PER_MINUTE="2")
    references = [
        json.loads(handle(event(json.dumps(referral())), services)["body"])["reference"] for _ in range(5)
    ]
    assert len(set(references)) == 5  # every family still gets a reference at once
    assert len(outbox(tmp_path)) == 2
    assert services.metrics.counts["EmailsDeferred"] == 3  # the alarm's metric
    assert len(list(services.storage.pending())) == 3
    assert sweep(services)["deferred"] == 1  # the sweep stops at the cap instead of trying every one
    services.email_budget.per_minute = services.email_budget.burst = 100  # a minute later, in effect
    services.email_budget._buckets.clear()
    assert send_pending(services)["sent"] == 3
    assert len(outbox(tmp_path)) == 5 and list(services.storage.pending()) == []


@pytest.mark.parametrize(
    "change", [lambda n, e: (f"0{n}", e), lambda n, e: (n, f"0{e}"), lambda n, e: (f"+{n}", e)]
)
def test_a_file_link_has_one_spelling(change):
    key = b"k" * 32
    upload_id = "3f1c2a8e-9a77-4b6f-a0f5-1c8d2e0b7a11"
    token = file_tokens.make_token(key, upload_id, 1)
    assert file_tokens.read_token(key, token) == (upload_id, 1)
    uid, number, expires, signature = token.split(".")
    number, expires = change(number, expires)
    with pytest.raises(file_tokens.BadToken):
        file_tokens.read_token(key, f"{uid}.{number}.{expires}.{signature}")
