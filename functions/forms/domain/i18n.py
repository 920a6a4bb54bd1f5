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
from functools import cache
from typing import Any

from functions.forms.domain.facts import fill_facts
from functions.forms.domain.languages import DEFAULT, LANGUAGES
from functions.forms.domain.paths import SCHEMAS_DIR

I18N_DIR = SCHEMAS_DIR / "i18n"
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
    # A hint, never an error: the address is sent as typed
    "email_typo": "Did you mean {address}?",
    "email_typo_use": "Use this address",
    # The forms' scripts after a send, and the views form's own script (docs/javascripts/views.js)
    "sent_title": "You have sent this request",
    "sent_reference": "Your reference number is",
    "sent_again": "You do not need to send it again. If you change your answers and send them, we will get them as a new request.",
    "sent_fresh": "The form below is empty. Fill it in only to ask for help again.",
    "sent_next": "What happens next",
    "new_request": "Start a new request",
    "back": "Back",
    "next": "Next",
    "show_all": "Show all the questions on one page",
    "question_of": "Question {n} of {total}",
    "remove": "Remove",
    "file_added": "is added.",
    "file_again": "Choose this file again:",
    "files_again": "Choose these files again:",
    "files_not_kept": "Your answers are kept on this device, but files cannot be.",
    "file_sending": "Sending {name}…",
    "file_type": "The selected file must be a ",
    "file_failed": "The file could not be sent. Try again",
    "file_connection": "The file could not be sent. Check your connection and try again",
    "file_not_added": "{name} was not added. {problem}",
    "files_busy": "Wait until your files have finished sending",
    "files_max": "Choose up to {max} files",
    "views_sent_title": "You have sent your views",
    "views_sent_again": "You do not need to send them again. If you change your answers and send them, we will get them as new views.",
    "views_sent_fresh": "The form below is empty. Fill it in only to tell us something new.",
    "views_new": "Start again",
    "views_not_sent": "Your views have not been sent yet. Check your connection and try again.",
    # The API
    "not_sent_storage": "Your answers have not been sent. Try again in a few minutes, or call us on {phone}",
    # The API's pages for a request it refused, to a browser without JavaScript (web/refusals.py)
    "refused_title": "Sorry, your form was not sent",
    "refused_title_get": "There is nothing to open at this address",
    "refused_back": "Go back to the form with your browser's back button. What you typed will still be there.",
    "refused_open_form": "Open the form",
    "refused_contact": "You can also call us or email us:",
    "refused_origin_page": "Your form was not sent, because it came from a page that is not on our website. "
    "Your answers are below. Check them, then send the form again.",
    "refused_throttle_page": "Your form was not sent, because a lot of forms were sent from your internet "
    "connection in a short time. This can happen when many people share one connection, for example at a school "
    "or a library. Your answers are below. Wait {seconds} seconds, then send the form again.",
    "refused_too_large_page": "Your form was not sent, because your answers are too long. Make the longest "
    "answers shorter, then send the form again.",
    "refused_file_too_large_page": "The file you chose is too large to send. Each file must be {mb} MB or "
    "smaller. Choose a smaller file, or send the form without it and email the file to us.",
    "refused_unreadable_page": "Your form could not be read, so it was not sent.",
    "refused_method_page": "This address is only for sending a form. Nothing has been sent.",
    "refused_not_found_page": "There is no form or page at this address.",
    "refused_ours_page": "Something went wrong on our side, so your form was not sent. Try again in a few minutes.",
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


@cache
def catalogue(name: str, lang: str) -> dict[str, Any]:
    """The catalogue schemas/i18n/<name>.<lang>.json, with {{ facts.NAME }} filled in; empty when there is none."""
    if lang == DEFAULT or lang not in LANGUAGES:
        return {}
    path = I18N_DIR / f"{name}.{lang}.json"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8") as handle:
        return fill_facts(json.load(handle))


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


SCRIPT_AFTER_SEND = (
    "sent_title",
    "sent_reference",
    "sent_again",
    "sent_fresh",
    "sent_next",
    "new_request",
    "back",
    "next",
    "show_all",
    "question_of",
    "remove",
    "file_added",
    "file_again",
    "files_again",
    "files_not_kept",
    "file_sending",
    "file_type",
    "file_failed",
    "file_connection",
    "file_not_added",
    "files_busy",
    "files_max",
    "views_sent_title",
    "views_sent_again",
    "views_sent_fresh",
    "views_new",
    "views_not_sent",
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
        "email_typo",
        "email_typo_use",
        "error_prefix",
        "optional",
        *SCRIPT_AFTER_SEND,
    )
    return {key: text(key, lang) for key in keys}
