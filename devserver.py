"""The local server for `make serve`: the built site from site/, and /api/ routed to the same handler as on AWS.

The standard library, and PyYAML (installed with MkDocs) to read the web ACL's own pages from waf.yaml.
Submissions go to var/submissions/ and emails to var/outbox/ (see README).
"""

from __future__ import annotations

import argparse
import base64
import functools
import gzip
import hashlib
import json
import logging
import mimetypes
import os
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import yaml

from functions.forms.adapters.local import UNFINISHED_UPLOAD_DAYS, purge
from functions.forms.application.deliver import send_pending
from functions.forms.bootstrap import services as process_services
from functions.forms.web.app import handle
from functions.forms.web.sent_page import page_for

ROOT = Path(__file__).resolve().parent
MAX_REQUEST_BYTES = 25 * 1024 * 1024
# On AWS the web ACL refuses a post to /api/ of 10,000,000 bytes or more with a page of its own (waf.yaml,
# PostsTooBigForTheApi), before the API sees it. The same limit and the same page here, so that what a family
# sees, and going Back from it, can be tried locally.
WAF_TEMPLATE = ROOT / "waf.yaml"
WAF_TOO_BIG_BYTES = 10_000_000
# The longest address answered, as CloudFront allows on AWS; a longer one gets 414 (the standard library's own
# limit, 64 KB, would have it reach the disk's file-name checks, which fail with an error instead).
MAX_TARGET_CHARS = 8192
# A client that sends nothing for this long lets its thread go: without it one slow client (or many) would hold
# a thread each for ever.
TIMEOUT_SECONDS = 30
# While `make serve` runs, the purge runs again this often: unfinished uploads go after a day, not at the next start.
PURGE_EVERY_SECONDS = 3600

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(self), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


# Files under /static/ are named by their content (hooks/assets.py): a new version is a new name, so a browser keeps
# each for a year and never asks again (as CloudFront says on AWS, template.yaml). Pages are asked about again each
# time (no-cache) and answered 304 when unchanged (their ETag); anything else is kept five minutes.
IMMUTABLE_FOLDER = "static"
IMMUTABLE = "public, max-age=31536000, immutable"


def cache_control(relative: str, status: int) -> str:
    """Cache-Control for a site file (its path inside the site) answered with status."""
    if status != 200 or relative.endswith(".html"):
        return "no-cache"
    if relative.startswith(IMMUTABLE_FOLDER + "/"):
        return IMMUTABLE
    return "public, max-age=300"


@functools.lru_cache(maxsize=512)
def etag(data: bytes) -> str:
    """A weak validator (the same for the gzipped and the plain body, which mean the same)."""
    return 'W/"' + hashlib.sha256(data).hexdigest()[:20] + '"'


COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml", "application/xml")


def compressible(content_type: str, data: bytes) -> bool:
    return content_type.startswith(COMPRESSIBLE) and len(data) > 1024


@functools.lru_cache(maxsize=512)
def gzipped(data: bytes) -> bytes:
    """Compressed once per distinct file content."""
    return gzip.compress(data, compresslevel=9, mtime=0)


def _problem(text: str) -> bytes:
    return json.dumps(
        {"title": "There is a problem", "errors": [{"field": "", "href": "", "text": text}]}
    ).encode()


class _CloudFormation(yaml.SafeLoader):
    """waf.yaml as plain data: its tags (!Ref, !Sub...) are read as nothing."""


_CloudFormation.add_multi_constructor("!", lambda loader, suffix, node: None)


@functools.cache
def waf_page(key: str) -> bytes:
    """One of the pages the web ACL answers with itself (waf.yaml, CustomResponseBodies)."""
    data = yaml.load(WAF_TEMPLATE.read_text(encoding="utf-8"), _CloudFormation)  # noqa: S506 - a safe loader
    return str(data["Resources"]["WebAcl"]["Properties"]["CustomResponseBodies"][key]["Content"]).encode()


def _controls(text: str, c1: bool = True) -> bool:
    """Whether text holds a control character (C1 too unless c1 is False: the request line is read as Latin-1,
    where the bytes of UTF-8 sent unencoded fall in that range)."""
    return any(ord(c) < 32 or ord(c) == 127 or (c1 and 128 <= ord(c) < 160) for c in text)


def _refusal(target: str) -> tuple[int, str] | None:
    """(status, words) for an address we cannot look up at all; None for one we can.

    Control characters sent as they are (a NUL in the request line) are in no address a browser sends. Sent as
    %00 and the like, they are refused for the site's files only (a NUL makes any file lookup fail with an
    error): the API takes any path, as on AWS, and answers it itself.
    """
    if len(target) > MAX_TARGET_CHARS:
        return 414, "The address is too long"
    try:
        path = urlsplit(target).path
    except ValueError:  # urlsplit refuses some (an unclosed "[")
        return 400, "The address is not valid"
    if _controls(target, c1=False) or (not path.startswith("/api/") and _controls(unquote(path))):
        return 400, "The address is not valid"
    return None


def make_handler(site_dir: Path, own_services=None):
    """The request handler; `own_services` (tests) instead of this process's services."""

    def services():
        return own_services if own_services is not None else process_services()

    site_root = site_dir.resolve()  # what every static path must stay inside, once its links are followed

    class Handler(BaseHTTPRequestHandler):
        server_version = "kids-devserver"
        sys_version = ""
        protocol_version = "HTTP/1.1"
        timeout = TIMEOUT_SECONDS  # on each connection's socket (StreamRequestHandler.setup)

        def log_message(self, format: str, *args) -> None:
            # Method and path only: query strings can carry a reference or a date, and a request line that
            # could not be read (when there is no path yet) can carry anything, as can an address we refused.
            path = getattr(self, "path", None)
            shown = "-"
            if isinstance(path, str) and path.startswith("/") and _refusal(path) is None:
                shown = urlsplit(path).path[:200]
            if shown.startswith("/api/"):
                shown = "/api/"  # the API logs its own route name
            logging.getLogger("devserver").info("%s %s", getattr(self, "command", None) or "-", shown)

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for key, value in {**SECURITY_HEADERS, **headers}.items():
                self.send_header(key, value)
            if status != 304:  # a 304's length would be that of the page it stands for
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _too_big(self, length: int) -> None:
            """413, as the web ACL answers on AWS: its own page to a browser, JSON to a script."""
            remaining = length if length <= MAX_REQUEST_BYTES else 0
            try:  # read the post first: a browser still sending it would show a connection error, not the page
                while remaining > 0 and (chunk := self.rfile.read(min(2**20, remaining))):
                    remaining -= len(chunk)
            except TimeoutError:
                pass
            page = "text/html" in self.headers.get("Accept", "")
            self._send(
                413,
                {
                    "Content-Type": "text/html; charset=utf-8" if page else "application/json; charset=utf-8",
                    "Connection": "close",
                },
                waf_page("too-big") if page else _problem("The request is too large"),
            )
            self.close_connection = True

        def _api(self) -> None:
            declared = (self.headers.get("Content-Length") or "0").strip()
            if not declared.isascii() or not declared.isdigit() or self.headers.get("Transfer-Encoding"):
                self._send(
                    400,
                    {"Content-Type": "application/json; charset=utf-8", "Connection": "close"},
                    _problem("Send the form with a Content-Length header"),
                )
                self.close_connection = True
                return
            length = int(declared)
            if length > MAX_REQUEST_BYTES or (length >= WAF_TOO_BIG_BYTES and self.command == "POST"):
                self._too_big(length)
                return
            try:
                body = self.rfile.read(length) if length else b""
            except TimeoutError:  # the body stopped arriving: say so, and let the thread go
                self._send(
                    408,
                    {"Content-Type": "application/json; charset=utf-8", "Connection": "close"},
                    _problem("The form took too long to arrive. Send it again"),
                )
                self.close_connection = True
                return
            parts = urlsplit(self.path)
            event = {
                "version": "2.0",
                "rawPath": parts.path,
                "rawQueryString": parts.query,
                "queryStringParameters": dict(parse_qsl(parts.query)),
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "requestContext": {
                    "http": {"method": self.command, "path": parts.path, "sourceIp": self.client_address[0]}
                },
                "body": base64.b64encode(body).decode("ascii"),
                "isBase64Encoded": True,
            }
            response = handle(event, services())
            payload = response.get("body", "")
            data = (
                base64.b64decode(payload) if response.get("isBase64Encoded") else str(payload).encode("utf-8")
            )
            headers = dict(response.get("headers", {}))
            content_type = headers.get("Content-Type", "")
            if compressible(content_type, data) and "gzip" in self.headers.get("Accept-Encoding", ""):
                data = gzip.compress(data, compresslevel=6, mtime=0)  # not cached: answers carry references
                headers.update({"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
            self._send(response["statusCode"], headers, data)

        def _find(self, path: str) -> Path | str | None:
            """The file a path names inside the site; a str to redirect to (a folder without its "/"); or None.

            Contained by resolving (".." and links followed) and checking the result is inside the site: a plain
            prefix check let "/../site-other/secret" through when a folder site-other sits beside site.
            """
            relative = unquote(path).lstrip("/")
            try:
                target = (site_root / relative).resolve()
                if not target.is_relative_to(site_root):
                    return None
                if target.is_dir():
                    if not path.endswith("/"):
                        return "/" + path.lstrip("/") + "/"  # one leading slash: never //another.site/
                    target = target / "index.html"
                elif path.endswith("/"):
                    return None  # a file asked for as a folder (/index.html/) is not a page
                return target if target.is_file() else None
            except (OSError, ValueError):  # a name too long for the disk, and the like: not there
                return None

        def _static(self) -> None:
            parts = urlsplit(self.path)
            found = self._find(parts.path)
            if isinstance(found, str):
                self._send(301, {"Location": found + (f"?{parts.query}" if parts.query else "")}, b"")
                return
            status, target = (200, found) if found is not None else (404, site_dir / "404.html")
            try:
                data = target.read_bytes()
            except OSError:  # gone meanwhile, or no 404 page in this build
                status, target, data = 404, Path("404.txt"), b"Not found"
            content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            if content_type.startswith("text/") or content_type in {
                "application/javascript",
                "application/json",
            }:
                content_type += "; charset=utf-8"
            relative = target.relative_to(site_root).as_posix() if status == 200 else ""
            headers = {
                "Content-Type": content_type,
                "Cache-Control": cache_control(relative, status),
                "Vary": "Accept-Encoding",
            }
            if status == 200:
                headers["ETag"] = etag(data)
                asked = {tag.strip() for tag in (self.headers.get("If-None-Match") or "").split(",")}
                if headers["ETag"] in asked or "*" in asked:
                    del headers["Content-Type"]
                    self._send(304, headers, b"")
                    return
            if compressible(content_type, data) and "gzip" in self.headers.get("Accept-Encoding", ""):
                data = gzipped(data)
                headers["Content-Encoding"] = "gzip"
            self._send(status, headers, data)

        def _dispatch(self) -> None:
            try:
                refused = _refusal(self.path)
                if refused is not None:
                    status, text = refused
                    self._send(
                        status,
                        {"Content-Type": "application/json; charset=utf-8", "Connection": "close"},
                        _problem(text),
                    )
                    self.close_connection = True
                    return
                path = urlsplit(self.path).path
                # The API, and the confirmation pages, which the API fills in (as CloudFront sends them on AWS).
                if path.startswith("/api/") or (self.command in {"GET", "HEAD"} and page_for(path)):
                    self._api()
                elif self.command in {"GET", "HEAD"}:
                    self._static()
                else:
                    self._send(
                        405, {"Allow": "GET, HEAD", "Content-Type": "text/plain"}, b"Method not allowed"
                    )
            except (BrokenPipeError, ConnectionResetError):
                pass

        do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = _dispatch

    return Handler


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def handle_error(self, request, client_address) -> None:
        # The kind of error only: a traceback's message can quote what was sent.
        logging.getLogger("devserver").error("request failed kind=%s", type(sys.exc_info()[1]).__name__)


def serve(host: str, port: int, site_dir: Path, services=None) -> ThreadingHTTPServer:
    """Start the server (not yet serving); the caller runs serve_forever(). `services`: tests' own."""
    if services is None:
        os.environ.setdefault("PORT", str(port))
        os.environ.setdefault("SITE_DIR", str(site_dir))
    return Server((host, port), make_handler(site_dir, services))


def purge_now_and_then(var_dir: Path, days: float, every: float = PURGE_EVERY_SECONDS) -> threading.Event:
    """Run the purge every `every` seconds in the background until the returned event is set."""
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(every):
            try:
                purge(var_dir, days)
            except OSError as exc:  # tried again next time; the kind of error only, never a file name
                logging.getLogger("devserver").warning("purge failed kind=%s", type(exc).__name__)

    threading.Thread(target=run, name="purge", daemon=True).start()
    return stop


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
    parser.add_argument("--site", type=Path, default=ROOT / "site")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if not (args.site / "index.html").exists():
        print("The site is not built yet: run `make serve`, which builds it first.", file=sys.stderr)
        return 1
    os.environ.setdefault("SITE_URL", f"http://{args.host}:{args.port}/")
    httpd = serve(args.host, args.port, args.site)
    config = process_services().settings
    purged = purge(config.var_dir, config.local_retention_days)
    if purged:
        print(
            f"Deleted after {config.local_retention_days} days (uploads never sent with a form after "
            f"{UNFINISHED_UPLOAD_DAYS}): {dict(purged)}"
        )
    stop_purging = purge_now_and_then(config.var_dir, config.local_retention_days)
    waiting = send_pending(process_services())
    if waiting:
        print(f"Emails from earlier submissions: {dict(waiting)}")
    var = config.var_dir
    print(f"Serving the site and forms on http://{args.host}:{args.port}/  (Ctrl+C to stop)")
    print(f"Submissions are saved in {var / 'submissions'}/ and emails written to {var / 'outbox'}/")
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop_purging.set()
        httpd.server_close()
    return HTTPStatus.OK and 0


if __name__ == "__main__":
    raise SystemExit(main())
