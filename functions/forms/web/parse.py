"""Turn a request body (JSON or a plain HTML form post) into a form's answers."""

from __future__ import annotations

import json
import re
import unicodedata
import uuid
from typing import Any
from urllib.parse import parse_qsl

from functions.forms.domain.answers import Parsed
from functions.forms.domain.schemas import Field, Form
from functions.forms.web.errors import ParseError
from functions.forms.web.multipart import parse_multipart

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
DATE_PARTS = ("day", "month", "year")
# Names a page may send that are not answers (the page's language, the time-trap token).
CONTROL_NAMES = frozenset({"lang", "started"})
# The buttons of a form with files, without JavaScript: add the chosen file, or remove one, then show the form again.
FILE_STEP_NAMES = frozenset({"add_file", "remove_file"})
# Control characters, invisible ones that can hide or reorder text (zero-width space, direction marks and
# overrides, byte order mark), and unpaired surrogates (JSON can escape them; UTF-8 cannot store them). The zero-width joiner and non-joiner stay: emoji and some scripts (Persian,
# Hindi) need them.
_CONTROL_CHARS = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]"
)
# Every kind of line break becomes "\n": Unicode's line and paragraph separators would otherwise break lines in
# an email or a log.
_SURROGATES = re.compile(r"[\ud800-\udfff]")
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x85]")


def clean_text(value: str, multiline: bool) -> str:
    """NFC, no control or invisible formatting characters, line breaks only where the answer can have them."""
    value = unicodedata.normalize("NFC", _LINE_BREAKS.sub("\n", value))
    if multiline:
        value = "\n".join(
            _CONTROL_CHARS.sub("", line.replace("\t", " ")).rstrip() for line in value.split("\n")
        )
    else:
        value = _CONTROL_CHARS.sub("", value.replace("\n", " ").replace("\t", " "))
    return value.strip()


def _clean(fields: tuple[Field, ...], answers: Any) -> Any:
    if not isinstance(answers, dict):
        return answers
    by_name = {f.name: f for f in fields}
    cleaned: dict[str, Any] = {}
    for key, value in answers.items():
        f = by_name.get(key)
        if isinstance(value, str):
            value = clean_text(value, multiline=f is not None and f.widget == "textarea")
        elif f is not None and f.children:
            value = _clean(f.children, value)
        cleaned[key] = value
    return cleaned


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if _SURROGATES.search(key):
            raise ParseError("The answers contain a name that cannot be read. Send them as UTF-8 text")
        if key in result:
            raise ParseError(f"The answer '{key}' appears twice. Send each answer once")
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise ParseError(f"{name} is not a number this form accepts")


def parse_json(form: Form, body: bytes) -> Parsed:
    """JSON answers: an object, no repeated keys, no NaN or Infinity."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParseError("Send the answers as UTF-8 text") from exc
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except RecursionError as exc:
        raise ParseError("The answers are nested too deeply") from exc
    except json.JSONDecodeError as exc:
        raise ParseError(f"The answers are not valid JSON (line {exc.lineno}, column {exc.colno})") from exc
    if not isinstance(data, dict):
        raise ParseError("Send the answers as a JSON object")
    controls = {k: data.pop(k) for k in list(data) if k in CONTROL_NAMES and isinstance(data[k], str)}
    return Parsed(answers=_clean(form.fields, data), controls=controls)


def _date_from_boxes(day: str, month: str, year: str) -> str | None:
    """'3', '03' or 'March' style boxes to YYYY-MM-DD; something that fails the date check when they are wrong."""
    day, month, year = day.strip(), month.strip().lower(), year.strip()
    if not (day or month or year):
        return None
    month_number = int(month) if month.isdigit() else MONTHS.get(month.rstrip("."))
    if not (day.isdigit() and month_number and year.isdigit() and len(year) == 4):
        return f"{year or '????'}-{month or '??'}-{day or '??'}"
    return f"{int(year):04d}-{int(month_number):02d}-{int(day):02d}"


def _number(text: str) -> int | str:
    return int(text) if re.fullmatch(r"-?\d{1,6}", text) else text


def parse_form(form: Form, body: bytes) -> Parsed:
    """A plain HTML form post (application/x-www-form-urlencoded)."""
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(
            text, keep_blank_values=True, strict_parsing=False, errors="strict", max_num_fields=500
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise ParseError("The form could not be read. Reload the page and try again") from exc
    typed: dict[str, str] = {}
    files_field = form.settings.files_field
    file_ids: list[str] = []
    for key, posted in pairs:
        if key == files_field:  # the ids of files added earlier (hidden inputs, one each)
            file_ids.extend(clean_text(posted, multiline=False).split())
            continue
        typed[key] = clean_text(posted, multiline=True)
    known: set[str] = set(CONTROL_NAMES) | FILE_STEP_NAMES
    answers: dict[str, Any] = {}
    for leaf in form.leaves():
        names = [f"{leaf.path}-{part}" for part in DATE_PARTS] if leaf.widget == "date" else [leaf.path]
        known.update(names)
        value: Any
        if leaf.widget == "date":
            value = _date_from_boxes(*(typed.get(n, "") for n in names))
        elif leaf.widget == "checkbox":
            value = True if typed.get(leaf.path) else None
        elif leaf.widget == "honeypot":
            value = typed.get(leaf.path)
        else:
            raw = typed.get(leaf.path, "")
            multiline = leaf.widget == "textarea"
            value = clean_text(raw, multiline) or None
            if value is not None and leaf.schema.get("type") == "integer":
                value = _number(value)
        if value is None:
            continue
        _put(answers, leaf.path, value)
    for key in typed:
        if key not in known:
            _put(answers, key.split(".")[0] if "." not in key else key, typed[key])
    if files_field and file_ids:
        answers[files_field] = file_ids[:50]  # more than the form allows is refused by validation, not here
        typed[files_field] = " ".join(answers[files_field])
    if not answers.get("submission_id"):
        # A page without JavaScript cannot make its own id; one from here still makes a repeat of the
        # error page's form one submission.
        answers["submission_id"] = str(uuid.uuid4())
    controls = {k: typed[k] for k in CONTROL_NAMES | FILE_STEP_NAMES if k in typed}
    return Parsed(answers=answers, typed=typed, controls=controls)


def parse_multipart_form(form: Form, body: bytes, content_type_header: str, max_file_bytes: int) -> Parsed:
    """A form posted with files (multipart/form-data): its text answers as a plain post, its files kept apart."""
    from urllib.parse import urlencode

    data = parse_multipart(body, content_type_header, max_file_bytes)
    parsed = parse_form(form, urlencode(data.fields).encode("utf-8"))
    files_field = form.settings.files_field
    parsed.files = [f for f in data.files if f.name == files_field and (f.chosen or f.too_large)]
    return parsed


def _put(target: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        nested = target.setdefault(part, {})
        if not isinstance(nested, dict):
            return
        target = nested
    target[parts[-1]] = value
