"""Children's files on the local server when things go wrong: a full disk answers 503 and leaves no temporary
file; one client asking for many upload targets is slowed down; unfinished uploads go after a day."""

from __future__ import annotations

import base64
import errno
import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from functions.forms.adapters import local
from functions.forms.adapters.local import LocalUploads, purge
from functions.forms.application.services import Services
from functions.forms.bootstrap import local_services
from functions.forms.config import from_env
from functions.forms.ports import StorageError
from functions.forms.web.app import handle
from tests.unit.application.test_uploads import multipart, png

SITE = "http://127.0.0.1:8000/"


def make(tmp_path: Path, **env: str) -> Services:
    config = from_env({"VAR_DIR": str(tmp_path / "var"), "SITE_URL": SITE, "SITE_DIR": "", **env})
    return local_services(config)


@pytest.fixture
def services(tmp_path: Path) -> Services:
    return make(tmp_path)


def event(path: str, body: bytes, content_type: str, client: str = "") -> dict[str, Any]:
    http: dict[str, str] = {"method": "POST", "path": path}
    if client:
        http["sourceIp"] = client
    return {
        "rawPath": path,
        "headers": {"content-type": content_type, "accept": "application/json"},
        "requestContext": {"http": http},
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
    }


def ask(services: Services, client: str = "") -> dict[str, Any]:
    details = json.dumps(
        {"filename": "Sunny's drawing.png", "content_type": "image/png", "size": 100}
    ).encode()
    return handle(event("/api/uploads", details, "application/json", client), services)


def send_file(services: Services, upload_id: str, data: bytes) -> dict[str, Any]:
    body, content_type = multipart([("upload_id", upload_id)], [("file", "drawing.png", data)])
    return handle(event(f"/api/uploads/{upload_id}", body, content_type), services)


def leftovers(root: Path) -> list[str]:
    """Temporary files under the uploads folder (a leading dot, or a .tmp ending)."""
    return sorted(
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and (p.name.startswith(".") or p.name.endswith(".tmp"))
    )


def disk_full(*args: Any, **kwargs: Any) -> Any:
    raise OSError(errno.ENOSPC, "No space left on device")


# A full disk --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("failing", ["fsync", "replace", "write"])
def test_a_failed_write_raises_storage_error_and_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    store = LocalUploads(tmp_path / "uploads", SITE)
    store.write("files/kept", b"already here", "application/octet-stream")
    monkeypatch.setattr(os, failing, disk_full)
    with pytest.raises(StorageError):
        store.write(f"incoming/{uuid.uuid4()}", png(), "application/octet-stream")
    monkeypatch.undo()
    assert leftovers(tmp_path / "uploads") == []
    assert sorted(p.name for p in (tmp_path / "uploads" / "incoming").iterdir()) == []
    assert (tmp_path / "uploads" / "files" / "kept").read_bytes() == b"already here"


def test_asking_for_an_upload_target_on_a_full_disk_answers_503_with_retry_after(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "fsync", disk_full)
    response = ask(services)
    monkeypatch.undo()
    assert response["statusCode"] == 503, response
    assert int(response["headers"]["Retry-After"]) > 0
    body = json.loads(response["body"])
    assert body["title"] and "try again" in body["errors"][0]["text"].lower()
    assert leftovers(tmp_path / "var" / "uploads") == []
    assert ask(services)["statusCode"] == 201  # and once there is room again, it works


def test_posting_a_file_on_a_full_disk_answers_503_and_the_child_can_try_again(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = json.loads(ask(services)["body"])
    monkeypatch.setattr(os, "fsync", disk_full)
    response = send_file(services, target["upload_id"], png())
    monkeypatch.undo()
    assert response["statusCode"] == 503, response
    assert response["headers"]["Retry-After"]
    assert json.loads(response["body"])["errors"][0]["text"]
    uploads = tmp_path / "var" / "uploads"
    assert leftovers(uploads) == []
    assert not (uploads / "incoming" / target["upload_id"]).exists()
    # The target is still waiting: the same file can be sent again once there is room.
    assert send_file(services, target["upload_id"], png())["statusCode"] == 204
    assert (uploads / "incoming" / target["upload_id"]).read_bytes() == png()


# Many upload targets from one client ----------------------------------------------------------------------------


def test_one_client_asking_for_many_upload_targets_is_told_to_wait_with_429(tmp_path: Path) -> None:
    services = make(tmp_path, UPLOADS_PER_MINUTE="3", THROTTLE_PER_MINUTE="0")
    for _ in range(3):
        assert ask(services, "192.0.2.10")["statusCode"] == 201
    refused = ask(services, "192.0.2.10")
    assert refused["statusCode"] == 429
    assert int(refused["headers"]["Retry-After"]) >= 1
    text = json.loads(refused["body"])["errors"][0]["text"]
    assert "files" in text and "Wait" in text
    assert ask(services, "192.0.2.11")["statusCode"] == 201  # another client is not held up
    # Counted apart from the throttle on every API request, which is off here.
    assert services.throttle.enabled is False


def test_the_uploads_limit_is_on_locally_by_default_and_off_on_aws() -> None:
    assert from_env({}).uploads_per_minute > 0
    assert from_env({"FORMS_BACKEND": "aws"}).uploads_per_minute == 0
    assert from_env({"UPLOADS_PER_MINUTE": "0"}).uploads_per_minute == 0


def test_each_services_has_its_own_uploads_limit(tmp_path: Path) -> None:
    first = make(tmp_path / "a", UPLOADS_PER_MINUTE="1")
    second = make(tmp_path / "b", UPLOADS_PER_MINUTE="1")
    assert ask(first, "192.0.2.10")["statusCode"] == 201
    assert ask(first, "192.0.2.10")["statusCode"] == 429
    assert ask(second, "192.0.2.10")["statusCode"] == 201


# Unfinished uploads go after a day ------------------------------------------------------------------------------


def age(path: Path, days: float) -> None:
    when = time.time() - days * 86400
    os.utime(path, (when, when))


def test_the_purge_deletes_unfinished_uploads_after_a_day_and_kept_files_after_the_retention_days(
    tmp_path: Path,
) -> None:
    uploads = tmp_path / "uploads"
    made: dict[str, Path] = {}
    for folder, name, days in [
        ("incoming", "old-incoming", 1.5),
        ("incoming", "new-incoming", 0.5),
        ("pending", "old-pending.json", 2),
        ("pending", "new-pending.json", 0.1),
        ("incoming", ".crashed.tmp", 3),  # a write cut short
        ("files", "kept-file", 5),  # checked and cleaned, part of a sent form: the retention days apply
        ("files", "old-file", 31),
    ]:
        path = uploads / folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
        age(path, days)
        made[name] = path
    removed = purge(tmp_path, 30)
    gone = sorted(name for name, path in made.items() if not path.exists())
    assert gone == [".crashed.tmp", "old-file", "old-incoming", "old-pending.json"]
    assert removed["uploads"] == 4


def test_the_unfinished_uploads_age_is_its_own(tmp_path: Path) -> None:
    path = tmp_path / "uploads" / "incoming" / "abandoned"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"x")
    age(path, 1.2)
    assert local.UNFINISHED_UPLOAD_DAYS == 1
    assert purge(tmp_path, 30, unfinished_days=2)["uploads"] == 0 and path.exists()
    assert purge(tmp_path, 30)["uploads"] == 1 and not path.exists()


# The same on AWS: any failure of S3 is a StorageError (a 503 for the family), never a 500 ----------------------


class FailingS3:
    """An S3 client whose every write or copy fails as botocore reports it."""

    def __init__(self, error: Exception):
        self.error = error

    def put_object(self, **_: Any) -> None:
        raise self.error

    def copy_object(self, **_: Any) -> None:
        raise self.error


def _s3_errors() -> list[Exception]:
    from botocore.exceptions import (
        ClientError,
        ConnectionClosedError,
        EndpointConnectionError,
        ReadTimeoutError,
    )

    return [
        ClientError({"Error": {"Code": "InternalError", "Message": "x"}}, "PutObject"),
        # An incoming file expired by the lifecycle rule between its check and its copy.
        ClientError({"Error": {"Code": "NoSuchKey", "Message": "x"}}, "CopyObject"),
        EndpointConnectionError(endpoint_url="https://s3.example"),
        # These two carry `response = None`: they once broke the error's naming, and so became a 500.
        ReadTimeoutError(endpoint_url="https://s3.example"),
        ConnectionClosedError(endpoint_url="https://s3.example"),
    ]


@pytest.mark.parametrize("error", _s3_errors(), ids=lambda e: type(e).__name__)
def test_s3_uploads_write_and_copy_failures_are_storage_errors(error: Exception) -> None:
    from functions.forms.adapters.aws import S3Uploads

    store = S3Uploads("uploads-bucket", s3=FailingS3(error))
    with pytest.raises(StorageError):
        store.write("files/x", b"data", "image/png")
    with pytest.raises(StorageError):
        store.copy("incoming/x", "files/x")
