"""Tokens for the links in the team's email to files too large to attach (GET /api/files/<token>, 7 days).

A presigned S3 GET link only works while the credentials that signed it do. A Lambda function signs with
temporary credentials that expire within hours, so a presigned link in an email could stop working long before
its own 7 days. The email links to our own address instead (web/file_links.py). The token names the upload, its
number in the email (drawing-1, recording-2...) and the moment it stops working, signed with HMAC-SHA256 under
a key derived from FORMS_SECRET (or, locally without one, from var/file-links.key: adapters/local.py).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import time
import uuid

from functions.forms.domain import files as f

LINK_DAYS = 7


def derive_key(base: bytes) -> bytes:
    """The links' own key: derived rather than the secret itself, so a link's signature can never serve as a
    time-trap token."""
    return hmac.new(base, b"file-links", hashlib.sha256).digest()


def _sign(key: bytes, upload_id: str, number: int, expires: int) -> str:
    mac = hmac.new(key, f"file:{upload_id}:{number}:{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:24]).decode("ascii")


def make_token(key: bytes, upload_id: str, number: int, now: float | None = None) -> str:
    """A token for one file, good for LINK_DAYS days from now."""
    expires = int(time.time() if now is None else now) + LINK_DAYS * 86400
    return f"{uuid.UUID(upload_id)}.{number}.{expires}.{_sign(key, upload_id, number, expires)}"


def link(site_url: str, key: bytes, upload_id: str, number: int, now: float | None = None) -> str:
    """The address the team's email gives for a file that is not attached."""
    return f"{site_url}api/files/{make_token(key, upload_id, number, now)}"


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


def read_token(key: bytes, token: str, now: float | None = None) -> tuple[str, int]:
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
    if number_text != str(number) or expires_text != str(expires):  # one spelling per link: no leading zeros
        raise BadToken(token)
    good = _sign(key, upload_id, number, expires)
    if not hmac.compare_digest(signature.encode("ascii", "replace"), good.encode("ascii")):
        raise BadToken(token)
    if (time.time() if now is None else now) > expires:
        raise Expired(upload_id)
    return upload_id, number
