"""The site's languages: the one list the forms, the MkDocs hooks and the editors' checks all use.

mkdocs.yml names the same languages for mkdocs-static-i18n (a test checks that the two agree).
"""

from __future__ import annotations

import re

DEFAULT = "en"
# Tag: (name in English, name in the language itself)
LANGUAGES: dict[str, tuple[str, str]] = {
    "en": ("English", "English"),
    "pl": ("Polish", "Polski"),
    "ur": ("Urdu", "اردو"),
    "ar": ("Arabic", "العربية"),
}
# Written right to left: their pages get dir="rtl".
RTL = frozenset({"ur", "ar"})


def supported(tag: object) -> str:
    """A language we have words for ('pl' for 'pl-PL'), or English."""
    if not isinstance(tag, str):
        return DEFAULT
    primary = tag.strip().split("-", 1)[0].split("_", 1)[0].lower()
    return primary if primary in LANGUAGES else DEFAULT


_RANGE = re.compile(r"^\s*([A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*|\*)\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*$")


def from_accept_language(header: str | None) -> str | None:
    """The first language in an Accept-Language header (by its q value) that we have, or None."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:20]):
        match = _RANGE.match(part)
        if not match or match.group(1) == "*":
            continue
        try:
            quality = float(match.group(2)) if match.group(2) else 1.0
        except ValueError:
            continue
        if quality > 0:
            ranked.append((-quality, position, match.group(1)))
    for _, _, tag in sorted(ranked):
        primary = tag.split("-", 1)[0].split("_", 1)[0].lower()
        if primary in LANGUAGES:
            return primary
    return None


def choose(sent: object, accept_language: str | None = None) -> str:
    """The language of the answer: the page's own (sent as `lang`), else the browser's, else English."""
    if isinstance(sent, str) and sent.strip():
        return supported(sent)
    return from_accept_language(accept_language) or DEFAULT


def language_name(tag: object) -> str:
    """'Polish (pl)' for the team's email."""
    clean = tag if isinstance(tag, str) and tag else DEFAULT
    primary = clean.split("-", 1)[0].lower()
    return f"{LANGUAGES[primary][0]} ({clean})" if primary in LANGUAGES else clean


def page_prefix(lang: str) -> str:
    """Where a language's pages are, under the site's root: '' for English, 'pl/' for Polish."""
    return "" if lang == DEFAULT else f"{lang}/"
