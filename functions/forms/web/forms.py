"""The forms' own routes: GET /api/token (the time trap's token) and POST /api/<form> (a form sent)."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from functions.forms.application.services import Services
from functions.forms.application.submit import submit
from functions.forms.application.team import count_checked, count_errors, count_shown
from functions.forms.application.uploads import check_files
from functions.forms.domain import i18n, languages, tokens
from functions.forms.domain.answers import Parsed
from functions.forms.domain.facts import facts
from functions.forms.domain.files import MAX_FORM_FILE_BYTES
from functions.forms.domain.schemas import Form, form_for_route, get_form
from functions.forms.domain.validate import FieldError, href_for, validate
from functions.forms.ports import StorageError
from functions.forms.web.page import form_page_with_errors
from functions.forms.web.parse import FILE_STEP_NAMES, parse_form, parse_json, parse_multipart_form
from functions.forms.web.refusals import file_too_large, read_answers, refuse
from functions.forms.web.request import Request
from functions.forms.web.responses import Response, html_response, json_response, problem, redirect

log = logging.getLogger("forms")


def issue_token(request: Request, services: Services) -> Response:
    """GET /api/token: the signed moment the form was shown (domain/tokens.py)."""
    count_shown(services, request.headers.get("referer", ""))
    return json_response(200, {"token": tokens.issue(services.settings.forms_secret)})


def _wants_json(headers: dict[str, str], content_type: str) -> bool:
    return content_type == "application/json" or "application/json" in headers.get("accept", "")


def _answer(answers: dict[str, Any], path: str | None) -> Any:
    """The answer at a dotted path ('decision.letter_date'), or None."""
    if not path:
        return None
    value: Any = answers
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _confirmation_location(form: Form, services: Services, reference: str, answers: dict[str, Any]) -> str:
    """Where the browser goes after sending: always our own site (no open redirect), in the form's language."""
    query = {"reference": reference}
    letter_date = _answer(answers, form.settings.deadline_field)
    if isinstance(letter_date, str):
        query["letter_date"] = letter_date
    # What happens next depends on the service asked for: the confirmation page shows that service's steps.
    steps_path = form.settings.copy_next_steps_field
    service = _answer(answers, steps_path)
    if steps_path and isinstance(service, str):
        query[steps_path.rsplit(".", 1)[-1]] = service
    # The views form's thanks in the young person's words from their age on, with JavaScript or without.
    age, young_from = _answer(answers, form.settings.age_field), form.settings.young_from
    if isinstance(age, int) and not isinstance(age, bool) and young_from and age >= int(young_from):
        query["words"] = "young"
    page = languages.page_prefix(form.lang) + form.settings.confirmation_page
    return services.settings.site_url + page + "?" + urlencode(query)


def _keep_files_despite(
    errors: list[FieldError], form: Form, parsed: Parsed, services: Services
) -> list[FieldError]:
    """A form sent without JavaScript with a good file but a problem elsewhere: keep the file (listed as added on the
    page shown again), so the family does not have to choose it again."""
    name = form.settings.files_field
    assert name  # only for a form with files (post_form's with_files)
    if parsed.files and not any(e.field == name for e in errors):
        errors = check_files(form, parsed, services, []) + errors
        order = form.order()
        errors.sort(key=lambda e: order.get(e.field, len(order)))
    parsed.typed[name] = " ".join(i for i in parsed.answers.get(name) or [] if isinstance(i, str))
    return errors


def _file_step(form: Form, parsed: Parsed, services: Services) -> Response:
    """'Add this file' or 'Remove' on a page without JavaScript: keep every answer, change the files, show the form
    again (at the files question). Nothing is sent to the team until the family chooses Send."""
    name = form.settings.files_field
    assert name  # only for a form with files (post_form's with_files)
    field = form.by_path()[name]
    ids = [i for i in parsed.answers.get(name) or [] if isinstance(i, str)]
    errors: list[FieldError] = []
    removing = parsed.controls.get("remove_file")
    if removing:
        ids = [i for i in ids if i != removing]
    if parsed.files:  # a file chosen but not yet added is added, even when the button pressed was Remove
        parsed.answers[name] = ids
        errors = check_files(form, parsed, services, [])
        ids = parsed.answers.get(name) or ids
    elif not removing:
        errors = [FieldError(name, href_for(form, name), field.schema["x-no-js-words"]["choose"])]
    parsed.typed[name] = " ".join(ids)
    page = form_page_with_errors(form, parsed.typed, errors, services.settings, services.site_pages)
    log.info(
        "file step form=%s action=%s status=%s",
        form.name,
        "remove" if removing else "add",
        400 if errors else 200,
    )
    return html_response(400 if errors else 200, page)


def post_form(request: Request, services: Services) -> Response:
    """POST /api/<form's route>: a form sent, with JavaScript (JSON answers) or without (a form post)."""
    form = form_for_route(request.params["form"])
    assert form is not None  # the route table only matches a form's own route
    headers = request.headers
    content_type = request.content_type
    wants_json = _wants_json(headers, content_type)
    body = request.body()
    with_files = content_type == "multipart/form-data" and bool(form.settings.files_field)
    if with_files:  # a form with files, sent without JavaScript
        # The page adds files one at a time (so that a post fits in what a Lambda function takes: 6 MB after
        # base64); a post with more is refused here, its files dropped and its answers shown again.
        if len(body) > services.settings.max_body_bytes + MAX_FORM_FILE_BYTES + 4096:
            each = MAX_FORM_FILE_BYTES // 2**20
            text = f"The file is too large to send. It must be {each} MB or smaller"
            kept = None if wants_json else read_answers(form, request, drop_files=True)
            if kept is not None:
                return file_too_large(form, kept, services)
            return refuse(request, services, 413, text, "refused_file_too_large_page", mb=each)
    elif len(body) > services.settings.max_body_bytes:
        limit = services.settings.max_body_bytes // 1024
        text = f"The form is too large to send. It must be {limit} KB or smaller"
        return refuse(request, services, 413, text, "refused_too_large_page")
    parsed: Parsed
    if content_type == "application/json":
        parsed = parse_json(form, body)
    elif content_type == "application/x-www-form-urlencoded":
        parsed = parse_form(form, body)
    elif with_files:
        parsed = parse_multipart_form(form, body, headers["content-type"], MAX_FORM_FILE_BYTES)
    else:
        text = "Send the form as application/json or application/x-www-form-urlencoded"
        return refuse(request, services, 415, text, "refused_unreadable_page")
    # The answer's language: the page's (`lang` in the answers); for the JSON API, else the browser's
    # Accept-Language (a plain form post from an English page sends no `lang` and is answered in English).
    lang = languages.choose(
        parsed.controls.get("lang"), headers.get("accept-language") if wants_json else None
    )
    if lang != languages.DEFAULT:
        parsed.controls["lang"] = lang  # stored with the record, so the team's email names it
        form = get_form(form.name, lang)
    problem_title = i18n.text("error_summary_title", lang)
    if with_files and FILE_STEP_NAMES & set(parsed.controls):
        return _file_step(form, parsed, services)
    if request.query.get("check") == "1":
        # The check-your-answers step asks whether the answers are complete before showing them back.
        errors = validate(form.name, parsed.answers, lang=lang)
        count_errors(services, form.name, errors)
        if errors:
            return json_response(400, {"title": problem_title, "errors": [e.as_dict() for e in errors]})
        count_checked(services, form.name)
        return json_response(200, {"ok": True})
    try:
        outcome = submit(form.name, parsed, services)
    except StorageError:
        log.error("storage failed form=%s", form.name)
        text = i18n.text("not_sent_storage", lang, phone=facts()["phone"])
        if wants_json:
            return problem(503, text, headers={"Retry-After": "60"})
        # The form again with everything the family typed, so nothing is lost when they try again.
        page = form_page_with_errors(
            form, parsed.typed, [FieldError("", "#", text)], services.settings, services.site_pages
        )
        return html_response(503, page, headers={"Retry-After": "60"})
    if outcome.errors:
        if wants_json:
            listed = [e.as_dict() for e in outcome.errors]
            return json_response(400, {"title": problem_title, "errors": listed})
        errors = list(outcome.errors)
        if with_files:
            errors = _keep_files_despite(errors, form, parsed, services)
        return html_response(
            400, form_page_with_errors(form, parsed.typed, errors, services.settings, services.site_pages)
        )
    assert outcome.reference is not None
    location = _confirmation_location(form, services, outcome.reference, outcome.answers or {})
    if wants_json:
        return json_response(201, {"reference": outcome.reference, "confirmation_url": location})
    return redirect(303, location)
