"""Check answers against a form's schema and give GOV.UK-style errors: every problem, one per field, in form order."""

from __future__ import annotations

import contextvars
import datetime as dt
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from functions.forms.domain.deadlines import compulsory_school_age_ends
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


def _answer(answers: Any, path: str) -> Any:
    value = answers
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _required_after_school_age(
    validator: Validator, rule: dict[str, Any], instance: Any, schema: Any
) -> Iterator[ValidationError]:
    """`x-required-after-school-age`: once the young person is over compulsory school age, someone asking for them
    must say whether they agree (or cannot decide), because the rights are then theirs (CFA 2014 ss.80, 83(2);
    SEND Regs 2014 regs 63-65). Not asked of the young person themself."""
    if not isinstance(instance, dict) or _answer(instance, rule["role"]) in rule.get("unless", []):
        return
    born = _as_date(_answer(instance, rule["date_of_birth"]))
    if born is None or _today.get() <= compulsory_school_age_ends(born):
        return
    if _answer(instance, rule["field"]) is None:
        from jsonschema import ValidationError

        yield ValidationError("the young person's agreement is needed")


def _date_order(
    validator: Validator, rule: dict[str, Any], instance: Any, schema: Any
) -> Iterator[ValidationError]:
    """`x-date-order`: one answered date may not come before another (a decision letter about a child is not dated
    before the child was born). Either date missing, not real or in the future: their own checks say so instead."""
    earlier = _as_date(_answer(instance, rule["earlier"]))
    later = _as_date(_answer(instance, rule["later"]))
    if earlier is not None and later is not None and later < earlier <= _today.get():
        from jsonschema import ValidationError

        yield ValidationError(f"{rule['later']} is before {rule['earlier']}")


# jsonschema's own "email" check only looks for an "@"; an address we reply to (Reply-To) and send the family's
# copy to must be usable, or the email fails later where nobody sees it. The longest an address can be (RFC 5321);
# a longer one is refused by the field's maxLength, whose message says what is wrong.
MAX_EMAIL_LENGTH = 254
# Groups of scripts a domain's label may mix: Japanese writes Han, Hiragana and Katakana together (with Latin at
# times); any other mix in one label (a Cyrillic "а" in "exаmple") is a look-alike, not an address we can trust.
_EAST_ASIAN = frozenset(
    {"CJK", "HIRAGANA", "KATAKANA", "KATAKANA-HIRAGANA", "HANGUL", "BOPOMOFO", "IDEOGRAPHIC"}
)
_MIXABLE = frozenset({"LATIN", "EAST ASIAN"})


def _scripts(label: str) -> set[str]:
    """The scripts of a label's letters, from their Unicode names (the standard library has no script property).

    Digits, hyphens and combining marks belong to any script; the East Asian scripts count as one.
    """
    found = set()
    for char in label:
        if unicodedata.category(char)[0] != "L":
            continue
        word = unicodedata.name(char, "").split(" ")[0]
        if word != "MODIFIER":
            found.add("EAST ASIAN" if word in _EAST_ASIAN else word)
    return found


def email_address(value: str) -> str | None:
    """The address as we store it and send to it, or None when it cannot be used.

    email-validator checks the syntax (no quotes, comments, display name, two dots in a row, IP address or
    special-use domain like .test) without a DNS look-up, and gives the domain in ASCII (IDNA, lower case).
    We keep that ASCII form: the email library writes a non-ASCII domain in a header as an encoded word, which
    no mail server reads as an address. The part before the @ must be ASCII: Amazon SES sends to nothing else.
    """
    if len(value) > MAX_EMAIL_LENGTH:  # also keeps a huge answer from email-validator, slow on one
        return None
    # Imported here, not at the top: about 20 ms, paid by the first address checked rather than every cold start.
    from email_validator import EmailNotValidError, validate_email

    try:
        checked = validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return None
    local = checked.local_part
    # An RFC 2047 encoded word ("=?utf-8?q?...?=") is plain text to SMTP, but a mail program that decodes it in an
    # address can be made to send somewhere else; no real address holds one. The local part's limit is RFC 5321's.
    if "=?" in local or "?=" in local or len(local) > 64:
        return None
    if any(
        len(scripts) > 1 and not scripts <= _MIXABLE for scripts in map(_scripts, checked.domain.split("."))
    ):
        return None
    return checked.ascii_email


def _is_email(value: object) -> bool:
    if not isinstance(value, str) or len(value) > MAX_EMAIL_LENGTH:  # the type, or maxLength, refuses those
        return True
    return email_address(value) is not None


@cache
def _validator_class() -> tuple[type[Validator], FormatChecker]:
    """Our validator class (Draft 2020-12 plus our keywords) and format checker, made once."""
    from jsonschema import Draft202012Validator, FormatChecker, validators

    formats = FormatChecker()
    formats.checks("email")(_is_email)
    extended = validators.extend(
        Draft202012Validator,
        {
            "x-not-future": _not_future,
            "x-max-age-years": _max_age_years,
            "x-required-after-school-age": _required_after_school_age,
            "x-date-order": _date_order,
        },
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
        # A rule across questions (the contact method chosen needs its detail) names its own message.
        own = schema.get("x-message-key")
        found: list[tuple[str, str, str | None]] = [
            (p, own if isinstance(own, str) else k, None)
            for n in missing
            for p, k in _expand_required(form, dotted + n)
        ]
        return found
    if keyword == "x-required-after-school-age" and isinstance(error.validator_value, dict):
        return [(str(error.validator_value["field"]), "required", None)]
    if keyword == "x-date-order" and isinstance(error.validator_value, dict):
        return [(str(error.validator_value["later"]), str(error.validator_value["message"]), None)]
    if keyword == "format" and _year_not_four_digits(form, prefix, error.instance):
        return [(prefix, "x-year-digits", None)]
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


def _year_not_four_digits(form: Form, path: str, value: Any) -> bool:
    """A date whose year was not typed with 4 numbers ('26' for 2026): the page's boxes arrive as 'YY-MM-DD'."""
    field = form.by_path().get(path)
    if field is None or field.widget != "date" or "x-year-digits" not in field.schema.get("x-messages", {}):
        return False
    year = value.split("-", 1)[0] if isinstance(value, str) else ""
    return year.isascii() and year.isdigit() and len(year) != 4


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
