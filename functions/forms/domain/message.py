"""Build the team's email for a submission: text and HTML parts, every answer labelled as on the form.

And the family's confirmation (build_family_copy), when they ask for one: their reference, what happens next and
how to reach the team, with none of their answers.

Both are the standard library's EmailMessage with the SMTP policy (CRLF line ends, as SES wants): its header
registry encodes non-ASCII words, folds long lines and refuses a line break in any header, so an answer can never
start a header of its own. The HTML parts are templates (templates/email.html, family_copy.html), autoescaped.
They are built by the worker, not while a family waits for the form to be sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid
from typing import Any, NamedTuple

from functions.forms.domain import html, i18n, languages
from functions.forms.domain.schemas import Field, Form, get_form


def _value_text(field: Field, value: Any) -> str:
    if value is None or value == "":
        return "Not given"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if field.widget == "date" and isinstance(value, str):
        try:
            return _long_date(dt.date.fromisoformat(value))
        except ValueError:
            return value
    if "enum" in field.schema:
        return field.option_label(value)
    if field.widget == "files" and isinstance(value, list):
        # Files are stored under server-made ids, which tell the team nothing: each file's name as sent, what it
        # is and its size are at the top of the email (application/uploads.email_files).
        if not value:
            return "None"
        return f"{len(value)} file{'s' if len(value) != 1 else ''}: named at the top of this email"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "None"
    return str(value)


def _long_date(day: dt.date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def _get(answers: dict[str, Any], path: str) -> Any:
    value: Any = answers
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def deadline_lines(form: Form, answers: dict[str, Any], today: dt.date) -> tuple[list[str], bool]:
    """What the decision letter's date means, and whether it is urgent (contact deadline near or past)."""
    path = form.settings.deadline_field
    letter = _get(answers, path) if path else None
    if not letter:
        return [], False
    from functions.forms.domain import deadlines  # only forms with a deadline need the calendar
    from functions.forms.domain.facts import facts

    try:
        contact_by = deadlines.contact_deadline(dt.date.fromisoformat(letter))
    except (ValueError, deadlines.DeadlineError):
        return [], False
    days_left = (contact_by - today).days
    urgent = days_left <= int(facts()["urgent_within_days"])
    months = facts()["contact_window_months"]
    if days_left < 0:
        line = f"URGENT: the {months}-month date to contact us was {_long_date(contact_by)}, {-days_left} days ago."
    elif urgent:
        line = (
            f"URGENT: the {months}-month date to contact us is {_long_date(contact_by)}, in {days_left} days."
        )
    else:
        line = f"The {months}-month date to contact us is {_long_date(contact_by)} (in {days_left} days)."
    return [line], urgent


class Row(NamedTuple):
    """One row of the answers: a "section" heading, a "value" under it, or a labelled "answer"."""

    kind: str
    label: str
    value: str


class Note(NamedTuple):
    """A line under the reference; a loud one (URGENT, IMPORTANT) is bold and red in the HTML part."""

    text: str
    loud: bool


def _rows(fields: tuple[Field, ...], answers: dict[str, Any], top: bool = True) -> list[Row]:
    """Rows in form order: a 'section' row, then its 'answer' rows.

    A question at the top level is a section of its own, so that it never reads as part of the one above.
    """
    rows: list[Row] = []
    for field in fields:
        if field.widget in {"hidden", "honeypot"}:
            continue
        value = answers.get(field.name) if isinstance(answers, dict) else None
        if field.children:
            rows.append(Row("section", field.label, ""))
            rows.extend(_rows(field.children, value if isinstance(value, dict) else {}, top=False))
        elif top:
            rows.append(Row("section", field.email_label, ""))
            rows.append(Row("value", "", _value_text(field, value)))
        else:
            rows.append(Row("answer", field.email_label, _value_text(field, value)))
    return rows


LOUD = ("URGENT", "IMPORTANT", "POSSIBLE SPAM")  # notes shown in bold red
SPAM_NOTE = (
    "POSSIBLE SPAM: this form was sent faster than a person usually fills it in, so it may come from a script. "
    "It may also be a family who had typed their answers before and sent them quickly. The family's "
    "confirmation email has not been sent. If the request is genuine, deal with it like any other."
)
MESSAGE_ID_DOMAIN = "send-mediation.local"
# The family copy's words (domain/i18n.py), in its text and HTML parts.
COPY_WORDS = (
    "copy_subject",
    "copy_heading",
    "copy_reference",
    "copy_keep",
    "copy_next",
    "copy_contact",
    "copy_contact_line",
    "copy_private",
    "copy_not_you",
)


def top_lines(form: Form, answers: dict[str, Any]) -> list[str]:
    """Answers the form puts at the top of the email (x-form email_top_fields); an x-email-alert line first."""
    alerts, lines = [], []
    for path in form.settings.email_top_fields:
        field = form.by_path()[path]
        value = _get(answers, path)
        alert = field.schema.get("x-email-alert", {}).get(value) if isinstance(value, str) else None
        if alert:
            alerts.append(f"IMPORTANT: {alert}")
        lines.append(f"{field.email_label}: {_value_text(field, value)}")
    return [*alerts, *lines]


def subject_for(form: Form, answers: dict[str, Any], reference: str) -> str:
    """The form's name, its kind of request and the reference: never a child's details."""
    title = form.settings.email_title or form.title
    kind_path = form.settings.email_subject_field
    if kind_path:
        field = form.by_path()[kind_path]
        kind = _get(answers, kind_path)
        if kind:
            return f"{title}: {field.option_label(kind)} - {reference}"
    return f"{title} - {reference}"


def contact_deadline_for(form: Form, answers: dict[str, Any]) -> dt.date | None:
    """The date to contact us by (from the decision letter's date), or None when the form or answer has none."""
    path = form.settings.deadline_field
    letter = _get(answers, path) if path else None
    if not isinstance(letter, str) or not letter:
        return None
    from functions.forms.domain import deadlines  # only forms with a deadline need the calendar

    try:
        return deadlines.contact_deadline(dt.date.fromisoformat(letter))
    except (ValueError, deadlines.DeadlineError):
        return None


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"


def subject_flags(form: Form, answers: dict[str, Any], today: dt.date) -> list[str]:
    """The words a subject starts with, so that the team's mailbox sorts itself: URGENT or LATE (the contact
    deadline as of `today`), and the tag of an answer's x-email-alert ('MEDIATOR ONLY'). Never an answer."""
    from functions.forms.domain.facts import facts

    flags = []
    contact_by = contact_deadline_for(form, answers)
    if contact_by is not None:
        days_left = (contact_by - today).days
        if days_left < 0:
            flags.append(f"LATE (contact deadline passed {_days(-days_left)} ago)")
        elif days_left == 0:
            flags.append("URGENT (contact deadline today)")
        elif days_left <= int(facts()["urgent_within_days"]):
            flags.append(f"URGENT (contact deadline in {_days(days_left)})")
    for path in form.settings.email_top_fields:
        value = _get(answers, path)
        alert = (
            form.by_path()[path].schema.get("x-email-alert", {}).get(value)
            if isinstance(value, str)
            else None
        )
        # The schema's alert starts with its tag in capitals ("MEDIATOR ONLY: they chose..."): the tag alone goes
        # in the subject, the whole alert stays at the top of the body.
        tag = alert.split(":", 1)[0].strip() if isinstance(alert, str) and ":" in alert else ""
        if tag and tag.isupper():
            flags.append(tag)
    return flags


def _reply_to(form: Form, answers: dict[str, Any]) -> Address | None:
    path = form.settings.reply_to_field
    return _address(_get(answers, path) if path else None)


def language_lines(record: dict[str, Any]) -> list[str]:
    """The family's language, when the form was not in English (the email itself stays in English)."""
    lang = record.get("lang") or languages.DEFAULT
    if not isinstance(lang, str) or lang.split("-", 1)[0].lower() == languages.DEFAULT:
        return []
    return [f"Language: {languages.language_name(lang)}. The family used the form in this language."]


def _address(value: Any) -> Address | None:
    """An answer as one email address for a header, or None: it must parse as an addr-spec alone (no display
    name, no second address, no line break), so that an answer can never add a header or a recipient."""
    if not isinstance(value, str) or "@" not in value:
        return None
    try:
        return Address(addr_spec=value)
    except (ValueError, IndexError, TypeError):  # a header defect is a ValueError
        return None


def family_copy_address(record: dict[str, Any]) -> Address | None:
    """Where the family's confirmation goes: only when they ticked the box and gave an email address."""
    form = get_form(record["form"])
    wanted_path = form.settings.copy_field
    email_path = form.settings.copy_email_field
    answers = record.get("answers") or {}
    if not wanted_path or not email_path or _get(answers, wanted_path) is not True:
        return None
    return _address(_get(answers, email_path))


def build_family_copy(record: dict[str, Any], *, sender: str, reply_to: str) -> EmailMessage | None:
    """The family's confirmation: reference, what happens next, how to contact us. None unless they asked.

    It never holds an answer (a shared inbox should reveal little): only the reference, the form's own words and
    the service's facts. It is in the family's language when that form has a catalogue for it, else English.
    Replies go to the team (Reply-To).
    """
    to = family_copy_address(record)
    if to is None:
        return None
    from functions.forms.domain.facts import facts

    lang = languages.supported(record.get("lang"))
    if not i18n.catalogue(record["form"], lang):
        lang = languages.DEFAULT
    form = get_form(record["form"], lang)
    table = facts()
    reference = str(record["reference"])

    values = {"reference": reference, "short_name": table["short_name"], "phone": table["phone"]}
    values["email"] = table["email"]

    def t(key: str) -> str:
        own = form.settings.copy_words.get(key)  # a child's views are not "a request"
        return own.format(**values) if own else i18n.text(key, lang, **values)

    words = {key: t(key) for key in COPY_WORDS}
    # What happens next for the service asked for (a MIAS and mediation, a certificate, disagreement resolution).
    steps = [str(step) for step in form.next_steps_for(record.get("answers") or {})]
    message = EmailMessage(policy=SMTP)
    message["Subject"] = words["copy_subject"]
    message["From"] = sender
    message["To"] = to
    message["Reply-To"] = reply_to
    message["Auto-Submitted"] = "auto-generated"
    message["Message-ID"] = make_msgid(idstring=f"{reference}-copy", domain=MESSAGE_ID_DOMAIN)
    if record.get("received_at"):
        message["Date"] = dt.datetime.fromisoformat(record["received_at"])

    w = words
    lines = [w["copy_heading"], "", w["copy_reference"], w["copy_keep"], "", w["copy_next"], ""]
    lines += [f"{number}. {step}" for number, step in enumerate(steps, start=1)]
    lines += ["", w["copy_contact"], "", w["copy_contact_line"], "", w["copy_private"], w["copy_not_you"]]
    message.set_content("\n".join(lines) + "\n")
    direction = "rtl" if lang in languages.RTL else "ltr"
    page = html.render("family_copy.html", lang=lang, dir=direction, t=words, steps=steps)
    message.add_alternative(page, subtype="html")
    # After the parts: a Content- header set before them would move into the text part with the others.
    message["Content-Language"] = lang
    return message


def build_message(
    record: dict[str, Any],
    *,
    sender: str,
    to: str,
    today: dt.date | None = None,
    attachments: Sequence[tuple[str, str, bytes]] = (),
    extra_lines: Sequence[str] = (),
) -> EmailMessage:
    """The team's email for a stored submission."""
    form = get_form(record["form"])
    answers = record["answers"]
    reference = record["reference"]
    received = dt.datetime.fromisoformat(record["received_at"])
    today = today or received.date()
    notes, urgent = deadline_lines(form, answers, today)
    notes = [*language_lines(record), *top_lines(form, answers), *notes, *extra_lines]
    subject = subject_for(form, answers, reference)
    for flag in reversed(subject_flags(form, answers, today)):
        subject = f"{flag}: {subject}"
    if record.get("suspected_spam"):  # every stored submission reaches a person, marked for what it may be
        notes.insert(0, SPAM_NOTE)
        subject = f"POSSIBLE SPAM: {subject}"

    message = EmailMessage(policy=SMTP)
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = to
    reply_to = _reply_to(form, answers)
    if reply_to is not None:
        message["Reply-To"] = reply_to
    message["Date"] = received
    message["Message-ID"] = make_msgid(idstring=reference, domain=MESSAGE_ID_DOMAIN)
    if urgent:
        message["Importance"] = "high"
        message["X-Priority"] = "1"

    rows = _rows(form.fields, answers)
    title = form.settings.email_title or form.title
    received_words = f"{received:%A %d %B %Y at %H:%M}"
    text_lines = [title, f"Reference: {reference}", f"Received: {received_words} (UTC)", *notes, ""]
    for kind, label, value in rows:
        indented = value.replace("\n", "\n    ")
        if kind == "section":
            text_lines += ["", label.upper(), "-" * len(label)]
        elif kind == "value":
            text_lines.append(f"    {indented}")
        else:
            text_lines.append(f"{label}\n    {indented}")
    footer = "Reply to this email to write to the family, where they gave an email address."
    text_lines += ["", form.settings.email_footer or footer]
    message.set_content("\n".join(text_lines) + "\n")
    page = html.render(
        "email.html",
        title=title,
        reference=reference,
        received=received_words,
        notes=[Note(note, note.startswith(LOUD)) for note in notes],
        rows=rows,
    )
    message.add_alternative(page, subtype="html")
    for filename, content_type, data in attachments:
        maintype, _, subtype = content_type.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message
