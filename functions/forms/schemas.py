"""Load each form's JSON Schema once and describe its fields in form order.

The schema is the single source of truth: labels (`title`), hints (`description`), widgets (`x-widget`),
option labels (`x-labels`), messages (`x-messages`) and the form's own settings (`x-form`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from .facts import facts
from .paths import SCHEMAS_DIR

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


@dataclass(frozen=True, eq=False)
class Form:
    """A form: its name, schema and fields."""

    name: str
    schema: dict[str, Any] = field(repr=False)
    fields: tuple[Field, ...]
    lang: str = "en"  # the language of its words (i18n.translate); the schema itself is English

    @property
    def settings(self) -> dict[str, Any]:
        return self.schema.get("x-form", {})

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


def _fields(schema: dict[str, Any], prefix: str = "") -> tuple[Field, ...]:
    required = set(schema.get("required", []))
    result = []
    for name, sub in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        children = _fields(sub, f"{path}.") if sub.get("type") == "object" else ()
        result.append(Field(path=path, schema=sub, required=name in required, children=children))
    return tuple(result)


_FACT = re.compile(r"\{\{\s*facts\.([a-z_]+)\s*\}\}")


def _with_facts(value: Any) -> Any:
    """Labels and hints may say {{ facts.NAME }}, like the pages, so a fact is written in one place only."""
    if isinstance(value, str) and "{{" in value:
        table = facts()
        return _FACT.sub(lambda m: str(table[m.group(1)]), value)
    if isinstance(value, dict):
        return {key: _with_facts(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_with_facts(item) for item in value]
    return value


def load_schema(name: str) -> dict[str, Any]:
    with (SCHEMAS_DIR / FORM_FILES[name]).open(encoding="utf-8") as handle:
        return _with_facts(json.load(handle))


@cache
def _english_form(name: str) -> Form:
    schema = load_schema(name)
    return Form(name=name, schema=schema, fields=_fields(schema))


@cache
def _translated_form(name: str, lang: str) -> Form:
    from .i18n import translate

    return translate(_english_form(name), lang)


def get_form(name: str, lang: str = "en") -> Form:
    """The named form, read from its schema once per process; in another language, with that language's words."""
    if lang == "en":
        return _english_form(name)
    from .i18n import supported

    lang = supported(lang)
    return _english_form(name) if lang == "en" else _translated_form(name, lang)


def form_for_route(route: str) -> Form | None:
    """The form posted to /api/<route>, if there is one."""
    for name in FORM_FILES:
        if (SCHEMAS_DIR / FORM_FILES[name]).exists() and get_form(name).settings.get("route") == route:
            return get_form(name)
    return None
