"""Each defence, proved: honeypot, time trap, throttling, input limits, origin, headers, redirects, retention."""

from __future__ import annotations

import http.client
import json
import logging
import os
import subprocess
import sys
import time
import unicodedata
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import urlencode

import pytest

from functions.forms.adapters.local import purge
from functions.forms.application.deliver import send_pending
from functions.forms.config import from_env
from functions.forms.domain import tokens as spam
from functions.forms.domain.schemas import get_form
from functions.forms.domain.throttle import Throttle
from functions.forms.web.app import handle
from functions.forms.web.render import render_form
from tests.conftest import ROOT
from tests.reliability.helpers import (
    ORIGIN,
    ROUTES,
    SECRET,
    SITE,
    body_of,
    event,
    make_services,
    outbox,
    record,
    stored,
    valid,
)
from tests.unit.web.test_http import form_body


@pytest.fixture
def services(tmp_path: Path):
    return make_services(tmp_path)


def send(services, answers, **kwargs):
    return handle(event(json.dumps(answers), **kwargs), services)


# Honeypot ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["referral", "child-views"])
def test_the_honeypot_must_be_present_and_empty(services, tmp_path, form):
    path = ROUTES[form]
    missing = send(services, valid(form, website=...), path=path)
    filled = send(services, valid(form, website="http://spam.example"), path=path)
    for response in (missing, filled):
        assert response["statusCode"] == 400
        assert [e["field"] for e in body_of(response)["errors"]] == ["website"]
    assert send(services, valid(form), path=path)["statusCode"] == 201
    assert len(outbox(tmp_path)) == 1


@pytest.mark.parametrize("form", ["referral", "child-views"])
def test_the_honeypot_is_hidden_labelled_out_of_tab_order_and_out_of_autofill(form):
    html = render_form(get_form(form))
    start = html.index('<div class="kids-hp"')
    box = html[start : html.index("</div>", start)]
    assert 'tabindex="-1"' in box and 'autocomplete="kids-leave-empty"' in box
    assert "<label" in box and "empty" in box.lower()
    css = (ROOT / "docs/stylesheets/extra.css").read_text()
    assert ".kids-hp { display: none !important; }" in css


# Time trap --------------------------------------------------------------------------------------------------


def test_a_token_comes_from_get_api_token_and_verifies(services):
    response = handle(event(method="GET", path="/api/token", content_type=None), services)
    assert response["statusCode"] == 200 and response["headers"]["Cache-Control"] == "no-store"
    token = body_of(response)["token"]
    assert spam.seconds_taken(token, SECRET) is not None
    assert spam.seconds_taken(token, "another key") is None
    assert handle(event(path="/api/token"), services)["statusCode"] == 405
    foreign = event(method="GET", path="/api/token", headers={"origin": "https://evil.example"})
    assert handle(foreign, services)["statusCode"] == 403


def test_a_form_completed_in_under_three_seconds_still_reaches_the_team_marked_possible_spam(
    services, tmp_path, caplog
):
    """Every stored submission reaches a person: a suspected one is emailed at once, marked, with no family copy
    (a bot must not be able to make us email any address)."""
    caplog.set_level(logging.INFO)
    fast = valid("referral", started=spam.issue(SECRET, time.time() - 1))
    fast["you"]["send_me_a_copy"] = True
    response = send(services, fast)
    assert response["statusCode"] == 201 and len(body_of(response)["reference"]) == 8  # a normal confirmation
    [path] = stored(tmp_path)
    assert json.loads(path.read_text())["suspected_spam"] is True
    assert "started" not in json.loads(path.read_text())["answers"]
    [mail] = outbox(tmp_path)  # the team's email, and no copy for the address given
    message = message_from_bytes(mail.read_bytes(), policy=policy.default)
    assert message["Subject"].startswith("POSSIBLE SPAM: ")
    assert body_of(response)["reference"] in message["Subject"]
    assert "held form=referral" in caplog.text and "emailed=possible-spam" in caplog.text
    assert list(services.storage.pending()) == [], "handled, so send_pending does not retry it for ever"
    assert send_pending(services).get("sent", 0) == 0
    # A plain form post that fast: the normal redirect, and the team told the same way.
    plain = form_body(valid("referral")) + "&" + urlencode({"started": spam.issue(SECRET, time.time())})
    response = handle(event(plain, "application/x-www-form-urlencoded"), services)
    assert response["statusCode"] == 303 and "reference=" in response["headers"]["Location"]
    subjects = [
        message_from_bytes(m.read_bytes(), policy=policy.default)["Subject"] for m in outbox(tmp_path)
    ]
    assert len(subjects) == 2 and all(s.startswith("POSSIBLE SPAM: ") for s in subjects)
    record("Time trap", "fast sends: stored / emailed to the team (marked) / family copies", "2 / 2 / 0")


def test_a_token_older_than_a_day_counts_as_no_token():
    assert spam.seconds_taken(spam.issue(SECRET, time.time() - 23 * 3600), SECRET) is not None
    assert spam.seconds_taken(spam.issue(SECRET, time.time() - 25 * 3600), SECRET) is None


@pytest.mark.parametrize(
    ("label", "token"),
    [
        ("token 10 s old", lambda: spam.issue(SECRET, time.time() - 10)),
        ("no token", lambda: None),
        ("forged token", lambda: f"{int(time.time() * 1000) - 500}.AAAAAAAAAAAAAAAAAAAAAAAA"),
        ("token from the future", lambda: spam.issue(SECRET, time.time() + 3600)),
        ("garbage", lambda: "x" * 1000),
    ],
)
def test_a_slow_form_or_one_without_a_good_token_is_emailed(services, tmp_path, label, token):
    answers = valid("child-views")
    value = token()
    if value is not None:
        answers["started"] = value
    response = send(services, answers, path="/api/child-views")
    assert response["statusCode"] == 201
    assert len(outbox(tmp_path)) == 1
    assert "suspected_spam" not in json.loads(stored(tmp_path)[0].read_text())


def test_forms_js_fills_a_started_input_in_every_form():
    script = (ROOT / "docs/javascripts/forms.js").read_text()
    assert 'querySelectorAll("form[data-kids-form]").forEach(addToken)' in script
    assert 'input.name = "started"' in script and '"token"' in script


# Throttling -------------------------------------------------------------------------------------------------


def test_one_client_gets_429_with_retry_after_and_others_are_not_affected(tmp_path):
    services = make_services(tmp_path, THROTTLE_PER_MINUTE="60", THROTTLE_BURST="3")
    statuses = [send(services, valid("referral"), source_ip="203.0.113.7")["statusCode"] for _ in range(5)]
    assert statuses == [201, 201, 201, 429, 429]
    limited = send(services, valid("referral"), source_ip="203.0.113.7")
    assert int(limited["headers"]["Retry-After"]) >= 1
    assert body_of(limited)["title"] == "There is a problem" and body_of(limited)["errors"][0]["text"]
    assert send(services, valid("referral"), source_ip="198.51.100.1")["statusCode"] == 201
    record("Throttling", "local, per client (burst 3, 60/min)", "5 sends: 201 201 201 429 429")


def test_the_bucket_refills_and_the_limits_come_from_configuration():
    bucket = Throttle(per_minute=60, burst=2)
    assert [bucket.allow("a", now=0)[0] for _ in range(3)] == [True, True, False]
    assert bucket.allow("a", now=0.5) == (False, 1)
    assert bucket.allow("a", now=1.0)[0] is True
    assert not Throttle(0, 0).enabled
    local = from_env({"FORMS_BACKEND": "local"})
    aws = from_env({"FORMS_BACKEND": "aws"})
    assert local.throttle_per_minute > 0 and aws.throttle_per_minute == 0
    assert from_env({"THROTTLE_PER_MINUTE": "100000"}).throttle_per_minute == 100000


# Input limits -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"method": "GET"}, 405),
        ({"method": "PUT"}, 405),
        ({"content_type": "text/plain"}, 415),
        ({"content_type": None}, 415),
        ({"body": "x" * (300 * 1024)}, 413),
        ({"path": "/api/nothing"}, 404),
        ({"headers": {"origin": "https://evil.example"}}, 403),
        ({"headers": {"origin": "null"}}, 403),
    ],
)
def test_wrong_requests_get_json_errors_with_a_plain_message(services, kwargs, status):
    body = kwargs.pop("body", json.dumps(valid("referral")))
    response = handle(event(body, **kwargs), services)
    assert response["statusCode"] == status
    assert response["headers"]["Content-Type"].startswith("application/json")
    data = body_of(response)
    assert data["title"] == "There is a problem"
    assert len(data["errors"]) == 1 and data["errors"][0]["text"][0].isupper()


@pytest.mark.parametrize(
    ("label", "body", "field"),
    [
        ("malformed JSON", '{"service": ', ""),
        ("duplicate keys", '{"website": "", "website": ""}', ""),
        ("NaN", '{"submission_id": NaN}', ""),
        ("Infinity", '{"submission_id": -Infinity}', ""),
        ("an array", "[]", ""),
        ("wrong type", json.dumps(valid("referral", you__name=42)), "you.name"),
        ("unknown field", json.dumps(valid("referral", admin=True)), "admin"),
        ("number as a string", json.dumps(valid("child-views", about__age="9")), "about.age"),
        ("not UTF-8", b'{"a": "\xff\xfe"}', ""),
    ],
)
def test_bad_json_gets_400_with_errors(services, label, body, field):
    path = "/api/child-views" if field == "about.age" else "/api/referrals"
    response = handle(event(body, path=path), services)
    assert response["statusCode"] == 400, label
    errors = body_of(response)["errors"]
    assert errors and all(e["text"] for e in errors)
    if field:
        assert field in [e["field"] for e in errors]


def test_text_is_nfc_without_control_characters_and_long_answers_keep_their_lines(services, tmp_path):
    decomposed = "Zoe\u0301 \u202eevil\u202c\u200b\x00\x07"
    answers = valid(
        "referral",
        you__name=decomposed + "\nBcc: x@example.com",
        disagreement="Line one\r\nLine two\u2028Line three\x1b[31m",
    )
    assert send(services, answers)["statusCode"] == 201
    saved = json.loads(stored(tmp_path)[0].read_text())["answers"]
    assert saved["you"]["name"] == "Zoé evil Bcc: x@example.com"
    assert unicodedata.is_normalized("NFC", saved["you"]["name"])
    assert saved["disagreement"] == "Line one\nLine two\nLine three[31m"
    assert "👨‍👩‍👧" == unicodedata.normalize("NFC", "👨‍👩‍👧")


def test_no_open_redirect_the_confirmation_address_comes_from_configuration(services):
    body = form_body(valid("referral"))
    tricks = {"host": "evil.example", "referer": "https://evil.example/", "x-forwarded-host": "evil.example"}
    response = handle(
        event(
            body, "application/x-www-form-urlencoded", headers=tricks, query={"next": "https://evil.example"}
        ),
        services,
    )
    assert response["statusCode"] == 303
    assert response["headers"]["Location"].startswith(SITE + "forms/referral-sent/?reference=")
    assert "evil" not in response["headers"]["Location"]


# Origin -----------------------------------------------------------------------------------------------------


def test_the_local_server_answers_a_page_opened_at_localhost_too(services):
    """http://localhost:8000/ is the same local server as http://127.0.0.1:8000/ (issue 18 point 12)."""
    port = services.settings.allowed_origin.rsplit(":", 1)[1]
    answers = json.dumps(valid("referral"))
    for origin in (f"http://localhost:{port}", f"http://127.0.0.1:{port}"):
        assert send_json_from(services, answers, origin)["statusCode"] == 201, origin
    assert send_json_from(services, answers, f"http://localhost:{int(port) + 1}")["statusCode"] == 403
    on_aws = from_env({"FORMS_BACKEND": "aws", "SITE_URL": "http://localhost:8000/"})
    assert on_aws.allowed_origins == {"http://localhost:8000"}


def send_json_from(services, body: str, origin: str):
    return handle(event(body, headers={"origin": origin}), services)


def test_the_allowed_origin_follows_the_site_address_and_port():
    assert from_env({"PORT": "8080"}).allowed_origin == "http://127.0.0.1:8080"
    assert from_env({"PORT": "9000"}).allowed_origin == "http://127.0.0.1:9000"
    assert (
        from_env({"SITE_URL": "https://forms.example.org/send/"}).allowed_origin
        == "https://forms.example.org"
    )


def test_only_the_sites_origin_may_post_from_a_browser_and_scripts_meet_the_other_defences(services):
    assert send(services, valid("referral"), headers={"origin": ORIGIN})["statusCode"] == 201
    assert send(services, valid("referral"))["statusCode"] == 201  # no Origin: not a browser
    # (http://localhost:8123 is this same local server: see the test above.)
    for other in ("http://127.0.0.1:8124", "https://127.0.0.1:8123", "http://localhost:8124", "null"):
        assert send(services, valid("referral"), headers={"origin": other})["statusCode"] == 403


# Site headers on the local server ---------------------------------------------------------------------------


def _get(port: int, path: str):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def test_the_local_server_sends_the_security_headers_on_pages_and_api(server):
    for path in ("/", "/no-such-page/", "/api/token"):
        headers = _get(server.port, path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self';" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "Set-Cookie" not in headers
    assert not any("document.cookie" in p.read_text() for p in (ROOT / "docs/javascripts").glob("*.js"))


def test_the_local_server_refuses_a_bad_content_length_with_400_not_a_dropped_connection(server):
    for value in ("-1", "abc", "1e3"):
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        conn.putrequest("POST", "/api/referrals")
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", value)
        conn.endheaders()
        response = conn.getresponse()
        assert response.status == 400 and json.loads(response.read())["errors"]
        conn.close()


# Retention --------------------------------------------------------------------------------------------------


def test_purge_deletes_what_is_older_than_the_limit_and_keeps_the_rest(services, tmp_path):
    send(services, valid("referral"))
    send(services, valid("referral"))
    upload = tmp_path / "uploads" / "files" / "00000000-0000-4000-8000-000000000009"
    upload.parent.mkdir(parents=True)
    upload.write_bytes(b"x")
    old = time.time() - 31 * 86400
    first = stored(tmp_path)[0]
    for path in [*first.parent.glob(first.stem + "*"), outbox(tmp_path)[0], upload]:
        os.utime(path, (old, old))
    removed = purge(tmp_path, 30)
    assert removed == {"submissions": 1, "emails": 1, "uploads": 1}
    assert len(stored(tmp_path)) == 1 and len(outbox(tmp_path)) == 1 and not upload.exists()
    assert not list(first.parent.glob(first.stem + "*"))


def test_make_purge_local_runs_the_purge(tmp_path):
    (tmp_path / "outbox").mkdir()
    old_mail = tmp_path / "outbox" / "old.eml"
    old_mail.write_text("x")
    os.utime(old_mail, (time.time() - 3 * 86400,) * 2)
    env = {**os.environ, "VAR_DIR": str(tmp_path), "LOCAL_RETENTION_DAYS": "2", "FORMS_BACKEND": "local"}
    result = subprocess.run(
        [sys.executable, "-m", "functions.forms", "purge-local"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "1 emails" in result.stdout and not old_mail.exists()
    makefile = (ROOT / "mk/reliability.mk").read_text()
    assert "purge-local:" in makefile and "functions.forms purge-local" in makefile
