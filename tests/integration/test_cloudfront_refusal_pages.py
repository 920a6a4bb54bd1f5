"""ApiRefusalPagesFunction (template.yaml), run in Node as CloudFront would run it on /api/* viewer responses.

API Gateway's own 413 and 429 are bare JSON, and CloudFront has no error page for either: a browser that posted a
form without JavaScript is sent on to the site's not-sent page (in the form's language), on this site only. What
our own code answers, and what the forms' script asks for (JSON), passes unchanged. (Issue 17, point 13.)
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.cfn import load_template
from tests.integration.test_cloudfront_function import CLOUDFRONT_MAX_CODE_BYTES, SITE, node, run  # noqa: F401

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def code() -> str:
    return str(load_template()["Resources"]["ApiRefusalPagesFunction"]["Properties"]["FunctionCode"])


def event(
    status: int,
    accept: str = BROWSER,
    content_type: str = "application/json",
    method: str = "POST",
    referer: str | None = SITE + "/forms/referral/",
) -> dict[str, Any]:
    """A viewer-response event (cloudfront-js-2.0) for a request to /api/referrals."""
    headers = {"host": {"value": SITE.split("//")[1]}, "accept": {"value": accept}}
    if referer is not None:
        headers["referer"] = {"value": referer}
    return {
        "version": "1.0",
        "context": {"eventType": "viewer-response", "distributionId": "EDFDVBD6EXAMPLE", "requestId": "r-1"},
        "viewer": {"ip": "198.51.100.7"},
        "request": {
            "method": method,
            "uri": "/api/referrals",
            "querystring": {},
            "headers": headers,
            "cookies": {},
        },
        "response": {
            "statusCode": status,
            "statusDescription": "",
            "headers": {"content-type": {"value": content_type}},
            "cookies": {},
        },
    }


def location(answer: dict[str, Any]) -> str | None:
    result = answer["result"]
    if result["statusCode"] != 303:
        return None
    assert answer["resolved"]["host"] == SITE.split("//")[1]  # never another host
    return str(result["headers"]["location"]["value"])


@pytest.mark.parametrize("status", [413, 429])
def test_api_gateways_own_refusal_of_a_browsers_post_goes_to_the_not_sent_page(node, code, status) -> None:  # noqa: F811
    [answer] = run(node, code, [event(status)])
    assert location(answer) == "/forms/not-sent/"
    assert answer["result"]["headers"]["cache-control"]["value"] == "no-store"


@pytest.mark.parametrize("lang", ["pl", "ur", "ar"])
def test_a_form_in_another_language_goes_to_the_not_sent_page_in_it(node, code, lang) -> None:  # noqa: F811
    [answer] = run(node, code, [event(429, referer=f"{SITE}/{lang}/forms/child-views/")])
    assert location(answer) == f"/{lang}/forms/not-sent/"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"accept": "application/json"},  # the forms' script: it reads the JSON and keeps the answers itself
        {"content_type": "text/html; charset=utf-8"},  # our own page (web/refusals.py) already
        {"method": "GET"},
    ],
)
def test_everything_else_passes_unchanged(node, code, kwargs) -> None:  # noqa: F811
    sent = event(429, **kwargs)
    assert run(node, code, [sent])[0]["result"] == sent["response"]


@pytest.mark.parametrize("status", [200, 201, 303, 400, 403, 500, 503])
def test_other_answers_pass_unchanged(node, code, status) -> None:  # noqa: F811
    sent = event(status)
    assert run(node, code, [sent])[0]["result"] == sent["response"]


@pytest.mark.parametrize(
    "referer",
    ["https://evil.example//evil.example/", "//evil.example/pl/", "https://x/%2F%2Fevil/", "javascript:1"],
)
def test_a_strange_referer_never_moves_the_page_off_this_site(node, code, referer) -> None:  # noqa: F811
    """And no referer at all (a browser may leave it out) is the English page."""
    [answer] = run(node, code, [event(429, referer=referer)])
    assert location(answer) == "/forms/not-sent/"


def test_the_code_fits_cloudfront(code: str) -> None:
    assert len(code.encode()) < CLOUDFRONT_MAX_CODE_BYTES
    for missing in ("require(", "console.", "Buffer", "new URL", "fetch("):
        assert missing not in code
