"""The time trap: a page-load time signed by the server, sent back with the form as the `started` control.

The page's script asks GET /api/token when the form is shown and puts the answer in a hidden input named
`started`. The token is "<milliseconds since 1970>.<signature>", signed with HMAC-SHA256 under the key in
`FORMS_SECRET` (on AWS the same key for every instance of the function; locally, when it is not set, a random key
made when the process starts). A form sent with a good token fewer than `FORMS_MIN_SECONDS` (3) after the page
was loaded was probably filled in by a script: it is stored with "suspected_spam": true and emailed to the team
marked POSSIBLE SPAM (every stored submission reaches a person), without the family's copy, and the sender sees
the normal confirmation. The page keeps its token with the answers, so the time counts from the form's first
display in the tab, not from a reload. A token older than MAX_AGE_SECONDS counts as no token.

A form with no token (no JavaScript, or a script posting straight to the API) is not held by this trap: the
honeypot and throttling deal with those. A token that does not verify (a forged one, or one signed before the
local server restarted) counts as no token, so a family is never held because of our key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
import time

log = logging.getLogger("forms")

_PROCESS_KEY = secrets.token_bytes(32)
# Tokens from the future (clock skew between instances) up to this far are still believed.
_SKEW_MS = 60_000
# A token is believed for a day: enough for a family who comes back to the form, not a pass to replay for ever.
MAX_AGE_SECONDS = 24 * 3600


def _key(secret: str) -> bytes:
    if secret:
        return secret.encode("utf-8")
    return _PROCESS_KEY


def _sign(ms: int, secret: str) -> str:
    mac = hmac.new(_key(secret), f"started:{ms}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:18]).decode("ascii")


def issue(secret: str, now: float | None = None) -> str:
    """A token for a page loaded now."""
    ms = int((time.time() if now is None else now) * 1000)
    return f"{ms}.{_sign(ms, secret)}"


def seconds_taken(token: object, secret: str, now: float | None = None) -> float | None:
    """How long the form took, from its token; None when there is no token or it does not verify."""
    if not isinstance(token, str) or len(token) > 64 or token.count(".") != 1:
        return None
    ms_text, signature = token.split(".")
    if not ms_text.isascii() or not ms_text.isdigit() or len(ms_text) > 15:
        return None
    ms = int(ms_text)
    if not hmac.compare_digest(signature.encode("ascii", "replace"), _sign(ms, secret).encode("ascii")):
        return None
    now_ms = (time.time() if now is None else now) * 1000
    if ms > now_ms + _SKEW_MS or now_ms - ms > MAX_AGE_SECONDS * 1000:
        return None
    return max(0.0, (now_ms - ms) / 1000)


def suspected(token: object, secret: str, min_seconds: float, now: float | None = None) -> bool:
    """True when a good token says the form was completed faster than a person could."""
    taken = seconds_taken(token, secret, now)
    return taken is not None and taken < min_seconds
