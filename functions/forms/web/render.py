"""Build a form's HTML from its schema: at site build time (empty) and for the no-JavaScript error page.

GOV.UK Design System patterns: labels and hints, "(optional)" and no asterisks, radios and date boxes in
fieldsets, an error summary that links to each field, and an error message above each field in error.

The HTML is in functions/forms/templates/ (form.html, and one macro per widget in macros.html); this module
says which widget draws each question of the schema, and with what words and answers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from functions.forms.domain import html
from functions.forms.domain.i18n import script_texts, text
from functions.forms.domain.languages import RTL
from functions.forms.domain.schemas import Field, Form
from functions.forms.domain.validate import FieldError


@dataclass(frozen=True)
class ErrorMessage:
    """A problem shown above a question: `prefix` ("Error:" in the form's language) is read out before it."""

    text: str
    prefix: str


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    hint: str | None = None


@dataclass(frozen=True)
class Upload:
    """A file added without JavaScript, listed with its Remove button."""

    id: str
    added: str  # "File 1 added"
    remove_which: str  # read after "Remove": "file 1"


@dataclass(frozen=True)
class Widget:
    """One question (or section) to draw: the macro in templates/macros.html and its parameters."""

    macro: str
    params: dict[str, Any]
    children: tuple[Widget, ...] = ()


@dataclass(frozen=True)
class _Drawing:
    """What every question of one form being drawn shares."""

    form: Form
    typed: dict[str, str]
    errors: dict[str, FieldError]
    base_url: str
    action: str

    def t(self, key: str) -> str:
        return text(key, self.form.lang)

    def error(self, field: Field) -> ErrorMessage | None:
        found = self.errors.get(field.path)
        return ErrorMessage(found.text, self.t("error_prefix")) if found else None


def _label(field: Field, drawing: _Drawing) -> str:
    optional = not field.required and field.schema.get("x-optional-label", True)
    return field.label + (f" {drawing.t('optional')}" if optional else "")


def _young(field: Field) -> str | None:
    """A second wording for the page's script to swap in (x-young-person: title, description, x-labels)."""
    words = field.schema.get("x-young-person")
    return json.dumps(words, ensure_ascii=False) if words else None


def _question(field: Field, drawing: _Drawing) -> dict[str, Any]:
    """The parameters every question's macro takes."""
    return {
        "id": field.id,
        "hint": field.hint,
        "error": drawing.error(field),
        "attributes": {"data-field": field.path, "data-kids-young": _young(field)},
    }


def _files(field: Field, drawing: _Drawing) -> Widget:
    words = field.schema.get("x-no-js-words", {})
    most = field.schema.get("maxItems", 1)
    ids = drawing.typed.get(field.path, "").split()
    uploads = [
        Upload(upload_id, words["added"].format(number=n), words["remove_which"].format(number=n))
        for n, upload_id in enumerate(ids, start=1)
    ]
    return Widget(
        "file",
        {
            **_question(field, drawing),
            "name": field.path,
            "label": _label(field, drawing),
            # Back to this question's label (not the top of the page, nor the box below the files added).
            "step": f"{drawing.action}#{field.id}-label",
            "add": words["add"],
            "remove": words["remove"],
            "full": words["full"].format(most=most),
            "limit": field.schema.get("x-no-js-hint", ""),
            "uploads": uploads,
            "max_files": most,
            "accept": field.schema.get("x-accept"),
        },
    )


def _text(field: Field, drawing: _Drawing) -> Widget:
    value = drawing.typed.get(field.path, "")
    if field.widget == "textarea":
        params = {"name": field.path, "label": _label(field, drawing), "value": value}
        return Widget("textarea", {**_question(field, drawing), **params})
    return Widget(
        "text",
        {
            **_question(field, drawing),
            "name": field.path,
            "label": _label(field, drawing),
            "value": value,
            "type": {"email": "email", "tel": "tel"}.get(field.widget, "text"),
            "autocomplete": field.schema.get("x-autocomplete"),
            "inputmode": "numeric" if field.widget == "number" else None,
            "spellcheck": "false" if field.widget == "email" else None,
        },
    )


def _radios(field: Field, drawing: _Drawing) -> Widget:
    hints = field.schema.get("x-option-hints", {})
    options = [
        Option(value, field.option_label(value), hints.get(value)) for value in field.schema.get("enum", [])
    ]
    return Widget(
        "radios",
        {
            **_question(field, drawing),
            "name": field.path,
            "legend": _label(field, drawing),
            "options": options,
            "value": drawing.typed.get(field.path, ""),
        },
    )


def _date(field: Field, drawing: _Drawing) -> Widget:
    parts = ("day", "month", "year")
    return Widget(
        "date",
        {
            **_question(field, drawing),
            "name": field.path,
            "legend": _label(field, drawing),
            "labels": [drawing.t(part) for part in parts],
            "values": {part: drawing.typed.get(f"{field.path}-{part}", "") for part in parts},
            "autocomplete": "bday" if field.schema.get("x-autocomplete") == "bday" else None,
        },
    )


def _checkbox(field: Field, drawing: _Drawing) -> Widget:
    link = field.schema.get("x-link")
    return Widget(
        "checkbox",
        {
            **_question(field, drawing),
            "name": field.path,
            "label": field.label,  # the box's own words: never "(optional)"
            "checked": bool(drawing.typed.get(field.path)),
            "link": {"href": drawing.base_url + link["page"], "text": link["text"]} if link else None,
        },
    )


def _widget(field: Field, drawing: _Drawing) -> Widget | None:
    """The widget for a question, or None for one its form's own page draws (a list)."""
    widget = field.widget
    value = drawing.typed.get(field.path, "")
    if widget == "section":
        children = tuple(w for w in (_widget(child, drawing) for child in field.children) if w)
        attributes = {"data-section": field.path, "data-kids-young": _young(field)}
        return Widget(
            "section", {"legend": field.label, "hint": field.hint, "attributes": attributes}, children
        )
    if widget == "hidden":
        return Widget("hidden", {"id": field.id, "name": field.path, "value": value})
    if widget == "honeypot":
        return Widget("honeypot", {"id": field.id, "name": field.path, "label": field.label, "value": value})
    if widget == "list":
        return None
    draw = {"radios": _radios, "date": _date, "checkbox": _checkbox, "files": _files}.get(widget, _text)
    return draw(field, drawing)


def render_form(
    form: Form,
    typed: dict[str, str] | None = None,
    errors: Iterable[FieldError] = (),
    action: str | None = None,
    base_url: str = "/",
    paper: bool = False,
) -> str:
    """The whole form: error summary, every question in schema order, and the send button.

    `paper`: the same questions to print and fill in with a pen, with nothing to type into or send."""
    errors = list(errors)
    settings = form.settings
    action = action if action is not None else f"/api/{settings.route}"
    drawing = _Drawing(form, typed or {}, {e.field: e for e in errors}, base_url, action)
    widgets = [w for w in (_widget(f, drawing) for f in form.fields) if w]
    other_language = form.lang != "en"
    young = settings.young_from is not None  # from this age the words speak to the young person
    return html.render(
        "form.html",
        paper=paper,
        widgets=widgets,
        errors=errors,
        summary_title=drawing.t("error_summary_title"),
        name=form.name,
        action=action,
        confirmation=base_url + settings.confirmation_page,
        files=bool(settings.files_field),
        send=settings.send_label,
        # A form with its own script: the shared forms script leaves it alone.
        script=settings.script,
        # The copy's email address is asked for only when its box is ticked.
        skip_unless=(
            f"{settings.copy_email_field}:{settings.copy_field}"
            if settings.copy_field and settings.copy_email_field
            else None
        ),
        young_from=str(settings.young_from) if young else None,
        age_field=(settings.age_field or "") if young else None,
        # In another language, the page's language goes with the answers; and words for the script.
        lang=form.lang if other_language else None,
        dir=("rtl" if form.lang in RTL else "ltr") if other_language else None,
        words=(
            json.dumps({**script_texts(form.lang), "send": settings.send_label}, ensure_ascii=False)
            if other_language
            else None
        ),
    )
