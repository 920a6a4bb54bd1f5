"""`python -m functions.team VERB ...` (`make team ARGS="VERB ..."`): the team's and the operator's command.

The same verbs work on the local folders (var/, as `make serve` keeps them) and on AWS: name the stack with
`--stack NAME` (its outputs, parameters and resources are read with CloudFormation), or the buckets with
--submissions-bucket, --uploads-bucket and --queue-url (or SUBMISSIONS_BUCKET, UPLOADS_BUCKET, QUEUE_URL and
FORMS_BACKEND=aws in the environment). The README's "For the team" says how to use each verb.

Exit status: 0 done; 1 refused or not found, or `erase` without --yes (nothing was deleted); 2 a command that
does not make sense (a date not YYYY-MM-DD, a reference and --email together); 3 storage or email failed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

from functions.forms.application import team as t
from functions.forms.bootstrap import team_services_for
from functions.forms.domain import digest as d
from functions.forms.ports import MailError, StorageError

DONE, REFUSED, UNCLEAR, FAILED = 0, 1, 2, 3


def _date(text: str) -> dt.date:
    try:
        if len(text) != 10:
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a date: write it YYYY-MM-DD, like 2026-11-28"
        ) from None


def parser() -> argparse.ArgumentParser:
    where = argparse.ArgumentParser(add_help=False)
    aws = where.add_argument_group("on AWS (otherwise the local folders under var/)")
    aws.add_argument("--stack", metavar="NAME", help="the deployed stack (samconfig.toml's stack_name)")
    aws.add_argument("--submissions-bucket", metavar="BUCKET")
    aws.add_argument("--uploads-bucket", metavar="BUCKET")
    aws.add_argument("--queue-url", metavar="URL")

    top = argparse.ArgumentParser(
        prog="python -m functions.team",
        description="The team's side of the forms: see every request, act on the urgent ones, answer data requests.",
        epilog="Each verb has its own --help. Exit status: 0 done, 1 refused or not found, 2 unclear, 3 failed.",
    )
    verbs = top.add_subparsers(dest="verb", required=True, metavar="VERB")

    def verb(name: str, text: str) -> argparse.ArgumentParser:
        return verbs.add_parser(name, parents=[where], help=text, description=text)

    listing = verb(
        "list", "One line per submission: reference, form, received, service, contact deadline, status."
    )
    listing.add_argument("--form", help="referral or child-views")
    listing.add_argument("--since", type=_date, metavar="YYYY-MM-DD", help="received on or after this day")
    listing.add_argument("--status", choices=d.STATUSES, help="one status only (below)")
    listing.epilog = (
        "Statuses: held = sent faster than a person could, not released yet (its team email said POSSIBLE SPAM); "
        "pending = the team's email has not gone yet; new = emailed, and arrived or was released in the last 24 "
        "hours; sent = emailed, longer ago."
    )
    verb("show", "Every answer of one submission, as in the team's email.").add_argument(
        "reference", metavar="REF"
    )
    export = verb("export", "A spreadsheet (CSV): one row per submission, one column per question.")
    export.add_argument("--csv", required=True, metavar="FILE", help="a new file, or - for standard output")
    export.add_argument("--since", type=_date, metavar="YYYY-MM-DD")
    export.add_argument("--form", help="referral or child-views (default: both)")
    verb("resend", "Send the team's email for one submission again.").add_argument("reference", metavar="REF")
    verb(
        "release", "A submission held as possible spam is genuine: list it as new, send the family's copy."
    ).add_argument("reference", metavar="REF")
    for name, text in (
        ("access", "A subject access request: one zip of every record and file we hold for a person."),
        ("erase", "An erasure request: delete every record, marker and file we hold for a person."),
    ):
        request = verb(name, text)
        request.add_argument("reference", metavar="REF", nargs="?")
        request.add_argument(
            "--email", metavar="ADDRESS", help="every submission that gives this email address"
        )
    verbs.choices["access"].add_argument("--out", metavar="FILE", help="the zip to write (a new file)")
    verbs.choices["erase"].add_argument(
        "--yes", action="store_true", help="really delete (without it: only say what)"
    )
    digest = verb("digest", "The daily summary, emailed to the team (what the schedule sends on AWS).")
    digest.add_argument("--print", action="store_true", help="print it instead of emailing it")
    digest.add_argument("--weekly", action="store_true", help="with the week's figures, whatever the day")
    stats = verb("stats", "The figures: forms shown, check-your-answers reached, sent, errors per question.")
    stats.add_argument(
        "--since", type=_date, metavar="YYYY-MM-DD", help="the first day (default: 7 days ago)"
    )
    stats.add_argument("--until", type=_date, metavar="YYYY-MM-DD", help="the last day (default: today)")
    return top


def _write_new(path: str, data: bytes) -> None:
    """Write a new file readable by its owner only (it holds personal data); never replace one."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def run(args: argparse.Namespace, team: t.TeamServices, now: dt.datetime, say: Callable[[str], None]) -> int:
    """Carry out one verb; what to tell the user goes to `say`."""
    if args.verb == "list":
        found = t.listed(team, now, args.form, args.since, args.status)
        if not found:
            say("No submissions match.")
            return DONE
        say(d.LIST_HEADING)
        for summary in found:
            say(d.line(summary, now.date()))
        say(f"{len(found)} submission(s).")
    elif args.verb == "show":
        say(t.show(team, args.reference, now))
    elif args.verb == "export":
        if args.csv != "-" and Path(args.csv).exists():
            raise t.TeamError(
                f"{args.csv} exists already: choose another name, or delete the old export first."
            )
        text, rows = t.export_csv(team, now, args.since, args.form)
        if args.csv == "-":
            sys.stdout.write(text)
        else:
            _write_new(args.csv, text.encode("utf-8-sig"))  # with a BOM, so spreadsheet programs read UTF-8
            say(
                f"Wrote {rows} submission(s) to {args.csv}. It holds personal data: keep it safe, delete it after use."
            )
    elif args.verb == "resend":
        say(t.resend(team, args.reference, now))
    elif args.verb == "release":
        say(t.release(team, args.reference, now))
    elif args.verb in {"access", "erase"}:
        return _data_request(args, team, now, say)
    elif args.verb == "digest":
        if args.print:
            say(d.digest_text(t.build(team, now, weekly=True if args.weekly else None)))
        else:
            digest = t.send_digest(team, now, weekly=True if args.weekly else None)
            say(
                f"Sent the daily summary to {team.services.settings.team_email}: {len(digest.new)} new, "
                f"{len(digest.held)} held, {len(digest.pending)} not yet emailed."
            )
    elif args.verb == "stats":
        last = args.until or now.date()
        for text in t.stats(team, args.since or last - 6 * t.DAY, last):
            say(text)
    return DONE


def _data_request(
    args: argparse.Namespace, team: t.TeamServices, now: dt.datetime, say: Callable[[str], None]
) -> int:
    matched = t.chosen(team, now, args.reference, args.email)
    asked_for = f"reference {matched[0].reference}" if args.reference else "the email address you gave"
    if args.verb == "access":
        out = args.out or f"subject-access-{now:%Y%m%d-%H%M%S}.zip"
        if Path(out).exists():
            raise t.TeamError(f"{out} exists already: choose another name with --out.")
        data, counts = t.access(team, matched, asked_for, now)
        _write_new(out, data)
        say(
            f"Wrote {out}: {counts.get('records', 0)} submission(s), {counts.get('files', 0)} file(s), "
            f"{counts.get('emails', 0)} email(s) from the local outbox, and README.txt. It holds personal data: "
            "send it to the person securely, then delete it."
        )
        if not counts.get("emails"):
            say(
                "The emails in the team's mailbox are not in it: send those from the mailbox if they are asked for."
            )
        return DONE
    lines = t.erase(team, matched, really=args.yes)
    if not args.yes:
        say("Nothing was deleted. This would delete:")
        for text in lines:
            say(f"  {text}")
        say("Run the same command with --yes to delete them.")
        return REFUSED
    say(f"Deleted, {now:%Y-%m-%d %H:%M} UTC:")
    for text in lines:
        say(f"  {text}")
    say(
        "The emails already in the team's mailbox (and any copy the family was sent) are not touched: delete "
        "those from the mailbox by hand. The next `list` does not show these references."
    )
    return DONE


def main(argv: list[str] | None = None, team: t.TeamServices | None = None) -> int:
    """The command; `team` (tests) instead of the services bootstrap makes from the options."""
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:  # argparse has printed what was wrong
        return UNCLEAR if exc.code else DONE
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    say = print
    try:
        if team is None:
            team = team_services_for(args.stack, args.submissions_bucket, args.uploads_bucket, args.queue_url)
        return run(args, team, dt.datetime.now(dt.UTC), say)
    except t.TeamError as exc:
        print(exc, file=sys.stderr)
        return UNCLEAR if isinstance(exc, t.Unclear) else REFUSED
    except BrokenPipeError:  # the output was piped to a command that stopped reading (| head)
        sys.stdout = open(os.devnull, "w")  # so that the last flush at exit is quiet
        return DONE
    except (MailError, StorageError, OSError) as exc:
        print(f"{args.verb} did not finish: {exc}. Run it again when this is fixed.", file=sys.stderr)
        return FAILED


if __name__ == "__main__":
    raise SystemExit(main())
