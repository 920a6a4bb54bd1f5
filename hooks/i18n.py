"""MkDocs hook: the translated sites (mkdocs-static-i18n builds /pl/, /ur/ and /ar/ beside the English site).

- A page in a language build with no translation yet (the plugin falls back to the English page) gets a notice at
  the top, in that language and in English, and its English words are marked lang="en" dir="ltr".
- A translated page whose front matter says `translation_reviewed: false` gets a notice that a qualified
  translator has not checked it yet.
- Search is per language: the plugin writes one index for every language at search/search_index.json; after
  the last build it is split, so /pl/search/search_index.json holds the Polish site's pages (docs/javascripts/
  md-scope.js asks for the index of the page's language) and the English one only the English pages.
- The plugin's sitemap.xml lists every page with its translations (xhtml:link hreflang), for search engines.
  The <link rel="alternate" hreflang> tags it also puts in each page's head are taken out: the theme fetches
  "sitemap.xml" beside each of them (the wrong address for a page's own alternates), on every page.
- Right-to-left languages get dir="rtl" on <html> too (the theme puts it on <body> only), and each language's
  name in the language switcher is marked with its own language.

The plugin warns that its switcher's page-by-page links do not follow the theme's instant navigation; that is
handled in docs/javascripts/site.js (a language link always loads the page in full, and the switcher's links are
worked out again after each instant page change), so the warning is silenced here to keep the build strict.
"""

from __future__ import annotations

import json
import logging
import re
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

from mkdocs.plugins import event_priority

from functions.forms.domain.languages import DEFAULT, RTL

NOT_TRANSLATED = {
    "pl": "Ta strona nie jest jeszcze przetłumaczona na język polski. Poniżej jest wersja angielska.",
    "ur": "اس صفحے کا ابھی اردو میں ترجمہ نہیں ہوا۔ نیچے انگریزی میں صفحہ ہے۔",
    "ar": "لم تُترجم هذه الصفحة إلى العربية بعد. تجد النسخة الإنجليزية أدناه.",
}
NOT_TRANSLATED_EN = "This page is not translated yet. The English version is below."

NOT_REVIEWED = {
    "pl": "Tę stronę przetłumaczono, ale wykwalifikowany tłumacz jeszcze jej nie sprawdził. "
    "Jeśli coś jest niejasne, zadzwoń do nas.",
    "ur": "اس صفحے کا ترجمہ ہو گیا ہے، لیکن ابھی کسی مستند مترجم نے اسے چیک نہیں کیا۔ "
    "اگر کوئی بات واضح نہ ہو تو ہمیں فون کریں۔",
    "ar": "تُرجمت هذه الصفحة، لكن مترجمًا مؤهلًا لم يراجعها بعد. إذا كان أي شيء غير واضح، اتصل بنا.",
}
NOT_REVIEWED_EN = (
    "A qualified translator has not checked this translation yet. If anything is unclear, call us."
)

_SWITCHER_WARNING = "language switcher contextual link is not compatible"


class _QuietSwitcherWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return _SWITCHER_WARNING not in record.getMessage()


for _name in ("mkdocs.plugins.mkdocs_static_i18n.reconfigure", "mkdocs.plugins.mkdocs_static_i18n.plugin"):
    logging.getLogger(_name).addFilter(_QuietSwitcherWarning())


@event_priority(-150)  # after the i18n plugin has set up each language's build (its priority is -100)
def on_config(config, **kwargs):
    """The theme's 404.html is for the English build only; each language's build would write it over ours."""
    templates = config.theme.static_templates
    if current_language(config) == DEFAULT:
        templates.add("404.html")
    else:
        templates.discard("404.html")
    return config


@event_priority(-150)  # after the i18n plugin has made each language's files (its priority is -100)
def on_files(files, config, **kwargs):
    """One 404 page, the English one at the site's root (hooks/not_found.py): none per language."""
    if current_language(config) == DEFAULT:
        return files
    for file in list(files):
        if getattr(file, "norm_src_uri", file.src_uri) == "404.md":
            files.remove(file)
    return files


def current_language(config) -> str:
    """The language being built: the i18n plugin sets the theme's language for each language's build."""
    return str(config.theme.get("language") or DEFAULT)


def _notice(lang: str, text: str, english: str) -> str:
    return (
        '<div class="kids-notice kids-translation-notice" role="note">'
        f"<p>{escape(text)}</p>"
        f'<p lang="en" dir="ltr">{escape(english)}</p></div>'
    )


_LANGUAGE_HOME = re.compile(r'<a href="/([a-z]{2,3}/)?" hreflang="')


def on_page_content(html, page, config, files, **kwargs):
    lang = current_language(config)
    # Links to a language's home page are written /pl/ in the pages; under the site's own path here.
    base = urlsplit(config["site_url"] or "/").path or "/"
    base = base if base.endswith("/") else base + "/"
    html = _LANGUAGE_HOME.sub(lambda m: f'<a href="{base}{m.group(1) or ""}" hreflang="', html)
    if lang == DEFAULT:
        return html
    file_locale = getattr(page.file, "locale", lang)
    if file_locale != lang:  # the English page, shown because there is no translation yet
        notice = _notice(lang, NOT_TRANSLATED.get(lang, NOT_TRANSLATED_EN), NOT_TRANSLATED_EN)
        return f'{notice}<div lang="en" dir="ltr">{html}</div>'
    if page.meta.get("translation_reviewed") is not True:
        return _notice(lang, NOT_REVIEWED.get(lang, NOT_REVIEWED_EN), NOT_REVIEWED_EN) + html
    return html


_HEAD_ALTERNATE = re.compile(r'\s*<link rel="alternate" href="[^"]*" hreflang="[a-z]{2,3}">')
_HTML_TAG = re.compile(r"<html lang=\"([a-zA-Z-]+)\"")
_SWITCH_LINK = re.compile(r'(<a href="[^"]*" hreflang="([a-z]{2,3})") class="md-select__link"')


def on_post_page(output, page, config, **kwargs):
    lang = current_language(config)
    output = _HEAD_ALTERNATE.sub("", output)
    if lang in RTL:
        output = _HTML_TAG.sub(lambda m: f'{m.group(0)} dir="rtl"', output, count=1)
    if lang != DEFAULT:
        # The Easy Read link (overrides/main.html) is in English.
        output = output.replace(
            '<p class="kids-easy-read-link">', '<p class="kids-easy-read-link" lang="en" dir="ltr">'
        )
    # Each language's name in the switcher is written in that language.
    return _SWITCH_LINK.sub(lambda m: f'{m.group(1)} lang="{m.group(2)}" class="md-select__link"', output)


def _language_of(location: str, others: set[str]) -> str:
    first = location.split("/", 1)[0].split("#", 1)[0]
    return first if first in others else DEFAULT


@event_priority(-200)  # after the i18n plugin has written the index of every language (its priority is -100)
def on_post_build(config, **kwargs):
    index_path = Path(config["site_dir"]) / "search" / "search_index.json"
    plugin = config["plugins"].get("i18n")
    if plugin is None or not index_path.exists():
        return
    others = {lang.locale for lang in plugin.config.languages if lang.build and not lang.default}
    index = json.loads(index_path.read_text(encoding="utf-8"))
    by_language: dict[str, list[dict]] = {DEFAULT: [], **{lang: [] for lang in others}}
    for entry in index.get("docs", []):
        by_language[_language_of(entry.get("location", ""), others)].append(entry)
    for lang, docs in by_language.items():
        target = (
            index_path
            if lang == DEFAULT
            else Path(config["site_dir"]) / lang / "search" / "search_index.json"
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(
            json.dumps({**index, "docs": docs}, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
        )
