"""Check answers against a form's schema and give GOV.UK-style errors: every problem, one per field, in form order."""

from __future__ import annotations

import contextvars
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from functions.forms.domain.schemas import Form, get_form

if TYPE_CHECKING:  # jsonschema is imported on the first validation, not when a handler starts
    from jsonschema import Draft202012Validator, ValidationError

_today: contextvars.ContextVar[dt.date] = contextvars.ContextVar("today")

# A failed "required" says more than a wrong type, which says more than anything else.
_PRIORITY = {"required": 0, "type": 1}


@dataclass(frozen=True)
class FieldError:
    """One problem with one answer."""

    field: str
    href: str
    text: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "href": self.href, "text": self.text}


def _as_date(value: Any) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _not_future(validator, enabled, instance, schema) -> Iterator[ValidationError]:
    from jsonschema import ValidationError

    day = _as_date(instance)
    if enabled and day is not None and day > _today.get():
        yield ValidationError(f"{instance} is in the future")


def _max_age_years(validator, years, instance, schema) -> Iterator[ValidationError]:
    born = _as_date(instance)
    if born is None:
        return
    today = _today.get()
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if age > years:
        from jsonschema import ValidationError

        yield ValidationError(f"older than {years}")


# jsonschema's own "email" check only looks for an "@"; an address we reply to must be usable.
_EMAIL = re.compile(
    r"^[^@\s<>()\[\],;:\"\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)


def _is_email(value: object) -> bool:
    return not isinstance(value, str) or bool(_EMAIL.match(value))


@cache
def _validator_class() -> tuple[Any, Any]:
    """Our validator class (Draft 2020-12 plus our keywords) and format checker, made once."""
    from jsonschema import Draft202012Validator, FormatChecker, validators

    formats = FormatChecker()
    formats.checks("email")(_is_email)
    extended = validators.extend(
        Draft202012Validator, {"x-not-future": _not_future, "x-max-age-years": _max_age_years}
    )
    return extended, formats


@cache
def _validator(name: str) -> Draft202012Validator:
    """The form's validator, compiled once per process, with format checks on."""
    form_validator, formats = _validator_class()
    form = get_form(name)
    form_validator.check_schema(form.schema)
    return form_validator(form.schema, format_checker=formats)


def _expand_required(form: Form, path: str) -> list[tuple[str, str]]:
    """A missing section stands for its required questions."""
    field = form.by_path().get(path)
    if field is None or not field.children:
        return [(path, "required")]
    found: list[tuple[str, str]] = []
    for child in field.children:
        if child.required:
            found.extend(_expand_required(form, child.path))
    return found or [(field.leaves()[0].path, "required")]


def _locate(form: Form, error: ValidationError) -> list[tuple[str, str, str | None]]:
    """Turn one schema error into (field path, keyword, extra name) triples."""
    prefix = ".".join(str(p) for p in error.absolute_path)
    dotted = f"{prefix}." if prefix else ""
    keyword = str(error.validator)
    if keyword == "required" and isinstance(error.instance, dict):
        missing = [n for n in error.validator_value if n not in error.instance]
        return [(p, k, None) for n in missing for p, k in _expand_required(form, dotted + n)]
    if keyword == "additionalProperties" and isinstance(error.instance, dict):
        known = set(error.schema.get("properties", {}))
        return [(dotted + n, "additionalProperties", n) for n in error.instance if n not in known]
    if keyword == "anyOf" and "x-error-field" in error.schema:
        return [(dotted + error.schema["x-error-field"], "anyOf@" + prefix, None)]
    if any(isinstance(p, int) for p in error.absolute_path):  # an item of a list is the list's question
        parts = list(error.absolute_path)
        prefix = ".".join(str(p) for p in parts[: next(i for i, p in enumerate(parts) if isinstance(p, int))])
    return [(prefix, keyword, None)]


def _message(form: Form, path: str, keyword: str, extra: str | None) -> str:
    if keyword == "additionalProperties":
        template = form.schema.get("x-messages", {}).get("additionalProperties", "Remove '{name}'")
        return template.format(name=extra)
    if keyword.startswith("anyOf@"):
        return form.by_path()[keyword.split("@", 1)[1]].message("anyOf")
    field = form.by_path().get(path)
    if field is None:
        return "Check your answers"
    return field.message(keyword)


def href_for(form: Form, path: str) -> str:
    """The link from the error summary to the field's first input."""
    field = form.by_path().get(path)
    if field is not None and field.children:
        field = field.leaves()[0]
    if field is not None and field.widget == "date":
        return f"#{field.id}-day"
    return "#" + path.replace(".", "-")


def validate(name: str, answers: Any, today: dt.date | None = None, lang: str = "en") -> list[FieldError]:
    """All the problems with a form's answers, one per field, in form order. Empty when all is well.

    The messages are in `lang` where the form's catalogue has them (schemas/i18n/), in English otherwise.
    """
    form = get_form(name, lang)
    token = _today.set(today or dt.date.today())
    try:
        raw = list(_validator(name).iter_errors(answers))
    finally:
        _today.reset(token)
    order = form.order()
    located = [(path, keyword, extra) for error in raw for path, keyword, extra in _locate(form, error)]
    located.sort(key=lambda item: (order.get(item[0], len(order)), _PRIORITY.get(item[1], 2), item[0]))
    seen: set[str] = set()
    errors: list[FieldError] = []
    for path, keyword, extra in located:
        if path in seen:
            continue
        seen.add(path)
        errors.append(FieldError(path, href_for(form, path), _message(form, path, keyword, extra)))
    return errors
