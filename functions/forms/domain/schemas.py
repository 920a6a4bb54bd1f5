"""Load each form's JSON Schema once and describe its fields in form order.

The schema is the single source of truth: labels (`title`), hints (`description`), widgets (`x-widget`),
option labels (`x-labels`), messages (`x-messages`) and the form's own settings (`x-form`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from functions.forms.domain import i18n
from functions.forms.domain.facts import fill_facts
from functions.forms.domain.languages import DEFAULT, supported
from functions.forms.domain.paths import SCHEMAS_DIR

FORM_FILES = {"referral": "referral.schema.json", "child-views": "child-views.schema.json"}


@dataclass(frozen=True, eq=False)
class Field:
    """One question (or a section of questions) of a form."""

    path: str
    schema: dict[str, Any] = field(repr=False)
    required: bool
    children: tuple[Field, ...] = ()

    @property
    def name(self) -> str:
        return self.path.rsplit(".", 1)[-1]

    @property
    def id(self) -> str:
        """The HTML id of the field's (first) input."""
        return self.path.replace(".", "-")

    @property
    def widget(self) -> str:
        if "x-widget" in self.schema:
            return self.schema["x-widget"]
        if self.schema.get("type") == "object":
            return "section"
        if self.schema.get("type") == "integer":
            return "number"
        if self.schema.get("type") == "array":
            return "list"
        return "text"

    @property
    def label(self) -> str:
        return self.schema.get("title", self.name)

    @property
    def email_label(self) -> str:
        return self.schema.get("x-email-label", self.label)

    @property
    def hint(self) -> str | None:
        return self.schema.get("description")

    def message(self, keyword: str) -> str:
        """The schema's message for a failed keyword, or a plain fallback."""
        messages = self.schema.get("x-messages", {})
        return messages.get(keyword) or messages.get("type") or f"Check your answer to '{self.label}'"

    def option_label(self, value: Any) -> str:
        return self.schema.get("x-labels", {}).get(value, str(value))

    def leaves(self) -> list[Field]:
        """This field's questions, in form order (itself if it is a question)."""
        if not self.children:
            return [self]
        return [leaf for child in self.children for leaf in child.leaves()]


@dataclass(frozen=True)
class FormSettings:
    """A form's own settings: its schema's `x-form` object (see CONTRIBUTING.md and DEVELOPING.md)."""

    name: str
    route: str  # POST /api/<route>
    page: str  # the form's page in the built site ('forms/referral/')
    confirmation_page: str  # where the browser goes after sending
    email_title: str | None = None  # the team's email's title (else the form's title)
    email_subject_field: str | None = None  # an answer named in the subject ('service')
    email_top_fields: tuple[str, ...] = ()  # answers shown first in the team's email
    email_footer: str | None = None
    submit_label: str | None = None  # the first button, before check your answers
    send_label: str = "Send"
    deadline_field: str | None = None  # the decision letter's date: the deadlines follow from it
    reply_to_field: str | None = None  # the family's email address, for Reply-To
    copy_field: str | None = None  # the box: send me a copy
    copy_email_field: str | None = None  # where the copy goes
    copy_next_steps: tuple[str, ...] = ()  # "what happens next" in the family's copy
    # What happens next depends on what was asked for: the answer at copy_next_steps_field picks its own steps
    # here; an answer not listed keeps copy_next_steps.
    copy_next_steps_field: str | None = None
    copy_next_steps_by: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # The copy's own words where the shared ones (i18n.ENGLISH, copy_*) do not fit this form
    copy_words: dict[str, str] = field(default_factory=dict)
    files_field: str | None = None  # drawings and recordings
    script: str | None = None  # a page script of its own (the shared forms script leaves the form alone)
    young_from: int | None = None  # from this age the words speak to a young person
    age_field: str | None = None  # the answer that gives that age

    @classmethod
    def from_schema(cls, settings: dict[str, Any]) -> FormSettings:
        """From `x-form`; an unknown key is a mistake in the schema and fails at once."""
        values = dict(settings)
        for key in ("email_top_fields", "copy_next_steps"):
            if key in values:
                values[key] = tuple(values[key])
        if "copy_next_steps_by" in values:
            values["copy_next_steps_by"] = {k: tuple(v) for k, v in values["copy_next_steps_by"].items()}
        if values.get("young_from") is not None:
            values["young_from"] = int(values["young_from"])  # "{{ facts.young_person_age }}" in the schema
        return cls(**values)


@dataclass(frozen=True, eq=False)
class Form:
    """A form: its name, schema and fields."""

    name: str
    schema: dict[str, Any] = field(repr=False)
    fields: tuple[Field, ...]
    lang: str = "en"  # the language of its words (schemas.translate); the schema itself is English

    @property
    def settings(self) -> FormSettings:
        return _settings(self)

    def next_steps_for(self, answers: dict[str, Any]) -> tuple[str, ...]:
        """What happens next for these answers (the service asked for), in the form's language."""
        settings = self.settings
        path = settings.copy_next_steps_field
        value: Any = answers
        for part in (path or "").split(".") if path else ():
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, str) and value in settings.copy_next_steps_by:
            return settings.copy_next_steps_by[value]
        return settings.copy_next_steps

    @property
    def title(self) -> str:
        return self.schema.get("title", self.name)

    def leaves(self) -> list[Field]:
        return [leaf for f in self.fields for leaf in f.leaves()]

    @cache  # noqa: B019 - forms live for the whole process
    def by_path(self) -> dict[str, Field]:
        found: dict[str, Field] = {}

        def walk(fields: tuple[Field, ...]) -> None:
            for f in fields:
                found[f.path] = f
                walk(f.children)

        walk(self.fields)
        return found

    @cache  # noqa: B019
    def order(self) -> dict[str, int]:
        """Each path's position in the form, sections before their questions."""
        return {path: index for index, path in enumerate(self.by_path())}


@cache
def _settings(form: Form) -> FormSettings:
    return FormSettings.from_schema(form.schema.get("x-form", {}))


def _fields(schema: dict[str, Any], prefix: str = "") -> tuple[Field, ...]:
    required = set(schema.get("required", []))
    result = []
    for name, sub in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        children = _fields(sub, f"{path}.") if sub.get("type") == "object" else ()
        result.append(Field(path=path, schema=sub, required=name in required, children=children))
    return tuple(result)


# The keys a catalogue may give for a field (all of them words a person reads).
FIELD_KEYS = (
    "title",
    "description",
    "x-labels",
    "x-option-hints",
    "x-messages",
    "x-link",
    "x-no-js-hint",
    "x-no-js-words",
)
FORM_KEYS = (
    "title",
    "send_label",
    "submit_label",
    "additionalProperties",
    "copy_next_steps",
    "copy_next_steps_by",
    "copy_words",
)


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


def translate(form: Form, lang: str) -> Form:
    """The form with its words in the language: the same fields, paths and rules; labels and messages changed."""
    words = i18n.catalogue(form.name, lang)
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
    for key in ("send_label", "submit_label", "copy_next_steps", "copy_next_steps_by", "copy_words"):
        if key in form_words:
            settings[key] = form_words[key]
    schema["x-form"] = settings
    if "additionalProperties" in form_words:
        schema["x-messages"] = {
            **schema.get("x-messages", {}),
            "additionalProperties": form_words["additionalProperties"],
        }
    return Form(name=form.name, schema=schema, fields=tuple(field(f) for f in form.fields), lang=lang)


def load_schema(name: str) -> dict[str, Any]:
    with (SCHEMAS_DIR / FORM_FILES[name]).open(encoding="utf-8") as handle:
        return fill_facts(json.load(handle))


@cache
def _english_form(name: str) -> Form:
    schema = load_schema(name)
    return Form(name=name, schema=schema, fields=_fields(schema))


@cache
def _translated_form(name: str, lang: str) -> Form:
    return translate(_english_form(name), lang)


def get_form(name: str, lang: str = "en") -> Form:
    """The named form, read from its schema once per process; in another language, with that language's words."""
    if lang == DEFAULT:
        return _english_form(name)
    lang = supported(lang)
    return _english_form(name) if lang == DEFAULT else _translated_form(name, lang)


def form_for_route(route: str) -> Form | None:
    """The form posted to /api/<route>, if there is one."""
    for name in FORM_FILES:
        if (SCHEMAS_DIR / FORM_FILES[name]).exists() and get_form(name).settings.route == route:
            return get_form(name)
    return None
