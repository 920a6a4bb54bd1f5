"""Drawings and recordings: POST /api/uploads, the upload stores (local folder, S3), and the file checks.

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

Keys: incoming/<id> (as uploaded), files/<id> (checked and cleaned) and files/<id>.json (what it is).
Nothing here logs a file name or anything else a child sent.
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from pathlib import Path
from typing import Any, Protocol

from . import files as f
from .http import EXTRA_ROUTES, Response, body_bytes, json_response, problem
from .parse import Parsed, ParseError
from .ports import StorageError
from .schemas import Form
from .validate import FieldError, href_for

log = logging.getLogger("forms")

POST_EXPIRES_SECONDS = 10 * 60  # a presigned POST (or a local upload target) is good for 10 minutes


class UploadStore(Protocol):
    def target(self, upload_id: str) -> dict[str, Any]:
        """Where the browser posts the file: {"url": ..., "fields": {...}}."""

    def size(self, key: str) -> int | None: ...

    def read(self, key: str, first: int | None = None) -> bytes: ...

    def write(self, key: str, data: bytes, content_type: str) -> None: ...

    def copy(self, source: str, key: str) -> None: ...

    def delete(self, key: str) -> None: ...


def _incoming(upload_id: str) -> str:
    return f"incoming/{uuid.UUID(upload_id)}"


def _clean(upload_id: str) -> str:
    return f"files/{uuid.UUID(upload_id)}"


def clean_key(upload_id: str) -> str:
    """Where the checked, cleaned copy of an upload is kept."""
    return _clean(upload_id)


class LocalUploads:
    """Files under var/uploads/, named by server-made ids; the upload target is our own server."""

    def __init__(self, root: Path, site_url: str):
        self.root = Path(root)
        self.site_url = site_url if site_url.endswith("/") else site_url + "/"

    def _path(self, key: str) -> Path:
        folder, _, name = key.partition("/")
        if folder not in {"incoming", "files", "pending"} or "/" in name or name.startswith("."):
            raise ValueError("not an upload key")
        return self.root / folder / name

    def target(self, upload_id: str) -> dict[str, Any]:
        pending = {"expires": time.time() + POST_EXPIRES_SECONDS, "max_bytes": f.MAX_BYTES}
        self.write(f"pending/{uuid.UUID(upload_id)}.json", json.dumps(pending).encode(), "application/json")
        return {"url": f"{self.site_url}api/uploads/{upload_id}", "fields": {"upload_id": upload_id}}

    def receive(self, upload_id: str, data: bytes) -> str | None:
        """Take the bytes posted to our upload target; the problem in words when it is refused."""
        pending = self._path(f"pending/{uuid.UUID(upload_id)}.json")
        try:
            terms = json.loads(pending.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return "There is no upload waiting at this address. Add the file again"
        if time.time() > terms["expires"]:
            pending.unlink(missing_ok=True)
            return "The upload took too long. Add the file again"
        if not 1 <= len(data) <= terms["max_bytes"]:
            return f"The selected file must be smaller than {terms['max_bytes'] // 2**20} MB"
        self.write(_incoming(upload_id), data, "application/octet-stream")
        pending.unlink(missing_ok=True)
        return None

    def size(self, key: str) -> int | None:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            return None

    def read(self, key: str, first: int | None = None) -> bytes:
        try:
            with self._path(key).open("rb") as handle:
                return handle.read(first) if first else handle.read()
        except OSError as exc:
            raise StorageError(f"upload read failed: {type(exc).__name__}") from exc

    def write(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
            with tmp.open("wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            raise StorageError(f"upload write failed: {type(exc).__name__}") from exc

    def copy(self, source: str, key: str) -> None:
        self.write(key, self.read(source), "application/octet-stream")

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


class S3Uploads:
    """An S3 bucket: presigned POSTs in, presigned GET links out."""

    def __init__(self, bucket: str, s3: Any = None):
        self.bucket = bucket
        self._s3 = s3

    @property
    def s3(self) -> Any:
        from .aws import client

        return self._s3 or client("s3")

    def _fail(self, what: str, exc: BaseException) -> StorageError:
        from .aws import _code

        return StorageError(f"S3 {what} failed: {_code(exc)}")

    def target(self, upload_id: str) -> dict[str, Any]:
        post = self.s3.generate_presigned_post(
            Bucket=self.bucket,
            Key=_incoming(upload_id),
            Conditions=[["content-length-range", 1, f.MAX_BYTES]],
            ExpiresIn=POST_EXPIRES_SECONDS,
        )
        return {"url": post["url"], "fields": post["fields"]}

    def size(self, key: str) -> int | None:
        from .aws import _code, _errors

        try:
            return int(self.s3.head_object(Bucket=self.bucket, Key=key)["ContentLength"])
        except _errors() as exc:
            if _code(exc) in {"404", "NoSuchKey", "NotFound"}:
                return None
            raise self._fail("head", exc) from exc

    def read(self, key: str, first: int | None = None) -> bytes:
        from .aws import _errors

        extra = {"Range": f"bytes=0-{first - 1}"} if first else {}
        try:
            return self.s3.get_object(Bucket=self.bucket, Key=key, **extra)["Body"].read()
        except _errors() as exc:
            raise self._fail("get", exc) from exc

    def write(self, key: str, data: bytes, content_type: str) -> None:
        from .aws import _errors

        try:
            self.s3.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=data,
                ContentType=content_type,
            )
        except _errors() as exc:
            raise self._fail("put", exc) from exc

    def copy(self, source: str, key: str) -> None:
        from .aws import _errors

        try:
            self.s3.copy_object(
                Bucket=self.bucket,
                Key=key,
                CopySource={"Bucket": self.bucket, "Key": source},
            )
        except _errors() as exc:
            raise self._fail("copy", exc) from exc

    def delete(self, key: str) -> None:
        from .aws import _errors

        try:
            self.s3.delete_object(Bucket=self.bucket, Key=key)
        except _errors() as exc:
            raise self._fail("delete", exc) from exc

    def link(self, key: str, filename: str, content_type: str, seconds: int) -> str:
        """A presigned GET, made when a link in the team's email is opened (see file_links.py)."""
        return self.s3.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentType": content_type,
                "ResponseContentDisposition": f'attachment; filename="{filename}"',
            },
            ExpiresIn=seconds,
        )


def store_for(services: Any) -> UploadStore:
    """The upload store for these services (made once per services object; tests may set `services.uploads`)."""
    store = getattr(services, "uploads", None)
    if store is None:
        config = services.settings
        if config.backend == "aws":
            store = S3Uploads(config.uploads_bucket)
        else:
            store = LocalUploads(config.var_dir / "uploads", config.site_url)
        services.uploads = store
    return store


# Checking and keeping files ---------------------------------------------------------------------------------


def accept(store: UploadStore, upload_id: str) -> dict[str, Any]:
    """Check an uploaded object's real size and type, keep a clean copy, and say what it is. Repeats are free."""
    if not f.is_upload_id(upload_id):
        raise f.FileRefused("Add your drawing or recording again")
    info_key = _clean(upload_id) + ".json"
    if store.size(info_key) is not None:
        return json.loads(store.read(info_key))
    size = store.size(_incoming(upload_id))
    if size is None:
        raise f.FileRefused("Add your drawing or recording again: we did not get it")
    f.check_size(size)
    found = f.sniff(store.read(_incoming(upload_id), first=f.SNIFF_BYTES))
    if found is None:
        raise f.FileRefused(f"The selected file must be a {f.TYPE_NAMES}")
    if found.processed:
        data = store.read(_incoming(upload_id))
        f.check_size(len(data))
        clean, found = f.clean_copy(data, found)  # a HEIC is kept as a JPEG: `found` says what is kept
        store.write(_clean(upload_id), clean, found.content_type)
        size = len(clean)
    else:
        store.copy(_incoming(upload_id), _clean(upload_id))
    info = {
        "content_type": found.content_type,
        "kind": found.kind,
        "size": size,
        "cleaned": found.cleanable,
        "cleaning": found.cleaning,
    }
    store.write(info_key, json.dumps(info).encode(), "application/json")
    store.delete(_incoming(upload_id))
    return info


def keep(store: UploadStore, data: bytes) -> str:
    """A file that came inside a form post (no JavaScript): stored under a new id, then checked like any other."""
    upload_id = f.new_upload_id()
    store.write(_incoming(upload_id), data, "application/octet-stream")
    accept(store, upload_id)
    return upload_id


def check_files(form: Form, parsed: Parsed, services: Any, errors: list[FieldError]) -> list[FieldError]:
    """The form's errors with any file problems added; when all is well, files from the post are stored and listed."""
    name = form.settings["files_field"]
    answers = parsed.answers
    ids = answers.get(name) if isinstance(answers.get(name), list) else []
    problem_text: str | None = None
    to_keep: list[bytes] = []
    for part in parsed.files:
        if part.too_large:
            problem_text = f"Each file must be smaller than {f.MAX_FORM_FILE_BYTES // 2**20} MB"
            break
        try:
            f.judge(part.data, f.MAX_FORM_FILE_BYTES)
        except f.FileRefused as refused:
            problem_text = refused.text
            break
        to_keep.append(part.data)
    if problem_text is None and len(ids) + len(to_keep) > f.MAX_FILES:
        problem_text = f"Choose up to {f.MAX_FILES} files"
    already = any(e.field == name for e in errors)
    if problem_text is None and not errors:
        store = store_for(services)
        try:
            for upload_id in ids:
                accept(store, upload_id)
            if to_keep:
                answers[name] = [*ids, *(keep(store, data) for data in to_keep)]
        except f.FileRefused as refused:
            problem_text = refused.text
    if problem_text is None or already:
        return errors
    order = form.order()
    found = [*errors, FieldError(name, href_for(form, name), problem_text)]
    return sorted(found, key=lambda e: order.get(e.field, len(order)))


def email_files(
    record: dict[str, Any], form: Form, services: Any
) -> tuple[list[tuple[str, str, bytes]], list[str]]:
    """Attachments (up to 10 MB in all) and lines about every file, with a link for each one not attached."""
    ids = record["answers"].get(form.settings["files_field"]) or []
    if not ids:
        return [], []
    store = store_for(services)
    attachments: list[tuple[str, str, bytes]] = []
    lines: list[str] = []
    total = 0
    for number, upload_id in enumerate(ids, start=1):
        data = store.read(_clean(upload_id))
        try:
            found = f.judge(data)
        except f.FileRefused:
            lines.append(
                f"File {number} could not be checked, so it was not sent. Ask the family for it again."
            )
            continue
        filename = f.email_name(found, number)
        size = f"{len(data) / 2**20:.1f} MB"
        if total + len(data) <= f.EMAIL_ATTACH_BYTES:
            attachments.append((filename, found.content_type, data))
            total += len(data)
            lines.append(f"{filename} ({size}): attached.")
        else:
            from . import file_links

            lines.append(
                f"{filename} ({size}): too large to attach. Download it by {file_links.expiry_text()} "
                f"(the link works for {file_links.LINK_DAYS} days): "
                f"{file_links.link(services.settings, upload_id, number)}"
            )
        # What was done to this very file (kept beside it when it was checked); a file kept before its kind
        # was cleaned has no "cleaning" and counts as not cleaned unless it was.
        try:
            kept = json.loads(store.read(_clean(upload_id) + ".json"))
        except (StorageError, ValueError):
            kept = {}
        cleaning = kept.get("cleaning") or ("all" if kept.get("cleaned") else "none")
        if cleaning == "some":
            lines.append(
                f"{filename}: hidden details in this kind of file (which can include where it was made) may not "
                "all have been removed. Do not pass it on as it is."
            )
        elif cleaning != "all":
            lines.append(
                f"{filename}: hidden details in this kind of file (which can include where it was made) have not "
                "been removed. Do not pass it on as it is."
            )
    return attachments, lines


# POST /api/uploads ------------------------------------------------------------------------------------------


def _field_problem(text: str) -> Response:
    return problem(400, text, field="files", href="#files")


def _new_upload(event: dict[str, Any], services: Any) -> Response:
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    if headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        return problem(415, "Send the file's details as application/json")
    body = body_bytes(event)
    if len(body) > 4096:
        return problem(413, "The request is too large")
    try:
        request = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return problem(400, "The file's details are not valid JSON")
    if not isinstance(request, dict):
        return problem(400, "Send the file's details as a JSON object")
    filename, content_type, size = (
        request.get("filename"),
        request.get("content_type", ""),
        request.get("size"),
    )
    if not isinstance(filename, str) or len(filename) > 1000:
        return _field_problem("Choose a file")
    try:
        f.check_size(size)  # type: ignore[arg-type]
        f.check_declared(content_type)  # type: ignore[arg-type]
    except f.FileRefused as refused:
        return _field_problem(refused.text)
    upload_id = f.new_upload_id()
    target = store_for(services).target(upload_id)
    log.info("upload target made")
    return json_response(
        201,
        {"upload_id": upload_id, "url": target["url"], "fields": target["fields"], "max_bytes": f.MAX_BYTES},
    )


def _receive(upload_id: str, event: dict[str, Any], services: Any) -> Response:
    """The local upload target (there is none on AWS: S3 takes the file there)."""
    store = store_for(services)
    if not isinstance(store, LocalUploads) or not f.is_upload_id(upload_id):
        return problem(404, "There is no upload waiting at this address")
    header = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}.get("content-type", "")
    if header.split(";")[0].strip().lower() != "multipart/form-data":
        return problem(415, "Send the file as multipart/form-data")
    from .multipart import parse_multipart

    data = parse_multipart(body_bytes(event), header, f.MAX_BYTES)
    parts = [p for p in data.files if p.name == "file"]
    if len(parts) != 1 or not parts[0].chosen:
        return _field_problem("Choose a file")
    if parts[0].too_large:
        return _field_problem(f"The selected file must be smaller than {f.MAX_BYTES // 2**20} MB")
    refused = store.receive(upload_id, parts[0].data)
    if refused:
        return _field_problem(refused)
    return {"statusCode": 204, "headers": {"Cache-Control": "no-store"}, "body": ""}


def handle_uploads(event: dict[str, Any], services: Any) -> Response:
    """POST /api/uploads (a new upload target) and, locally, POST /api/uploads/<id> (the file itself)."""
    path = str(
        event.get("rawPath") or ((event.get("requestContext") or {}).get("http") or {}).get("path") or ""
    )
    rest = path.removeprefix("/api/uploads").strip("/")
    try:
        return _receive(rest, event, services) if rest else _new_upload(event, services)
    except ParseError as exc:
        return problem(exc.status, exc.text)


EXTRA_ROUTES["uploads"] = handle_uploads
