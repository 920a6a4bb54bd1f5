"""The catalogue of hostile inputs (hostile_inputs.json): each one sent, each outcome as the catalogue says.

Entries are data: `send` says how to build the request from a valid form, `expect` what must happen. Large values
are made here from small descriptions ({"$repeat"}, {"$nest"}, {"$png"}, {"$png_bomb"}), so the file stays small.
"""

from __future__ import annotations

import base64
import email
import io
import json
import struct
import uuid
import zlib
from collections import Counter
from email import policy
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from functions.forms.web.app import handle
from tests.reliability.helpers import (
    ROUTES,
    SITE,
    event,
    make_services,
    outbox,
    record,
    report,
    stored,
    valid,
)
from tests.unit.factories import TEAM_EMAIL_HEADERS
from tests.unit.web.test_http import form_body

CATALOGUE = json.loads((Path(__file__).parent / "hostile_inputs.json").read_text(encoding="utf-8"))
NEST = "\u0000NEST\u0000"
RESULTS: dict[str, int] = {}  # name -> status, for each input sent
AS_EXPECTED: set[str] = set()  # the names whose every check passed


def _png(size: int) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (size, size), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def _png_bomb(side: int) -> bytes:
    """A real PNG, side x side pixels of grey zeros: tiny when compressed, huge when decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" * (side + 1)
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _value(spec: Any) -> Any:
    if isinstance(spec, dict) and "$repeat" in spec:
        return spec["$repeat"] * spec["times"]
    if isinstance(spec, dict) and "$nest" in spec:
        return NEST
    return spec


def _bytes(spec: Any) -> bytes:
    if "$text" in spec:
        return spec["$text"].encode("utf-8", "surrogatepass")
    if "$png" in spec:
        return _png(spec["$png"])
    return _png_bomb(spec["$png_bomb"])


def _json_text(answers: dict[str, Any], sets: dict[str, Any]) -> str:
    depth = 0
    for path, spec in sets.items():
        target = answers
        parts = path.split(".")
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        if spec is None:
            target.pop(parts[-1], None)
        else:
            target[parts[-1]] = _value(spec)
            if isinstance(spec, dict) and "$nest" in spec:
                depth = spec["$nest"]
    text = json.dumps(answers, ensure_ascii=False)
    return text.replace(json.dumps(NEST), "[" * depth + "]" * depth) if depth else text


def _multipart(fields: list[tuple[str, str]], file: dict[str, Any]) -> tuple[bytes, str]:
    boundary = "kidsboundary" + uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields:
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    name = file["filename"].replace("\r\n", " ") if "\r\n" in file["filename"] else file["filename"]
    raw_name = file["filename"] if "Content-Type" in file["filename"] else name
    out.write(
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{raw_name}"\r\n'
        f"Content-Type: {file['content_type']}\r\n\r\n".encode()
    )
    out.write(_bytes(file["data"]))
    out.write(f"\r\n--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def _views_fields() -> list[tuple[str, str]]:
    answers = valid("child-views")
    return [
        ("submission_id", answers["submission_id"]),
        ("about.name", "Kit"),
        ("about.age", "9"),
        ("views.going_well", "Art club"),
        ("share_with", "mediator_only"),
        ("agree_to_send", "true"),
        ("website", ""),
    ]


def build(entry: dict[str, Any]) -> dict[str, Any]:
    form, send = entry["form"], entry["send"]
    path, content_type = ROUTES[form], "application/json"
    extra = {k: send[k] for k in ("headers", "method") if k in send}
    if "set" in send:
        body: bytes = _json_text(valid(form), send["set"]).encode("utf-8", "surrogatepass")
    elif "form_post" in send:
        flat = dict(
            __import__("urllib.parse").parse.parse_qsl(form_body(valid("referral")), keep_blank_values=True)
        )
        flat.update({k: _value(v) for k, v in send["form_post"].items()})
        body, content_type = urlencode(flat).encode(), "application/x-www-form-urlencoded"
    elif "raw_b64" in send:
        body = base64.b64decode(send["raw_b64"])
    elif "raw_prefix" in send:
        body = (send["raw_prefix"] + json.dumps(valid(form))).encode()
    elif "raw_json_replace" in send:
        old, new = send["raw_json_replace"]
        body = json.dumps(valid(form)).replace(old, new, 1).encode()
    elif "raw" in send:
        body, content_type = send["raw"].encode(), send.get("content_type", content_type)
    elif "multipart_file" in send:
        body, content_type = _multipart(_views_fields(), send["multipart_file"])
    elif "upload_request" in send:
        body, path = json.dumps(send["upload_request"]).encode(), "/api/uploads"
    else:
        body, path = b"", send["upload_post"]["path"]
        content_type = "multipart/form-data; boundary=x"
    return event(body, content_type, path=path, **extra)


def _get(answers: Any, path: str) -> Any:
    for part in path.split("."):
        answers = answers.get(part) if isinstance(answers, dict) else None
    return answers


@pytest.mark.parametrize("entry", CATALOGUE, ids=[e["name"] for e in CATALOGUE])
def test_hostile_input(entry, tmp_path):
    services = make_services(tmp_path)
    response = handle(build(entry), services)
    status, expect = response["statusCode"], entry["expect"]
    RESULTS[entry["name"]] = status
    allowed = expect["status"] if isinstance(expect["status"], list) else [expect["status"]]
    assert status < 500 and status in allowed, (status, response.get("body", "")[:400])
    text = response.get("body") or ""
    if "error_field" in expect:
        assert expect["error_field"] in [e["field"] for e in json.loads(text)["errors"]], text[:400]
    if status >= 400 and response["headers"].get("Content-Type", "").startswith("application/json"):
        assert json.loads(text)["errors"][0]["text"]
    for needle in [expect.get("body_contains")] if expect.get("body_contains") else []:
        assert needle in text
    if expect.get("body_lacks"):
        assert expect["body_lacks"] not in text
    records = [json.loads(p.read_text()) for p in stored(tmp_path)]
    for path, value in (expect.get("stored") or {}).items():
        assert _get(records[-1]["answers"], path) == value
    for key, value in (expect.get("record") or {}).items():
        assert records[-1][key] == value
    mails = [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in outbox(tmp_path)]
    if status in (201, 303) and entry["form"] and "upload_request" not in entry["send"]:
        assert len(mails) == 1, "an accepted form is emailed once"
    for mail in mails:
        for name in expect.get("no_header", []):
            assert mail[name] is None, mail.keys()
        assert set(mail.keys()) <= set(TEAM_EMAIL_HEADERS), mail.keys()
        if expect.get("email_subject_unchanged"):
            assert "hijacked" not in mail["Subject"]
        if expect.get("html_part_lacks"):
            html = mail.get_body(("html",)).get_content()
            assert expect["html_part_lacks"] not in html
        if expect.get("email_filename"):
            names = [part.get_filename() for part in mail.iter_attachments()]
            assert names == [expect["email_filename"]]
    if expect.get("file_stored_as_uuid"):
        for path in (tmp_path / "uploads").rglob("*"):
            if path.is_file():
                uuid.UUID(path.name.removesuffix(".json"))
        assert not any("passwd" in str(p) for p in tmp_path.rglob("*"))
    if expect.get("upload_url_is_ours"):
        data = json.loads(text)
        assert data["url"] == f"{SITE}api/uploads/{data['upload_id']}"
    AS_EXPECTED.add(entry["name"])


def test_the_catalogue_has_at_least_50_named_entries_covering_every_kind():
    names = [e["name"] for e in CATALOGUE]
    assert len(names) == len(set(names)) >= 50
    for kind in [
        "header-injection",
        "script-tag",
        "rtl-override",
        "zero-width",
        "control-characters",
        "emoji",
        "string-1mb",
        "nested-1000-deep",
        "number-as-string",
        "null-bytes",
        "invalid-utf8",
        "file-lies-about-type",
        "file-decompression-bomb",
        "path-traversal",
    ]:
        assert any(kind in n for n in names), kind


@report
def hostile_figures() -> None:
    """For the table: how many of the catalogue's inputs ran and came out as expected, and their statuses."""
    if not RESULTS:
        return
    statuses = Counter(RESULTS.values())
    summary = ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items()))
    server_errors = sum(n for s, n in statuses.items() if s >= 500)
    record(
        "Hostile inputs",
        f"{len(AS_EXPECTED)} of {len(CATALOGUE)} named inputs as expected ({len(RESULTS)} ran)",
        f"{summary}; 5xx: {server_errors}",
    )
