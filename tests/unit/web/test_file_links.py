"""Links in the team's email to files too large to attach: signed, good for 7 days, and opened on our own server."""

from __future__ import annotations

import base64
import logging
import stat
import time
import uuid
from typing import Any

import pytest

from functions.forms.application.uploads import keep
from functions.forms.bootstrap import link_key_for
from functions.forms.config import from_env
from functions.forms.domain import file_tokens
from functions.forms.domain.files import clean_key
from functions.forms.ports import StorageError
from functions.forms.web import file_links
from functions.forms.web.app import handle
from tests.unit.domain.test_files import wav

DAY = 86400


def get(services, url: str, method: str = "GET") -> dict[str, Any]:
    path = url.removeprefix(services.settings.site_url.rstrip("/"))
    return handle(
        {"rawPath": path, "headers": {}, "requestContext": {"http": {"method": method, "path": path}}},
        services,
    )


def test_a_link_opens_the_cleaned_file_under_its_email_name(services):
    upload_id = keep(services.uploads, wav())
    url = file_tokens.link(services.settings.site_url, services.link_key(), upload_id, 2)
    assert url.startswith("http://127.0.0.1:8000/api/files/")
    assert upload_id in url  # the id, never the name the family's file had
    response = get(services, url)
    assert response["statusCode"] == 200
    assert response["headers"]["Content-Type"] == "audio/wav"
    assert response["headers"]["Content-Disposition"] == 'attachment; filename="recording-2.wav"'
    assert base64.b64decode(response["body"])[:4] == b"RIFF"


def test_a_link_works_for_7_days_then_says_it_has_stopped(services):
    upload_id = keep(services.uploads, wav())
    settings = services.settings
    six_days_ago = time.time() - 6 * DAY
    assert file_tokens.read_token(
        services.link_key(), file_tokens.make_token(services.link_key(), upload_id, 1, six_days_ago)
    ) == (
        upload_id,
        1,
    )
    old = file_tokens.make_token(services.link_key(), upload_id, 1, time.time() - 7 * DAY - 60)
    with pytest.raises(file_tokens.Expired):
        file_tokens.read_token(services.link_key(), old)
    response = get(services, f"{settings.site_url}api/files/{old}")
    assert response["statusCode"] == 410
    assert "stopped working" in response["body"]
    assert clean_key(upload_id) in response["body"]  # what to ask the operator for


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # the signature
        lambda t: t.replace(".1.", ".2.", 1),  # another file number
        lambda t: ".".join([t.split(".")[0], "1", str(int(t.split(".")[2]) + DAY), t.split(".")[3]]),  # later
        lambda t: str(uuid.uuid4()) + t[36:],  # another upload
        lambda t: t[:20],
        lambda t: "",
    ],
)
def test_a_changed_or_cut_link_is_refused(services, change):
    upload_id = keep(services.uploads, wav())
    token = file_tokens.make_token(services.link_key(), upload_id, 1)
    changed = change(token)
    assert changed != token
    with pytest.raises(file_tokens.BadToken):
        file_tokens.read_token(services.link_key(), changed)
    response = get(services, f"{services.settings.site_url}api/files/{changed}")
    assert response["statusCode"] == 403
    assert "RIFF" not in response["body"]


def test_a_file_deleted_by_retention_says_so_and_other_methods_are_refused(services, tmp_path):
    upload_id = keep(services.uploads, wav())
    url = file_tokens.link(services.settings.site_url, services.link_key(), upload_id, 1)
    assert get(services, url, "POST")["statusCode"] == 405
    (tmp_path / "var" / "uploads" / clean_key(upload_id)).unlink()
    response = get(services, url)
    assert response["statusCode"] == 410
    assert "no longer kept" in response["body"]


def test_the_local_key_is_kept_privately_so_links_outlive_the_process(services, tmp_path):
    upload_id = keep(services.uploads, wav())
    token = file_tokens.make_token(services.link_key(), upload_id, 1)
    key_file = tmp_path / "var" / "file-links.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # Another process (make send-pending) with the same var/ folder reads the same key.
    again = from_env({"VAR_DIR": str(tmp_path / "var"), "SITE_URL": "http://127.0.0.1:8000/", "SITE_DIR": ""})
    assert file_tokens.read_token(link_key_for(again), token) == (upload_id, 1)
    # With FORMS_SECRET set (on AWS), that key signs instead, and a locally signed link does not pass.
    aws = from_env({"VAR_DIR": str(tmp_path / "var"), "FORMS_SECRET": "s3cret-for-tests", "SITE_DIR": ""})
    with pytest.raises(file_tokens.BadToken):
        file_tokens.read_token(link_key_for(aws), token)


def test_the_expiry_is_given_as_a_date():
    now = 1_795_000_000  # 18 November 2026, 11:06 UTC, a made-up moment
    assert file_tokens.expiry_text(now) == "25 November 2026"


def test_an_empty_or_short_key_file_is_never_used_to_sign(services, tmp_path):
    key_file = tmp_path / "var" / "file-links.key"
    key_file.parent.mkdir(parents=True)
    key_file.write_text("")  # as a crash halfway through writing one could leave it
    token = file_tokens.make_token(services.link_key(), str(uuid.uuid4()), 1)
    assert len(bytes.fromhex(key_file.read_text())) == 32
    assert file_tokens.read_token(services.link_key(), token)[1] == 1
    assert [p.name for p in key_file.parent.iterdir() if p.name.startswith(".file-links")] == []


def test_storage_trouble_or_an_unreadable_description_is_a_page_not_a_500_and_the_link_is_not_logged(
    services, tmp_path, caplog, monkeypatch
):
    caplog.set_level(logging.INFO)
    upload_id = keep(services.uploads, wav())
    url = file_tokens.link(services.settings.site_url, services.link_key(), upload_id, 1)
    token = url.rsplit("/", 1)[1]
    (tmp_path / "var" / "uploads" / (clean_key(upload_id) + ".json")).write_text("[not json")
    assert get(services, url)["statusCode"] == 410
    (tmp_path / "var" / "uploads" / (clean_key(upload_id) + ".json")).write_text('{"content_type": ["x"]}')
    assert get(services, url)["statusCode"] == 410

    def storage_down(*_: Any) -> None:
        raise StorageError("down")

    monkeypatch.setattr(type(services.uploads), "size", storage_down)
    response = get(services, url)
    assert response["statusCode"] == 503 and "Try the link again" in response["body"]
    monkeypatch.setattr(
        file_links, "read_token", storage_down
    )  # escaping the handler, as a bug of ours would
    assert get(services, url)["statusCode"] == 500
    assert "unexpected error route=files kind=StorageError" in caplog.text
    assert token not in caplog.text and upload_id not in caplog.text
