"""Front matter (the lines between the two --- at the top) against the JSON Schemas in schemas/content/."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from tools.content_check.model import Finding, Page, Project

ILLUSTRATIVE_NOTE = '!!! note "Illustrative example"'


@cache
def validator(path: Path) -> Draft202012Validator:
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def schema_for(page: Page) -> str:
    if page.is_faq_question:
        return "faq.schema.json"
    if page.is_case_study:
        return "case-study.schema.json"
    return "page.schema.json"


def _as_text(meta: dict[str, Any]) -> dict[str, Any]:
    """YAML reads 2027-06-01 as a date; the schemas describe it as text, as it is written in the file."""
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in meta.items()}


def explain(error: ValidationError, properties: dict[str, Any]) -> tuple[str | None, str]:
    """The key at fault (if one) and a plain instruction."""
    instance = error.instance if isinstance(error.instance, dict) else {}
    if error.validator == "required" and isinstance(error.validator_value, list):
        missing = [key for key in error.validator_value if key not in instance]
        key = missing[0] if missing else "?"
        hint = properties.get(key, {}).get("description", "")
        return None, f"Add the key '{key}:'" + (f" ({hint})." if hint else ".")
    if error.validator == "additionalProperties":
        extra = sorted(set(instance) - set(properties))
        return extra[0] if extra else None, (
            f"The key(s) {', '.join(extra)} are not allowed here. Check the spelling; the keys allowed are "
            f"{', '.join(properties)}."
        )
    key = str(error.path[0]) if error.path else None
    hint = properties.get(key, {}).get("description", "") if key else ""
    value = error.instance
    if hint:
        return key, f"'{key}' is {json.dumps(value, default=str)}, but it should be {hint}."
    return key, f"'{key}': {error.message}."


def check_page(page: Page, schemas: Path) -> Iterator[Finding]:
    if page.meta_error == "missing":
        yield Finding(
            page.rel,
            1,
            "The file must start with front matter: a line '---', the keys (like 'title: ...'), then another "
            "line '---'. Copy the top of a similar page.",
            "front-matter",
        )
        return
    if page.meta_error is not None:
        yield Finding(
            page.rel,
            1,
            f"The front matter is {page.meta_error}. Check each line is 'key: value', and put quotes "
            'around a value that has a colon in it, like title: "Example: a move to a new school".',
            "front-matter",
        )
        return
    name = schema_for(page)
    check = validator(schemas / name)
    properties: dict[str, Any] = check.schema.get("properties", {}) if isinstance(check.schema, dict) else {}
    seen = set()
    for error in sorted(check.iter_errors(_as_text(page.meta)), key=lambda e: (list(e.path), e.validator)):
        key, message = explain(error, properties)
        if message in seen:
            continue
        seen.add(message)
        line = page.meta_line(key) if key else 1
        yield Finding(page.rel, line, f"{message} (schemas/content/{name})", "front-matter")
    if page.is_case_study and page.meta.get("illustrative") is True and ILLUSTRATIVE_NOTE not in page.text:
        yield Finding(
            page.rel,
            page.meta_line("illustrative"),
            f"This case study says 'illustrative: true', so it must have the note {ILLUSTRATIVE_NOTE} "
            "under its heading. Copy it from templates/case-study.md.",
            "front-matter",
        )


def check(project: Project) -> Iterator[Finding]:
    schemas = project.root / "schemas" / "content"
    for page in project.pages:
        yield from check_page(page, schemas)
