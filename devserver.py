"""The local server for `make serve`: the built site from site/, and /api/ routed to the same handler as on AWS.

Standard library only. Submissions go to var/submissions/ and emails to var/outbox/ (see README).
"""

from __future__ import annotations

import argparse
import base64
import functools
import gzip
import json
import logging
import mimetypes
import os
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from functions.forms.adapters.local import purge
from functions.forms.application.deliver import send_pending
from functions.forms.bootstrap import services as process_services
from functions.forms.web.app import handle
from functions.forms.web.sent_page import page_for

ROOT = Path(__file__).resolve().parent
MAX_REQUEST_BYTES = 25 * 1024 * 1024

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


def make_handler(site_dir: Path, own_services=None):
    """The request handler; `own_services` (tests) instead of this process's services."""

    def services():
        return own_services if own_services is not None else process_services()

    class Handler(BaseHTTPRequestHandler):
        server_version = "kids-devserver"
        sys_version = ""
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args) -> None:
            # Method and path only: query strings can carry a reference or a date, and a request line that
            # could not be read (when there is no path yet) can carry anything.
            path = getattr(self, "path", None)
            shown = urlsplit(path).path[:200] if isinstance(path, str) and path.startswith("/") else "-"
            if shown.startswith("/api/"):
                shown = "/api/"  # the API logs its own route name
            logging.getLogger("devserver").info("%s %s", getattr(self, "command", None) or "-", shown)

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for key, value in {**SECURITY_HEADERS, **headers}.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

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
            if length > MAX_REQUEST_BYTES:
                self._send(
                    413,
                    {"Content-Type": "application/json; charset=utf-8", "Connection": "close"},
                    _problem("The request is too large"),
                )
                self.close_connection = True
                return
            body = self.rfile.read(length) if length else b""
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

        def _static(self) -> None:
            parts = urlsplit(self.path)
            relative = unquote(parts.path).lstrip("/")
            target = (site_dir / relative).resolve()
            if not str(target).startswith(str(site_dir.resolve())):
                target = site_dir / "404.html"
            if target.is_dir():
                if not parts.path.endswith("/"):
                    self._send(
                        301, {"Location": parts.path + "/" + (f"?{parts.query}" if parts.query else "")}, b""
                    )
                    return
                target = target / "index.html"
            status = 200
            if not target.is_file():
                target, status = site_dir / "404.html", 404
            data = target.read_bytes()
            content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            if content_type.startswith("text/") or content_type in {
                "application/javascript",
                "application/json",
            }:
                content_type += "; charset=utf-8"
            cache = "no-cache" if target.suffix == ".html" else "public, max-age=300"
            headers = {"Content-Type": content_type, "Cache-Control": cache, "Vary": "Accept-Encoding"}
            if compressible(content_type, data) and "gzip" in self.headers.get("Accept-Encoding", ""):
                data = gzipped(data)
                headers["Content-Encoding"] = "gzip"
            self._send(status, headers, data)

        def _dispatch(self) -> None:
            try:
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
        print(f"Deleted after {config.local_retention_days} days: {dict(purged)}")
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
        httpd.server_close()
    return HTTPStatus.OK and 0


if __name__ == "__main__":
    raise SystemExit(main())
