"""Build the team's email for a submission: text and HTML parts, every answer labelled as on the form.

And the family's confirmation (build_family_copy), when they ask for one: their reference, what happens next and
how to reach the team, with none of their answers.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
import secrets
import sys
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from functools import lru_cache
from html import escape
from typing import Any

from functions.forms.domain import i18n, languages
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


def _rows(fields: tuple[Field, ...], answers: dict[str, Any], top: bool = True) -> list[tuple[str, str, str]]:
    """(kind, label, value) rows in form order: a 'section' row, then its 'answer' rows.

    A question at the top level is a section of its own, so that it never reads as part of the one above.
    """
    rows: list[tuple[str, str, str]] = []
    for field in fields:
        if field.widget in {"hidden", "honeypot"}:
            continue
        value = answers.get(field.name) if isinstance(answers, dict) else None
        if field.children:
            rows.append(("section", field.label, ""))
            rows.extend(_rows(field.children, value if isinstance(value, dict) else {}, top=False))
        elif top:
            rows.append(("section", field.email_label, ""))
            rows.append(("value", "", _value_text(field, value)))
        else:
            rows.append(("answer", field.email_label, _value_text(field, value)))
    return rows


LOUD = ("URGENT", "IMPORTANT")  # notes shown in bold red


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


def _reply_to(form: Form, answers: dict[str, Any]) -> str | Address | None:
    path = form.settings.reply_to_field
    return _address(_get(answers, path) if path else None)


# Building an email with `EmailMessage` spends most of its time in the header registry: every header set is
# parsed (and a class made for it), then parsed again to be folded when the message is written. So the headers
# are stored as the registry itself would write them (`set_raw`), and the registry is asked only when that is not
# plainly the same: see _set_header and _folded. The message is still an EmailMessage with the SMTP policy, read
# and written by the standard library as before (get_body, get_content, as_bytes).

_LINE = 78  # the SMTP policy's max_line_length: a longer header line is folded
# Patterns as text: re compiles them at their first use (and keeps them), not when a handler starts.
# Printable ASCII words with single spaces between them: never CR, LF or another control character.
_PLAIN = r"[!-~]+(?: [!-~]+)*"
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_ADDRESS = rf"{_ATEXT}(?:\.{_ATEXT})*@{_ATEXT}(?:\.{_ATEXT})*"  # dot-atom@dot-atom, ASCII


def _set_header(message: EmailMessage, name: str, value: str | Address) -> None:
    """Add a header. A short line of plain printable ASCII is stored as it is: the header registry would write
    exactly that (no encoding, no folding) and reading it back parses it as before. Anything else (an Address,
    non-ASCII, a long line, an encoded word, a line break) goes through the registry, which encodes and folds it
    and refuses CR and LF, so an answer can never start a header of its own.
    """
    if (
        isinstance(value, str)
        and len(name) + 2 + len(value) <= _LINE
        and "=?" not in value
        and re.fullmatch(_PLAIN, value)
    ):
        message.set_raw(name, value)
    else:
        message[name] = value


@lru_cache(maxsize=64)
def _folded(name: str, value: str) -> str:
    """The header's value as the registry encodes and folds it, for values that repeat (our sender and team
    addresses from the settings): parsed once per process instead of for every email."""
    scratch = EmailMessage(policy=SMTP)
    scratch[name] = value  # the registry's parse, with its refusal of CR and LF
    folded = SMTP.fold(name, scratch[name])  # "Name: value\r\n", continuation lines starting with a space
    return folded[len(name) + 1 :].removeprefix(" ").removesuffix("\r\n")


def _set_folded(message: EmailMessage, name: str, value: str) -> None:
    message.set_raw(name, _folded(name, value))


def _set_message_id(message: EmailMessage, msgid: str) -> None:
    """make_msgid's id (ASCII, no spaces) is too long for one line with its name: the registry would fold it onto
    a line of its own, as here ("Message-ID: " then CRLF and a space: folding white space, read back the same)."""
    if not re.fullmatch(_PLAIN, msgid) or " " in msgid or len(msgid) + 1 > _LINE:
        message["Message-ID"] = msgid
    elif len("Message-ID: ") + len(msgid) <= _LINE:
        message.set_raw("Message-ID", msgid)
    else:
        message.set_raw("Message-ID", "\r\n " + msgid)


def _encoded_text(text: str) -> tuple[str, str]:
    """(Content-Transfer-Encoding, payload) for a UTF-8 text part, chosen as the SMTP policy's set_content does:
    7bit or 8bit when no line is longer than 78 bytes, else quoted-printable or base64, whichever is shorter for
    the first ten lines. Both are made by the C encoders in binascii (set_content uses the pure-Python quoprimime).
    """
    lines = text.encode("utf-8").splitlines()
    if max(map(len, lines), default=0) <= _LINE:
        body = b"\n".join(lines) + b"\n"
        if body.isascii():
            return "7bit", body.decode("ascii")
        return "8bit", body.decode("ascii", "surrogateescape")  # how EmailMessage holds 8-bit text
    head = lines[:10]
    if len(binascii.b2a_qp(b"\n".join(head) + b"\n", istext=True)) <= len(
        binascii.b2a_base64(b"\r\n".join(head) + b"\r\n")
    ):
        # Line breaks stay line breaks; the generator writes them as CRLF.
        return "quoted-printable", binascii.b2a_qp(b"\n".join(lines) + b"\n", istext=True).decode("ascii")
    # RFC 2045 6.8: text is in its canonical form, CRLF line breaks, before base64.
    return "base64", base64.encodebytes(b"\r\n".join(lines) + b"\r\n").decode("ascii")


@lru_cache(maxsize=16)
def _parsed(name: str, value: str) -> Any:
    """A MIME header parsed by the registry once per process. The generator reads a part's Content-Type and
    Content-Transfer-Encoding back several times while writing it; a parsed header is read for free (a raw one
    would be parsed at each read). Parsed headers are immutable, so one can serve every message."""
    return SMTP.header_factory(name, value)


def _boundary(payloads: list[str]) -> str:
    """A multipart boundary in the generator's own style, found in no part (the generator would otherwise make
    one when writing, compiling a regular expression for it, and store it by parsing the header again)."""
    while True:
        boundary = f"==============={secrets.randbelow(sys.maxsize):019d}=="
        if not any(f"--{boundary}" in payload for payload in payloads):
            return boundary


def _alternative(message: EmailMessage, text: str, html: str) -> None:
    """Make the message multipart/alternative with its text and HTML parts."""
    parts = [("plain", *_encoded_text(text)), ("html", *_encoded_text(html))]
    boundary = _boundary([payload for _, _, payload in parts])
    message.set_raw("MIME-Version", "1.0")
    content_type = f'multipart/alternative; boundary="{boundary}"'
    message.set_raw("Content-Type", SMTP.header_factory("Content-Type", content_type))
    for subtype, encoding, payload in parts:
        part = MIMEPart(policy=SMTP)
        part.set_raw("Content-Type", _parsed("Content-Type", f'text/{subtype}; charset="utf-8"'))
        part.set_raw("Content-Transfer-Encoding", _parsed("Content-Transfer-Encoding", encoding))
        part.set_payload(payload)
        message.attach(part)


def language_lines(record: dict[str, Any]) -> list[str]:
    """The family's language, when the form was not in English (the email itself stays in English)."""
    lang = record.get("lang") or languages.DEFAULT
    if not isinstance(lang, str) or lang.split("-", 1)[0].lower() == languages.DEFAULT:
        return []
    return [f"Language: {languages.language_name(lang)}. The family used the form in this language."]


def _address(value: Any) -> str | Address | None:
    """An answer as one email address for a header, or None. A plain dot-atom address is used as it is (the
    registry would write it so); anything else must parse as an addr-spec (Address), or there is no address."""
    if not isinstance(value, str) or "@" not in value:
        return None
    if re.fullmatch(_PLAIN_ADDRESS, value) and "=?" not in value:
        return value
    user, _, domain = value.rpartition("@")
    try:
        return Address(addr_spec=f"{user}@{domain}")
    except (ValueError, IndexError, TypeError):
        return None


def family_copy_address(record: dict[str, Any]) -> str | Address | None:
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

    def t(key: str) -> str:
        return i18n.text(
            key,
            lang,
            reference=reference,
            short_name=table["short_name"],
            phone=table["phone"],
            email=table["email"],
        )

    steps = [str(step) for step in form.settings.copy_next_steps]
    message = EmailMessage(policy=SMTP)
    _set_header(message, "Subject", t("copy_subject"))
    _set_folded(message, "From", sender)
    _set_header(message, "To", to)
    _set_folded(message, "Reply-To", reply_to)
    message.set_raw("Auto-Submitted", "auto-generated")
    _set_message_id(message, make_msgid(idstring=f"{reference}-copy", domain="send-mediation.local"))
    if record.get("received_at"):
        message.set_raw("Date", format_datetime(dt.datetime.fromisoformat(record["received_at"])))

    lines = [t("copy_heading"), "", t("copy_reference"), t("copy_keep"), "", t("copy_next"), ""]
    lines += [f"{number}. {step}" for number, step in enumerate(steps, start=1)]
    lines += ["", t("copy_contact"), "", t("copy_contact_line"), "", t("copy_private"), t("copy_not_you")]
    text = "\n".join(lines) + "\n"

    direction = "rtl" if lang in languages.RTL else "ltr"
    steps_html = "".join(f"<li>{escape(step)}</li>" for step in steps)
    html = (
        f'<!doctype html><html lang="{lang}" dir="{direction}"><head><meta charset="utf-8">'
        f"<title>{escape(t('copy_subject'))}</title></head>"
        f'<body style="font-family:Arial,sans-serif"><h1>{escape(t("copy_heading"))}</h1>'
        f"<p>{escape(t('copy_reference'))}</p><p>{escape(t('copy_keep'))}</p>"
        f"<h2>{escape(t('copy_next'))}</h2><ol>{steps_html}</ol>"
        f"<h2>{escape(t('copy_contact'))}</h2><p>{escape(t('copy_contact_line'))}</p>"
        f"<p>{escape(t('copy_private'))}</p><p>{escape(t('copy_not_you'))}</p></body></html>"
    )
    _alternative(message, text, html)
    _set_header(message, "Content-Language", lang)
    return message


def build_message(
    record: dict[str, Any],
    *,
    sender: str,
    to: str,
    today: dt.date | None = None,
    attachments: list[tuple[str, str, bytes]] = (),  # type: ignore[assignment]
    extra_lines: list[str] = (),  # type: ignore[assignment]
) -> EmailMessage:
    """The team's email for a stored submission."""
    form = get_form(record["form"])
    answers = record["answers"]
    reference = record["reference"]
    received = dt.datetime.fromisoformat(record["received_at"])
    today = today or received.date()
    notes, urgent = deadline_lines(form, answers, today)
    notes = [*language_lines(record), *top_lines(form, answers), *notes, *extra_lines]

    message = EmailMessage(policy=SMTP)
    _set_header(message, "Subject", subject_for(form, answers, reference))
    _set_folded(message, "From", sender)
    _set_folded(message, "To", to)
    reply_to = _reply_to(form, answers)
    if reply_to is not None:
        _set_header(message, "Reply-To", reply_to)
    message.set_raw("Date", format_datetime(received))
    _set_message_id(message, make_msgid(idstring=reference, domain="send-mediation.local"))
    if urgent:
        message.set_raw("Importance", "high")
        message.set_raw("X-Priority", "1")

    rows = _rows(form.fields, answers)
    title = form.settings.email_title or form.title
    header = [
        f"{title}",
        f"Reference: {reference}",
        f"Received: {received:%A %d %B %Y at %H:%M} (UTC)",
        *notes,
    ]
    text_lines = [*header, ""]
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
    text = "\n".join(text_lines) + "\n"

    html_rows = []
    for kind, label, value in rows:
        if kind == "section":
            html_rows.append(
                f'<tr><th colspan="2" style="text-align:left;padding-top:1em"><h2>{escape(label)}</h2></th></tr>'
            )
        elif kind == "value":
            html_rows.append(f'<tr><td colspan="2" style="white-space:pre-wrap">{escape(value)}</td></tr>')
        else:
            html_rows.append(
                f'<tr><th style="text-align:left;vertical-align:top;padding-right:1em">{escape(label)}</th>'
                f'<td style="white-space:pre-wrap">{escape(value)}</td></tr>'
            )
    notes_html = "".join(
        f'<p style="{"color:#b3261e;font-weight:bold" if n.startswith(LOUD) else ""}">{escape(n)}</p>'
        for n in notes
    )
    html = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)} {escape(reference)}</title></head>'
        f'<body style="font-family:Arial,sans-serif"><h1>{escape(title)}</h1>'
        f"<p>Reference: <strong>{escape(reference)}</strong><br>Received: {escape(f'{received:%A %d %B %Y at %H:%M}')} (UTC)</p>"
        f"{notes_html}<table>{''.join(html_rows)}</table></body></html>"
    )
    _alternative(message, text, html)
    for filename, content_type, data in attachments:
        maintype, _, subtype = content_type.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message
