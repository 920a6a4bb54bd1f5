"""The team's command against the local folders (`python -m functions.team`, issue 19): list, show, export, resend,
release, access and erase, each verb's refusals, and their exit statuses."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import time
import zipfile
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest

from functions import team as command
from functions.forms.application import team as t
from functions.forms.application.deliver import deliver, send_pending
from functions.forms.bootstrap import team_services_for
from functions.forms.domain import deadlines
from functions.forms.domain.reference import new_reference
from tests.unit.factories import referral

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
FAMILY = "testy.mctestface@example.com"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64  # enough for the type to be told from its first bytes


@pytest.fixture
def team(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> t.TeamServices:
    return make_team(tmp_path, monkeypatch)


def make_team(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> t.TeamServices:
    """The command's own services on a fresh var/ folder, made as `python -m functions.team` makes them."""
    for name in ("FORMS_BACKEND", "SUBMISSIONS_BUCKET", "UPLOADS_BUCKET", "QUEUE_URL", "FORMS_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("SITE_URL", "http://127.0.0.1:8000/")
    monkeypatch.setenv("SITE_DIR", "")
    return team_services_for()


def store(
    team: t.TeamServices,
    answers: dict[str, Any],
    form: str = "referral",
    received: dt.datetime | None = None,
    spam: bool = False,
    send: bool = True,
) -> dict[str, Any]:
    """A stored submission (as submit stores it), delivered as the worker would unless `send` is False."""
    record: dict[str, Any] = {
        "form": form,
        "submission_id": answers["submission_id"],
        "reference": new_reference(),
        "received_at": (received or NOW).isoformat(timespec="seconds"),
        "lang": "en",
        "answers": answers,
    }
    if spam:
        record["suspected_spam"] = True
    team.services.storage.put_new(form, answers["submission_id"], record)
    if send:
        deliver(team.services, form, answers["submission_id"])
    return record


def views(**changes: Any) -> dict[str, Any]:
    import uuid

    return {"submission_id": str(uuid.uuid4()), "agree_to_send": True, "website": "", **changes}


def with_files(team: t.TeamServices, *sizes: int) -> list[str]:
    """Clean copies (and their descriptions, and a leftover original) in the upload store, as uploads.accept keeps
    them; their ids."""
    import uuid

    ids = []
    for size in sizes:
        upload_id = str(uuid.uuid4())
        data = PNG + b"\x00" * max(0, size - len(PNG))
        team.services.uploads.write(f"files/{upload_id}", data, "image/png")
        info = {"content_type": "image/png", "kind": "drawing", "size": len(data), "cleaned": True}
        team.services.uploads.write(f"files/{upload_id}.json", json.dumps(info).encode(), "application/json")
        ids.append(upload_id)
    team.services.uploads.write(f"incoming/{ids[0]}", b"as sent", "application/octet-stream")
    return ids


def outbox(team: t.TeamServices) -> list[Any]:
    folder = team.services.settings.var_dir / "outbox"
    written = sorted(
        folder.glob("*.eml"), key=lambda p: (p.stat().st_mtime_ns, p.name)
    )  # names: to the second
    return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in written]


def run(team: t.TeamServices, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = command.main(list(argv), team=team)
    out, err = capsys.readouterr()
    return status, out, err


def letter_for(days_left: int) -> str:
    """A decision letter's date whose contact deadline is `days_left` days from today (as near as the calendar
    allows: the deadline can move to a working day)."""
    day = NOW.date() - dt.timedelta(days=60 - days_left)
    while (deadlines.contact_deadline(day) - NOW.date()).days > days_left:
        day -= dt.timedelta(days=1)
    while (deadlines.contact_deadline(day) - NOW.date()).days < days_left:
        day += dt.timedelta(days=1)
    return day.isoformat()


# list -------------------------------------------------------------------------------------------------------------


def test_list_gives_one_line_per_submission_with_its_status(team, capsys):
    new = store(team, referral())
    old = store(team, referral(), received=NOW - dt.timedelta(days=3))
    held = store(team, referral(), spam=True)
    team.services.mailer.send = lambda message: (_ for _ in ()).throw(OSError("mail down"))  # type: ignore[method-assign]
    pending = store(team, referral(), send=False)
    status, out, _ = run(team, capsys, "list")
    assert status == 0
    lines = {line.split()[0]: line for line in out.splitlines()[1:-1]}
    assert lines[new["reference"]].endswith("new")
    assert lines[old["reference"]].endswith("sent")
    assert lines[held["reference"]].endswith("held")
    assert lines[pending["reference"]].endswith("pending")
    assert "Mediation" in lines[new["reference"]] and "Referral" in lines[new["reference"]]
    assert f"{NOW:%Y-%m-%d}" in lines[new["reference"]]
    assert "Testy" not in out and "Zo" not in out  # no answer but the service asked for
    assert out.splitlines()[-1] == "4 submission(s)."


def test_list_filters_by_status_form_and_day(team, capsys):
    new = store(team, referral())
    old = store(team, referral(), received=NOW - dt.timedelta(days=10))
    child = store(team, views(), form="child-views")
    _, out, _ = run(team, capsys, "list", "--status", "sent")
    assert old["reference"] in out and new["reference"] not in out
    _, out, _ = run(team, capsys, "list", "--form", "child-views")
    assert child["reference"] in out and new["reference"] not in out
    since = (NOW - dt.timedelta(days=2)).date().isoformat()
    _, out, _ = run(team, capsys, "list", "--since", since)
    assert new["reference"] in out and old["reference"] not in out
    status, out, _ = run(team, capsys, "list", "--status", "held")
    assert status == 0 and out.strip() == "No submissions match."


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["list", "--since", "28/11/2026"], "is not a date: write it YYYY-MM-DD"),
        (["list", "--since", "2026-13-01"], "is not a date: write it YYYY-MM-DD"),
        (["list", "--form", "complaints"], "There is no form called 'complaints'"),
        (["list", "--status", "lost"], "invalid choice"),
        (["show", "not-a-ref"], "is not a reference"),
        (["access", "ABCD2345", "--email", FAMILY], "not both"),
        (["erase"], "Give either a reference or --email"),
        (["erase", "--email", "nobody"], "is not an email address"),
        (["stats", "--since", "2026-12-02", "--until", "2026-12-01"], "--since must be on or before --until"),
        ([], "required"),
    ],
)
def test_unclear_input_is_refused_with_a_clear_message_and_status_2(team, capsys, argv, says):
    status, out, err = run(team, capsys, *argv)
    assert status == 2
    assert says in out + err


# show ---------------------------------------------------------------------------------------------------------


def test_show_gives_every_answer_as_in_the_teams_email(team, capsys):
    record = store(team, referral(decision__letter_date=letter_for(5)))
    status, out, _ = run(team, capsys, "show", record["reference"].lower())
    assert status == 0
    assert "Status: new" in out and f"Reference: {record['reference']}" in out
    for answer in ("Testy McTestface", FAMILY, "Zoë Ó Súilleabháin-Łukasz", "Exampleshire County Council"):
        assert answer in out
    assert "We disagree about section F.\n    The plan does not name the speech therapy." in out
    assert "Subject: URGENT (contact deadline in 5 days): Referral: Mediation" in out


def test_an_unknown_reference_is_refused_with_status_1(team, capsys):
    store(team, referral())
    for verb in ("show", "resend", "release", "access", "erase"):
        status, _, err = run(team, capsys, verb, "ABCD2345")
        assert status == 1, verb
        assert "No stored submission has the reference ABCD2345" in err


# export -------------------------------------------------------------------------------------------------------


def test_export_writes_one_row_per_submission_under_the_schemas_labels(team, capsys, tmp_path):
    first = store(team, referral(you__name='=HYPERLINK("http://evil.example")', you__phone="+44 7700 900982"))
    second = store(team, referral(disagreement="@SUM(1+1)", needs__access_needs="-2+3"))
    child = store(team, views(about={"name": "Kit", "age": 9, "filled_in_by": "me"}), form="child-views")
    path = tmp_path / "export.csv"
    status, out, _ = run(team, capsys, "export", "--csv", str(path))
    assert status == 0 and "Wrote 3 submission(s)" in out
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    heading = rows[0]
    assert heading[:5] == ["Reference", "Form", "Received (UTC)", "Status", "Contact deadline"]
    for label in ("Your full name", "Email address", "Date on the decision letter", "Likes to be called"):
        assert label in heading
    assert "Leave this box empty" not in heading and "Submission ID" not in heading
    by_ref = {row[0]: dict(zip(heading, row, strict=True)) for row in rows[1:]}
    assert set(by_ref) == {first["reference"], second["reference"], child["reference"]}
    assert by_ref[first["reference"]]["Your full name"] == '\'=HYPERLINK("http://evil.example")'
    assert by_ref[first["reference"]]["Phone number"] == "'+44 7700 900982"
    assert by_ref[second["reference"]]["What do you disagree about?"] == "'@SUM(1+1)"
    assert (
        by_ref[second["reference"]]["Is there anything that would make it easier for you to take part?"]
        == "'-2+3"
    )
    assert by_ref[first["reference"]]["Date on the decision letter"] == "2026-10-20"
    assert by_ref[first["reference"]]["What would you like help with?"] == "Mediation"
    assert (
        by_ref[child["reference"]]["Likes to be called"] == "Kit" and by_ref[child["reference"]]["Age"] == "9"
    )
    assert by_ref[child["reference"]]["Your full name"] == ""
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_export_never_replaces_a_file_and_can_take_one_form_since_a_day(team, capsys, tmp_path):
    store(team, referral(), received=NOW - dt.timedelta(days=5))
    recent = store(team, referral())
    path = tmp_path / "old.csv"
    path.write_text("keep me")
    status, _, err = run(team, capsys, "export", "--csv", str(path))
    assert status == 1 and "exists already" in err and path.read_text() == "keep me"
    since = (NOW - dt.timedelta(days=1)).date().isoformat()
    status, out, _ = run(team, capsys, "export", "--csv", "-", "--form", "referral", "--since", since)
    rows = list(csv.reader(io.StringIO(out)))
    assert status == 0 and [row[0] for row in rows[1:]] == [recent["reference"]]
    assert "Likes to be called" not in rows[0]


# resend ---------------------------------------------------------------------------------------------------------


def test_resend_sends_the_teams_email_again_with_todays_urgency(team, capsys):
    received = NOW - dt.timedelta(days=20)
    record = store(team, referral(decision__letter_date=letter_for(3)), received=received)
    (first,) = outbox(team)
    assert (
        first["Subject"].startswith("LATE") is False and "URGENT" not in first["Subject"]
    )  # calm 20 days ago
    status, out, _ = run(team, capsys, "resend", record["reference"])
    assert status == 0 and "again" in out
    second = outbox(team)[-1]
    assert (
        second["Subject"]
        == f"URGENT (contact deadline in 3 days): Referral: Mediation - {record['reference']}"
    )
    assert second["To"] == team.services.settings.team_email
    assert len(outbox(team)) == 2  # no family copy: they did not ask for one


def test_resend_of_one_never_emailed_delivers_it_and_marks_it_sent(team, capsys):
    record = store(team, referral(you__send_me_a_copy=True), send=False)  # as when the mail service was down
    assert team.services.storage.is_sent("referral", record["submission_id"]) is False
    status, out, _ = run(team, capsys, "resend", record["reference"])
    assert status == 0 and "had not been emailed yet" in out
    assert [m["To"] for m in outbox(team)] == [team.services.settings.team_email, FAMILY]
    _, out, _ = run(team, capsys, "list", "--status", "pending")
    assert record["reference"] not in out


# release ----------------------------------------------------------------------------------------------------------


def test_a_held_submissions_copy_waits_for_release_then_goes_once(team, capsys):
    record = store(team, referral(you__send_me_a_copy=True), spam=True)
    (spam,) = outbox(team)
    assert spam["Subject"].startswith("POSSIBLE SPAM: ") and spam["To"] == team.services.settings.team_email
    send_pending(team.services)
    deliver(team.services, "referral", record["submission_id"])  # a repeated queue message
    assert len(outbox(team)) == 1  # the family's copy is never sent before release
    _, out, _ = run(team, capsys, "list", "--status", "held")
    assert record["reference"] in out
    status, out, _ = run(team, capsys, "release", record["reference"])
    assert status == 0 and "now listed as new" in out and "confirmation email has been sent" in out
    first, copy = outbox(team)
    assert (
        first["Message-ID"] == spam["Message-ID"]
        and copy["To"] == FAMILY
        and record["reference"] in copy.get_body(("plain",)).get_content()
    )
    _, out, _ = run(team, capsys, "list", "--status", "new")
    assert record["reference"] in out
    status, out, _ = run(team, capsys, "release", record["reference"])
    assert status == 0 and "already" in out and len(outbox(team)) == 2  # once


def test_release_refuses_one_not_held_and_says_when_no_copy_was_asked_for(team, capsys):
    calm = store(team, referral())
    status, _, err = run(team, capsys, "release", calm["reference"])
    assert status == 1 and "was not held as possible spam" in err
    held = store(team, referral(you__send_me_a_copy=False), spam=True)
    status, out, _ = run(team, capsys, "release", held["reference"])
    assert status == 0 and "did not ask for a confirmation" in out
    assert len(outbox(team)) == 2  # the two team emails only


def test_a_copy_that_fails_at_release_goes_when_release_is_run_again(team, capsys):
    record = store(team, referral(you__send_me_a_copy=True), spam=True)
    working = team.services.mailer.send
    team.services.mailer.send = lambda message: (_ for _ in ()).throw(OSError("mail down"))  # type: ignore[method-assign]
    status, _, err = run(team, capsys, "release", record["reference"])
    assert status == 3 and "did not finish" in err
    team.services.mailer.send = working  # type: ignore[method-assign]
    status, out, _ = run(team, capsys, "release", record["reference"])
    assert status == 0 and "has been sent" in out
    assert [m["To"] for m in outbox(team)] == [team.services.settings.team_email, FAMILY]


# access -----------------------------------------------------------------------------------------------------------


def test_access_writes_one_zip_with_every_record_file_and_email_and_a_readme(team, capsys, tmp_path):
    ids = with_files(team, 100, 200)
    child = store(
        team, views(files=ids, send_me_a_copy=True, copy_email="Kit.Parent@Example.com"), form="child-views"
    )
    referral_record = store(team, referral(you__email="kit.parent@example.com"))
    other = store(team, referral())
    path = tmp_path / "access.zip"
    status, out, _ = run(team, capsys, "access", "--email", "KIT.PARENT@example.com", "--out", str(path))
    assert status == 0 and "2 submission(s), 3 file(s)" in out
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        c, r = child["reference"], referral_record["reference"]
        assert {
            "README.txt",
            f"{c}/record.json",
            f"{c}/answers.txt",
            f"{c}/delivery.json",
            f"{c}/files/drawing-1.png",
            f"{c}/files/drawing-1.png.json",
            f"{c}/files/drawing-2.png",
            f"{c}/files/drawing-2.png.json",
            f"{c}/files/file-1-as-sent",
            f"{r}/record.json",
        } <= names
        assert not any(other["reference"] in name for name in names)
        assert json.loads(archive.read(f"{c}/record.json"))["answers"]["files"] == ids
        assert archive.read(f"{c}/files/drawing-2.png") == team.services.uploads.read(f"files/{ids[1]}")
        assert "sent" in json.loads(archive.read(f"{c}/delivery.json"))
        emails = [n for n in names if n.startswith(f"{c}/emails/")]
        assert len(emails) == 2  # the team's email and the family's copy
        readme = archive.read("README.txt").decode()
        assert "WHAT IS NOT IN IT" in readme and "team's mailbox" in readme and c in readme and r in readme
        assert other["reference"] not in readme


def test_access_by_reference_refuses_to_replace_a_file(team, capsys, tmp_path):
    record = store(team, referral())
    path = tmp_path / "taken.zip"
    path.write_bytes(b"someone else's")
    status, _, err = run(team, capsys, "access", record["reference"], "--out", str(path))
    assert status == 1 and "exists already" in err and path.read_bytes() == b"someone else's"
    status, _, err = run(
        team, capsys, "access", "--email", "nobody@example.com", "--out", str(tmp_path / "x.zip")
    )
    assert status == 1 and "No stored submission gives that email address" in err
    assert not (tmp_path / "x.zip").exists()


# erase ----------------------------------------------------------------------------------------------------------


def test_erase_without_yes_deletes_nothing_and_says_what_it_would(team, capsys):
    ids = with_files(team, 100)
    record = store(team, views(files=ids), form="child-views")
    before = sorted(p for p in team.services.settings.var_dir.rglob("*") if p.is_file())
    status, out, _ = run(team, capsys, "erase", record["reference"])
    assert status == 1 and "Nothing was deleted" in out and "--yes" in out
    assert (
        f"{record['reference']} (Child's views): the record, 1 delivery marker(s) (sent), 3 uploaded" in out
    )
    assert sorted(p for p in team.services.settings.var_dir.rglob("*") if p.is_file()) == before


def test_erase_deletes_records_markers_claims_and_uploads_for_an_address(team, capsys):
    ids = with_files(team, 100, 200)
    child = store(team, views(files=ids, send_me_a_copy=True, copy_email=FAMILY), form="child-views")
    referral_record = store(team, referral(you__email=FAMILY.upper(), you__send_me_a_copy=True), spam=True)
    run(team, capsys, "release", referral_record["reference"])
    other = store(team, referral(you__email="someone.else@example.com"))
    team.records.put_marker("referral", other["submission_id"], "copy.claim")  # not theirs: kept
    team.records.put_marker("child-views", child["submission_id"], "claim")  # left by a worker that died
    status, out, _ = run(team, capsys, "erase", "--email", FAMILY, "--yes")
    assert status == 0
    assert "team's mailbox" in out and "not touched" in out
    assert (
        f"{child['reference']} (Child's views): the record, 3 delivery marker(s) (sent, claim, copy.sent), "
        in out
    )
    assert "5 uploaded file object(s)" in out  # 2 clean copies, their 2 descriptions, 1 original
    assert f"{referral_record['reference']} (Referral): the record, 3 delivery marker(s)" in out
    assert "Testy" not in out and FAMILY not in out  # a receipt of counts and references, never contents
    var = team.services.settings.var_dir
    left = sorted(
        p.relative_to(var).as_posix() for p in var.rglob("*") if p.is_file() and "outbox" not in p.parts
    )
    assert not any(
        child["submission_id"] in name or referral_record["submission_id"] in name for name in left
    )
    assert not any(upload_id in name for upload_id in ids for name in left)
    assert f"submissions/referral/{other['submission_id']}.json" in left
    assert f"submissions/referral/{other['submission_id']}.copy.claim" in left
    assert any(other["submission_id"] in name for name in left)
    _, out, _ = run(team, capsys, "list")
    assert child["reference"] not in out and referral_record["reference"] not in out
    assert other["reference"] in out
    status, _, err = run(team, capsys, "erase", child["reference"], "--yes")
    assert status == 1 and "No stored submission" in err


def test_the_command_runs_as_a_module_on_the_local_folders(tmp_path):
    import subprocess
    import sys

    env = {**os.environ, "VAR_DIR": str(tmp_path / "var"), "SITE_DIR": ""}
    env.pop("FORMS_BACKEND", None)
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "functions.team", "list"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "No submissions match."
    assert time.monotonic() - started < 30
    result = subprocess.run(
        [sys.executable, "-m", "functions.team", "show", "ABCD2345"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1 and "No stored submission has the reference ABCD2345" in result.stderr
