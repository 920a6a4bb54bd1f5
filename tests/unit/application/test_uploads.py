"""Uploads on the local server: POST /api/uploads, our own upload target, the checks when the form is sent, the
form posted with files (no JavaScript), and what the team's email says about them."""

from __future__ import annotations

import base64
import io
import json
import sys
import uuid
from email import message_from_bytes, policy
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from PIL import Image

from functions.forms.adapters.local import LocalUploads
from functions.forms.application.deliver import deliver
from functions.forms.application.uploads import email_files
from functions.forms.bootstrap import local_services
from functions.forms.config import from_env
from functions.forms.domain import files
from functions.forms.domain.reference import PATTERN
from functions.forms.domain.schemas import get_form
from functions.forms.web.app import handle
from tests.unit.domain.test_files import heic_with_gps, m4a_with_tags, mp3_frames

# What checks and cleans children's files; only the forms function bundles them on AWS.
CLEANING_LIBRARIES = ("PIL", "pillow_heif", "pypdf", "mutagen")


@pytest.fixture
def services(tmp_path: Path):
    config = from_env(
        {"VAR_DIR": str(tmp_path / "var"), "SITE_URL": "http://127.0.0.1:8000/", "SITE_DIR": ""}
    )
    return local_services(config)


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (6, 6), (0, 128, 0)).save(buffer, "PNG")
    return buffer.getvalue()


def event(path: str, body: bytes, content_type: str, accept: str = "application/json") -> dict[str, Any]:
    return {
        "rawPath": path,
        "headers": {"content-type": content_type, "accept": accept},
        "requestContext": {"http": {"method": "POST", "path": path}},
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
    }


def multipart(fields: list[tuple[str, str]], file_parts: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    boundary = "----kidsboundary" + uuid.uuid4().hex
    out = b""
    for name, value in fields:
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    for name, filename, data in file_parts:
        out += (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            + data
            + b"\r\n"
        )
    return out + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def ask(services, size: int = 100, content_type: str = "image/png") -> dict[str, Any]:
    body = json.dumps(
        {"filename": "Sunny's drawing.png", "content_type": content_type, "size": size}
    ).encode()
    response = handle(event("/api/uploads", body, "application/json"), services)
    return {"status": response["statusCode"], **json.loads(response["body"] or "{}")}


def send_file(services, target: dict[str, Any], data: bytes) -> dict[str, Any]:
    body, content_type = multipart(list(target["fields"].items()), [("file", "Sunny's drawing.png", data)])
    return handle(event(urlpath(target["url"]), body, content_type), services)


def urlpath(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def views(**changes: Any) -> dict[str, Any]:
    return {"submission_id": str(uuid.uuid4()), "agree_to_send": True, "website": "", **changes}


def submit(services, answers: dict[str, Any]) -> dict[str, Any]:
    return handle(event("/api/child-views", json.dumps(answers).encode(), "application/json"), services)


def test_each_upload_gets_a_new_server_made_id_and_a_target_on_our_server(services):
    first, second = ask(services), ask(services)
    assert first["status"] == 201
    assert first["upload_id"] != second["upload_id"]
    assert files.is_upload_id(first["upload_id"])
    assert first["url"] == f"http://127.0.0.1:8000/api/uploads/{first['upload_id']}"
    assert "Sunny" not in json.dumps(first)


@pytest.mark.parametrize(
    ("size", "content_type", "says"),
    [
        (files.MAX_BYTES + 1, "image/png", "The selected file must be smaller than 20 MB"),
        (0, "image/png", "The selected file is empty"),
        ("big", "image/png", "The selected file is empty"),
        (
            10,
            "text/plain",
            "The selected file must be a JPG, PNG, HEIC, PDF, MP3, M4A, WAV, MP4, WEBM or MOV",
        ),
    ],
)
def test_sizes_and_declared_types_outside_the_limits_get_a_field_error(services, size, content_type, says):
    answer = ask(services, size, content_type)
    assert answer["status"] == 400
    assert answer["errors"] == [{"field": "files", "href": "#files", "text": says}]


def test_a_drawing_goes_to_our_target_and_is_kept_under_its_id_only(services, tmp_path):
    target = ask(services)
    assert send_file(services, target, png())["statusCode"] == 204
    response = submit(services, views(files=[target["upload_id"]]))
    assert response["statusCode"] == 201, response["body"]
    kept = sorted(
        p.relative_to(tmp_path / "var" / "uploads").as_posix()
        for p in (tmp_path / "var" / "uploads").rglob("*")
        if p.is_file()
    )
    assert kept == [f"files/{target['upload_id']}", f"files/{target['upload_id']}.json"]
    assert not any("Sunny" in p.name for p in tmp_path.rglob("*"))
    # A repeat of the same submission is one submission; the file is not processed again.
    answers = json.loads(json.dumps(views(files=[target["upload_id"]])))
    first = json.loads(submit(services, answers)["body"])["reference"]
    assert json.loads(submit(services, answers)["body"])["reference"] == first


def test_the_upload_target_takes_one_file_once_and_refuses_the_rest(services):
    target = ask(services)
    assert send_file(services, target, png())["statusCode"] == 204
    assert send_file(services, target, png())["statusCode"] == 400  # used up
    assert (
        send_file(services, {**target, "url": "http://x/api/uploads/not-an-id"}, png())["statusCode"] == 404
    )
    late = ask(services)
    store: LocalUploads = services.uploads
    pending = store.root / "pending" / f"{late['upload_id']}.json"
    pending.write_text(json.dumps({"expires": 0, "max_bytes": files.MAX_BYTES}))
    assert "took too long" in send_file(services, late, png())["body"]
    small = ask(services)
    (store.root / "pending" / f"{small['upload_id']}.json").write_text(
        json.dumps({"expires": 4e9, "max_bytes": 10})
    )
    assert "smaller than" in send_file(services, small, png())["body"]


def test_the_real_type_is_checked_when_the_form_is_sent(services):
    target = ask(services)
    assert send_file(services, target, b"just text, although the browser said image/png")["statusCode"] == 204
    response = submit(services, views(files=[target["upload_id"]]))
    assert response["statusCode"] == 400
    (error,) = json.loads(response["body"])["errors"]
    assert error["field"] == "files" and "must be a JPG, PNG" in error["text"]


def test_an_id_nobody_uploaded_and_more_than_3_files_are_refused(services):
    response = submit(services, views(files=[str(uuid.uuid4())]))
    assert "we did not get it" in json.loads(response["body"])["errors"][0]["text"]
    ids = [str(uuid.uuid4()) for _ in range(4)]
    (error,) = json.loads(submit(services, views(files=ids))["body"])["errors"]
    assert error == {"field": "files", "href": "#files", "text": "Choose up to 3 files"}


def test_without_javascript_files_come_in_the_form_and_are_limited_to_4_mb(services):
    fields = [("views.hard", "Maths"), ("agree_to_send", "true"), ("website", "")]
    body, content_type = multipart(fields, [("files", "Sunny's drawing.png", png()), ("files", "", b"")])
    response = handle(event("/api/child-views", body, content_type, accept="text/html"), services)
    assert response["statusCode"] == 303, response["body"]
    big = png() + bytes(files.MAX_FORM_FILE_BYTES)
    body, content_type = multipart(fields, [("files", "big.png", big)])
    response = handle(event("/api/child-views", body, content_type, accept="text/html"), services)
    assert response["statusCode"] == 400
    assert "Each file must be smaller than 4 MB" in response["body"]
    assert "Maths" in response["body"]  # the answers are kept on the error page


def test_the_email_puts_mediator_only_first_and_keeps_the_childs_words(services, tmp_path):
    target = ask(services)
    send_file(services, target, png())
    words = "I don't like the noise.\n\n  Sometimes I hide 🙈 under the table."
    answers = views(
        files=[target["upload_id"]],
        share_with="mediator_only",
        about={"name": "Sunny", "age": 17, "filled_in_by": "me"},
        views={"hard": words},
    )
    assert submit(services, answers)["statusCode"] == 201
    (eml,) = (tmp_path / "var" / "outbox").glob("*.eml")
    message = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert "Sunny" not in message["Subject"]
    assert message["Subject"].startswith("MEDIATOR ONLY: Child's views - ")  # the child chose it: said first
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    top = text.split("ABOUT YOU")[0]
    assert (
        top.index("IMPORTANT: MEDIATOR ONLY")
        < top.index("Age: 17")
        < top.index("Filled in by: Me, on my own")
    )
    assert "I don't like the noise.\n    \n      Sometimes I hide 🙈 under the table." in text
    html = message.get_body(("html",)).get_content()
    assert 'color:#b3261e;font-weight:bold">IMPORTANT: MEDIATOR ONLY' in html
    assert [a.get_filename() for a in message.iter_attachments()] == ["drawing-1.png"]


def test_the_reference_pattern_is_the_reference_modules():
    form = get_form("child-views")
    assert form.by_path()["referral_reference"].schema["pattern"] == PATTERN.pattern


def test_every_views_question_is_optional_except_the_agreement():
    form = get_form("child-views")
    assert set(form.schema["required"]) == {"submission_id", "agree_to_send", "website"}
    for leaf in form.leaves():
        assert not leaf.schema.get("required"), leaf.path


def test_every_question_has_young_persons_words_and_a_message_for_every_way_it_can_fail():
    checked = {
        "required",
        "type",
        "enum",
        "format",
        "maxLength",
        "pattern",
        "const",
        "minimum",
        "maximum",
        "maxItems",
    }
    for field in get_form("child-views").leaves():
        if field.widget in {"hidden", "honeypot"}:
            continue
        assert "title" in field.schema.get("x-young-person", {}), field.path
        messages = field.schema.get("x-messages", {})
        needed = {k for k in checked if k in field.schema} | {"type"}
        assert needed <= set(messages), (field.path, needed - set(messages))


# Clean copies and what the team's email says about them --------------------------------------------------------


def upload(services, data: bytes, content_type: str) -> str:
    target = ask(services, len(data), content_type)
    assert target["status"] == 201, target
    assert send_file(services, target, data)["statusCode"] == 204
    return target["upload_id"]


def team_email(tmp_path: Path):
    (eml,) = (tmp_path / "var" / "outbox").glob("*.eml")
    message = message_from_bytes(eml.read_bytes(), policy=policy.default)
    return message, message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def test_a_heic_is_kept_as_a_clean_jpeg_and_sent_as_drawing_1_jpg(services, tmp_path):
    upload_id = upload(services, heic_with_gps(), "image/heic")
    assert submit(services, views(files=[upload_id]))["statusCode"] == 201
    uploads = tmp_path / "var" / "uploads" / "files"
    info = json.loads((uploads / f"{upload_id}.json").read_text())
    assert info["content_type"] == "image/jpeg" and info["cleaning"] == "all" and info["cleaned"] is True
    assert files.sniff((uploads / upload_id).read_bytes()) == files.JPEG
    message, text = team_email(tmp_path)
    (attachment,) = message.iter_attachments()
    assert attachment.get_filename() == "drawing-1.jpg" and attachment.get_content_type() == "image/jpeg"
    picture = Image.open(io.BytesIO(attachment.get_content()))
    assert picture.format == "JPEG" and picture.size == (32, 64) and dict(picture.getexif()) == {}
    size = files.size_words(len(attachment.get_content()))
    assert f"drawing-1.jpg (JPG drawing, {size}): attached." in text and "hidden details" not in text


def test_the_email_warns_about_the_files_whose_hidden_details_may_remain_and_no_others(services, tmp_path):
    webm = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm" + bytes(64)
    ids = [
        upload(services, webm, "video/webm"),
        upload(services, m4a_with_tags(), "audio/x-m4a"),
        upload(services, mp3_frames(), "audio/mpeg"),
    ]
    assert submit(services, views(files=ids))["statusCode"] == 201
    message, text = team_email(tmp_path)
    names = [a.get_filename() for a in message.iter_attachments()]
    assert names == ["recording-1.webm", "recording-2.m4a", "recording-3.mp3"]
    warned = [line.split(":")[0] for line in text.splitlines() if "hidden details" in line]
    assert warned == ["recording-1.webm", "recording-2.m4a"]
    assert (
        "recording-1.webm: hidden details in this kind of file (which can include where it was made) have not "
        "been removed. Do not pass it on as it is." in text
    )
    assert (
        "recording-2.m4a: hidden details in this kind of file (which can include where it was made) may not "
        in text
    )


def test_a_file_kept_before_its_kind_was_cleaned_is_still_warned_about(services):
    """A HEIC checked by the code before this one was kept as it came (its info says "cleaned": false)."""
    store = services.uploads
    upload_id = files.new_upload_id()
    store.write(f"files/{upload_id}", heic_with_gps(), "image/heic")
    old_info = {"content_type": "image/heic", "kind": "drawing", "size": 1, "cleaned": False}
    store.write(f"files/{upload_id}.json", json.dumps(old_info).encode(), "application/json")
    attachments, lines = email_files({"answers": {"files": [upload_id]}}, get_form("child-views"), services)
    assert [a[0] for a in attachments] == ["drawing-1.heic"]
    assert any(
        line.startswith("drawing-1.heic: hidden details") and "have not been removed" in line
        for line in lines
    )


@pytest.mark.parametrize(
    ("data", "content_type", "says"),
    [
        (b"%PDF-1.7\n" + b"not really a PDF " * 20, "application/pdf", "The PDF could not be opened"),
        (heic_with_gps()[:300], "image/heic", "The picture could not be opened"),
    ],
    ids=["pdf", "heic"],
)
def test_a_broken_pdf_or_heic_gets_a_field_error_not_a_server_error(services, data, content_type, says):
    response = submit(services, views(files=[upload(services, data, content_type)]))
    assert response["statusCode"] == 400
    (error,) = json.loads(response["body"])["errors"]
    assert error["field"] == "files" and error["text"].startswith(says)


def test_the_upload_target_and_the_email_worker_need_no_cleaning_library(services, tmp_path, monkeypatch):
    """On AWS their bundles leave the cleaning libraries out (functions/Makefile): only the forms function cleans."""
    queued: list[tuple[str, str]] = []
    photo = heic_with_gps()
    with monkeypatch.context() as blocked:
        for name in CLEANING_LIBRARIES:
            blocked.setitem(sys.modules, name, None)  # `import` of any of them now fails
        target = ask(services, len(photo), "image/heic")
    assert target["status"] == 201
    assert send_file(services, target, photo)["statusCode"] == 204
    services.queue = SimpleNamespace(enqueue=lambda form, submission_id: queued.append((form, submission_id)))
    assert submit(services, views(files=[target["upload_id"]]))["statusCode"] == 201  # cleaned here
    with monkeypatch.context() as blocked:
        for name in CLEANING_LIBRARIES:
            blocked.setitem(sys.modules, name, None)
        assert [deliver(services, *item) for item in queued] == ["sent"]
    message, _ = team_email(tmp_path)
    assert [a.get_filename() for a in message.iter_attachments()] == ["drawing-1.jpg"]


# Issue 18: a file checked when it is added (S3 on AWS checks nothing), and named as sent in the team's email ------


def check_added_file(services, upload_id: str, filename: str, lang: str = "en") -> dict[str, Any]:
    body = json.dumps({"filename": filename, "lang": lang}).encode()
    return handle(event(f"/api/uploads/{upload_id}", body, "application/json"), services)


def landed_as_on_s3(services, data: bytes) -> str:
    """A file that reached the store the way S3 takes it: straight from the browser, unchecked."""
    upload_id = files.new_upload_id()
    services.uploads.write(files.incoming_key(upload_id), data, "application/octet-stream")
    return upload_id


@pytest.mark.parametrize("lang", ["en", "pl", "ar"])
def test_a_fake_png_is_refused_when_it_is_added_naming_the_file_with_its_upload_id(services, lang):
    upload_id = landed_as_on_s3(services, b"This is a letter, not a picture.\n" * 20)
    response = check_added_file(services, upload_id, "C:\\fakepath\\x.png", lang)
    assert response["statusCode"] == 400
    error = json.loads(response["body"])["errors"][0]
    assert error["upload_id"] == upload_id
    assert error["field"] == "files"
    assert "x.png" in error["text"] and "fakepath" not in error["text"]
    assert (error["text"].startswith("x.png was not added.")) is (lang == "en")


def test_a_real_drawing_added_is_kept_with_its_name_type_and_real_size(services):
    upload_id = landed_as_on_s3(services, png())
    response = check_added_file(services, upload_id, "../sun\u202e.png")
    assert response["statusCode"] == 200
    kept = json.loads(response["body"])
    assert kept["upload_id"] == upload_id
    assert kept["name"] == "sun.png"  # no folder, no direction override
    assert kept["content_type"] == "image/png" and kept["size"] > 0


def test_the_team_email_names_each_file_as_sent_with_its_type_and_real_size(services):
    drawing = landed_as_on_s3(services, png())
    check_added_file(services, drawing, "Our garden.png")
    nameless = landed_as_on_s3(services, png())
    check_added_file(services, nameless, "")  # as a file added without JavaScript: no name was sent
    record = {"answers": {"files": [drawing, nameless]}}
    _, lines = email_files(record, get_form("child-views"), services)
    size = files.size_words(len(services.uploads.read(files.clean_key(drawing))))
    assert lines[0] == f'drawing-1.png, sent as "Our garden.png" (PNG drawing, {size}): attached.'
    assert lines[1].startswith("drawing-2.png (PNG drawing, ")
    assert "0.0 MB" not in " ".join(lines) and "bytes" in size


def test_the_answers_in_the_team_email_never_list_files_by_their_raw_ids(services):
    from functions.forms.domain.message import build_message

    upload_id = files.new_upload_id()
    record = {
        "form": "child-views",
        "submission_id": str(uuid.uuid4()),
        "reference": "ABCD2345",
        "received_at": "2026-12-03T10:00:00+00:00",
        "answers": {"files": [upload_id]},
    }
    message = build_message(record, sender="Forms <forms@example.org>", to="team@example.org")
    text = message.get_body(("plain",)).get_content()
    assert upload_id not in text
    assert "1 file: named at the top of this email" in text
