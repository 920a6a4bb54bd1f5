"""The local server's caching (issue 20): files named by their content (static/) are kept for a year and never asked
about again; pages are asked about every time and cost a few bytes when unchanged; anything else is kept briefly."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import devserver
from functions.forms.application.services import Services
from hooks import assets
from tests.conftest import free_port

YEAR = "public, max-age=31536000, immutable"


@pytest.fixture
def server(tmp_path: Path, services: Services) -> Iterator[tuple[int, Path]]:
    site = tmp_path / "site"
    (site / "static").mkdir(parents=True)
    (site / "stylesheets").mkdir()
    (site / "mediation").mkdir()
    (site / "index.html").write_text("<!doctype html><title>Home</title><p>Home page", encoding="utf-8")
    (site / "404.html").write_text("<!doctype html><title>Not found</title><p>Not here", encoding="utf-8")
    (site / "mediation" / "index.html").write_text("<!doctype html><p>Mediation", encoding="utf-8")
    (site / "static" / "site.0123456789.css").write_text("body{color:#0b0c0c}" * 100, encoding="utf-8")
    (site / "stylesheets" / "extra.css").write_text("body{color:#0b0c0c}", encoding="utf-8")
    port = free_port()
    httpd = devserver.serve("127.0.0.1", port, site, services=services)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield port, site
    finally:
        httpd.shutdown()
        httpd.server_close()


def fetch(port: int, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={k.replace("_", "-"): v for k, v in headers.items()})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def test_a_file_named_by_its_content_is_kept_for_a_year(server: tuple[int, Path]) -> None:
    port, _ = server
    for encoding in ("gzip", "identity"):
        status, headers, body = fetch(port, "/static/site.0123456789.css", Accept_Encoding=encoding)
        assert status == 200 and body
        assert headers["cache-control"] == YEAR


def test_the_folder_the_server_keeps_for_a_year_is_the_one_the_build_names_files_in() -> None:
    assert devserver.IMMUTABLE_FOLDER == assets.STATIC


@pytest.mark.parametrize("path", ["/", "/mediation/", "/index.html"])
def test_a_page_is_asked_about_each_time_and_costs_nothing_when_unchanged(
    server: tuple[int, Path], path: str
) -> None:
    port, _ = server
    status, headers, body = fetch(port, path)
    assert status == 200 and body
    assert headers["cache-control"] == "no-cache"
    tag = headers["etag"]
    status, again, body = fetch(port, path, If_None_Match=tag)
    assert status == 304 and body == b""
    assert again["etag"] == tag and again["cache-control"] == "no-cache"


def test_a_changed_page_is_sent_again(server: tuple[int, Path]) -> None:
    port, site = server
    _, headers, _ = fetch(port, "/mediation/")
    (site / "mediation" / "index.html").write_text("<!doctype html><p>Mediation, changed", encoding="utf-8")
    status, changed, body = fetch(port, "/mediation/", If_None_Match=headers["etag"])
    assert status == 200 and b"changed" in body
    assert changed["etag"] != headers["etag"]


def test_a_file_not_named_by_its_content_is_kept_only_briefly(server: tuple[int, Path]) -> None:
    port, _ = server
    status, headers, _ = fetch(port, "/stylesheets/extra.css")
    assert status == 200
    assert "immutable" not in headers["cache-control"]
    assert headers["cache-control"] == "public, max-age=300"


def test_a_missing_page_is_never_kept(server: tuple[int, Path]) -> None:
    port, _ = server
    status, headers, _ = fetch(port, "/static/gone.0123456789.css")
    assert status == 404
    assert headers["cache-control"] == "no-cache"
    assert "etag" not in headers
