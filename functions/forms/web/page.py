"""Whole HTML pages from the API: the form again with its errors, for browsers without JavaScript."""

from __future__ import annotations

import re

from functions.forms.config import Settings
from functions.forms.domain import html
from functions.forms.domain.facts import facts
from functions.forms.domain.i18n import text
from functions.forms.domain.languages import RTL, page_prefix
from functions.forms.domain.schemas import Form
from functions.forms.domain.validate import FieldError
from functions.forms.ports import SitePages
from functions.forms.web.render import render_form

FORM_START = "<!--kids-form-start-->"
FORM_END = "<!--kids-form-end-->"
_TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def _built_page(form: Form, pages: SitePages) -> str | None:
    """The site's own page for this form, in the form's language (site/ locally, the site bucket on AWS)."""
    page = pages.read(page_prefix(form.lang) + form.settings.page)
    return page if page and FORM_START in page and FORM_END in page else None


def _shell(form: Form, config: Settings, rendered: str, title: str) -> str:
    """A plain page of our own around the form (templates/page.html)."""
    f = facts()
    return html.render(
        "page.html",
        lang=form.lang,
        rtl=form.lang in RTL,
        title=title,
        home=config.site_path,
        short_name=f["short_name"],
        phone=f["phone"],
        email=f["email"],
        heading=form.title,
        form=html.safe(rendered),
    )


def form_page_with_errors(
    form: Form,
    typed: dict[str, str],
    errors: list[FieldError],
    config: Settings,
    pages: SitePages,
) -> str:
    """The form with the family's answers kept, the error summary at the top, 'Error: ' in the title.

    Inside the site's own page when it can be read (its relative links work from /api/<route> too: both are
    below the top of the site), else in a plain page of our own."""
    rendered = render_form(form, typed, errors, base_url=config.site_path + page_prefix(form.lang))
    built = _built_page(form, pages)
    if built is None:
        title = (
            f"{text('error_prefix', form.lang) + ' ' if errors else ''}{form.title} - {facts()['short_name']}"
        )
        return _shell(form, config, rendered, title)
    before, rest = built.split(FORM_START, 1)
    _, after = rest.split(FORM_END, 1)
    page = before + FORM_START + rendered + FORM_END + after
    if not errors:  # the form shown again after a file was added or removed
        return page
    from markupsafe import escape  # as the templates escape: the built title is HTML, the word before it text

    prefix = str(escape(text("error_prefix", form.lang)))
    return _TITLE.sub(lambda m: f"<title>{prefix} {m.group(1).strip()}</title>", page, count=1)
