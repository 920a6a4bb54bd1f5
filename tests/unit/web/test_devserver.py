"""The local server (`make serve`) through a real socket: it serves the built site and nothing beside it, says 404
for what is not there, answers odd addresses instead of dropping the connection, and lets a slow client go."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import devserver
from functions.forms.application.services import Services
from tests.conftest import free_port


@dataclass
class Running:
    port: int
    site: Path
    httpd: devserver.ThreadingHTTPServer


@pytest.fixture
def running(tmp_path: Path, services: Services) -> Iterator[Running]:
    """The server on 127.0.0.1 with a small built site, and a folder and a file beside it named site-something."""
    site = tmp_path / "site"
    (site / "about").mkdir(parents=True)
    (site / "assets").mkdir()
    (site / "index.html").write_text("<!doctype html><title>Home</title><p>Home page", encoding="utf-8")
    (site / "404.html").write_text(
        "<!doctype html><title>Not found</title><p>Page not found", encoding="utf-8"
    )
    (site / "about" / "index.html").write_text("<!doctype html><p>About us", encoding="utf-8")
    (site / "assets" / "app.css").write_text("body{color:#0b0c0c}", encoding="utf-8")  # a folder, no index
    (tmp_path / "site-other").mkdir()
    (tmp_path / "site-other" / "secret.txt").write_text("SECRET-beside-the-site", encoding="utf-8")
    (tmp_path / "site-secret.txt").write_text("SECRET-file-beside-the-site", encoding="utf-8")
    port = free_port()
    httpd = devserver.serve("127.0.0.1", port, site, services=services)
    # A short poll: shutdown() waits up to one poll, and every test starts and stops its own server.
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield Running(port, site, httpd)
    finally:
        httpd.shutdown()
        httpd.server_close()


def raw(port: int, request: bytes, timeout: float = 10) -> tuple[int | None, bytes]:
    """Send bytes as they are (no client library tidies the address) and read until the server closes; the status
    (None when the connection was dropped without an answer) and the whole response."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    if not data:
        return None, data
    return int(data.split(b"\r\n", 1)[0].split()[1]), data


def get(port: int, path: str | bytes) -> tuple[int | None, bytes]:
    target = path.encode("latin-1") if isinstance(path, str) else path
    return raw(port, b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")


# Nothing beside the site ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/../site-other/secret.txt",
        "/%2e%2e/site-other/secret.txt",
        "/..%2fsite-other/secret.txt",
        "/about/../../site-other/secret.txt",
        "/../site-secret.txt",
        "/../site/../site-other/secret.txt",
    ],
)
def test_files_beside_the_site_folder_are_never_served(running: Running, path: str) -> None:
    status, response = get(running.port, path)
    assert status == 404, response[:300]
    assert b"SECRET" not in response and b"Page not found" in response


def test_a_link_out_of_the_site_is_not_followed(running: Running, tmp_path: Path) -> None:
    os.symlink(tmp_path / "site-other", running.site / "linked")
    status, response = get(running.port, "/linked/secret.txt")
    assert status == 404 and b"SECRET" not in response


# 404 for what is not there --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/no-such-page/",
        "/no-such-page",
        "/assets/",  # a folder without an index page
        "/index.html/",  # a file asked for as a folder
        "/about/index.html/",
        "/assets/app.css/",
    ],
)
def test_a_page_that_is_not_there_answers_404(running: Running, path: str) -> None:
    status, response = get(running.port, path)
    assert status == 404, response[:300]
    assert b"Page not found" in response


def test_what_is_there_is_served(running: Running) -> None:
    assert get(running.port, "/")[0] == 200
    status, response = get(running.port, "/about/")
    assert status == 200 and b"About us" in response
    assert get(running.port, "/assets/app.css")[0] == 200
    status, response = get(running.port, "/about")
    assert status == 301 and b"\r\nLocation: /about/\r\n" in response


def test_the_redirect_to_a_folder_stays_on_this_site(running: Running) -> None:
    (running.site / "example.org").mkdir()
    (running.site / "example.org" / "index.html").write_text("<p>A page", encoding="utf-8")
    status, response = get(running.port, "//example.org")
    assert status == 301
    assert b"\r\nLocation: /example.org/\r\n" in response  # not //example.org/, another site


# Odd addresses get an answer ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (b"/a\x00b", {400}),
        (b"/a%00b", {400}),
        (b"/api/referrals%00", {404}),  # the API answers any path itself, as on AWS
        (b"/" + b"a" * 10_000, {414}),
        (b"/" + b"a/" * 5_000, {414}),
        (b"/api/" + b"a" * 10_000, {414}),
        (b"/" + b"a" * 300, {404}),  # longer than a file name may be: simply not there
        (b"//[broken", {400, 404}),
        (b"/\x7f", {400}),
    ],
)
def test_an_odd_address_gets_an_answer_not_a_dropped_connection(
    running: Running, path: bytes, expected: set[int]
) -> None:
    status, response = get(running.port, path)
    assert status in expected, response[:300]


def test_the_server_still_works_after_odd_addresses(running: Running) -> None:
    for path in (b"/a\x00b", b"/" + b"a" * 10_000, b"/" + b"a" * 300):
        get(running.port, path)
    assert get(running.port, "/")[0] == 200


# A slow client lets its thread go -------------------------------------------------------------------------------


def test_each_connection_has_a_timeout_of_30_seconds(tmp_path: Path) -> None:
    assert devserver.make_handler(tmp_path).timeout == 30


def test_a_client_that_stops_sending_is_let_go(running: Running) -> None:
    running.httpd.RequestHandlerClass.timeout = 0.5  # this server's own handler class: no other test sees it
    started = time.monotonic()
    status, _ = raw(running.port, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n", timeout=10)  # headers never end
    assert status is None and time.monotonic() - started < 5


def test_a_body_that_stops_arriving_gets_408_and_the_connection_is_closed(running: Running) -> None:
    running.httpd.RequestHandlerClass.timeout = 0.5
    started = time.monotonic()
    status, response = raw(
        running.port,
        b"POST /api/referrals HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b'Content-Length: 100\r\n\r\n{"submission_id":',
        timeout=10,
    )
    assert status == 408, response[:300]
    assert time.monotonic() - started < 5


# The purge while the server runs --------------------------------------------------------------------------------


def test_the_purge_runs_again_while_the_server_runs(tmp_path: Path) -> None:
    abandoned = tmp_path / "uploads" / "incoming" / "abandoned"
    abandoned.parent.mkdir(parents=True)
    abandoned.write_bytes(b"a child's photo, never sent")
    stop = devserver.purge_now_and_then(tmp_path, 30, every=0.05)
    try:
        assert abandoned.exists()  # not at once: the start-up purge is main()'s
        old = time.time() - 2 * 86400
        os.utime(abandoned, (old, old))
        deadline = time.monotonic() + 5
        while abandoned.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not abandoned.exists()
    finally:
        stop.set()
    assert devserver.PURGE_EVERY_SECONDS <= 3600


def test_the_api_still_answers_any_address_itself(running: Running) -> None:
    # A file link's token can hold anything a script sends: the API refuses it with its own page, as on AWS.
    status, _ = get(running.port, "/api/files/l%C3%9F%02%C2%89s%24")
    assert status == 403
    status, _ = get(running.port, "/caf%C3%A9/")  # a page name in another alphabet is simply not there
    assert status == 404
    status, _ = get(running.port, b"/caf\xc3\xa9/")  # the same, sent unencoded
    assert status == 404
