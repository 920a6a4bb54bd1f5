"""Whole HTML pages from the API: the form again with its errors, for browsers without JavaScript."""

from __future__ import annotations

import re
from html import escape

from functions.forms.config import Settings
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
    html = pages.read(page_prefix(form.lang) + form.settings.page)
    return html if html and FORM_START in html and FORM_END in html else None


def _shell(form: Form, config: Settings, body: str, title: str) -> str:
    f = facts()
    home = escape(config.site_path)
    direction = ' dir="rtl"' if form.lang in RTL else ""
    english = ' lang="en" dir="ltr"' if form.lang != "en" else ""  # the page's own words are in English
    return (
        f'<!doctype html><html lang="{escape(form.lang)}"{direction}><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title>"
        f'<link rel="stylesheet" href="{home}stylesheets/extra.css"></head>'
        f'<body class="md-typeset"><a class="md-skip" href="#main"{english}>Skip to main content</a>'
        f'<header><p><a href="{home}">{escape(f["short_name"])}</a></p></header>'
        f'<main id="main" style="max-width:42rem;margin:0 auto;padding:1rem">{body}</main>'
        f'<footer style="max-width:42rem;margin:2rem auto;padding:1rem"{english}>Call us on {escape(f["phone"])} or email '
        f"{escape(f['email'])}.</footer></body></html>"
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
        return _shell(form, config, f"<h1>{escape(form.title)}</h1>{rendered}", title)
    before, rest = built.split(FORM_START, 1)
    _, after = rest.split(FORM_END, 1)
    page = before + FORM_START + rendered + FORM_END + after
    if not errors:  # the form shown again after a file was added or removed
        return page
    prefix = escape(text("error_prefix", form.lang))
    return _TITLE.sub(lambda m: f"<title>{prefix} {m.group(1).strip()}</title>", page, count=1)
