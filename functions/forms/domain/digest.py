"""What the team sees of many submissions at once: the daily summary email, a submission in one line, and the
cells of a spreadsheet export. Pure: the use cases (application/team.py) gather the facts and pass them in.

Nothing here puts a child's or a family's details anywhere but the cells of an export: a summary names a
submission by its reference, form, service and dates only, like the subject of the team's email.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid
from typing import Any, NamedTuple

from functions.forms.domain.message import MESSAGE_ID_DOMAIN, contact_deadline_for
from functions.forms.domain.schemas import Field, get_form

# Statuses (application/team.py decides which one a submission has, in this order):
HELD = "held"  # suspected spam (the time trap) the team has not released; its team email says POSSIBLE SPAM
PENDING = "pending"  # stored, and the team's email has not gone yet
NEW = "new"  # the team's email has gone, and it arrived (or was released) within the last 24 hours
SENT = "sent"  # the team's email has gone, longer ago
STATUSES = (NEW, SENT, HELD, PENDING)


def long_date(day: dt.date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def days_words(count: int) -> str:
    return "1 day" if abs(count) == 1 else f"{abs(count)} days"


# NamedTuples, not dataclasses: the forms function imports this module (through the counts in application/team.py)
# when it starts, and a dataclass costs about a millisecond to make.


class Summary(NamedTuple):
    """One submission as the team's lists show it: never an answer beyond the service asked for."""

    reference: str
    form: str
    title: str
    service: str
    received: dt.datetime
    deadline: dt.date | None
    status: str

    def days_left(self, today: dt.date) -> int | None:
        return None if self.deadline is None else (self.deadline - today).days

    def deadline_words(self, today: dt.date) -> str:
        """'Friday 4 December 2026 (in 1 day, URGENT)', '... (3 days ago, LATE)', or 'none'."""
        days = self.days_left(today)
        if self.deadline is None or days is None:
            return "none"
        from functions.forms.domain.facts import facts

        if days < 0:
            when = f"{days_words(days)} ago, LATE"
        elif days == 0:
            when = "today, URGENT"
        else:
            urgent = days <= int(facts()["urgent_within_days"])
            when = f"in {days_words(days)}{', URGENT' if urgent else ''}"
        return f"{long_date(self.deadline)} ({when})"


def summarise(record: dict[str, Any], status: str) -> Summary:
    form = get_form(record["form"])
    answers = record.get("answers") or {}
    service = ""
    path = form.settings.email_subject_field
    if path:
        value: Any = answers
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        service = form.by_path()[path].option_label(value) if isinstance(value, str) else ""
    return Summary(
        reference=str(record["reference"]),
        form=form.name,
        title=form.settings.email_title or form.title,
        service=service,
        received=dt.datetime.fromisoformat(record["received_at"]),
        deadline=contact_deadline_for(form, answers),
        status=status,
    )


def by_deadline(summaries: Sequence[Summary]) -> list[Summary]:
    """The nearest contact deadline first (passed ones before them all); those without one last, oldest first."""
    return sorted(summaries, key=lambda s: (s.deadline is None, s.deadline or dt.date.max, s.received))


def line(summary: Summary, today: dt.date) -> str:
    """One submission in one line: reference, form, received, service, contact deadline, status."""
    return "  ".join(
        [
            summary.reference.ljust(8),
            summary.title.ljust(13),
            f"{summary.received:%Y-%m-%d %H:%M}",
            (summary.service or "-").ljust(28),
            summary.deadline_words(today).ljust(46),
            summary.status,
        ]
    ).rstrip()


LIST_HEADING = "  ".join(
    [
        "Ref".ljust(8),
        "Form".ljust(13),
        "Received (UTC)  ",
        "Service".ljust(28),
        "Contact deadline".ljust(46),
        "Status",
    ]
)


# The daily summary ----------------------------------------------------------------------------------------------


class ExpiringLink(NamedTuple):
    """A file too large to attach, linked from the team's email: the link stops working at `expires`."""

    reference: str
    filename: str
    expires: dt.datetime


class FormFigures(NamedTuple):
    """A form's counts over some days: no cookie and no personal data went into any of them."""

    title: str
    shown: int
    checked: int
    sent: int
    errors: tuple[tuple[str, int], ...] = ()  # (question, count), the most first
    only_shown: bool = False  # tokens of pages we could not tell: shown, and nothing else is known

    @property
    def completion(self) -> str:
        """Forms sent for each form shown, in words ('45%'), or 'not known' before any was shown."""
        return f"{round(100 * self.sent / self.shown)}%" if self.shown else "not known (none shown)"


def figures_lines(figures: Sequence[FormFigures], most_errors: int = 5) -> list[str]:
    lines = []
    for f in figures:
        if f.only_shown:
            lines.append(f"{f.title}: forms shown {f.shown} (which form is not known).")
            continue
        lines.append(
            f"{f.title}: forms shown {f.shown}, check-your-answers reached {f.checked}, sent {f.sent}. "
            f"Completion (sent / shown): {f.completion}."
        )
        top = [f"{question} ({count})" for question, count in f.errors[:most_errors]]
        lines.append(f"    Questions with the most errors: {', '.join(top) if top else 'none'}.")
    return lines


class Digest(NamedTuple):
    now: dt.datetime
    new: tuple[Summary, ...]
    held: tuple[Summary, ...]
    pending: tuple[Summary, ...]
    expiring: tuple[ExpiringLink, ...]
    dead_letters: int | None  # None: there is no dead-letter queue here (locally)
    command: str  # how the team runs a verb: 'make team ARGS="{verb}"'
    dead_letters_unread: bool = False
    figures: tuple[FormFigures, ...] | None = None  # the weekly figures, or None on other days
    figures_note: str = ""  # where the figures are when they could not be read here
    week_received: dict[str, int] | None = None  # requests received in the week, by form title
    first_day: dt.date | None = None  # the week the figures cover
    last_day: dt.date | None = None

    def run(self, verb: str) -> str:
        return self.command.replace("{verb}", verb)


def _section(title: str, lines: list[str], empty: str = "None.") -> list[str]:
    return ["", title, "-" * len(title), *(lines or [empty])]


def digest_text(d: Digest) -> str:
    today = d.now.date()
    urgent = sum(1 for s in d.new if (left := s.days_left(today)) is not None and left <= _urgent_days())
    lines = [
        f"Daily summary for {long_date(today)} (made at {d.now:%H:%M} UTC)",
        f"{len(d.new)} new (of which {urgent} URGENT or LATE), {len(d.held)} held as possible spam, "
        f"{len(d.pending)} not yet emailed.",
    ]
    new = [line(s, today) for s in by_deadline(d.new)]
    if new:
        new = [LIST_HEADING, *new, "", f"Every answer of one: {d.run('show REFERENCE')}"]
    lines += _section("NEW: received or released in the last 24 hours, nearest contact deadline first", new)
    held = [
        f"{s.reference}  {s.title}, received {long_date(s.received.date())} at {s.received:%H:%M} UTC. "
        f"If it is genuine: {d.run(f'release {s.reference}')}"
        for s in sorted(d.held, key=lambda s: s.received)
    ]
    if held:
        held.append(
            "Each came faster than a person usually fills the form in. Releasing one lists it as new and sends "
            "the family's confirmation if they asked for one (it is never sent before)."
        )
    lines += _section("HELD AS POSSIBLE SPAM", held)
    pending = [
        f"{s.reference}  {s.title}, received {long_date(s.received.date())} at {s.received:%H:%M} UTC"
        for s in sorted(d.pending, key=lambda s: s.received)
    ]
    if pending:
        pending.append(
            f"Each is tried again by the hourly sweep; to send one now: {d.run('resend REFERENCE')}"
        )
    lines += _section("STORED BUT NOT YET EMAILED", pending)
    if d.dead_letters_unread:
        dead = "The dead-letter queue could not be read: look in the AWS console (SQS)."
    elif d.dead_letters is None:
        dead = "There is no dead-letter queue here (on this computer a failed email waits in var/)."
    elif d.dead_letters == 0:
        dead = "Empty."
    else:
        dead = (
            f"{d.dead_letters} message(s): an email failed every retry. The submissions are safe and the sweep "
            "keeps trying them; see the README, 'Reading the alarms'."
        )
    lines += _section("DEAD-LETTER QUEUE", [dead])
    links = [
        f"{link.reference}  {link.filename}: the link stops working on {long_date(link.expires.date())} at "
        f"{link.expires:%H:%M} UTC. Download it before then, or later: {d.run(f'access {link.reference}')}"
        for link in sorted(d.expiring, key=lambda link: link.expires)
    ]
    lines += _section("FILE LINKS THAT STOP WORKING WITHIN 2 DAYS", links)
    if d.figures is not None or d.figures_note or d.week_received is not None:
        span = f" ({long_date(d.first_day)} to {long_date(d.last_day)})" if d.first_day and d.last_day else ""
        weekly = (
            [f"Requests received: {_counts(d.week_received or {})}."] if d.week_received is not None else []
        )
        weekly += figures_lines(d.figures or [])
        if d.figures_note:
            weekly.append(d.figures_note)
        lines += _section(f"THIS WEEK'S FIGURES{span}", weekly)
    lines += [
        "",
        "This summary names requests by their reference only. Every command: "
        f"{d.run('--help')} (the README, 'For the team').",
    ]
    return "\n".join(lines) + "\n"


def _counts(by_title: dict[str, int]) -> str:
    return ", ".join(f"{title} {count}" for title, count in by_title.items()) or "none"


def _urgent_days() -> int:
    from functions.forms.domain.facts import facts

    return int(facts()["urgent_within_days"])


def build_digest(d: Digest, *, sender: str, to: str) -> EmailMessage:
    """The daily summary as an email to the team (plain text: it reads the same in every mail program)."""
    message = EmailMessage(policy=SMTP)
    # Short enough for one line (a longer one is folded before its first word by the header registry).
    message["Subject"] = (
        f"Daily summary {d.now:%Y-%m-%d}: {len(d.new)} new, {len(d.held)} held, {len(d.pending)} not yet emailed"
    )
    message["From"] = sender
    message["To"] = to
    message["Date"] = d.now
    message["Auto-Submitted"] = "auto-generated"
    # Never a reference in the Message-ID: the access verb finds a person's emails by it.
    message["Message-ID"] = make_msgid(idstring="daily-summary", domain=MESSAGE_ID_DOMAIN)
    message.set_content(digest_text(d))
    return message


# A spreadsheet export ---------------------------------------------------------------------------------------------

# A cell starting with one of these is read as a formula by spreadsheet programs (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """The text, with a single quote before it when a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell_text(field: Field, value: Any) -> str:
    """An answer as one cell: empty when not given, Yes/No, an option's label, a date as YYYY-MM-DD (it sorts)."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if field.widget == "files" and isinstance(value, list):
        return f"{len(value)} file(s): get them with the access command"
    if isinstance(value, list):
        return "; ".join(field.option_label(v) if "enum" in field.schema else str(v) for v in value)
    if "enum" in field.schema:
        return field.option_label(value)
    return str(value)
