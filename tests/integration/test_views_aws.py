"""The views form's files on moto as a server: the presigned POST, the checks on each object, and the raw SES email
with its attachment parsed back."""

from __future__ import annotations

import base64
import io
import json
import logging
import re
import time
import urllib.request
import uuid
import wave
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image
from PIL.ExifTags import GPS, IFD

from functions.forms.application import worker
from functions.forms.domain import files
from functions.forms.web.app import handle
from tests.integration.conftest import Stack

ORIGIN = "https://www.send-mediation.example"


def event(route: str, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": "2.0",
        "rawPath": f"/api/{route}",
        "headers": {"content-type": "application/json", "accept": "application/json", "origin": ORIGIN},
        "requestContext": {"http": {"method": "POST", "path": f"/api/{route}"}},
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[IFD.GPSInfo] = {GPS.GPSLatitudeRef: "N", GPS.GPSLatitude: (51.0, 30.0, 0.0)}
    exif[0x010F] = "PhoneMaker"
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 120, 200)).save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def wav(seconds: float) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(44100)
        out.writeframes(b"\x01\x00" * int(44100 * seconds))
    return buffer.getvalue()


def presigned_post(url: str, fields: dict[str, str], data: bytes) -> int:
    """The browser's multipart POST to S3: the policy fields, then the file."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="my picture.jpg"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status


def new_upload(services: Any, size: int, content_type: str = "image/jpeg") -> dict[str, Any]:
    response = handle(
        event("uploads", {"filename": "my picture.jpg", "content_type": content_type, "size": size}), services
    )
    assert response["statusCode"] == 201, response["body"]
    return json.loads(response["body"])


def upload(services: Any, data: bytes) -> str:
    target = new_upload(services, len(data))
    assert presigned_post(target["url"], target["fields"], data) in {200, 201, 204}
    return target["upload_id"]


def views(**changes: Any) -> dict[str, Any]:
    answers = {
        "submission_id": str(uuid.uuid4()),
        "about": {"name": "Sunny", "age": 8, "filled_in_by": "me_with_help"},
        "views": {"hard": "Lunch is too loud.", "want_grown_ups_to_know": "I want a quiet place."},
        "share_with": "mediator_only",
        "agree_to_send": True,
        "website": "",
    }
    answers.update(changes)
    return answers


def keys(stack: Stack) -> list[str]:
    listing = stack.moto.client("s3").list_objects_v2(Bucket=stack.uploads_bucket)
    return sorted(item["Key"] for item in listing.get("Contents", []))


def test_the_presigned_post_has_a_server_made_key_a_size_range_and_a_short_expiry(stack: Stack) -> None:
    services = stack.services()
    target = new_upload(services, 1234)
    assert urlsplit(target["url"]).netloc == urlsplit(stack.moto.url).netloc
    assert target["fields"]["key"] == f"incoming/{target['upload_id']}"
    policy = json.loads(base64.b64decode(target["fields"]["policy"]))
    assert ["content-length-range", 1, files.MAX_BYTES] in policy["conditions"]
    expires = time.mktime(time.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
    assert 0 < expires - time.time() <= 10 * 60 + 5
    assert "picture" not in json.dumps(target)


@pytest.mark.parametrize(
    ("size", "content_type", "says"),
    [
        (files.MAX_BYTES + 1, "image/png", "smaller than 20 MB"),
        (0, "image/png", "empty"),
        (100, "text/plain", "must be a JPG, PNG"),
        (100, "application/x-msdownload", "must be a JPG, PNG"),
    ],
)
def test_uploads_outside_the_limits_get_a_field_error(
    stack: Stack, size: int, content_type: str, says: str
) -> None:
    body = {"filename": "x", "content_type": content_type, "size": size}
    response = handle(event("uploads", body), stack.services())
    assert response["statusCode"] == 400
    (error,) = json.loads(response["body"])["errors"]
    assert error["field"] == "files" and says in error["text"]


def test_a_drawing_goes_through_s3_and_reaches_the_team_attached_without_its_location(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    services = stack.services()
    upload_id = upload(services, jpeg_with_gps())
    answers = views(files=[upload_id])
    response = handle(event("child-views", answers), services)
    assert response["statusCode"] == 201, response["body"]
    reference = json.loads(response["body"])["reference"]
    assert keys(stack) == [f"files/{upload_id}", f"files/{upload_id}.json"]

    result = stack.poll_once(lambda e: worker.handle_batch(e, services))
    assert result["batchItemFailures"] == []
    (email,) = stack.moto.raw_emails_to(stack.team_email)
    assert email["Subject"] == f"MEDIATOR ONLY: Child's views - {reference}"  # as the child chose
    text = email.get_body(preferencelist=("plain",)).get_content()
    assert "IMPORTANT: MEDIATOR ONLY" in text.split("ABOUT YOU")[0]
    assert "Lunch is too loud." in text and "I want a quiet place." in text
    (attachment,) = list(email.iter_attachments())
    assert attachment.get_filename() == "drawing-1.jpg"
    assert attachment.get_content_type() == "image/jpeg"
    picture = Image.open(io.BytesIO(attachment.get_content()))
    assert picture.size == (32, 24)
    assert not picture.getexif() and not picture.getexif().get_ifd(IFD.GPSInfo)
    logs = "\n".join(r.getMessage() for r in caplog.records)
    for value in ("Sunny", "Lunch", "quiet", "my picture"):
        assert value not in logs


def test_each_objects_real_size_and_type_are_checked_not_the_policy(stack: Stack) -> None:
    services = stack.services()
    s3 = stack.moto.client("s3")
    text_id = new_upload(services, 20)["upload_id"]
    s3.put_object(Bucket=stack.uploads_bucket, Key=f"incoming/{text_id}", Body=b"just some text, not a png")
    big_id = new_upload(services, 100)["upload_id"]
    s3.put_object(
        Bucket=stack.uploads_bucket,
        Key=f"incoming/{big_id}",
        Body=b"\x89PNG\r\n\x1a\n" + bytes(files.MAX_BYTES),
    )
    missing_id = new_upload(services, 100)["upload_id"]
    for upload_id, says in [
        (text_id, "must be a JPG, PNG"),
        (big_id, "smaller than 20 MB"),
        (missing_id, "we did not get it"),
    ]:
        response = handle(event("child-views", views(files=[upload_id])), services)
        assert response["statusCode"] == 400, response["body"]
        (error,) = json.loads(response["body"])["errors"]
        assert error["field"] == "files" and says in error["text"]
    listing = s3.list_objects_v2(Bucket=stack.submissions_bucket)
    assert listing.get("KeyCount", 0) == 0


def test_files_over_10_mb_in_all_are_linked_for_7_days_through_our_own_address(stack: Stack) -> None:
    services = stack.services()
    small, large = wav(1), wav(70)  # about 88 KB and 6 MB
    ids = [upload(services, large), upload(services, large), upload(services, small)]
    answers = views(files=ids, share_with="everyone_at_the_meeting")
    assert handle(event("child-views", answers), services)["statusCode"] == 201
    stack.poll_once(lambda e: worker.handle_batch(e, services))
    (email,) = stack.moto.raw_emails_to(stack.team_email)
    names = [a.get_filename() for a in email.iter_attachments()]
    assert names == ["recording-1.wav", "recording-3.wav"]
    text = email.get_body(preferencelist=("plain",)).get_content()
    assert "MEDIATOR ONLY" not in text
    line = next(line for line in text.splitlines() if line.startswith("recording-2.wav"))
    assert "works for 7 days" in line
    link = re.search(r"https?://\S+", line).group(0)
    # The email links to our own address, whose token lasts 7 days whatever signed it; opening it redirects to
    # a presigned GET made then, signed by the function that opens it and good for 5 minutes.
    assert link.startswith(services.settings.site_url + "api/files/")
    path = urlsplit(link).path
    opened = handle(
        {"rawPath": path, "headers": {}, "requestContext": {"http": {"method": "GET", "path": path}}},
        services,
    )
    assert opened["statusCode"] == 302
    url = opened["headers"]["Location"]
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["300"]
    assert urlsplit(url).path.endswith(f"/files/{ids[1]}")
    assert 'filename="recording-2.wav"' in query["response-content-disposition"][0]
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.read()[:4] == b"RIFF"
