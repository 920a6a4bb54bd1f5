"""The API's request handling: HTTP API (payload 2.0) events in, responses out. No AWS imports here."""

from __future__ import annotations

import base64
import binascii
import json
import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from . import i18n
from .facts import facts
from .page import form_page_with_errors
from .parse import FILE_STEP_NAMES, Parsed, ParseError, parse_form, parse_json, parse_multipart_form
from .ports import StorageError
from .schemas import Form, form_for_route, get_form
from .sent_page import handle_sent_page, page_for, pages_for
from .service import Services, submit
from .spam import issue
from .throttle import for_services
from .validate import FieldError, href_for

log = logging.getLogger("forms")

Response = dict[str, Any]
# Other routes (uploads) register here: /api/<name> -> handler(event, services).
EXTRA_ROUTES: dict[str, Callable[[dict[str, Any], Services], Response]] = {}
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def json_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json; charset=utf-8", **SECURITY_HEADERS, **(headers or {})},
        "body": json.dumps(body, ensure_ascii=False),
    }


def problem(
    status: int, text: str, field: str = "", href: str = "", headers: dict[str, str] | None = None
) -> Response:
    """A plain error in the same shape as validation errors."""
    title = "There is a problem" if status < 500 else "Sorry, there is a problem with the service"
    return json_response(
        status, {"title": title, "errors": [{"field": field, "href": href, "text": text}]}, headers
    )


def html_response(status: int, html: str, headers: dict[str, str] | None = None) -> Response:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "text/html; charset=utf-8", **SECURITY_HEADERS, **(headers or {})},
        "body": html,
    }


def _headers(event: dict[str, Any]) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}


def body_bytes(event: dict[str, Any]) -> bytes:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ParseError("The request body is not valid base64") from exc
    return body.encode("utf-8") if isinstance(body, str) else bytes(body)


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
    letter_date = _answer(answers, form.settings.get("deadline_field"))
    if isinstance(letter_date, str):
        query["letter_date"] = letter_date
    # The views form's thanks in the young person's words from their age on, with JavaScript or without.
    age, young_from = _answer(answers, form.settings.get("age_field")), form.settings.get("young_from")
    if isinstance(age, int) and not isinstance(age, bool) and young_from and age >= int(young_from):
        query["words"] = "young"
    page = i18n.page_prefix(form.lang) + form.settings["confirmation_page"]
    return services.settings.site_url + page + "?" + urlencode(query)


def _keep_files_despite(
    errors: list[FieldError], form: Form, parsed: Parsed, services: Services
) -> list[FieldError]:
    """A form sent without JavaScript with a good file but a problem elsewhere: keep the file (listed as added on the
    page shown again), so the family does not have to choose it again."""
    from .uploads import check_files

    name = form.settings["files_field"]
    if parsed.files and not any(e.field == name for e in errors):
        errors = check_files(form, parsed, services, []) + errors
        order = form.order()
        errors.sort(key=lambda e: order.get(e.field, len(order)))
    parsed.typed[name] = " ".join(i for i in parsed.answers.get(name) or [] if isinstance(i, str))
    return errors


def _file_step(form: Form, parsed: Parsed, services: Services) -> Response:
    """'Add this file' or 'Remove' on a page without JavaScript: keep every answer, change the files, show the form
    again (at the files question). Nothing is sent to the team until the family chooses Send."""
    from .uploads import check_files

    name = form.settings["files_field"]
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
    page = form_page_with_errors(form, parsed.typed, errors, services.settings, pages_for(services))
    log.info(
        "file step form=%s action=%s status=%s",
        form.name,
        "remove" if removing else "add",
        400 if errors else 200,
    )
    return html_response(400 if errors else 200, page)


def handle_form(form: Form, event: dict[str, Any], services: Services) -> Response:
    headers = _headers(event)
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    wants_json = _wants_json(headers, content_type)
    body = body_bytes(event)
    with_files = content_type == "multipart/form-data" and bool(form.settings.get("files_field"))
    if with_files:  # a form with files, sent without JavaScript
        from .files import MAX_FORM_FILE_BYTES

        # The page adds files one at a time (so that a post fits in what a Lambda function takes: 6 MB after
        # base64); a post with more is refused here rather than half read.
        if len(body) > services.settings.max_body_bytes + MAX_FORM_FILE_BYTES + 4096:
            each = MAX_FORM_FILE_BYTES // 2**20
            return problem(413, f"The file is too large to send. It must be {each} MB or smaller")
    elif len(body) > services.settings.max_body_bytes:
        limit = services.settings.max_body_bytes // 1024
        return problem(413, f"The form is too large to send. It must be {limit} KB or smaller")
    parsed: Parsed
    if content_type == "application/json":
        parsed = parse_json(form, body)
    elif content_type == "application/x-www-form-urlencoded":
        parsed = parse_form(form, body)
    elif with_files:
        parsed = parse_multipart_form(form, body, headers["content-type"], MAX_FORM_FILE_BYTES)
    else:
        return problem(415, "Send the form as application/json or application/x-www-form-urlencoded")
    # The answer's language: the page's (`lang` in the answers); for the JSON API, else the browser's
    # Accept-Language (a plain form post from an English page sends no `lang` and is answered in English).
    lang = i18n.choose(parsed.controls.get("lang"), headers.get("accept-language") if wants_json else None)
    if lang != i18n.DEFAULT:
        parsed.controls["lang"] = lang  # stored with the record, so the team's email names it
        form = get_form(form.name, lang)
    problem_title = i18n.text("error_summary_title", lang)
    if with_files and FILE_STEP_NAMES & set(parsed.controls):
        return _file_step(form, parsed, services)
    if (event.get("queryStringParameters") or {}).get("check") == "1":
        # The check-your-answers step asks whether the answers are complete before showing them back.
        from .validate import validate

        errors = validate(form.name, parsed.answers, lang=lang)
        if errors:
            return json_response(400, {"title": problem_title, "errors": [e.as_dict() for e in errors]})
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
            form, parsed.typed, [FieldError("", "#", text)], services.settings, pages_for(services)
        )
        return html_response(503, page, headers={"Retry-After": "60"})
    if outcome.errors:
        if wants_json:
            errors = [e.as_dict() for e in outcome.errors]
            return json_response(400, {"title": problem_title, "errors": errors})
        errors = list(outcome.errors)
        if with_files:
            errors = _keep_files_despite(errors, form, parsed, services)
        return html_response(
            400, form_page_with_errors(form, parsed.typed, errors, services.settings, pages_for(services))
        )
    assert outcome.reference is not None
    location = _confirmation_location(form, services, outcome.reference, outcome.answers or {})
    if wants_json:
        return json_response(201, {"reference": outcome.reference, "confirmation_url": location})
    return {"statusCode": 303, "headers": {"Location": location, **SECURITY_HEADERS}, "body": ""}


def _extra_route(route: str) -> Callable[[dict[str, Any], Services], Response] | None:
    """The handler for /api/<name> or /api/<name>/<id>; uploads registers itself when first imported."""
    from . import uploads  # noqa: F401

    return EXTRA_ROUTES.get(route.split("/", 1)[0])


def handle(event: dict[str, Any], services: Services) -> Response:
    """Route one API request. Anything a client sends gets a 2xx, 3xx or 4xx, never a 5xx."""
    started = time.perf_counter()
    http = (event.get("requestContext") or {}).get("http") or {}
    method = str(http.get("method", "GET")).upper()
    path = str(event.get("rawPath") or http.get("path") or "")
    route = path.removeprefix("/api/").strip("/") if path.startswith("/api/") else ""
    sent_page = not route and page_for(path, services.settings.site_path) is not None
    response: Response
    try:
        form = form_for_route(route) if route else None
        extra = _extra_route(route)
        origin = _headers(event).get("origin")
        client = str(http.get("sourceIp") or "")
        allowed, wait = for_services(services).allow(client) if client else (True, 0)
        if not allowed:
            response = problem(
                429,
                f"You have sent a lot of forms in a short time. Wait {wait} seconds and try again",
                headers={"Retry-After": str(wait)},
            )
        elif route == "token":
            if method != "GET":
                response = problem(405, "Ask for a token with GET", headers={"Allow": "GET"})
            elif origin is not None and origin != services.settings.allowed_origin:
                response = problem(403, "Forms can only be sent from this service's own website")
            else:
                token = issue(services.settings.forms_secret)
                response = json_response(200, {"token": token})
        elif sent_page:  # a confirmation page, filled in for families without JavaScript
            response = handle_sent_page(event, services)
        elif route.split("/", 1)[0] == "files":  # a link in the team's email, opened in a browser
            from .file_links import handle_file_link

            response = handle_file_link(event, services)
        elif form is None and extra is None:
            response = problem(404, "There is no form at this address")
        elif method != "POST":
            response = problem(405, "Send the form with POST", headers={"Allow": "POST"})
        elif origin is not None and origin != services.settings.allowed_origin:
            response = problem(403, "Forms can only be sent from this service's own website")
        elif form is not None:
            response = handle_form(form, event, services)
        else:
            assert extra is not None
            response = extra(event, services)
    except ParseError as exc:
        response = problem(exc.status, exc.text)
    except Exception as exc:  # a bug of ours: say so plainly; log the kind of error, nothing the family sent
        # No traceback: an exception's message can quote what was sent.
        log.error("unexpected error route=%s kind=%s", _route_name(route, sent_page), type(exc).__name__)
        response = problem(
            500, f"Something went wrong on our side. Try again later, or call us on {facts()['phone']}"
        )
    log.info(
        "request route=%s status=%s ms=%.1f",
        _route_name(route, sent_page),
        response["statusCode"],
        (time.perf_counter() - started) * 1000,
    )
    return response


def _route_name(route: str, sent_page: bool) -> str:
    """The route's name for a log line, and only when it is one of ours: a path can carry anything a client chooses,
    and the rest of a file link's path is the link itself."""
    if sent_page:
        return "sent-page"
    first = route.split("/", 1)[0]
    known = first in {"token", "files"} or (route and (form_for_route(route) or _extra_route(route)))
    return first if known else "other"
