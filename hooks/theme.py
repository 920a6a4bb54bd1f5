"""MkDocs hook: small fixes to the theme's HTML, made at build time so no script is needed for them."""

from __future__ import annotations

import re
from pathlib import Path

SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog">'
# The theme's search dialog has no accessible name (axe: aria-dialog-name).
SEARCH_LABELS = {
    "en": "Search this site",
    "pl": "Szukaj w serwisie",
    "ur": "اس ویب سائٹ میں تلاش کریں",
    "ar": "ابحث في هذا الموقع",
}

# The footer's words (overrides/partials/footer.html): how to reach the service, on every page.
CONTACT_WORDS = {
    "en": {"title": "Contact us", "phone": "Phone", "email": "Email"},
    "pl": {"title": "Kontakt", "phone": "Telefon", "email": "E-mail"},
    "ur": {"title": "ہم سے رابطہ کریں", "phone": "فون", "email": "ای میل"},
    "ar": {"title": "تواصل معنا", "phone": "الهاتف", "email": "البريد الإلكتروني"},
}


def on_config(config, **kwargs):
    config.setdefault("extra", {})["kids_contact_words"] = CONTACT_WORDS
    return config


def on_post_page(output, page, config, **kwargs):
    lang = config["theme"].get("language") or "en"
    label = SEARCH_LABELS.get(lang, SEARCH_LABELS["en"])
    return squeeze(output.replace(SEARCH_DIALOG, SEARCH_DIALOG[:-1] + f' aria-label="{label}">', 1))


_KEEP = re.compile(r"(<(pre|textarea)\b.*?</\2>)", re.S | re.I)
_SPACE_WITH_NEWLINE = re.compile(r"[ \t]*\n\s*")


def squeeze(html: str) -> str:
    """Fold each run of white space that holds a line break into one line break (the browser shows the same),
    leaving <pre> and <textarea> as they are. About 0.5 KB less per page, gzipped."""
    parts = _KEEP.split(html)
    out = []
    index = 0
    while index < len(parts):
        out.append(_SPACE_WITH_NEWLINE.sub("\n", parts[index]))
        if index + 1 < len(parts):
            out.append(parts[index + 1])  # the kept block itself
        index += 3
    return "".join(out)


_BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.S)


def minify(text: str, javascript: bool) -> str:
    """Our own CSS and JavaScript without comments, indentation or blank lines (line breaks stay, so
    JavaScript's semicolon rules are untouched). Our files keep no '/*' inside strings; a test runs them all."""
    lines = []
    for line in _BLOCK_COMMENT.sub("", text).split("\n"):
        stripped = line.strip()
        if stripped and not (javascript and stripped.startswith("//")):
            lines.append(stripped)
    return "\n".join(lines) + "\n"


def on_post_build(config, **kwargs):
    site = Path(config["site_dir"])
    for folder, javascript in (("javascripts", True), ("stylesheets", False)):
        for path in (site / folder).glob("*.js" if javascript else "*.css"):
            path.write_text(minify(path.read_text(encoding="utf-8"), javascript), encoding="utf-8")
