"""The confirmation pages with the reference number and dates filled in on the server, for families without
JavaScript (with JavaScript the page's own script fills them too).

After a form is sent the browser goes to its confirmation page, e.g. /forms/referral-sent/?reference=...; the
built page says "in the email we send you" where the reference goes. On AWS CloudFront sends these pages (and
only these) to the API, locally the server of `make serve` sends them here: one code path. The page is read from
the built site (site/ locally, the site bucket on AWS) and only a well-formed reference and dates worked out from
a real date are put in (confirmation.py). If the built page cannot be read, a plain page still gives the reference.
"""

from __future__ import annotations

import logging
from functools import cache

from functions.forms.application.services import Services
from functions.forms.domain import i18n, languages
from functions.forms.domain.html import render
from functions.forms.domain.schemas import FORM_FILES, Form, get_form
from functions.forms.web.confirmation import choose_words, fill, values_from_query
from functions.forms.web.request import Request
from functions.forms.web.responses import Response, html_response, problem

log = logging.getLogger("forms")


@cache
def confirmation_pages(site_path: str = "/") -> dict[str, str]:
    """Every confirmation page's address ('/pl/forms/referral-sent/') -> its page in the built site."""
    found = {}
    for name in FORM_FILES:
        page = get_form(name).settings.confirmation_page
        for lang in languages.LANGUAGES:
            if lang == languages.DEFAULT or (i18n.I18N_DIR / f"{name}.{lang}.json").exists():
                found[f"{site_path}{languages.page_prefix(lang)}{page}"] = (
                    f"{languages.page_prefix(lang)}{page}"
                )
    return found


def page_for(path: str, site_path: str = "/") -> str | None:
    """The built page behind this address, when it is a confirmation page."""
    return confirmation_pages(site_path).get(path)


def form_for_page(page: str, lang: str) -> Form | None:
    """The form whose confirmation page this is ('pl/forms/referral-sent/' is the referral form's), in the language."""
    for name in FORM_FILES:
        form = get_form(name, lang)
        if page == f"{languages.page_prefix(lang)}{form.settings.confirmation_page}":
            return form
    return None


def show(request: Request, services: Services) -> Response:
    """GET a confirmation page, filled in from its query string."""
    page = page_for(request.path, services.settings.site_path)
    query = request.query
    lang = (page or "").split("/", 1)[0]
    lang = lang if lang in languages.LANGUAGES else languages.DEFAULT
    form = form_for_page(page, lang) if page else None
    values = values_from_query(query, lang, form=form)
    html = services.site_pages.read(page) if page else None
    if html is None:
        if not page:
            return problem(404, "There is no page at this address")
        # Never leave a family without their reference because the built page could not be read.
        reference = values.get("reference")
        said = f"Your reference number is {reference}." if reference else "We will email you your reference."
        keep = "Keep your reference number. Use it if you call or email us."
        return html_response(200, render("notice.html", heading="Form sent", paragraphs=[said, keep]))
    return html_response(200, choose_words(fill(html, values), young=query.get("words") == "young"))
