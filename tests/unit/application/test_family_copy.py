"""The family's confirmation email: sent only when asked for, once, through the same mail path; replies go to the
team; it holds the reference and what happens next, and none of the answers; never for suspected spam."""

from __future__ import annotations

import base64
import errno
import json
import os
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from functions.forms.adapters import local
from functions.forms.adapters.aws import S3Storage
from functions.forms.adapters.local import LocalStorage
from functions.forms.application.deliver import deliver
from functions.forms.bootstrap import local_services
from functions.forms.config import from_env
from functions.forms.domain.message import build_family_copy
from functions.forms.ports import MailError
from functions.forms.web.app import handle
from tests.unit.factories import referral

TEAM = "SEND Mediation team <team@send-mediation.localhost>"
CANARIES = {
    "you__name": "Canary Parentname",
    "you__phone": "07700 900 111",
    "you__best_time_to_call": "Canary-time-after-tea",
    "child__name": "Canary Childname",
    "child__education_setting": "Canary Primary School",
    "local_authority": "Canaryshire Council",
    "disagreement": "Canary disagreement words about section F",
    "needs__access_needs": "Canary access needs",
}


@pytest.fixture
def services(tmp_path: Path):
    config = from_env(
        {
            "VAR_DIR": str(tmp_path),
            "SITE_URL": "http://127.0.0.1:8123/",
            "SITE_DIR": str(tmp_path / "none"),
            "TEAM_EMAIL": TEAM,
        }
    )
    return local_services(config)


def post(services, answers, lang=None):
    body = {**answers, **({"lang": lang} if lang else {})}
    event = {
        "rawPath": "/api/referrals",
        "headers": {"content-type": "application/json"},
        "requestContext": {"http": {"method": "POST", "path": "/api/referrals"}},
        "body": base64.b64encode(json.dumps(body).encode()).decode(),
        "isBase64Encoded": True,
    }
    return handle(event, services)


def emails(tmp_path: Path):
    folder = tmp_path / "outbox"
    paths = sorted(folder.glob("*.eml")) if folder.exists() else []
    return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in paths]


def copies(tmp_path: Path):
    return [m for m in emails(tmp_path) if str(m["Subject"]).startswith(("Your request", "Twoja prośba"))]


def test_no_copy_unless_the_family_asks(services, tmp_path):
    assert post(services, referral())["statusCode"] == 201
    assert len(emails(tmp_path)) == 1 and copies(tmp_path) == []
    assert post(services, referral(you__send_me_a_copy=False))["statusCode"] == 201
    assert copies(tmp_path) == []


def test_asked_for_a_copy_gets_one_with_the_reference_reply_to_the_team_and_no_answers(services, tmp_path):
    answers = referral(you__send_me_a_copy=True, **CANARIES)
    response = post(services, answers)
    assert response["statusCode"] == 201
    reference = json.loads(response["body"])["reference"]
    [copy] = copies(tmp_path)
    assert len(emails(tmp_path)) == 2  # the team's email and the family's copy
    assert copy["To"] == "testy.mctestface@example.com"
    assert copy["Reply-To"] == TEAM
    assert copy["Subject"] == f"Your request to KIDS SEND Mediation - {reference}"
    text = copy.get_body(("plain",)).get_content()
    html = copy.get_body(("html",)).get_content()
    for part in (text, html):
        assert reference in part
        assert "03330 062 835" in part and "senmediation@kids.org.uk" in part
        assert "information and advice call (MIAS)" in part and "20 minutes" in part
    raw = copy.as_string()
    for value in CANARIES.values():
        assert value not in raw and value not in text and value not in html
    for value in (
        "Exampleshire",
        "Zoë",
        "section F",
        "plan_contents",
        "What the final EHC plan says",
        "2015",
    ):
        assert value not in text and value not in html


def test_the_copy_is_in_the_familys_language_when_the_form_has_it(services, tmp_path):
    response = post(services, referral(you__send_me_a_copy=True, **CANARIES), lang="pl")
    reference = json.loads(response["body"])["reference"]
    [copy] = copies(tmp_path)
    assert copy["Subject"] == f"Twoja prośba do KIDS SEND Mediation - {reference}"
    assert copy["Content-Language"] == "pl"
    text = copy.get_body(("plain",)).get_content()
    assert "Twój numer referencyjny to" in text and reference in text
    assert not any(value in text for value in CANARIES.values())


def test_asked_without_an_email_address_is_a_clear_error(services, tmp_path):
    response = post(services, referral(you__send_me_a_copy=True, you__email=...))
    assert response["statusCode"] == 400
    errors = json.loads(response["body"])["errors"]
    assert errors == [
        {
            "field": "you.email",
            "href": "#you-email",
            "text": "Enter an email address so we can send you a confirmation",
        }
    ]
    assert emails(tmp_path) == []


def test_the_copy_is_sent_once_even_when_delivered_again(services, tmp_path):
    answers = referral(you__send_me_a_copy=True)
    post(services, answers)
    assert deliver(services, "referral", answers["submission_id"]) == "already-sent"
    assert len(copies(tmp_path)) == 1 and len(emails(tmp_path)) == 2
    assert services.storage.is_sent("referral", answers["submission_id"], kind="copy")


def test_never_for_a_submission_held_as_spam_which_still_reaches_the_team_marked(services, tmp_path):
    answers = referral(you__send_me_a_copy=True)
    record = {
        "form": "referral",
        "submission_id": answers["submission_id"],
        "reference": "ABCD2345",
        "received_at": "2026-11-02T10:00:00+00:00",
        "lang": "en",
        "answers": answers,
        "suspected_spam": True,
    }
    services.storage.put_new("referral", answers["submission_id"], record)
    assert deliver(services, "referral", answers["submission_id"]) == "held"
    assert deliver(services, "referral", answers["submission_id"]) == "already-sent"
    # Every stored submission reaches a person: the team's email, marked; a bot must not make us email anyone else.
    [team] = emails(tmp_path)
    assert team["Subject"].startswith("POSSIBLE SPAM: Referral")
    assert "POSSIBLE SPAM: this form was sent faster" in team.get_body(("plain",)).get_content()
    assert "team@send-mediation.localhost" in team["To"]
    assert not services.storage.is_sent("referral", answers["submission_id"], kind="copy")
    assert list(services.storage.pending()) == []


class HoldsClaim:
    """Storage whose team claim another worker holds (it is sending, or died while sending)."""

    def __init__(self, inner):
        self.inner = inner

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def claim(self, form, submission_id, kind="team"):
        return False if kind == "team" else self.inner.claim(form, submission_id, kind)


def test_the_copy_waits_until_the_teams_email_has_really_gone(services, tmp_path):
    """Another worker holds the team's claim: this one must not send the family's copy before the team's email."""
    answers = referral(you__send_me_a_copy=True)
    record = {
        "form": "referral",
        "submission_id": answers["submission_id"],
        "reference": "ABCD2346",
        "received_at": "2026-11-02T10:00:00+00:00",
        "lang": "en",
        "answers": answers,
    }
    services.storage.put_new("referral", answers["submission_id"], record)
    real = services.storage
    services.storage = HoldsClaim(real)
    assert deliver(services, "referral", answers["submission_id"]) == "already-sent"
    assert emails(tmp_path) == [] and not real.is_sent("referral", answers["submission_id"], kind="copy")
    services.storage = (
        real  # the other worker died; its claim went stale, or it sent: now both go, team first
    )
    assert deliver(services, "referral", answers["submission_id"]) == "sent"
    assert len(emails(tmp_path)) == 2 and real.is_sent("referral", answers["submission_id"], kind="copy")


class FailingCopyMailer:
    def __init__(self, inner):
        self.inner = inner
        self.fail = True

    def send(self, message):
        if self.fail and str(message["Subject"]).startswith("Your request"):
            raise MailError("copy failed")
        self.inner.send(message)


def test_a_failed_copy_is_tried_again_without_a_second_team_email(services, tmp_path):
    mailer = FailingCopyMailer(services.mailer)
    services.mailer = mailer
    answers = referral(you__send_me_a_copy=True)
    post(services, answers)  # the team's email goes; the copy fails and waits
    assert len(emails(tmp_path)) == 1 and copies(tmp_path) == []
    mailer.fail = False
    assert deliver(services, "referral", answers["submission_id"]) == "already-sent"
    assert len(copies(tmp_path)) == 1 and len(emails(tmp_path)) == 2


def test_the_child_views_form_sends_a_copy_to_the_address_given_for_it():
    record = {
        "form": "child-views",
        "reference": "ABCD2345",
        "received_at": "2026-11-02T10:00:00+00:00",
        "lang": "en",
        "answers": {
            "submission_id": "00000000-0000-4000-8000-000000000009",
            "about": {"name": "Canary Sunny"},
            "views": {"hard": "Canary maths"},
            "send_me_a_copy": True,
            "copy_email": "grown.up@example.com",
            "agree_to_send": True,
        },
    }
    message = build_family_copy(record, sender="forms@example.com", reply_to=TEAM)
    assert message is not None and message["To"] == "grown.up@example.com" and message["Reply-To"] == TEAM
    assert "Canary" not in message.as_string()
    # A child's views are not "a request": the copy says what was sent, in the form's own words.
    text = message.get_body(("plain",)).get_content()
    assert message["Subject"] == "Your views, sent to KIDS SEND Mediation - ABCD2345"
    assert "We have your views" in text and "request" not in text.lower()
    assert "unless they are worried that someone is at risk of harm" in text
    polish = build_family_copy({**record, "lang": "pl"}, sender="forms@example.com", reply_to=TEAM)
    assert polish is not None and "Mamy Twoje zdanie" in polish.get_body(("plain",)).get_content()
    assert (
        build_family_copy(
            {**record, "answers": {**record["answers"], "send_me_a_copy": None}},
            sender="f@x.org",
            reply_to=TEAM,
        )
        is None
    )


def test_local_storage_keeps_each_kind_of_email_apart(tmp_path):
    storage = LocalStorage(tmp_path)
    sid = "00000000-0000-4000-8000-000000000042"
    storage.put_new("referral", sid, {"submission_id": sid})
    assert storage.claim("referral", sid) and storage.claim("referral", sid, kind="copy")
    storage.mark_sent("referral", sid)
    assert storage.is_sent("referral", sid) and not storage.is_sent("referral", sid, kind="copy")
    assert list(storage.pending()) == []
    storage.mark_sent("referral", sid, kind="copy")
    assert storage.is_sent("referral", sid, kind="copy")
    with pytest.raises(ValueError):
        storage.claim("referral", sid, kind="other")


def test_s3_keys_for_each_kind_of_email():
    sid = "00000000-0000-4000-8000-000000000042"
    assert (
        S3Storage._key("referral", sid, S3Storage._marker("sent", "team")) == f"delivery/referral/{sid}.sent"
    )
    assert (
        S3Storage._key("referral", sid, S3Storage._marker("claim", "copy"))
        == f"delivery/referral/{sid}.copy.claim"
    )


# The local adapter's durable write (functions/forms/local.py): the order of the system calls is what makes it
# durable, so the tests watch the calls rather than time them.


class Syscalls:
    """Records the durable-write calls in order (fsync of the new file or of a folder, link, unlink), each passed
    through to the real call."""

    def __init__(self, monkeypatch):
        self.calls: list[tuple[str, str]] = []
        self.kinds: dict[int, str] = {}
        real_open, real_fsync, real_link, real_unlink = os.open, os.fsync, os.link, os.unlink
        anonymous = getattr(os, "O_TMPFILE", -1)

        def open_(path, flags, *args, **kwargs):
            fd = real_open(path, flags, *args, **kwargs)
            is_folder = Path(path).is_dir() and flags & anonymous != anonymous
            self.kinds[fd] = "folder" if is_folder else "new"
            return fd

        def fsync(fd):
            self.calls.append(("fsync", self.kinds[fd]))
            real_fsync(fd)

        def link(*args, **kwargs):
            self.calls.append(("link", ""))
            real_link(*args, **kwargs)

        def unlink(*args, **kwargs):
            self.calls.append(("unlink", ""))
            real_unlink(*args, **kwargs)

        for name, function in (("open", open_), ("fsync", fsync), ("link", link), ("unlink", unlink)):
            monkeypatch.setattr(os, name, function)


@pytest.fixture(params=["anonymous", "temporary-name"])
def way(request, monkeypatch):
    """Each test runs with O_TMPFILE (where the system has it) and with a temporary name, the other systems' way."""
    monkeypatch.setattr(local, "_ANONYMOUS", local._ANONYMOUS if request.param == "anonymous" else 0)
    if request.param == "anonymous" and not local._ANONYMOUS:
        pytest.skip("no O_TMPFILE here")
    return request.param


def durable_write(way):
    named = [("fsync", "new"), ("link", "")]
    return named + ([("unlink", "")] if way == "temporary-name" else []) + [("fsync", "folder")]


def test_a_submission_is_synced_then_named_then_its_folder_synced(tmp_path, monkeypatch, way):
    storage = LocalStorage(tmp_path / "submissions")
    sid = "00000000-0000-4000-8000-000000000043"
    storage.put_new("referral", sid, {"submission_id": sid, "reference": "FIRST234"})  # makes the folders
    watch = Syscalls(monkeypatch)
    other = "00000000-0000-4000-8000-000000000044"
    stored, created = storage.put_new("referral", other, {"submission_id": other, "reference": "ABCD2345"})
    assert created and stored["reference"] == "ABCD2345"
    assert watch.calls == durable_write(way)
    folder = tmp_path / "submissions" / "referral"
    assert json.loads((folder / f"{other}.json").read_text())["reference"] == "ABCD2345"
    assert sorted(p.name for p in folder.iterdir()) == [f"{sid}.json", f"{other}.json"]  # nothing temporary


def test_a_repeat_gets_the_first_record_once_its_name_is_durable(tmp_path, monkeypatch, way):
    storage = LocalStorage(tmp_path)
    sid = "00000000-0000-4000-8000-000000000045"
    storage.put_new("referral", sid, {"submission_id": sid, "reference": "FIRST234"})
    watch = Syscalls(monkeypatch)
    stored, created = storage.put_new("referral", sid, {"submission_id": sid, "reference": "OTHER234"})
    assert not created and stored["reference"] == "FIRST234"
    assert watch.calls[-1] == ("fsync", "folder")  # the first writer may not have synced the folder yet
    assert [p.name for p in (tmp_path / "referral").iterdir()] == [f"{sid}.json"]  # no temporary file left


def test_the_first_submission_makes_its_folders_durably(tmp_path, monkeypatch, way):
    watch = Syscalls(monkeypatch)
    storage = LocalStorage(tmp_path / "var" / "submissions")
    sid = "00000000-0000-4000-8000-000000000046"
    assert storage.put_new("referral", sid, {"submission_id": sid})[1]
    assert (tmp_path / "var" / "submissions" / "referral" / f"{sid}.json").exists()
    # each new folder synced in its parent, then the file, its name and its folder
    assert watch.calls == [("fsync", "folder")] * 3 + durable_write(way)


def test_a_failed_write_is_a_storage_error_and_leaves_nothing_behind(tmp_path, monkeypatch, way):
    from functions.forms.ports import StorageError

    storage = LocalStorage(tmp_path)
    sid = "00000000-0000-4000-8000-000000000047"
    storage.put_new("referral", "00000000-0000-4000-8000-000000000048", {"submission_id": "x"})

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(StorageError):
        storage.put_new("referral", sid, {"submission_id": sid})
    assert [p.name for p in (tmp_path / "referral").iterdir()] == [
        "00000000-0000-4000-8000-000000000048.json"
    ]
    assert storage.get("referral", sid) is None


def test_without_o_tmpfile_support_a_temporary_name_is_used(tmp_path, monkeypatch):
    if not local._ANONYMOUS:
        pytest.skip("no O_TMPFILE here")
    monkeypatch.setattr(local, "_ANONYMOUS", local._ANONYMOUS)
    real_open = os.open

    def refuse_anonymous(path, flags, *args, **kwargs):
        if flags & os.O_TMPFILE == os.O_TMPFILE:
            raise OSError(errno.EOPNOTSUPP, "Operation not supported")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse_anonymous)
    storage = LocalStorage(tmp_path)
    sid = "00000000-0000-4000-8000-000000000049"
    assert storage.put_new("referral", sid, {"submission_id": sid, "reference": "ABCD2345"}) == (
        {"submission_id": sid, "reference": "ABCD2345"},
        True,
    )
    assert storage.get("referral", sid)["reference"] == "ABCD2345"
    assert local._ANONYMOUS == 0  # asked once per process
    assert [p.name for p in (tmp_path / "referral").iterdir()] == [f"{sid}.json"]
