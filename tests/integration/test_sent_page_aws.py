"""On AWS (moto as a server): a form sent without JavaScript ends on its confirmation page with the reference filled
in from the site bucket, as CloudFront sends that page to the forms function."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from functions.forms.web.app import handle
from tests.integration.conftest import REGION, Stack

PAGE = """<!doctype html><html lang="en"><head><title>Sent</title></head><body>
<p class="kids-panel__reference" data-kids-fill="reference">in the email we send</p></body></html>"""
FORM_PAGE = """<!doctype html><html lang="en"><head><title>Tell us</title></head><body><nav>The site's menu</nav>
<!--kids-form-start--><form></form><!--kids-form-end--></body></html>"""
ORIGIN = "https://www.send-mediation.example"


def site_bucket(stack: Stack) -> str:
    s3 = stack.moto.client("s3")
    name = f"site-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(
        Bucket=name, Key="forms/child-views-sent/index.html", Body=PAGE.encode(), ContentType="text/html"
    )
    s3.put_object(
        Bucket=name, Key="forms/child-views/index.html", Body=FORM_PAGE.encode(), ContentType="text/html"
    )
    return name


def request(method: str, path: str, body: str = "", query: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "version": "2.0",
        "rawPath": path,
        "queryStringParameters": query or {},
        "headers": {"content-type": "application/x-www-form-urlencoded", "origin": ORIGIN},
        "requestContext": {"http": {"method": method, "path": path}},
        "body": body,
        "isBase64Encoded": False,
    }


def test_a_views_form_sent_without_javascript_shows_its_reference(stack: Stack) -> None:
    services = stack.services(SITE_BUCKET=site_bucket(stack))
    form = {"submission_id": str(uuid.uuid4()), "about.name": "Sunny", "agree_to_send": "true", "website": ""}
    sent = handle(request("POST", "/api/child-views", urlencode(form)), services)
    assert sent["statusCode"] == 303, sent["body"]
    location = urlsplit(sent["headers"]["Location"])
    assert location.path == "/forms/child-views-sent/"
    query = dict(parse_qsl(location.query))
    page = handle(request("GET", location.path, query=query), services)
    assert page["statusCode"] == 200
    assert f'data-kids-fill="reference">{query["reference"]}</p>' in page["body"]


def test_the_form_shown_again_with_its_errors_is_inside_the_sites_own_page(stack: Stack) -> None:
    services = stack.services(SITE_BUCKET=site_bucket(stack))
    form = {"submission_id": str(uuid.uuid4()), "views.hard": "Maths is hard", "website": ""}
    shown = handle(request("POST", "/api/child-views", urlencode(form)), services)
    assert shown["statusCode"] == 400
    assert "The site's menu" in shown["body"] and "<title>Error: Tell us</title>" in shown["body"]
    assert "Maths is hard" in shown["body"]


def test_without_the_built_page_the_reference_is_still_given(stack: Stack) -> None:
    services = stack.services(SITE_BUCKET=site_bucket(stack))
    page = handle(request("GET", "/forms/referral-sent/", query={"reference": "ABCDEFGH"}), services)
    assert page["statusCode"] == 200
    assert "Your reference number is ABCDEFGH." in page["body"]
