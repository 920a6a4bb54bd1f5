"""Translations (page.pl.md beside page.md, and the forms' catalogues in schemas/i18n/): which await a translator.

A translated page must say `translation_reviewed: false` (or true, once a qualified translator has checked it).
Pages and catalogues not yet reviewed are listed as warnings: they are published, with a notice on the page, and
they do not fail the checks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from functions.forms.domain.languages import LANGUAGES
from tools.content_check.model import ERROR, WARNING, Finding, Page, Project

SUFFIX = re.compile(r"\.([a-z]{2,3})\.md$")


def language_of(page: Page) -> str | None:
    match = SUFFIX.search(page.src)
    return match.group(1) if match and match.group(1) != "en" else None


def check_page(page: Page, project: Project) -> Iterator[Finding]:
    lang = language_of(page)
    if lang is None or page.meta_error is not None:
        return
    name = LANGUAGES[lang][0] if lang in LANGUAGES else lang
    english = project.docs / SUFFIX.sub(".md", page.src)
    if not english.exists():
        yield Finding(
            page.rel,
            1,
            f"This is a {name} translation, but there is no English page docs/{SUFFIX.sub('.md', page.src)} "
            "beside it. Name the file after the English page, like mias.pl.md beside mias.md.",
            "translations",
            ERROR,
        )
    reviewed = page.meta.get("translation_reviewed")
    if reviewed is None:
        yield Finding(
            page.rel,
            1,
            "A translated page must say whether a qualified translator has checked it. Add the line "
            "'translation_reviewed: false' to the front matter (an editor changes it to true after the review).",
            "translations",
            ERROR,
        )
    elif reviewed is not True:
        yield Finding(
            page.rel,
            page.meta_line("translation_reviewed"),
            f"Awaiting review: a qualified {name} translator has not checked this page yet. When they have, "
            "set translation_reviewed: true.",
            "translations",
            WARNING,
        )


def check_catalogues(project: Project) -> Iterator[Finding]:
    folder = project.root / "schemas" / "i18n"
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        where = path.relative_to(project.root).as_posix()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            yield Finding(where, 1, f"The file cannot be read as JSON ({error}).", "translations", ERROR)
            continue
        if data.get("translation_reviewed") is not True:
            lang = path.name.split(".")[-2]
            name = LANGUAGES[lang][0] if lang in LANGUAGES else lang
            yield Finding(
                where,
                2,
                f"Awaiting review: a qualified {name} translator has not checked these form words yet. When "
                'they have, set "translation_reviewed": true.',
                "translations",
                WARNING,
            )


def check(project: Project) -> Iterator[Finding]:
    for page in project.pages:
        yield from check_page(page, project)
    yield from check_catalogues(project)


def awaiting_review(project: Project) -> list[str]:
    """The pages and catalogues still waiting for a translator (for reports)."""
    return sorted({f.where for f in check(project) if f.level == WARNING})
