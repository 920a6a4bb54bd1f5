"""GET /api/files/<token>: a link in the team's email to a file too large to attach (domain/file_tokens.py).

Opening the link checks the signature and the time, then:
- on AWS, redirects to a presigned GET made there and then, good for 5 minutes;
- locally, sends the file from var/uploads/.

Nothing here logs a token, an upload id or a file name. The answers are 403 (a link that is not ours) and 410
(expired, or the file is gone) rather than 404, whose body CloudFront replaces with the site's "page not found".
"""

from __future__ import annotations

import base64
import json
import logging

from functions.forms.application.services import Services
from functions.forms.domain import files as f
from functions.forms.domain.file_tokens import LINK_DAYS, BadToken, Expired, read_token
from functions.forms.domain.files import clean_key
from functions.forms.domain.html import render
from functions.forms.ports import StorageError
from functions.forms.web.request import Request
from functions.forms.web.responses import SECURITY_HEADERS, Response, html_response, redirect

log = logging.getLogger("forms")

REDIRECT_SECONDS = 5 * 60  # the presigned GET behind a link: long enough to start a download


def _kept_type(description: bytes) -> f.FileType | None:
    """The kind of a kept file, from the description stored beside it (None when that cannot be read)."""
    try:
        info = json.loads(description)
    except ValueError:
        return None
    kind = info.get("content_type") if isinstance(info, dict) else None
    return f.BY_CONTENT_TYPE.get(kind) if isinstance(kind, str) else None


def _page(status: int, title: str, text: str, headers: dict[str, str] | None = None) -> Response:
    html = render("notice.html", heading=title, paragraphs=[text])
    return html_response(status, html, headers={"X-Robots-Tag": "noindex", **(headers or {})})


def open_link(request: Request, services: Services) -> Response:
    """GET /api/files/<token>: the file (locally) or a short redirect to it (on AWS)."""
    token = request.params.get("token", "")
    try:
        upload_id, number = read_token(services.link_key(), token)
    except BadToken:
        return _page(403, "This link is not right", "Check that you copied all of the link from the email.")
    except Expired as expired:
        return _page(
            410,
            "This link has stopped working",
            f"Links to files work for {LINK_DAYS} days. The file is kept until the retention period ends: "
            f"ask the service's operator for upload {clean_key(expired.upload_id)}.",
        )
    store = services.uploads
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
        url = store.download_url(key, filename, found.content_type, REDIRECT_SECONDS)
        if url is not None:
            log.info("file link opened")
            return redirect(302, url)
        data = b"" if request.method == "HEAD" else store.read(key)
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
