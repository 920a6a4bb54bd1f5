"""Drawings and recordings: POST /api/uploads (a target for a file) and, locally, POST /api/uploads/<id>.

How a file travels, with JavaScript:
1. the page asks POST /api/uploads for a target ({"filename", "content_type", "size"}); we check the size and the
   declared type and answer 201 with {"upload_id", "url", "fields"};
2. the page posts the file to that target: on AWS straight to S3 with a presigned POST (a server-made key, a
   content-length-range and a short expiry; the file never passes through the Lambda), locally to
   POST /api/uploads/<upload_id> on our own server;
3. the form is sent with the upload ids; before storing the submission we check each object's real size and
   type from its content (S3 emulators do not enforce the POST policy, so this check is ours), strip the
   metadata of photos, and keep a clean copy under the server-made id.
Without JavaScript the files come inside the form post (multipart, 4 MB each) and take step 3 directly.
2b. once the file is sent, the page asks POST /api/uploads/<upload_id> with {"filename", "lang"} (JSON) to check it at
   once (step 3 for this one file): a file that is not what it says is refused while the family is still at the
   files question, by name and with its upload_id, rather than at Send. On AWS this route needs the forms API
   function's S3 rights (template.yaml routes it there); where it is not routed, the page keeps the file and Send
   checks it as before.

Keys: incoming/<id> (as uploaded), files/<id> (checked and cleaned) and files/<id>.json (what it is). The
stores are adapters (adapters/local.py, adapters/aws.py); the checks are application/uploads.py.
Nothing here logs a file name or anything else a child sent.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from functions.forms.application.services import Services
from functions.forms.application.uploads import check_added
from functions.forms.domain import files as f
from functions.forms.domain import i18n, languages
from functions.forms.domain.facts import facts
from functions.forms.ports import StorageError
from functions.forms.web.multipart import parse_multipart
from functions.forms.web.request import Request
from functions.forms.web.responses import Response, json_response, problem

log = logging.getLogger("forms")
STORAGE_RETRY_SECONDS = 60


def _field_problem(text: str) -> Response:
    return problem(400, text, field="files", href="#files")


def _storage_down(step: str) -> Response:
    """503 when the file store fails (a full disk, S3 not answering): nothing was kept, and trying again is right."""
    log.error("upload storage failed step=%s", step)
    return problem(
        503,
        "We cannot take your file just now. Try again in a few minutes, "
        f"or call us on {facts()['phone']} if it keeps happening",
        field="files",
        href="#files",
        headers={"Retry-After": str(STORAGE_RETRY_SECONDS)},
    )


def _too_many(request: Request, services: Services) -> Response | None:
    """429 when this client has asked for more upload targets than UPLOADS_PER_MINUTE; None when it may go on."""
    if not request.client:
        return None
    allowed, wait = services.upload_throttle.allow(request.client)
    if allowed:
        return None
    log.warning("upload targets over the limit")
    return problem(
        429,
        f"You have added a lot of files in a short time. Wait {wait} seconds, then add the file again",
        field="files",
        href="#files",
        headers={"Retry-After": str(wait)},
    )


def _details(request: Request) -> tuple[dict[str, Any], Response | None]:
    """A file's details sent as a small JSON object; or the 4xx that says what is wrong with them."""
    body = request.body()
    if len(body) > 4096:
        return {}, problem(413, "The request is too large")
    try:
        details = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {}, problem(400, "The file's details are not valid JSON")
    if not isinstance(details, dict):
        return {}, problem(400, "Send the file's details as a JSON object")
    return details, None


def new_upload(request: Request, services: Services) -> Response:
    """POST /api/uploads: a target for one file, after checking its declared size and type."""
    if request.content_type != "application/json":
        return problem(415, "Send the file's details as application/json")
    details, unreadable = _details(request)
    if unreadable is not None:
        return unreadable
    filename, content_type, size = (
        details.get("filename"),
        details.get("content_type", ""),
        details.get("size"),
    )
    if not isinstance(filename, str) or len(filename) > 1000:
        return _field_problem("Choose a file")
    try:
        f.check_size(size)
        f.check_declared(content_type)
    except f.FileRefused as refused:
        return _field_problem(refused.text)
    slow_down = _too_many(request, services)  # after the checks: a mistaken request costs no upload
    if slow_down is not None:
        return slow_down
    upload_id = f.new_upload_id()
    try:
        target = services.uploads.target(upload_id)
    except StorageError:
        return _storage_down("target")
    log.info("upload target made")
    return json_response(
        201,
        {"upload_id": upload_id, "url": target["url"], "fields": target["fields"], "max_bytes": f.MAX_BYTES},
    )


def check(request: Request, services: Services) -> Response:
    """POST /api/uploads/<id> with JSON: check the file just added, on AWS as locally. 200 with its name as kept, its
    real type and size; 400 with an error that names the file and carries its upload_id."""
    upload_id = request.params["upload_id"]
    if not f.is_upload_id(upload_id):
        return problem(404, "There is no upload waiting at this address")
    details, unreadable = _details(request)
    if unreadable is not None:
        return unreadable
    lang = languages.choose(details.get("lang"))
    name = f.sent_name(details.get("filename"))
    try:
        info = check_added(services.uploads, upload_id, name)
    except f.FileRefused as refused:
        log.info("upload refused when added")
        text = i18n.text("file_not_added", lang, name=name, problem=refused.text) if name else refused.text
        error = {"field": "files", "href": "#files", "text": text, "upload_id": upload_id}
        return json_response(400, {"title": i18n.text("error_summary_title", lang), "errors": [error]})
    except StorageError:
        return _storage_down("check")
    return json_response(
        200,
        {
            "upload_id": upload_id,
            "name": info.get("name", ""),
            "content_type": info["content_type"],
            "size": info["size"],
        },
    )


def receive(request: Request, services: Services) -> Response:
    """POST /api/uploads/<id>: the local upload target (there is none on AWS: S3 takes the file there); with JSON,
    the check of a file just added (check)."""
    if request.content_type == "application/json":
        return check(request, services)
    store, upload_id = services.uploads, request.params["upload_id"]
    if not store.receives_posts or not f.is_upload_id(upload_id):
        return problem(404, "There is no upload waiting at this address")
    if request.content_type != "multipart/form-data":
        return problem(415, "Send the file as multipart/form-data")
    data = parse_multipart(request.body(), request.headers["content-type"], f.MAX_BYTES)
    parts = [p for p in data.files if p.name == "file"]
    if len(parts) != 1 or not parts[0].chosen:
        return _field_problem("Choose a file")
    if parts[0].too_large:
        return _field_problem(f"The selected file must be smaller than {f.MAX_BYTES // 2**20} MB")
    try:
        refused = store.receive(upload_id, parts[0].data)
    except StorageError:
        return _storage_down("receive")
    if refused:
        return _field_problem(refused)
    return {"statusCode": 204, "headers": {"Cache-Control": "no-store"}, "body": ""}
