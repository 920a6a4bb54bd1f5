"""MkDocs hook: put each form, generated from its schema, where a page says <!-- form: NAME -->."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from functions.forms.domain.languages import page_prefix, supported  # noqa: E402
from functions.forms.domain.schemas import FORM_FILES, get_form  # noqa: E402
from functions.forms.web.page import FORM_END, FORM_START  # noqa: E402
from functions.forms.web.render import render_form  # noqa: E402

# <!-- form: NAME --> for the form itself; <!-- form: NAME paper --> for its questions to print (nothing to send).
PLACEHOLDER = re.compile(r"<!--\s*form:\s*([a-z-]+)(\s+paper)?\s*-->")


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files, **kwargs: Any) -> str:
    def form_html(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in FORM_FILES:
            raise PluginError(
                f"{page.file.src_uri}: there is no form called '{name}'. Use one of: {', '.join(FORM_FILES)}"
            )
        # The language being built (the i18n plugin sets the theme's language for each language's build); a page
        # not translated yet (the English page, shown in another language's site) keeps the English form.
        lang = supported(config["theme"].get("language") or "en")
        if getattr(page.file, "locale", lang) != lang:
            lang = "en"
        form = get_form(name, lang)
        # The API lives on the site's own origin unless the operator builds with API_URL set.
        api = os.environ.get("API_URL", "").rstrip("/")
        base = urlsplit(config["site_url"] or "/").path or "/"
        action = f"{api}/api/{form.settings.route}"
        paper = bool(match.group(2))
        return (
            FORM_START
            + render_form(form, action=action, base_url=base + page_prefix(lang), paper=paper)
            + FORM_END
        )

    html = PLACEHOLDER.sub(form_html, html)
    styles, scripts = page_assets(page.file.src_uri, html, urlsplit(config["site_url"] or "/").path or "/")
    # Styles before the content they shape (nothing drawn first and moved after), scripts after it.
    return styles + html + scripts


def page_assets(src_uri: str, html: str, base: str) -> tuple[str, str]:
    """The styles and the scripts only some pages need, so that every other page stays light.

    The scripts are deferred: the page is read to its end without waiting for them, and they run before it is first
    drawn as a rule, so the form is not drawn once without them and then again (a layout shift, Lighthouse's CLS)."""
    styles, scripts = [], []
    if FORM_START in html or "data-kids-fill" in html:
        styles.append(f'<link rel="stylesheet" href="{base}stylesheets/forms.css">')
        scripts.append(f'<script src="{base}javascripts/forms.js" defer></script>')
    if src_uri.startswith("forms/child-views"):
        styles.append(f'<link rel="stylesheet" href="{base}stylesheets/views.css">')
        scripts.append(f'<script src="{base}javascripts/views.js" defer></script>')
    if src_uri.startswith("easy-read/"):
        styles.append(f'<link rel="stylesheet" href="{base}stylesheets/easy-read.css">')
    return "".join(styles), "".join(scripts)
