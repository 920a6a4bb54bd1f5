"""Links in the team's email to files too large to attach: GET /api/files/<token>, good for 7 days.

A presigned S3 GET link only works while the credentials that signed it do. A Lambda function signs with
temporary credentials that expire within hours, so a presigned link in an email could stop working long before
its own 7 days. The email links to our own address instead. The token names the upload, its number in the
email (drawing-1, recording-2...) and the moment it stops working, signed with HMAC-SHA256 under a key made from
FORMS_SECRET. Opening the link checks the signature and the time, then:
- on AWS, redirects to a presigned GET made there and then, good for 5 minutes;
- locally, sends the file from var/uploads/.

Locally, with no FORMS_SECRET, the key is kept in var/file-links.key (made at first use, readable by its owner
only), so a link written by `make send-pending` works on the server of `make serve`, after restarts too.
Nothing here logs a token, an upload id or a file name. The answers are 403 (a link that is not ours) and 410 (expired,
or the file is gone) rather than 404, whose body CloudFront replaces with the site's "page not found".
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import secrets
import time
import uuid
from html import escape
from pathlib import Path
from typing import Any

from . import files as f
from .ports import StorageError

log = logging.getLogger("forms")

LINK_DAYS = 7
REDIRECT_SECONDS = 5 * 60  # the presigned GET behind a link: long enough to start a download


def _read_local_key(path: Path) -> bytes | None:
    try:
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None
    return key if len(key) >= 32 else None  # never an empty or short key, which anyone could guess


def _local_key(var_dir: Path) -> bytes:
    path = var_dir / "file-links.key"
    key = _read_local_key(path)
    if key is not None:
        return key
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    # Written whole under another name first, then linked into place: no process ever reads a half-written key,
    # and when two make one at once the first one's is kept and both use it.
    temp = var_dir / f".file-links.key.{secrets.token_hex(8)}"
    with os.fdopen(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="ascii") as out:
        out.write(key.hex())
    try:
        os.link(temp, path)
    except FileExistsError:
        kept = _read_local_key(path)
        if kept is not None:
            return kept
        os.replace(temp, path)  # a broken key left by an older version: links made with it stop working
    finally:
        temp.unlink(missing_ok=True)
    return key


def _key(settings: Any) -> bytes:
    # Derived rather than the secret itself, so a link's signature can never serve as a time-trap token.
    base = settings.forms_secret.encode("utf-8") if settings.forms_secret else _local_key(settings.var_dir)
    return hmac.new(base, b"file-links", hashlib.sha256).digest()


def _sign(key: bytes, upload_id: str, number: int, expires: int) -> str:
    mac = hmac.new(key, f"file:{upload_id}:{number}:{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:24]).decode("ascii")


def make_token(settings: Any, upload_id: str, number: int, now: float | None = None) -> str:
    """A token for one file, good for LINK_DAYS days from now."""
    expires = int(time.time() if now is None else now) + LINK_DAYS * 86400
    return f"{uuid.UUID(upload_id)}.{number}.{expires}.{_sign(_key(settings), upload_id, number, expires)}"


def link(settings: Any, upload_id: str, number: int, now: float | None = None) -> str:
    """The address the team's email gives for a file that is not attached."""
    return f"{settings.site_url}api/files/{make_token(settings, upload_id, number, now)}"


def expiry_text(now: float | None = None) -> str:
    """The day a link made now stops working, in words ('5 December 2026')."""
    day = dt.datetime.fromtimestamp((time.time() if now is None else now) + LINK_DAYS * 86400, dt.UTC)
    return f"{day.day} {day:%B %Y}"


class BadToken(ValueError):
    """A token that is not ours (mistyped, cut short or forged)."""


class Expired(ValueError):
    def __init__(self, upload_id: str):
        super().__init__("expired")
        self.upload_id = upload_id


def read_token(settings: Any, token: str, now: float | None = None) -> tuple[str, int]:
    """The upload id and file number a token stands for; BadToken or Expired otherwise."""
    parts = token.split(".")
    if len(token) > 200 or len(parts) != 4:
        raise BadToken(token)
    upload_id, number_text, expires_text, signature = parts
    if not f.is_upload_id(upload_id):
        raise BadToken(token)
    if not (number_text.isascii() and number_text.isdigit() and len(number_text) <= 2):
        raise BadToken(token)
    if not (expires_text.isascii() and expires_text.isdigit() and len(expires_text) <= 12):
        raise BadToken(token)
    number, expires = int(number_text), int(expires_text)
    good = _sign(_key(settings), upload_id, number, expires)
    if not hmac.compare_digest(signature.encode("ascii", "replace"), good.encode("ascii")):
        raise BadToken(token)
    if (time.time() if now is None else now) > expires:
        raise Expired(upload_id)
    return upload_id, number


# GET /api/files/<token> ----------------------------------------------------------------------------------------


def _kept_type(description: bytes) -> f.FileType | None:
    """The kind of a kept file, from the description stored beside it (None when that cannot be read)."""
    try:
        info = json.loads(description)
    except ValueError:
        return None
    kind = info.get("content_type") if isinstance(info, dict) else None
    return f.BY_CONTENT_TYPE.get(kind) if isinstance(kind, str) else None


def _page(status: int, title: str, text: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    from .http import html_response

    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} - KIDS SEND Mediation</title></head>"
        f"<body><main><h1>{escape(title)}</h1><p>{escape(text)}</p></main></body></html>"
    )
    return html_response(status, html, headers={"X-Robots-Tag": "noindex", **(headers or {})})


def handle_file_link(event: dict[str, Any], services: Any) -> dict[str, Any]:
    """Open a link from the team's email: the file (locally) or a short redirect to it (on AWS)."""
    from .http import SECURITY_HEADERS, problem
    from .uploads import S3Uploads, clean_key, store_for

    method = str(((event.get("requestContext") or {}).get("http") or {}).get("method", "GET")).upper()
    if method not in {"GET", "HEAD"}:
        return problem(405, "Open the link with GET", headers={"Allow": "GET, HEAD"})
    path = str(event.get("rawPath") or "")
    token = path.removeprefix("/api/files").strip("/")
    settings = services.settings
    try:
        upload_id, number = read_token(settings, token)
    except BadToken:
        return _page(403, "This link is not right", "Check that you copied all of the link from the email.")
    except Expired as expired:
        return _page(
            410,
            "This link has stopped working",
            f"Links to files work for {LINK_DAYS} days. The file is kept until the retention period ends: "
            f"ask the service's operator for upload {clean_key(expired.upload_id)}.",
        )
    store = store_for(services)
    key = clean_key(upload_id)
    gone = _page(410, "This file is no longer kept", "Files are deleted when the retention period ends.")
    try:
        if store.size(key + ".json") is None or store.size(key) is None:
            return gone
        found = _kept_type(store.read(key + ".json"))
        if found is None:  # its description is unreadable: never guess what the file is
            log.error("file link: unreadable file description")
            return gone
        filename = f.email_name(found, number)
        if isinstance(store, S3Uploads):
            url = store.link(key, filename, found.content_type, REDIRECT_SECONDS)
            log.info("file link opened")
            return {"statusCode": 302, "headers": {"Location": url, **SECURITY_HEADERS}, "body": ""}
        data = b"" if method == "HEAD" else store.read(key)
    except StorageError:
        log.error("file link: storage failed")
        return _page(
            503,
            "This file cannot be opened just now",
            "Our storage is not answering. Try the link again in a few minutes.",
            headers={"Retry-After": "60"},
        )
    log.info("file link opened")
    return {
        "statusCode": 200,
        "headers": {
            "Content-Type": found.content_type,
            "Content-Disposition": f'attachment; filename="{filename}"',
            **SECURITY_HEADERS,
        },
        "body": base64.b64encode(data).decode("ascii"),
        "isBase64Encoded": True,
    }
