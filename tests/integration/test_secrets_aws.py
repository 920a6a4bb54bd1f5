"""Secrets are read from Secrets Manager when a function starts (moto as a real server): the time trap's and
file links' key, and the header only CloudFront sends, without which the API refuses every request."""

from __future__ import annotations

import json
import time

from functions.forms.domain import tokens
from functions.forms.web.app import handle
from tests.integration.conftest import Stack
from tests.integration.test_pipeline import post
from tests.unit.factories import referral


def _secret(stack: Stack, name: str, value: str) -> str:
    made = stack.moto.client("secretsmanager").create_secret(
        Name=f"{name}-{time.monotonic_ns()}", SecretString=value
    )
    return str(made["ARN"])


def test_the_functions_read_their_secrets_at_start_and_only_cloudfronts_requests_pass(stack: Stack) -> None:
    forms_arn = _secret(stack, "forms", "forms-secret-from-secrets-manager")
    origin_arn = _secret(stack, "origin", "origin-secret-from-secrets-manager")
    services = stack.services(FORMS_SECRET_ARN=forms_arn, ORIGIN_SECRET_ARN=origin_arn)
    assert services.settings.forms_secret == "forms-secret-from-secrets-manager"
    assert services.settings.origin_secret == "origin-secret-from-secrets-manager"
    # The execute-api address, straight: refused, and nothing stored or queued.
    direct = handle(post(referral()), services)
    assert direct["statusCode"] == 403
    assert stack.receive() == []
    # Through CloudFront: the header is there.
    through = post(referral())
    through["headers"]["x-origin-verify"] = "origin-secret-from-secrets-manager"
    response = handle(through, services)
    assert response["statusCode"] == 201, response["body"]
    assert len(stack.receive()) == 1
    # The time trap's tokens are signed with the secret read at start.
    token_event = {
        "rawPath": "/api/token",
        "headers": {"x-origin-verify": "origin-secret-from-secrets-manager"},
        "requestContext": {"http": {"method": "GET", "path": "/api/token"}},
    }
    token = json.loads(handle(token_event, services)["body"])["token"]
    assert tokens.seconds_taken(token, "forms-secret-from-secrets-manager") is not None
    assert tokens.seconds_taken(token, "") is None
