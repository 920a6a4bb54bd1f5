"""The team's daily summary (issue 19): new requests by contact deadline, held ones with how to release them,
unsent ones, the dead-letter queue, file links about to stop working, and on Mondays the week's figures."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from functions import worker as worker_entry
from functions.forms.adapters.local import metric_key
from functions.forms.application import team as t
from functions.forms.domain import digest as d
from functions.forms.domain.files import EMAIL_ATTACH_BYTES
from tests.unit.application.test_team import NOW, letter_for, make_team, outbox, run, store, views, with_files
from tests.unit.factories import referral

MB = 2**20


@pytest.fixture
def team(tmp_path, monkeypatch):
    return make_team(tmp_path, monkeypatch)


def section(text: str, title: str) -> list[str]:
    """The lines of one section of the summary, under its underline, up to the next blank line."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title)) + 2
    end = next((i for i in range(start, len(lines)) if not lines[i].strip()), len(lines))
    return lines[start:end]


def test_new_requests_come_nearest_contact_deadline_first(team):
    calm = store(team, referral(decision__letter_date=letter_for(40)))
    late = store(team, referral(decision__letter_date=letter_for(-3)))
    child = store(team, views(), form="child-views", received=NOW - dt.timedelta(hours=2))
    urgent = store(team, referral(decision__letter_date=letter_for(10)))
    sooner = store(team, referral(decision__letter_date=letter_for(2)))
    old = store(team, referral(decision__letter_date=letter_for(1)), received=NOW - dt.timedelta(days=2))
    digest = t.build(team, NOW, weekly=False)
    order = [late, sooner, urgent, calm, child]
    assert [s.reference for s in d.by_deadline(digest.new)] == [r["reference"] for r in order]
    rows = section(d.digest_text(digest), "NEW:")
    assert rows[0].startswith("Ref ")
    assert [row.split()[0] for row in rows[1:6]] == [r["reference"] for r in order]
    assert (
        "3 days ago, LATE" in rows[1] and "in 2 days, URGENT" in rows[2] and "in 10 days, URGENT" in rows[3]
    )
    assert "in 40 days)" in rows[4] and "URGENT" not in rows[4] and "none" in rows[5]
    assert old["reference"] not in "\n".join(rows)  # older than a day: not new
    assert "2 URGENT or LATE" not in d.digest_text(digest) and "of which 3 URGENT or LATE" in d.digest_text(
        digest
    )


def test_held_unsent_dead_letters_and_the_release_command_are_listed(team, capsys):
    held = store(team, referral(), spam=True)
    old_held = store(team, referral(), spam=True, received=NOW - dt.timedelta(days=4))
    unsent = store(team, referral(), send=False)
    text = d.digest_text(t.build(team, NOW, weekly=False))
    lines = section(text, "HELD AS POSSIBLE SPAM")
    assert lines[0].startswith(old_held["reference"]) and lines[1].startswith(held["reference"])
    assert f'If it is genuine: make team ARGS="release {held["reference"]}"' in lines[1]
    assert held["reference"] not in "\n".join(section(text, "NEW:"))
    assert section(text, "STORED BUT NOT YET EMAILED")[0].startswith(unsent["reference"])
    assert section(text, "DEAD-LETTER QUEUE") == [
        "There is no dead-letter queue here (on this computer a failed email waits in var/)."
    ]
    run(team, capsys, "release", held["reference"])
    text = d.digest_text(t.build(team, NOW + dt.timedelta(minutes=1), weekly=False))
    assert held["reference"] in "\n".join(section(text, "NEW:"))
    assert held["reference"] not in "\n".join(section(text, "HELD AS POSSIBLE SPAM"))


def test_file_links_that_stop_working_within_2_days_are_listed(team):
    big = (
        6 * MB
    )  # two are more than the 10 MB attached to an email: the second is linked, the small one attached
    assert 2 * big > EMAIL_ATTACH_BYTES >= big + MB

    def sent_days_ago(days: float, sizes: tuple[int, ...]) -> dict:
        record = store(team, views(files=with_files(team, *sizes)), form="child-views", send=False)
        team.records.put_marker("child-views", record["submission_id"], "sent")
        marker = (
            team.services.settings.var_dir / "submissions" / "child-views" / f"{record['submission_id']}.sent"
        )
        stamp = (NOW - dt.timedelta(days=days)).timestamp()
        os.utime(marker, (stamp, stamp))
        return record

    soon = sent_days_ago(6, (big, big, MB))
    later = sent_days_ago(3, (big, big))
    gone = sent_days_ago(8, (big, big))
    attached = sent_days_ago(6, (MB, MB))
    links = t.expiring_links(team, t.entries(team, NOW), NOW)
    assert [(link.reference, link.filename) for link in links] == [(soon["reference"], "drawing-2.png")]
    assert links[0].expires == (NOW - dt.timedelta(days=6)).replace(microsecond=0) + dt.timedelta(days=7)
    text = d.digest_text(t.build(team, NOW, weekly=False))
    (line,) = section(text, "FILE LINKS THAT STOP WORKING WITHIN 2 DAYS")
    assert line.startswith(f"{soon['reference']}  drawing-2.png: the link stops working on ")
    assert f'make team ARGS="access {soon["reference"]}"' in line
    for other in (later, gone, attached):
        assert other["reference"] not in line


def write_day(team, day: dt.date, counts: dict) -> None:
    """A day's counts as LocalDailyMetrics keeps them: one line a count."""
    folder = team.services.settings.var_dir / "metrics"
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"{metric_key(name, dict(dims))}\t1\n" * value for (name, dims), value in counts.items()]
    (folder / f"{day.isoformat()}.counts").write_text("".join(lines))


def test_on_mondays_the_summary_gives_the_weeks_figures(team):
    monday = NOW - dt.timedelta(days=NOW.weekday())
    referral_form = (("Form", "referral"),)
    for offset in (1, 3):
        write_day(
            team,
            monday.date() - dt.timedelta(days=offset),
            {
                ("FormsShown", referral_form): 10,
                ("CheckReached", referral_form): 6,
                ("FormsSent", referral_form): 5,
                ("FieldErrors", (("Field", "you.email"), ("Form", "referral"))): 4,
                ("FieldErrors", (("Field", "decision.letter_date"), ("Form", "referral"))): 1,
            },
        )
    write_day(team, monday.date(), {("FormsShown", referral_form): 99})  # today: next week's
    write_day(
        team, monday.date() - dt.timedelta(days=8), {("FormsShown", referral_form): 99}
    )  # the week before
    store(team, referral(), received=monday - dt.timedelta(days=2))
    store(team, views(), form="child-views", received=monday - dt.timedelta(days=3))
    store(team, referral(), spam=True, received=monday - dt.timedelta(days=2))  # held: not counted
    text = d.digest_text(t.build(team, monday))
    lines = section(text, "THIS WEEK'S FIGURES")
    assert lines[0] == "Requests received: Referral 1, Child's views 1."
    assert lines[1] == (
        "Referral: forms shown 20, check-your-answers reached 12, sent 10. Completion (sent / shown): 50%."
    )
    assert (
        lines[2] == "    Questions with the most errors: Email address (8), Date on the decision letter (2)."
    )
    assert lines[3].startswith("Child's views: forms shown 0")
    assert "not known (none shown)" in lines[3]
    tuesday = monday + dt.timedelta(days=1)
    assert "THIS WEEK'S FIGURES" not in d.digest_text(t.build(team, tuesday))


def test_the_digest_command_emails_the_team_and_print_only_prints(team, capsys):
    record = store(team, referral(decision__letter_date=letter_for(5)))
    status, out, _ = run(team, capsys, "digest", "--print")
    assert status == 0 and out.startswith("Daily summary for ") and record["reference"] in out
    assert len(outbox(team)) == 1  # only the request's own email
    status, out, _ = run(team, capsys, "digest", "--weekly")
    assert status == 0 and "Sent the daily summary" in out
    summary = outbox(team)[-1]
    assert summary["To"] == team.services.settings.team_email
    assert summary["Subject"] == f"Daily summary {NOW:%Y-%m-%d}: 1 new, 0 held, 0 not yet emailed"
    body = summary.get_body(("plain",)).get_content()
    assert record["reference"] in body and "THIS WEEK'S FIGURES" in body
    assert "Testy" not in body and "Zo" not in body and "Exampleshire" not in body  # references only
    assert record["reference"] not in summary["Message-ID"]  # access finds a person's emails by it


def test_the_worker_sends_the_summary_on_its_schedules_event(team, monkeypatch):
    store(team, referral(), spam=True)
    monkeypatch.setattr(worker_entry, "team_services", lambda: team)
    result = worker_entry.handler({"digest": "daily", "stack": "send-mediation"})
    assert result == {"digest": {"new": 0, "held": 1, "pending": 0}}
    body = outbox(team)[-1].get_body(("plain",)).get_content()
    assert "python -m functions.team release " in body and " --stack send-mediation" in body
    assert worker_entry.handler({"digest": "hourly"}) == {"digest": "not understood"}


@pytest.mark.parametrize("stack", ["bad stack; rm -rf", "", 7])
def test_a_strange_stack_name_in_the_event_is_not_put_in_the_summary(team, monkeypatch, stack):
    store(team, referral(), spam=True)
    t.digest_event(team, {"digest": "daily", "stack": stack})
    body = outbox(team)[-1].get_body(("plain",)).get_content()
    assert 'make team ARGS="release ' in body and "rm -rf" not in body


def test_a_file_that_cannot_be_read_leaves_the_summary_whole(team, monkeypatch):
    from functions.forms.ports import StorageError

    record = store(team, views(files=with_files(team, 6 * MB, 6 * MB)), form="child-views", send=False)
    team.records.put_marker("child-views", record["submission_id"], "sent")
    marker = (
        team.services.settings.var_dir / "submissions" / "child-views" / f"{record['submission_id']}.sent"
    )
    stamp = (NOW - dt.timedelta(days=6)).timestamp()
    os.utime(marker, (stamp, stamp))

    def refused(key: str) -> int:
        raise StorageError("S3 head failed: 403")  # as the worker sees a file it may not list

    monkeypatch.setattr(team.services.uploads, "size", refused)
    digest = t.build(team, NOW, weekly=False)
    assert digest.expiring == () and [s.reference for s in digest.new] == [record["reference"]]
