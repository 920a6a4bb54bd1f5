"""The local server refuses a post of 10 MB or more as the web ACL does on AWS (waf.yaml): with the ACL's own page
for a browser, after reading the post (a browser still sending would show a connection error instead)."""

from __future__ import annotations

import devserver
from tests.unit.web.test_devserver import Running, raw, running  # noqa: F401 - the fixture

BROWSER_ACCEPT = "text/html,application/xhtml+xml,*/*;q=0.8"


def post(port: int, size: int, accept: str) -> tuple[int | None, bytes]:
    head = (
        f"POST /api/child-views HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: {accept}\r\n"
        f"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n"
    )
    return raw(port, head.encode() + bytes(size), timeout=30)


def test_a_browsers_post_of_10_mb_gets_the_web_acls_page(running: Running) -> None:  # noqa: F811
    status, response = post(running.port, devserver.WAF_TOO_BIG_BYTES, BROWSER_ACCEPT)
    assert status == 413
    assert response.endswith(devserver.waf_page("too-big"))
    assert b"Go back to the form with your browser's back button" in response
    assert b"text/html" in response.split(b"\r\n\r\n", 1)[0]


def test_a_scripts_post_of_10_mb_gets_json(running: Running) -> None:  # noqa: F811
    status, response = post(running.port, devserver.WAF_TOO_BIG_BYTES, "application/json")
    assert status == 413 and b'"The request is too large"' in response


def test_a_post_just_under_10_mb_reaches_the_forms_own_answer(running: Running) -> None:  # noqa: F811
    status, response = post(running.port, devserver.WAF_TOO_BIG_BYTES - 1, BROWSER_ACCEPT)
    assert status == 413 and b"<!doctype html>" in response  # the forms' own page, the answers kept
    assert devserver.waf_page("too-big") not in response
