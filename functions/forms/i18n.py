"""The forms in other languages: message catalogues beside the schemas, never a second copy of the field list.

Each form's words in a language are in `schemas/i18n/<form>.<lang>.json`:

    {"translation_reviewed": false,
     "form": {"title": ..., "send_label": ..., "copy_next_steps": [...]},
     "fields": {"you.name": {"title": ..., "description": ..., "x-labels": {...}, "x-option-hints": {...},
                             "x-messages": {...}, "x-link": {"text": ...}, "x-no-js-hint": ...}}}

keyed by each field's dotted path. Words shared by every form (the error summary's title, "(optional)",
Day, Month, Year, the buttons the page's script draws, the family's confirmation email) are in
`schemas/i18n/common.<lang>.json` under "texts". Anything a catalogue does not give stays in English.
The English form is the schema itself, untouched.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from .paths import SCHEMAS_DIR

I18N_DIR = SCHEMAS_DIR / "i18n"
DEFAULT = "en"
# Tag: (name in English, name in the language itself)
LANGUAGES: dict[str, tuple[str, str]] = {
    "en": ("English", "English"),
    "pl": ("Polish", "Polski"),
    "ur": ("Urdu", "اردو"),
    "ar": ("Arabic", "العربية"),
}
RTL = frozenset({"ur", "ar"})
# The keys a catalogue may give for a field (all of them words a person reads).
FIELD_KEYS = ("title", "description", "x-labels", "x-option-hints", "x-messages", "x-link", "x-no-js-hint")
FORM_KEYS = ("title", "send_label", "submit_label", "additionalProperties", "copy_next_steps")

ENGLISH: dict[str, str] = {
    # The form, as drawn by render.py
    "error_summary_title": "There is a problem",
    "optional": "(optional)",
    "error_prefix": "Error:",
    "day": "Day",
    "month": "Month",
    "year": "Year",
    # The forms script (docs/javascripts/forms.js)
    "continue": "Continue",
    "sending": "Sending…",
    "check_title": "Check your answers before sending",
    "change": "Change my answers",
    "not_given": "Not given",
    "yes": "Yes",
    "not_sent_connection": "Your answers have not been sent. They are saved on this device. "
    "Check your connection and try again.",
    # The API
    "not_sent_storage": "Your answers have not been sent. Try again in a few minutes, or call us on {phone}",
    # The family's confirmation email (message.build_family_copy)
    "copy_subject": "Your request to {short_name} - {reference}",
    "copy_heading": "We have your request",
    "copy_reference": "Your reference number is {reference}.",
    "copy_keep": "Keep this number. Tell us the number if you call or email us.",
    "copy_next": "What happens next",
    "copy_contact": "How to contact us",
    "copy_contact_line": "Call us on {phone} or email {email}. You can also reply to this email.",
    "copy_private": "This email does not include your answers, to keep them private.",
    "copy_not_you": "If you did not send a request to us, you can ignore this email.",
}


def supported(tag: object) -> str:
    """A language we have words for ('pl' for 'pl-PL'), or English."""
    if not isinstance(tag, str):
        return DEFAULT
    primary = tag.strip().split("-", 1)[0].split("_", 1)[0].lower()
    return primary if primary in LANGUAGES else DEFAULT


_RANGE = re.compile(r"^\s*([A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*|\*)\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*$")


def from_accept_language(header: str | None) -> str | None:
    """The first language in an Accept-Language header (by its q value) that we have, or None."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:20]):
        match = _RANGE.match(part)
        if not match or match.group(1) == "*":
            continue
        try:
            quality = float(match.group(2)) if match.group(2) else 1.0
        except ValueError:
            continue
        if quality > 0:
            ranked.append((-quality, position, match.group(1)))
    for _, _, tag in sorted(ranked):
        primary = tag.split("-", 1)[0].split("_", 1)[0].lower()
        if primary in LANGUAGES:
            return primary
    return None


def choose(sent: object, accept_language: str | None = None) -> str:
    """The language of the answer: the page's own (sent as `lang`), else the browser's, else English."""
    if isinstance(sent, str) and sent.strip():
        return supported(sent)
    return from_accept_language(accept_language) or DEFAULT


def language_name(tag: object) -> str:
    """'Polish (pl)' for the team's email."""
    clean = tag if isinstance(tag, str) and tag else DEFAULT
    primary = clean.split("-", 1)[0].lower()
    return f"{LANGUAGES[primary][0]} ({clean})" if primary in LANGUAGES else clean


@cache
def catalogue(name: str, lang: str) -> dict[str, Any]:
    """The catalogue schemas/i18n/<name>.<lang>.json, with {{ facts.NAME }} filled in; empty when there is none."""
    if lang == DEFAULT or lang not in LANGUAGES:
        return {}
    path = I18N_DIR / f"{name}.{lang}.json"
    if not path.exists():
        return {}
    from .schemas import _with_facts

    with path.open(encoding="utf-8") as handle:
        return _with_facts(json.load(handle))


def text(key: str, lang: str = DEFAULT, **values: Any) -> str:
    """One shared sentence in the language (English when the catalogue lacks it), with {names} filled in."""
    words = (
        ENGLISH[key] if lang == DEFAULT else catalogue("common", lang).get("texts", {}).get(key, ENGLISH[key])
    )
    return words.format(**values) if values else words


def long_date(day: Any, lang: str = DEFAULT) -> str:
    """A date in words, like 'Saturday 2 January 2027', in the language (English when its catalogue has no dates)."""
    words = catalogue("common", lang).get("dates") if lang != DEFAULT else None
    if not words:
        return f"{day:%A} {day.day} {day:%B %Y}"
    return words["format"].format(
        weekday=words["weekdays"][day.weekday()],
        day=day.day,
        month=words["months"][day.month - 1],
        year=day.year,
    )


def script_texts(lang: str) -> dict[str, str]:
    """The words the forms script draws, for a form page in this language."""
    keys = (
        "continue",
        "sending",
        "check_title",
        "change",
        "not_given",
        "yes",
        "not_sent_connection",
        "error_prefix",
        "optional",
    )
    return {key: text(key, lang) for key in keys}


def _merge(schema: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    merged = dict(schema)
    for key in FIELD_KEYS:
        if key not in entry:
            continue
        value = entry[key]
        if isinstance(value, dict) and isinstance(schema.get(key), dict):
            merged[key] = {**schema[key], **value}
        else:
            merged[key] = value
    if "x-young-person" in merged:  # its other wording is English: in another language the one wording serves
        merged.pop("x-young-person")
    return merged


def translate(form: Any, lang: str) -> Any:
    """The form with its words in the language: the same fields, paths and rules; labels and messages changed."""
    from .schemas import Field, Form

    words = catalogue(form.name, lang)
    fields_words: dict[str, dict[str, Any]] = words.get("fields", {})

    def field(f: Field) -> Field:
        entry = fields_words.get(f.path)
        schema = _merge(f.schema, entry) if entry else f.schema
        return Field(
            path=f.path, schema=schema, required=f.required, children=tuple(field(c) for c in f.children)
        )

    form_words = words.get("form", {})
    schema = dict(form.schema)
    if "title" in form_words:
        schema["title"] = form_words["title"]
    settings = dict(schema.get("x-form", {}))
    for key in ("send_label", "submit_label", "copy_next_steps"):
        if key in form_words:
            settings[key] = form_words[key]
    schema["x-form"] = settings
    if "additionalProperties" in form_words:
        schema["x-messages"] = {
            **schema.get("x-messages", {}),
            "additionalProperties": form_words["additionalProperties"],
        }
    return Form(name=form.name, schema=schema, fields=tuple(field(f) for f in form.fields), lang=lang)


def page_prefix(lang: str) -> str:
    """Where a language's pages are, under the site's root: '' for English, 'pl/' for Polish."""
    return "" if lang == DEFAULT else f"{lang}/"
