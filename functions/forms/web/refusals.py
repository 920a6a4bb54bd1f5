"""A refused request's answer: JSON for the forms' script and other clients, a page for a browser without JavaScript.

A family who sends a form without JavaScript must never be shown raw JSON, nor lose what they typed. So for a
plain form post (or a browser opening an /api/ address) every refusal of ours (403, 404, 405, 413, 415, 429, an
unreadable body, our own failure) is a page in the family's language. When the post is a form's answers that can
be read, the page is the form again with every answer kept and the reason at the top of its error summary; when
it cannot be, a short page says what happened, that going back keeps what they typed, and how to reach us.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from functions.forms.application.services import Services
from functions.forms.domain import html, i18n, languages
from functions.forms.domain.answers import Parsed
from functions.forms.domain.facts import facts
from functions.forms.domain.files import MAX_FORM_FILE_BYTES
from functions.forms.domain.schemas import Form, form_for_route, get_form
from functions.forms.domain.validate import FieldError, href_for
from functions.forms.web.errors import ParseError
from functions.forms.web.page import form_page_with_errors
from functions.forms.web.parse import parse_form, parse_multipart_form
from functions.forms.web.request import Request
from functions.forms.web.responses import Response, html_response, problem

log = logging.getLogger("forms")

# What our forms send without JavaScript (their enctype).
FORM_POSTS = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def wants_page(request: Request) -> bool:
    """Whether this request came from a page without JavaScript (so its answer must be a page)."""
    accept = request.headers.get("accept", "")
    if request.content_type == "application/json" or "application/json" in accept:
        return False
    # A browser asks for text/html whenever it opens a page or sends a form; a post of a form's own kinds is
    # answered with a page even without it (the forms have always been answered so).
    return request.content_type in FORM_POSTS or "text/html" in accept


def read_answers(form: Form, request: Request, drop_files: bool = False) -> Parsed | None:
    """The answers in a form post, or None when the body is not a form's answers we can read.

    `drop_files`: files are not kept (marked too large), for a post too big to take."""
    try:
        body = request.body()
        if request.content_type == "application/x-www-form-urlencoded":
            return parse_form(form, body)
        if request.content_type == "multipart/form-data":
            keep_up_to = 0 if drop_files else MAX_FORM_FILE_BYTES
            return parse_multipart_form(form, body, request.headers.get("content-type", ""), keep_up_to)
    except ParseError:
        return None
    return None


def _referer_language(request: Request, services: Services) -> str | None:
    """The language of the page the request came from ('/pl/forms/referral/' is Polish), if it is one of ours."""
    path = urlsplit(request.headers.get("referer", "")).path
    rest = path.removeprefix(services.settings.site_path).split("/", 1)[0]
    return rest if rest in languages.LANGUAGES else None


def form_again(
    form: Form, parsed: Parsed, errors: list[FieldError], services: Services, status: int, **headers: str
) -> Response:
    """The form shown again in its own language, every answer kept, these errors at the top."""
    lang = languages.choose(parsed.controls.get("lang"))
    if lang != form.lang:
        form = get_form(form.name, lang)
    page = form_page_with_errors(form, parsed.typed, errors, services.settings, services.site_pages)
    return html_response(status, page, headers)


def file_too_large(form: Form, parsed: Parsed, services: Services) -> Response:
    """A post without JavaScript too big to take (a file over the limit): the form again, every answer kept, the
    error at the files question. Files added before stay added (their ids are in the post)."""
    name = form.settings.files_field
    assert name  # only a form with files is posted as multipart
    lang = languages.choose(parsed.controls.get("lang"))
    text = i18n.text("refused_file_too_large_page", lang, mb=MAX_FORM_FILE_BYTES // 2**20)
    return form_again(form, parsed, [FieldError(name, href_for(form, name), text)], services, 413)


def refuse(
    request: Request,
    services: Services,
    status: int,
    text: str,
    page_key: str,
    headers: dict[str, str] | None = None,
    **values: Any,
) -> Response:
    """Refuse a request: `text` (English, for a script) as JSON, or the page `page_key` for a browser."""
    if not wants_page(request):
        return problem(status, text, headers=headers)
    form = form_for_route(request.path.removeprefix("/api/").strip("/"))
    parsed = (
        read_answers(form, request)
        if form is not None and request.method == "POST" and request.content_type in FORM_POSTS
        else None
    )
    if form is not None and parsed is not None:
        lang = languages.choose(parsed.controls.get("lang"))
        reason = FieldError("", "#", i18n.text(page_key, lang, **values))
        log.info("refused page status=%s form=%s kept=yes", status, form.name)
        return form_again(form, parsed, [reason], services, status, **(headers or {}))
    lang = languages.choose(_referer_language(request, services), request.headers.get("accept-language"))
    paragraphs = [i18n.text(page_key, lang, **values)]
    form_link = ""
    if form is not None:
        form_link = services.settings.site_path + languages.page_prefix(lang) + form.settings.page
        if request.method == "POST":
            paragraphs.append(i18n.text("refused_back", lang))
    f = facts()
    page = html.render(
        "refused.html",
        lang=lang,
        rtl=lang in languages.RTL,
        home=services.settings.site_path,
        prefix=languages.page_prefix(lang),
        short_name=f["short_name"],
        heading=i18n.text("refused_title" if request.method == "POST" else "refused_title_get", lang),
        paragraphs=paragraphs,
        form_link=form_link,
        form_link_text=i18n.text("refused_open_form", lang),
        contact_words=i18n.text("refused_contact", lang),
        phone=f["phone"],
        phone_link=f["phone_link"],
        email=f["email"],
    )
    log.info("refused page status=%s form=%s kept=no", status, form.name if form else "-")
    return html_response(status, page, headers)
