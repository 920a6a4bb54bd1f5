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
    from jsonschema import FormatChecker, ValidationError
    from jsonschema.protocols import Validator

_today: contextvars.ContextVar[dt.date] = contextvars.ContextVar("today")


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


def _not_future(validator: Validator, enabled: bool, instance: Any, schema: Any) -> Iterator[ValidationError]:
    from jsonschema import ValidationError

    day = _as_date(instance)
    if enabled and day is not None and day > _today.get():
        yield ValidationError(f"{instance} is in the future")


def _max_age_years(validator: Validator, years: int, instance: Any, schema: Any) -> Iterator[ValidationError]:
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
def _validator_class() -> tuple[type[Validator], FormatChecker]:
    """Our validator class (Draft 2020-12 plus our keywords) and format checker, made once."""
    from jsonschema import Draft202012Validator, FormatChecker, validators

    formats = FormatChecker()
    formats.checks("email")(_is_email)
    extended = validators.extend(
        Draft202012Validator, {"x-not-future": _not_future, "x-max-age-years": _max_age_years}
    )
    return extended, formats


@cache
def _validator(name: str) -> Validator:
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
    # Every error from iter_errors has its schema and value set (jsonschema types them as maybe-unset).
    schema: dict[str, Any] = error.schema if isinstance(error.schema, dict) else {}
    if keyword == "required" and isinstance(error.instance, dict):
        wanted = error.validator_value if isinstance(error.validator_value, list) else []
        missing = [n for n in wanted if n not in error.instance]
        return [(p, k, None) for n in missing for p, k in _expand_required(form, dotted + n)]
    if keyword == "additionalProperties" and isinstance(error.instance, dict):
        known = set(schema.get("properties", {}))
        return [(dotted + n, "additionalProperties", n) for n in error.instance if n not in known]
    if keyword == "anyOf" and "x-error-field" in schema:
        return [(dotted + schema["x-error-field"], "anyOf@" + prefix, None)]
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


def _rank(error: ValidationError) -> tuple[bool, Any]:
    """How telling an error is, to choose the one shown when several land on one field (the highest wins).

    jsonschema's own ranking (`relevance`, the key best_match uses) does nearly all of it: a missing answer
    (raised on the section above it) first, a plain keyword before "anyOf", a wrong type before a check on the
    value, otherwise the schema's first keyword. One rule of ours comes before it: a wrong type anywhere in the
    answer wins. jsonschema prefers the shallower error, so for a list of files with a broken item and too many
    items it would name the list's limit ("Choose up to 3 files") over the broken item ("Add your drawing or
    recording again"); an item of a list is shown as the list's question (_locate), and the broken item is the
    one to name, as it has always been.
    """
    from jsonschema.exceptions import relevance

    return (error.validator == "type", relevance(error))


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
    found: dict[str, list[tuple[ValidationError, str, str | None]]] = {}
    for error in raw:
        for path, keyword, extra in _locate(form, error):
            found.setdefault(path, []).append((error, keyword, extra))
    order = form.order()
    errors: list[FieldError] = []
    for path in sorted(found, key=lambda p: (order.get(p, len(order)), p)):
        # max gives the first of the best, like best_match (so, between equals, the schema's first keyword).
        _, keyword, extra = max(found[path], key=lambda item: _rank(item[0]))
        errors.append(FieldError(path, href_for(form, path), _message(form, path, keyword, extra)))
    return errors
