"""The team's side, as use cases over the ports: list, show, export, resend, release, access and erase (the verbs
of `python -m functions.team`), the daily summary (the worker's {"digest": "daily"}, locally `make team-digest`),
and the figures: forms shown, check-your-answers reached, sent and errors per question, counted per form and per
day with no cookie and no personal data.

A submission's status, the first that applies:
  held     suspected spam (sent faster than the time trap allows) that the team has not released; its team
           email went marked POSSIBLE SPAM, and the family's copy waits for `release`
  pending  stored, and the team's email has not gone yet (the sweep keeps trying)
  new      the team's email has gone, and it arrived (or was released) within the last 24 hours
  sent     the team's email has gone, longer ago

Logs name a form, a reference and what was done: never an answer, an address or a file's name.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from functions.forms.application.services import Services
from functions.forms.domain import digest as d
from functions.forms.domain.languages import LANGUAGES, page_prefix
from functions.forms.domain.schemas import FORM_FILES, Field, get_form
from functions.forms.domain.validate import FieldError
from functions.forms.ports import DeadLetters, FiguresReader, Outbox, Records, StorageError, Tally

log = logging.getLogger("forms.team")

DAY = dt.timedelta(days=1)
LINKS_WARNING = dt.timedelta(days=2)  # file links that stop working this soon are listed in the summary

# The figures (CloudWatch metrics on AWS, var/metrics/ locally): each counted per form, errors per question too.
SHOWN, CHECKED, SENT, FIELD_ERRORS = "FormsShown", "CheckReached", "FormsSent", "FieldErrors"
UNKNOWN_FORM = "unknown"  # a token asked for by a page that is not a form's (or that sent no Referer)
OTHER_FIELD = "(other)"  # an error not on one of the form's own questions


class TeamError(ValueError):
    """A request the team's command cannot carry out (an unknown reference...): the text says what to do instead."""


class Unclear(TeamError):
    """Input that does not make sense (not a reference, not an address, a reference and an address together)."""


class TeamServices(NamedTuple):
    """What the team's verbs need beyond Services, made by bootstrap.team_services(). (NamedTuples here and in
    domain/digest.py: the forms function imports this module for its counts, and a dataclass costs about a
    millisecond to make.)"""

    services: Services
    records: Records
    dead_letters: DeadLetters
    outbox: Outbox
    figures: FiguresReader | None = None  # None: the figures cannot be read here (the worker on AWS)
    # How the team runs a verb here: the summary tells them ("{verb}" is replaced).
    command: str = 'make team ARGS="{verb}"'
    figures_note: str = ""  # where the figures are, when they cannot be read here


class Entry(NamedTuple):
    """One stored submission, its record and the times of what is kept beside it."""

    form: str
    submission_id: str
    record: dict[str, Any]
    times: dict[str, dt.datetime]
    summary: d.Summary

    @property
    def reference(self) -> str:
        return self.summary.reference

    @property
    def genuine(self) -> dict[str, Any]:
        """The record as the team now sees it: a released one is no longer suspected."""
        if "released" in self.times:
            return {**self.record, "suspected_spam": False}
        return self.record

    def recent(self, now: dt.datetime) -> bool:
        """Arrived, or was released, within the 24 hours before now."""
        since = now - DAY
        return (
            self.summary.received >= since
            or self.times.get("released", dt.datetime.min.replace(tzinfo=dt.UTC)) >= since
        )


def status_of(record: dict[str, Any], times: Mapping[str, dt.datetime], now: dt.datetime) -> str:
    if record.get("suspected_spam") and "released" not in times:
        return d.HELD
    if "sent" not in times:
        return d.PENDING
    received = dt.datetime.fromisoformat(record["received_at"])
    released = times.get("released")
    if received >= now - DAY or (released is not None and released >= now - DAY):
        return d.NEW
    return d.SENT


def entries(team: TeamServices, now: dt.datetime) -> list[Entry]:
    """Every stored submission, oldest first (one listing, then each record read)."""
    found = []
    for (form, submission_id), times in team.records.index().items():
        if form not in FORM_FILES:
            continue
        record = team.services.storage.get(form, submission_id)
        if record is None:  # erased or expired meanwhile
            continue
        summary = d.summarise(record, status_of(record, times, now))
        found.append(Entry(form, submission_id, record, dict(times), summary))
    return sorted(found, key=lambda e: (e.summary.received, e.reference))


def normal_reference(text: str) -> str:
    from functions.forms.domain.reference import is_reference

    reference = text.strip().upper()
    if not is_reference(reference):
        raise Unclear(f"'{text}' is not a reference: a reference is 8 letters and digits, like ABCD2345.")
    return reference


def find(team: TeamServices, reference: str, now: dt.datetime) -> Entry:
    reference = normal_reference(reference)
    for entry in entries(team, now):
        if entry.reference == reference:
            return entry
    raise TeamError(f"No stored submission has the reference {reference}. `list` shows every one we hold.")


def email_fields(form: str) -> list[Field]:
    """The questions of a form that hold an email address."""
    return [f for f in get_form(form).leaves() if f.schema.get("format") == "email" or f.widget == "email"]


def _answer(answers: Any, path: str) -> Any:
    for part in path.split("."):
        answers = answers.get(part) if isinstance(answers, dict) else None
    return answers


def normal_address(text: str) -> str:
    address = text.strip()
    if (
        address.count("@") != 1
        or any(c.isspace() for c in address)
        or address.startswith("@")
        or address.endswith("@")
    ):
        raise Unclear(f"'{text}' is not an email address: write it whole, like name@example.com.")
    return address.casefold()


def with_email(team: TeamServices, address: str, now: dt.datetime) -> list[Entry]:
    """Every submission with an email answer equal to the address (case does not count)."""
    wanted = normal_address(address)
    return [
        e
        for e in entries(team, now)
        if any(
            isinstance(value := _answer(e.record.get("answers"), f.path), str)
            and value.strip().casefold() == wanted
            for f in email_fields(e.form)
        )
    ]


def chosen(team: TeamServices, now: dt.datetime, reference: str | None, address: str | None) -> list[Entry]:
    """The submissions a data request is about: one reference, or every one naming an email address."""
    if (reference is None) == (address is None):
        raise Unclear("Give either a reference or --email ADDRESS (one of them, not both).")
    if reference is not None:
        return [find(team, reference, now)]
    assert address is not None
    found = with_email(team, address, now)
    if not found:
        raise TeamError("No stored submission gives that email address. Nothing was done.")
    return found


# list, show, export ----------------------------------------------------------------------------------------------


def listed(
    team: TeamServices,
    now: dt.datetime,
    form: str | None = None,
    since: dt.date | None = None,
    status: str | None = None,
) -> list[d.Summary]:
    if form is not None and form not in FORM_FILES:
        raise Unclear(f"There is no form called '{form}'. The forms are: {', '.join(FORM_FILES)}.")
    if status is not None and status not in d.STATUSES:
        raise Unclear(f"A status is one of: {', '.join(d.STATUSES)}.")
    return [
        e.summary
        for e in entries(team, now)
        if (form is None or e.form == form)
        and (since is None or e.summary.received.date() >= since)
        and (status is None or e.summary.status == status)
    ]


def _describe(entry: Entry, now: dt.datetime) -> list[str]:
    """What we know of a submission beside its answers: status and dates."""
    times = entry.times
    lines = [f"Status: {entry.summary.status}"]
    for what, words in (
        ("sent", "Team's email sent"),
        ("copy.sent", "Family's confirmation sent"),
        ("released", "Released (not spam)"),
    ):
        if what in times:
            lines.append(f"{words}: {times[what]:%Y-%m-%d %H:%M} UTC")
    lines.append(f"Contact deadline: {entry.summary.deadline_words(now.date())}")
    return lines


def show(team: TeamServices, reference: str, now: dt.datetime) -> str:
    """Every answer, as in the team's email (its text part, made today), after the submission's status."""
    from functions.forms.domain.message import build_message

    entry = find(team, reference, now)
    files = _answer(entry.record.get("answers"), get_form(entry.form).settings.files_field or "")
    extra = (
        [f"Files: {len(files)}. Get them with the access command."]
        if isinstance(files, list) and files
        else []
    )
    settings = team.services.settings
    message = build_message(
        entry.genuine, sender=settings.mail_from, to=settings.team_email, today=now.date(), extra_lines=extra
    )
    body = message.get_body(("plain",))
    assert body is not None
    text = str(body.get_content()).replace("\r\n", "\n")
    return "\n".join([*_describe(entry, now), f"Subject: {message['Subject']}", "", text])


def export_csv(
    team: TeamServices, now: dt.datetime, since: dt.date | None = None, form: str | None = None
) -> tuple[str, int]:
    """(CSV text, rows): one row per submission, one column per question headed by its label (x-email-label or
    title); every cell made safe for spreadsheets."""
    import csv

    if form is not None and form not in FORM_FILES:
        raise Unclear(f"There is no form called '{form}'. The forms are: {', '.join(FORM_FILES)}.")
    chosen_entries = [
        e
        for e in entries(team, now)
        if (form is None or e.form == form) and (since is None or e.summary.received.date() >= since)
    ]
    forms = [form] if form else list(FORM_FILES)
    columns: list[tuple[str, Field]] = [
        (name, f) for name in forms for f in get_form(name).leaves() if f.widget not in {"hidden", "honeypot"}
    ]
    labels = [f.email_label for _, f in columns]
    repeated = {label for label, count in Counter(labels).items() if count > 1}
    titles = {name: get_form(name).settings.email_title or get_form(name).title for name in forms}
    heading = ["Reference", "Form", "Received (UTC)", "Status", "Contact deadline"] + [
        f"{titles[name]}: {f.email_label}" if f.email_label in repeated else f.email_label
        for name, f in columns
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([d.spreadsheet_safe(cell) for cell in heading])
    for e in chosen_entries:
        answers = e.record.get("answers") or {}
        row = [
            e.reference,
            e.summary.title,
            f"{e.summary.received:%Y-%m-%d %H:%M}",
            e.summary.status,
            e.summary.deadline.isoformat() if e.summary.deadline else "",
        ] + [d.cell_text(f, _answer(answers, f.path)) if name == e.form else "" for name, f in columns]
        writer.writerow([d.spreadsheet_safe(cell) for cell in row])
    return out.getvalue(), len(chosen_entries)


# resend, release -------------------------------------------------------------------------------------------------


def resend(team: TeamServices, reference: str, now: dt.datetime) -> str:
    """The team's email again. Not sent before: delivered as the worker would (then the family's copy, when it is
    due). Sent before: built again today (its subject's URGENT or LATE as of today, fresh 7-day file links) and
    sent as it is; the markers are left as they were. Raises MailError when the mail service fails."""
    from functions.forms.application.deliver import deliver
    from functions.forms.application.uploads import email_files
    from functions.forms.domain.message import build_message

    entry = find(team, reference, now)
    services = team.services
    if "sent" not in entry.times:
        result = deliver(services, entry.form, entry.submission_id)
        log.info("resend form=%s reference=%s result=%s", entry.form, entry.reference, result)
        if result == "already-sent":
            return f"{entry.reference} is being sent by another delivery right now: `list` shows when it has gone."
        held = " It is held as possible spam: the email says so, and the family's copy waits for `release`."
        return f"{entry.reference} had not been emailed yet: the team's email has been sent now.{held if result == 'held' else ''}"
    form = get_form(entry.form)
    attachments: list[tuple[str, str, bytes]] = []
    lines: list[str] = []
    if form.settings.files_field:
        attachments, lines = email_files(entry.genuine, form, services)
    message = build_message(
        entry.genuine,
        sender=services.settings.mail_from,
        to=services.settings.team_email,
        today=now.date(),
        attachments=attachments,
        extra_lines=lines,
    )
    services.mailer.send(message)
    log.info("resend form=%s reference=%s result=sent-again", entry.form, entry.reference)
    return (
        f"Sent the team's email for {entry.reference} again (it first went on {entry.times['sent']:%Y-%m-%d %H:%M} "
        f"UTC). Its subject is as of today: {message['Subject']}"
    )


def release(team: TeamServices, reference: str, now: dt.datetime) -> str:
    """A submission held as possible spam is genuine: it is listed as new, and the family's copy goes out if they
    asked for one (never before this). Running it again retries a copy that failed. Raises MailError."""
    from functions.forms.application.deliver import release as deliver_release

    entry = find(team, reference, now)
    if not entry.record.get("suspected_spam"):
        raise TeamError(f"{entry.reference} was not held as possible spam: there is nothing to release.")
    again = "released" in entry.times
    if not again:
        team.records.put_marker(entry.form, entry.submission_id, "released")
    outcome = deliver_release(team.services, entry.form, entry.submission_id, entry.record)
    log.info("released form=%s reference=%s copy=%s", entry.form, entry.reference, outcome)
    first = (
        f"{entry.reference} was released on {entry.times['released']:%Y-%m-%d %H:%M} UTC already."
        if again
        else f"Released {entry.reference}: it is now listed as new."
    )
    copy = {
        "copy-sent": "The family's confirmation email has been sent to the address they gave.",
        "copy-was-sent": "The family's confirmation email had been sent already.",
        "no-copy": "The family did not ask for a confirmation email, so none was sent.",
    }[outcome]
    return f"{first} {copy}"


# access and erase (UK GDPR articles 15 and 17) --------------------------------------------------------------------


def _upload_ids(entry: Entry) -> list[str]:
    from functions.forms.domain import files as f

    name = get_form(entry.form).settings.files_field
    ids = _answer(entry.record.get("answers"), name) if name else None
    return [i for i in ids if f.is_upload_id(i)] if isinstance(ids, list) else []


def _upload_keys(upload_id: str) -> list[str]:
    from functions.forms.domain.files import clean_key, incoming_key

    return [clean_key(upload_id), clean_key(upload_id) + ".json", incoming_key(upload_id)]


def access_readme(
    asked_for: str, references: Sequence[str], emails_included: bool, contact: Mapping[str, Any]
) -> str:
    emails = (
        "- emails/: the emails our system sent about your request (to our team, and your confirmation if you asked "
        "for one), as they were sent.\n"
        if emails_included
        else ""
    )
    return f"""Your information held by {contact["service_name"]}

You asked us what information we hold about you (a subject access request, article 15 of the UK GDPR).
This file holds everything our website's forms stored for {asked_for}: {len(references)} request(s),
reference(s) {", ".join(references)}.

WHAT IS IN IT

There is one folder for each request, named by its reference number. In it:
- answers.txt: your answers, laid out as our team received them by email.
- record.json: the same answers exactly as our system stored them, with when they arrived and the language of
  the form.
- delivery.json: the dates and times our system emailed our team, sent you a confirmation, or similar.
- files/: any drawings or recordings sent with the form, as we keep them (details hidden inside files, such as
  where a photo was taken, were removed where we could), and a short note about each file.
{emails}
WHAT IS NOT IN IT

- The emails in our team's mailbox. Each request was emailed to our team when it arrived. Those emails, and any
  replies, notes or case records our team made afterwards, are kept by our team, not by the website, and are not
  in this file. Ask us if you want copies of them too.
- Our daily summary emails to the team, which list the reference numbers of many people's requests.
- Counts of how our forms are used (how many were opened, sent or had a mistake): they hold nothing about you.

If something is missing or wrong, or you want us to delete it, contact us: {contact["phone"]} or {contact["email"]}.
"""


def access(
    team: TeamServices, matched: Sequence[Entry], asked_for: str, now: dt.datetime
) -> tuple[bytes, dict[str, int]]:
    """One zip of every record and file we hold for the submissions matched, and a README.txt; with counts."""
    import zipfile

    from functions.forms.domain import files as f
    from functions.forms.domain.facts import facts
    from functions.forms.domain.message import build_message

    counts: Counter[str] = Counter()
    buffer = io.BytesIO()
    store = team.services.uploads
    settings = team.services.settings
    emails_included = False
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for entry in matched:
            folder = entry.reference
            archive.writestr(
                f"{folder}/record.json", json.dumps(entry.record, ensure_ascii=False, indent=2) + "\n"
            )
            message = build_message(entry.genuine, sender=settings.mail_from, to=settings.team_email)
            body = message.get_body(("plain",))
            assert body is not None
            archive.writestr(f"{folder}/answers.txt", str(body.get_content()).replace("\r\n", "\n"))
            delivery = {
                what: when.isoformat(timespec="seconds") for what, when in sorted(entry.times.items())
            }
            archive.writestr(f"{folder}/delivery.json", json.dumps(delivery, indent=2) + "\n")
            counts["records"] += 1
            for number, upload_id in enumerate(_upload_ids(entry), start=1):
                clean, description, original = _upload_keys(upload_id)
                if store.size(clean) is not None:
                    data = store.read(clean)
                    try:
                        name = f.email_name(f.judge(data), number)
                    except f.FileRefused:
                        name = f"file-{number}"
                    archive.writestr(f"{folder}/files/{name}", data)
                    counts["files"] += 1
                    if store.size(description) is not None:
                        archive.writestr(f"{folder}/files/{name}.json", store.read(description))
                if store.size(original) is not None:  # as it was sent (only while it is being checked)
                    archive.writestr(f"{folder}/files/file-{number}-as-sent", store.read(original))
                    counts["files"] += 1
            for name, raw in team.outbox.about(entry.reference):
                archive.writestr(f"{folder}/emails/{name}", raw)
                counts["emails"] += 1
                emails_included = True
        readme = access_readme(asked_for, [e.reference for e in matched], emails_included, facts())
        archive.writestr("README.txt", readme)
    log.info("access references=%s records=%s files=%s", len(matched), counts["records"], counts["files"])
    return buffer.getvalue(), dict(counts)


def erase(team: TeamServices, matched: Sequence[Entry], really: bool) -> list[str]:
    """Delete every record, marker, claim and file kept for the submissions matched (only when `really`); a
    receipt of what was (or would be) deleted: references and counts, never contents."""
    store = team.services.uploads
    lines = []
    for entry in matched:
        keys = [key for upload_id in _upload_ids(entry) for key in _upload_keys(upload_id)]
        present = [key for key in keys if store.size(key) is not None]
        kept = ["record", *sorted(what for what in entry.times if what != "json")]
        if really:
            for key in present:
                store.delete(key)
            kept = team.records.erase(entry.form, entry.submission_id)
            log.info("erased form=%s reference=%s uploads=%s", entry.form, entry.reference, len(present))
        markers = [what for what in kept if what != "record"]
        lines.append(
            f"{entry.reference} ({entry.summary.title}): {'the record' if 'record' in kept else 'no record'}, "
            f"{len(markers)} delivery marker(s){' (' + ', '.join(markers) + ')' if markers else ''}, "
            f"{len(present)} uploaded file object(s)"
        )
    return lines


# The daily summary -----------------------------------------------------------------------------------------------


def _linked_files(team: TeamServices, entry: Entry) -> list[tuple[str, str]]:
    """(upload id, name in the email) of each file the team's email linked rather than attached: the same rule as
    application/uploads.email_files (attached in order up to 10 MB in all), from the sizes kept."""
    from functions.forms.domain import files as f

    store = team.services.uploads
    total, linked = 0, []
    for number, upload_id in enumerate(_upload_ids(entry), start=1):
        size = store.size(f.clean_key(upload_id))
        if size is None:
            continue
        if total + size <= f.EMAIL_ATTACH_BYTES:
            total += size
            continue
        found = f.sniff(store.read(f.clean_key(upload_id), first=f.SNIFF_BYTES))
        linked.append((upload_id, f.email_name(found, number) if found else f"file-{number}"))
    return linked


def expiring_links(
    team: TeamServices, all_entries: Iterable[Entry], now: dt.datetime
) -> list[d.ExpiringLink]:
    """Links in the team's emails that stop working within 2 days (a link lives LINK_DAYS from its email)."""
    from functions.forms.domain.file_tokens import LINK_DAYS

    found = []
    for entry in all_entries:
        sent = entry.times.get("sent")
        if sent is None or not get_form(entry.form).settings.files_field:
            continue
        expires = sent + dt.timedelta(days=LINK_DAYS)
        if not now < expires <= now + LINKS_WARNING:
            continue
        try:
            linked = _linked_files(team, entry)
        except StorageError:  # a file gone (erased, expired): its link no longer matters
            log.warning("file sizes not read form=%s reference=%s", entry.form, entry.reference)
            continue
        found += [d.ExpiringLink(entry.reference, name, expires) for _, name in linked]
    return found


def wanted_figures() -> list[tuple[str, dict[str, str]]]:
    """Every count the figures are made of: per form, and errors per question of each form."""
    wanted: list[tuple[str, dict[str, str]]] = [(SHOWN, {"Form": UNKNOWN_FORM})]
    for name in FORM_FILES:
        wanted += [(metric, {"Form": name}) for metric in (SHOWN, CHECKED, SENT)]
        paths = [*get_form(name).by_path(), OTHER_FIELD]
        wanted += [(FIELD_ERRORS, {"Form": name, "Field": path}) for path in paths]
    return wanted


def form_figures(tallies: Iterable[Tally]) -> list[d.FormFigures]:
    """Each form's totals over the tallies given, with its questions by errors (the most first)."""
    totals: Counter[tuple[str, str]] = Counter()
    errors: dict[str, Counter[str]] = {name: Counter() for name in FORM_FILES}
    for tally in tallies:
        name = tally.dimensions.get("Form", "")
        if tally.name == FIELD_ERRORS and name in errors:
            errors[name][tally.dimensions.get("Field", OTHER_FIELD)] += tally.value
        else:
            totals[(name, tally.name)] += tally.value
    result = []
    for name in FORM_FILES:
        form = get_form(name)
        paths = form.by_path()
        questions = tuple(
            (paths[path].email_label if path in paths else "Other", count)
            for path, count in sorted(errors[name].items(), key=lambda item: (-item[1], item[0]))
        )
        result.append(
            d.FormFigures(
                form.settings.email_title or form.title,
                totals[(name, SHOWN)],
                totals[(name, CHECKED)],
                totals[(name, SENT)],
                questions,
            )
        )
    if totals[(UNKNOWN_FORM, SHOWN)]:
        result.append(d.FormFigures("Page not known", totals[(UNKNOWN_FORM, SHOWN)], 0, 0, only_shown=True))
    return result


def read_figures(team: TeamServices, first: dt.date, last: dt.date) -> list[Tally]:
    if team.figures is None:
        raise TeamError(team.figures_note or "The figures cannot be read here.")
    return team.figures.read(first, last, wanted_figures())


def stats(team: TeamServices, first: dt.date, last: dt.date) -> list[str]:
    """The figures day by day, then in all, as lines to print."""
    if first > last:
        raise Unclear("--since must be on or before --until.")
    tallies = read_figures(team, first, last)
    lines = [
        f"Figures from {d.long_date(first)} to {d.long_date(last)} (UTC days; no cookies, no personal data)",
        "",
    ]
    by_day: dict[dt.date, list[Tally]] = {}
    for tally in tallies:
        by_day.setdefault(tally.day, []).append(tally)
    lines.append("Day         Form            Shown  Check  Sent  Errors")
    for day in sorted(by_day):
        for figures in form_figures(by_day[day]):
            errors = sum(count for _, count in figures.errors)
            if figures.shown or figures.checked or figures.sent or errors:
                lines.append(
                    f"{day.isoformat()}  {figures.title[:14].ljust(14)}  {figures.shown:5}  {figures.checked:5}  "
                    f"{figures.sent:4}  {errors:6}"
                )
    if not by_day:
        lines.append("(nothing counted on these days)")
    lines += ["", "In all:", *d.figures_lines(form_figures(tallies), most_errors=10)]
    return lines


def build(team: TeamServices, now: dt.datetime, weekly: bool | None = None) -> d.Digest:
    """The daily summary's facts; the week's figures on Mondays (or when `weekly`)."""
    all_entries = entries(team, now)
    dead, unread = None, False
    try:
        dead = team.dead_letters.depth()
    except StorageError:
        unread = True
    digest = d.Digest(
        now=now,
        new=tuple(e.summary for e in all_entries if e.recent(now) and e.summary.status != d.HELD),
        held=tuple(e.summary for e in all_entries if e.summary.status == d.HELD),
        pending=tuple(e.summary for e in all_entries if "sent" not in e.times),
        expiring=tuple(expiring_links(team, all_entries, now)),
        dead_letters=dead,
        dead_letters_unread=unread,
        command=team.command,
    )
    if not (now.weekday() == 0 if weekly is None else weekly):
        return digest
    first, last = now.date() - 7 * DAY, now.date() - DAY
    week = [
        e for e in all_entries if first <= e.summary.received.date() <= last and e.summary.status != d.HELD
    ]
    counted = Counter(e.form for e in week)
    received = {(get_form(n).settings.email_title or get_form(n).title): counted[n] for n in FORM_FILES}
    figures: tuple[d.FormFigures, ...] | None = None
    note = team.figures_note
    if team.figures is not None:
        try:
            figures, note = tuple(form_figures(team.figures.read(first, last, wanted_figures()))), ""
        except StorageError:
            note = "The figures could not be read this time: " + (
                team.figures_note or "try the stats command."
            )
    return digest._replace(
        figures=figures,
        figures_note=note,
        week_received=dict(received),
        first_day=first,
        last_day=last,
    )


def send_digest(team: TeamServices, now: dt.datetime, weekly: bool | None = None) -> d.Digest:
    """Build the daily summary and email it to the team. Raises MailError when the mail service fails."""
    digest = build(team, now, weekly)
    settings = team.services.settings
    team.services.mailer.send(d.build_digest(digest, sender=settings.mail_from, to=settings.team_email))
    log.info(
        "digest sent new=%s held=%s pending=%s links=%s",
        len(digest.new),
        len(digest.held),
        len(digest.pending),
        len(digest.expiring),
    )
    return digest


_STACK_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,127}")


def digest_event(team: TeamServices, event: Mapping[str, Any]) -> dict[str, Any]:
    """The worker's scheduled event ({"digest": "daily", "stack": NAME}): the summary, sent to the team."""
    if event.get("digest") != "daily":
        log.warning("digest event not understood")
        return {"digest": "not understood"}
    stack = event.get("stack")
    if isinstance(stack, str) and _STACK_NAME.fullmatch(
        stack
    ):  # so the summary says how to run a verb on AWS
        team = team._replace(command=f"python -m functions.team {{verb}} --stack {stack}")
    digest = send_digest(team, dt.datetime.now(dt.UTC))
    return {"digest": {"new": len(digest.new), "held": len(digest.held), "pending": len(digest.pending)}}


# Counting, for the figures (called by the web layer and submit: one line each) --------------------------------


def form_of_page(referer: str, site_path: str) -> str:
    """The form whose page asked for a token, from the Referer's path alone (never kept: only the form's name is
    counted); UNKNOWN_FORM when it is not one of our forms' pages."""
    try:
        path = urlsplit(referer).path
    except ValueError:
        return UNKNOWN_FORM
    if not path.startswith(site_path):
        return UNKNOWN_FORM
    rest = path[len(site_path) :]
    lang = rest.split("/", 1)[0]
    if lang in LANGUAGES and rest.startswith(page_prefix(lang)):
        rest = rest[len(page_prefix(lang)) :]
    rest = rest if rest.endswith("/") else rest + "/"
    for name in FORM_FILES:
        if rest == get_form(name).settings.page:
            return name
    return UNKNOWN_FORM


def _count(services: Services, name: str, dimensions: dict[str, str]) -> None:
    """Figures never stop a form: a count that fails is logged and dropped."""
    try:
        services.metrics.count_for(name, dimensions)
    except Exception as exc:
        log.warning("count failed name=%s kind=%s", name, type(exc).__name__)


def count_shown(services: Services, referer: str) -> None:
    """A form was shown: its page asked for the time trap's token."""
    _count(services, SHOWN, {"Form": form_of_page(referer, services.settings.site_path)})


def count_checked(services: Services, form: str) -> None:
    """The check-your-answers step was reached (the answers were complete)."""
    _count(services, CHECKED, {"Form": form})


def count_sent(services: Services, form: str, new: bool) -> None:
    """A form was sent and stored (a repeat of one already stored is not counted again)."""
    if new:
        _count(services, SENT, {"Form": form})


def count_errors(services: Services, form: str, errors: Iterable[FieldError]) -> None:
    """One count per question with an error: the question's path from the schema, never what was typed."""
    paths = get_form(form).by_path()
    for error in errors:
        _count(
            services,
            FIELD_ERRORS,
            {"Form": form, "Field": error.field if error.field in paths else OTHER_FIELD},
        )
