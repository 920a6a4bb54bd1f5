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
from functions.forms.domain.validate import email_address
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
# Invisible characters go: control characters, every format character (Unicode category Cf: the zero-width space,
# direction marks and overrides, the Arabic letter mark, word joiner and invisible operators, the byte order mark,
# tag characters, ...), unpaired surrogates (JSON can escape them; UTF-8 cannot store them), and the Hangul fillers,
# letters (Lo) that show nothing. They can hide or reorder text, or make a name of nothing pass as an answer. The
# zero-width joiner and non-joiner stay: emoji and some scripts (Persian, Hindi) need them.
_JOINERS = "\u200c\u200d"
_HANGUL_FILLERS = frozenset("\u115f\u1160\u3164\uffa0")
# Tag characters are kept in the three flags made of them (England, Scotland, Wales: a black flag followed by
# "gbeng", "gbsct" or "gbwls" in tags and a cancel tag), which a child may well use; anywhere else they are hidden
# text. The group keeps each flag in re.split's list.
_BLACK_FLAG = "\U0001f3f4"
_NATION_FLAGS = re.compile(
    "(\U0001f3f4\U000e0067\U000e0062"
    "(?:\U000e0065\U000e006e\U000e0067|\U000e0073\U000e0063\U000e0074|\U000e0077\U000e006c\U000e0073)"
    "\U000e007f)"
)
# Trimmed from either end: whitespace (what str.strip() removes; U+3000 is the last such character) and the
# joiners, which join nothing there; so a value of only these is empty. With str.strip: a regular expression
# anchored at the end would take quadratic time over a long run of spaces.
_SPACES_AND_JOINERS = "".join(char for char in map(chr, range(0x3001)) if char.isspace()) + _JOINERS
_SURROGATES = re.compile(r"[\ud800-\udfff]")
# Every kind of line break becomes "\n": Unicode's line and paragraph separators would otherwise break lines in
# an email or a log.
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x85]")


def _invisible(char: str) -> bool:
    return (
        unicodedata.category(char) in ("Cc", "Cf", "Cs") and char not in _JOINERS
    ) or char in _HANGUL_FILLERS


class _Invisibles(dict[int, int | None]):
    """str.translate's table, filled in as characters are met: None drops an invisible one, its own code keeps it.

    Asking unicodedata for every character of every answer costs about 1.5 ms for 5,000 letters of Polish or Arabic;
    the table makes it about 0.25 ms. A table of every invisible character made at start-up would scan all 1.1
    million code points (0.14 s of every cold start). It stops growing at _MAX_REMEMBERED characters, so that
    answers full of different characters cannot make it large.
    """

    def __missing__(self, code: int) -> int | None:
        kept = None if _invisible(chr(code)) else code
        if len(self) < _MAX_REMEMBERED:
            self[code] = kept
        return kept


_MAX_REMEMBERED = 20_000
_INVISIBLES = _Invisibles()


def _visible(text: str) -> str:
    if _BLACK_FLAG not in text:
        return text.translate(_INVISIBLES)
    pieces = _NATION_FLAGS.split(text)  # the flags at odd places
    return "".join(piece if at % 2 else piece.translate(_INVISIBLES) for at, piece in enumerate(pieces))


def clean_text(value: str, multiline: bool) -> str:
    """No control or invisible characters, line breaks only where the answer can have them, NFC, ends trimmed.

    A value of nothing but spaces and joiners comes back empty, so a required answer is asked for again.
    """
    value = _LINE_BREAKS.sub("\n", value)
    if multiline:
        value = "\n".join(
            _visible(line.replace("\t", " ")).rstrip(_SPACES_AND_JOINERS) for line in value.split("\n")
        )
    else:
        value = _visible(value.replace("\n", " ").replace("\t", " "))
    # NFC after the invisible characters are out: one between a letter and its accent kept them apart.
    return unicodedata.normalize("NFC", value).strip(_SPACES_AND_JOINERS)


def _clean(fields: tuple[Field, ...], answers: Any) -> Any:
    if not isinstance(answers, dict):
        return answers
    by_name = {f.name: f for f in fields}
    cleaned: dict[str, Any] = {}
    for key, value in answers.items():
        f = by_name.get(key)
        if isinstance(value, str):
            value = clean_text(value, multiline=f is not None and f.widget == "textarea")
            if f is not None and f.schema.get("format") == "email":
                value = email_address(value) or value  # an unusable one is left for validation to refuse
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


def _digits(box: str) -> str | None:
    """A date box's number in ASCII digits, or None when it is not one.

    Any script's decimal digits count (Unicode category Nd): a family on the Arabic or Urdu page may type ٢٠٢٦, a
    phone may give fullwidth ２０２６. Superscript and circled digits (², ①) do not: str.isdigit() is true for them
    but int() cannot read them. More than 4 digits is no day, month or year (and int() refuses over 4,300).
    """
    if not box or len(box) > 4 or not box.isdecimal():
        return None
    return "".join(str(unicodedata.decimal(char)) for char in box)


def _date_from_boxes(day: str, month: str, year: str) -> str | None:
    """'3', '03' or 'March' style boxes to YYYY-MM-DD; something that fails the date check when they are wrong."""
    day, month, year = day.strip(), month.strip().lower(), year.strip()
    if not (day or month or year):
        return None
    day_digits, month_digits, year_digits = _digits(day), _digits(month), _digits(year)
    month_number = int(month_digits) if month_digits else MONTHS.get(month.rstrip("."))
    if not (day_digits and month_number and year_digits and len(year_digits) == 4):
        return f"{year or '????'}-{month or '??'}-{day or '??'}"
    return f"{year_digits}-{month_number:02d}-{int(day_digits):02d}"


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
            elif value is not None and leaf.schema.get("format") == "email":
                value = email_address(value) or value  # an unusable one is left for validation to refuse
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
