"""Build a form's HTML from its schema: at site build time (empty) and for the no-JavaScript error page.

GOV.UK Design System patterns: labels and hints, "(optional)" and no asterisks, radios and date boxes in
fieldsets, an error summary that links to each field, and an error message above each field in error.
"""

from __future__ import annotations

import contextvars
import json
from collections.abc import Iterable
from html import escape
from typing import Any

from functions.forms.domain.i18n import script_texts, text
from functions.forms.domain.languages import RTL
from functions.forms.domain.schemas import Field, Form
from functions.forms.domain.validate import FieldError

# The language of the form being drawn (its shared words: "(optional)", "Day", "There is a problem").
_lang: contextvars.ContextVar[str] = contextvars.ContextVar("lang", default="en")
# Where the form being drawn is sent (the file buttons send it there too).
_form_action: contextvars.ContextVar[str] = contextvars.ContextVar("form_action", default="")


def _t(key: str) -> str:
    return text(key, _lang.get())


DATE_BOXES = (("day", "Day", 2), ("month", "Month", 2), ("year", "Year", 4))


def _attrs(**values: Any) -> str:
    parts = []
    for key, value in values.items():
        if value is None or value is False:
            continue
        name = key.rstrip("_").replace("_", "-")
        parts.append(name if value is True else f'{name}="{escape(str(value))}"')
    return " ".join(parts)


def _label_text(field: Field) -> str:
    optional = not field.required and field.schema.get("x-optional-label", True)
    return escape(field.label) + (f" {escape(_t('optional'))}" if optional else "")


def _describedby(field: Field, error: FieldError | None) -> str | None:
    ids = []
    if field.hint:
        ids.append(f"{field.id}-hint")
    if error:
        ids.append(f"{field.id}-error")
    return " ".join(ids) or None


def _hint(field: Field) -> str:
    return f'<div class="kids-hint" id="{field.id}-hint">{escape(field.hint)}</div>' if field.hint else ""


def _error(field: Field, error: FieldError | None) -> str:
    if not error:
        return ""
    return (
        f'<p class="kids-error-message" id="{field.id}-error">'
        f'<span class="kids-visually-hidden">{escape(_t("error_prefix"))}</span> {escape(error.text)}</p>'
    )


def _other_words(field: Field) -> str:
    """A second wording for the page's script to swap in (x-young-person: title, description, x-labels)."""
    words = field.schema.get("x-young-person")
    if not words:
        return ""
    return f' data-kids-young="{escape(json.dumps(words, ensure_ascii=False))}"'


def _group(field: Field, error: FieldError | None, inner: str) -> str:
    cls = "kids-form-group" + (" kids-form-group--error" if error else "")
    return f'<div class="{cls}" data-field="{escape(field.path)}"{_other_words(field)}>{inner}</div>'


def _files(field: Field, typed: dict[str, str], error: FieldError | None) -> str:
    """A file box. Without JavaScript files are added one at a time ("Add this file" sends the form with one file
    and the server shows it again with the file listed), so no post carries more than one file: on AWS a post must
    fit in the 6 MB a Lambda function takes. The page's script replaces this with its own uploader."""
    words = field.schema.get("x-no-js-words", {})
    ids = typed.get(field.path, "").split()
    most = field.schema.get("maxItems", 1)
    # Back to this question's label (not the top of the page, nor the box below the list of files added).
    step = _form_action.get() + f"#{field.id}-label"
    added = "".join(
        f'<li class="kids-file-list__item">{escape(words["added"].format(number=n))} '
        + "<button "
        + _attrs(
            type="submit",
            name="remove_file",
            value=upload_id,
            formaction=step,
            class_="kids-button kids-button--secondary kids-button--small",
        )
        + f'>{escape(words["remove"])}<span class="kids-visually-hidden"> '
        f"{escape(words['remove_which'].format(number=n))}</span></button>"
        + "<input "
        + _attrs(type="hidden", name=field.path, value=upload_id)
        + "></li>"
        for n, upload_id in enumerate(ids, start=1)
    )
    added_html = f'<ul class="kids-file-list" data-kids-no-js-files>{added}</ul>' if ids else ""
    control = (
        "<input "
        + _attrs(
            class_="kids-file-upload",
            id=field.id,
            name=field.path,
            type="file",
            accept=field.schema.get("x-accept"),
            data_kids_max_files=most,
            disabled=len(ids) >= most,
            aria_describedby=" ".join(filter(None, [_describedby(field, error), f"{field.id}-limit"])),
        )
        + ">"
    )
    if len(ids) >= most:
        step_html = (
            f'<p class="kids-hint" data-kids-no-js-files>{escape(words["full"].format(most=most))}</p>'
        )
    else:
        step_html = (
            "<p data-kids-no-js-files><button "
            + _attrs(
                type="submit",
                name="add_file",
                value="1",
                formaction=step,
                class_="kids-button kids-button--secondary",
            )
            + f">{escape(words['add'])}</button></p>"
        )
    limit = field.schema.get("x-no-js-hint", "")
    limit_html = f'<div class="kids-hint" id="{field.id}-limit" data-kids-no-js>{escape(limit)}</div>'
    label = f'<label class="kids-label" id="{field.id}-label" for="{field.id}">{_label_text(field)}</label>'
    return _group(
        field,
        error,
        label + _hint(field) + limit_html + _error(field, error) + added_html + control + step_html,
    )


def _text(field: Field, typed: dict[str, str], error: FieldError | None) -> str:
    input_type = {"email": "email", "tel": "tel", "number": "text"}.get(field.widget, "text")
    extra = {}
    if field.widget == "number":
        extra["inputmode"] = "numeric"
    if field.widget == "email":
        extra["spellcheck"] = "false"
    control = (
        "<input "
        + _attrs(
            class_="kids-input" + (" kids-input--error" if error else ""),
            id=field.id,
            name=field.path,
            type=input_type,
            value=typed.get(field.path, ""),
            autocomplete=field.schema.get("x-autocomplete"),
            aria_describedby=_describedby(field, error),
            **extra,
        )
        + ">"
    )
    if field.widget == "textarea":
        control = (
            "<textarea "
            + _attrs(
                class_="kids-textarea" + (" kids-textarea--error" if error else ""),
                id=field.id,
                name=field.path,
                rows=5,
                aria_describedby=_describedby(field, error),
            )
            + f">{escape(typed.get(field.path, ''))}</textarea>"
        )
    label = f'<label class="kids-label" for="{field.id}">{_label_text(field)}</label>'
    return _group(field, error, label + _hint(field) + _error(field, error) + control)


def _fieldset(field: Field, error: FieldError | None, inner: str) -> str:
    legend = f'<legend class="kids-legend">{_label_text(field)}</legend>'
    described = _describedby(field, error)
    fieldset = (
        f'<fieldset class="kids-fieldset"{" aria-describedby=" + chr(34) + described + chr(34) if described else ""}>'
        f"{legend}{_hint(field)}{_error(field, error)}{inner}</fieldset>"
    )
    return _group(field, error, fieldset)


def _radios(field: Field, typed: dict[str, str], error: FieldError | None) -> str:
    chosen = typed.get(field.path, "")
    hints = field.schema.get("x-option-hints", {})
    options = []
    for index, value in enumerate(field.schema.get("enum", [])):
        option_id = field.id if index == 0 else f"{field.id}-{index + 1}"
        hint = hints.get(value)
        hint_html = (
            f'<div class="kids-choice__hint" id="{option_id}-item-hint">{escape(hint)}</div>' if hint else ""
        )
        radio = (
            "<input "
            + _attrs(
                type="radio",
                id=option_id,
                name=field.path,
                value=value,
                checked=chosen == value,
                aria_describedby=f"{option_id}-item-hint" if hint else None,
            )
            + ">"
        )
        label = f'<label for="{option_id}">{escape(field.option_label(value))}</label>'
        options.append(f'<div class="kids-choice">{radio}<div>{label}{hint_html}</div></div>')
    return _fieldset(field, error, "".join(options))


def _date(field: Field, typed: dict[str, str], error: FieldError | None) -> str:
    boxes = []
    for part, _label, width in DATE_BOXES:
        box_id = f"{field.id}-{part}"
        autocomplete = None
        if field.schema.get("x-autocomplete") == "bday":
            autocomplete = f"bday-{part}"
        box = (
            "<input "
            + _attrs(
                class_=f"kids-input kids-input--{width}" + (" kids-input--error" if error else ""),
                id=box_id,
                name=f"{field.path}-{part}",
                type="text",
                inputmode="numeric",
                autocomplete=autocomplete,
                value=typed.get(f"{field.path}-{part}", ""),
            )
            + ">"
        )
        boxes.append(
            f'<div class="kids-date__item"><label class="kids-label" for="{box_id}">{escape(_t(part))}</label>{box}</div>'
        )
    return _fieldset(field, error, f'<div class="kids-date" id="{field.id}">{"".join(boxes)}</div>')


def _checkbox(field: Field, typed: dict[str, str], error: FieldError | None, base_url: str) -> str:
    box = (
        "<input "
        + _attrs(
            type="checkbox",
            id=field.id,
            name=field.path,
            value="true",
            checked=bool(typed.get(field.path)),
            aria_describedby=_describedby(field, error),
        )
        + ">"
    )
    link = field.schema.get("x-link")
    link_html = ""
    if link:
        href = escape(base_url + link["page"])
        link_html = f'<p><a href="{href}" target="_blank" rel="noopener">{escape(link["text"])}</a></p>'
    label = f'<label for="{field.id}">{escape(field.label)}</label>'
    inner = f'{_hint(field)}{link_html}{_error(field, error)}<div class="kids-choice">{box}{label}</div>'
    return _group(field, error, inner)


def _honeypot(field: Field, typed: dict[str, str]) -> str:
    # Hidden from everyone; bots that fill every box fill it. An unusual autocomplete token keeps autofill out.
    box = (
        "<input "
        + _attrs(
            type="text",
            id=field.id,
            name=field.path,
            value=typed.get(field.path, ""),
            tabindex="-1",
            autocomplete="kids-leave-empty",
        )
        + ">"
    )
    return f'<div class="kids-hp" aria-hidden="true"><label for="{field.id}">{escape(field.label)}</label>{box}</div>'


def _field(field: Field, typed: dict[str, str], errors: dict[str, FieldError], base_url: str) -> str:
    error = errors.get(field.path)
    widget = field.widget
    if widget == "section":
        inner = "".join(_field(child, typed, errors, base_url) for child in field.children)
        hint = f'<p class="kids-hint">{escape(field.hint)}</p>' if field.hint else ""
        return (
            f'<fieldset class="kids-fieldset kids-fieldset--section" data-section="{escape(field.path)}"'
            f"{_other_words(field)}>"
            f'<legend class="kids-legend kids-legend--section"><h2>{escape(field.label)}</h2></legend>'
            f"{hint}{inner}</fieldset>"
        )
    if widget == "hidden":
        return (
            "<input "
            + _attrs(type="hidden", id=field.id, name=field.path, value=typed.get(field.path, ""))
            + ">"
        )
    if widget == "honeypot":
        return _honeypot(field, typed)
    if widget == "radios":
        return _radios(field, typed, error)
    if widget == "date":
        return _date(field, typed, error)
    if widget == "checkbox":
        return _checkbox(field, typed, error, base_url)
    if widget == "files":
        return _files(field, typed, error)
    if widget == "list":
        return ""  # drawn by the form's own page
    return _text(field, typed, error)


def error_summary(errors: Iterable[FieldError]) -> str:
    """The box at the top that lists every problem and links to each field."""
    errors = list(errors)
    items = "".join(f'<li><a href="{escape(e.href)}">{escape(e.text)}</a></li>' for e in errors)
    # A page that comes back with errors opens on this box, even without JavaScript (GOV.UK's script does the same).
    hidden = " autofocus" if errors else " hidden"
    return (
        f'<div class="kids-error-summary" data-kids-error-summary tabindex="-1" '
        f'aria-labelledby="kids-error-summary-title"{hidden}>'
        f'<h2 id="kids-error-summary-title">{escape(_t("error_summary_title"))}</h2>'
        f'<ul class="kids-error-summary__list">{items}</ul></div>'
    )


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
    token = _lang.set(form.lang)
    action_token = _form_action.set(action if action is not None else f"/api/{form.settings.route}")
    try:
        return _render_form(form, typed, errors, action, base_url, paper)
    finally:
        _form_action.reset(action_token)
        _lang.reset(token)


def _render_form(
    form: Form,
    typed: dict[str, str] | None,
    errors: Iterable[FieldError],
    action: str | None,
    base_url: str,
    paper: bool = False,
) -> str:
    typed = typed or {}
    errors = list(errors)
    by_field = {e.field: e for e in errors}
    settings = form.settings
    action = action if action is not None else f"/api/{settings.route}"
    body = "".join(_field(f, typed, by_field, base_url) for f in form.fields)
    enctype = ' enctype="multipart/form-data"' if settings.files_field else ""
    if settings.script:  # a form with its own script: the shared forms script leaves it alone
        enctype += f' data-kids-enhanced="{escape(settings.script)}"'
    if settings.copy_field and settings.copy_email_field:  # asked only when the box is ticked
        enctype += (
            f' data-kids-skip-unless="{escape(settings.copy_email_field)}:{escape(settings.copy_field)}"'
        )
    if (
        settings.young_from is not None
    ):  # the age from which the young person's words are shown, and where it is asked
        enctype += f' data-kids-young-from="{escape(str(settings.young_from))}"'
        enctype += f' data-kids-age-field="{escape(settings.age_field or "")}"'
    if (
        form.lang != "en"
    ):  # the page's language goes with the answers even without JavaScript; words for the script
        words = json.dumps({**script_texts(form.lang), "send": settings.send_label}, ensure_ascii=False)
        enctype += f' lang="{form.lang}" dir="{"rtl" if form.lang in RTL else "ltr"}" data-kids-text="{escape(words)}"'
        body = f'<input type="hidden" name="lang" value="{escape(form.lang)}">' + body
    send = escape(settings.send_label)
    if paper:  # disabled: not in the tab order, nothing can be typed in or sent
        return (
            f'<div class="kids-form" data-kids-form="{escape(form.name)}">'
            f'<fieldset class="kids-fieldset" disabled>{body}</fieldset></div>'
        )
    if settings.files_field:
        # Enter in a text box presses a form's first submit button: without this one that would be "Remove" (of
        # the first file) or "Add this file". Hidden from sight, the tab order and screen readers; the page's
        # script, which has no such buttons, takes it away.
        body = (
            '<button type="submit" class="kids-visually-hidden" tabindex="-1" aria-hidden="true" '
            f"data-kids-default-send>{send}</button>" + body
        )
    return (
        f"{error_summary(errors)}"
        f'<form class="kids-form" method="post" action="{escape(action)}" novalidate accept-charset="utf-8"{enctype} '
        f'data-kids-form="{escape(form.name)}" data-kids-confirmation="{escape(base_url + settings.confirmation_page)}">'
        f"{body}"
        f"<div data-kids-check hidden></div>"
        f'<button type="submit" class="kids-button" data-kids-submit>{send}</button>'
        f"</form>"
    )
