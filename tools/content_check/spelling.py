"""Spelling: common misspellings (codespell's list) and American spellings (British English on this site).

- Misspellings come from codespell's own dictionary (codespell is pinned in requirements-dev.txt).
- American spellings come from codespell's British-to-American list, read the other way round
  (color -> colour, organize -> organise, center -> centre), leaving out the words that are also right in
  British English (practice as a noun, license as a verb, judgment in law, focused, program for computers).
- content-words.txt at the top of the repository lists words that are right on this site: names, place
  names, terms. Editors add a word there, one a line, when the check is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import codespell_lib

from tools.content_check.model import FACT_MARKER, Finding, Page, Project

DATA = Path(codespell_lib.__file__).resolve().parent / "data"
# American spellings that are also right in British English, in some sense or in some places.
ALSO_BRITISH = {
    "practice",
    "practices",
    "license",
    "licensed",
    "licenses",
    "licensing",
    "judgment",
    "judgments",
    "focused",
    "focuses",
    "focusing",
    "refocused",
    "refocuses",
    "refocusing",
    "biased",
    "lambaste",
    "lambastes",
    "story",
    "stories",
    "routing",
    "writable",
    "overwritable",
    "analog",
    "dialog",
    "acknowledgment",
    "acknowledgments",
}
PROGRAM_NOTE = ' (for a plan of events or a TV show; "program" is right for a computer program)'

URL = re.compile(r"(?:https?|mailto|tel):[^\s)\]>\"']*|www\.[^\s)\]>\"']*", re.IGNORECASE)
LINK_TARGET = re.compile(r"\]\([^)]*\)")
TAG = re.compile(r"<[^>]*>")
ATTR_LIST = re.compile(r"\{\s*[.#:][^}]*\}")
ADMONITION = re.compile(r"^\s*(?:!!!|\?\?\?\+?)\s*[\w-]+")
WORD = re.compile(r"[A-Za-z][A-Za-z']*[A-Za-z]|[A-Za-z]")


def _read(name: str) -> dict[str, list[str]]:
    entries: dict[str, list[str]] = {}
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        wrong, sep, right = line.partition("->")
        if not sep:
            continue
        suggestions = [word.strip() for word in right.split(",") if word.strip()]
        entries[wrong.strip().lower()] = suggestions
    return entries


@cache
def misspellings() -> dict[str, list[str]]:
    return _read("dictionary.txt")


@cache
def american() -> dict[str, list[str]]:
    british_to_american = _read("dictionary_en-GB_to_en-US.txt")
    reverse: dict[str, list[str]] = {}
    for british, americans in british_to_american.items():
        for word in americans:
            word = word.lower()
            if word not in ALSO_BRITISH and word not in british_to_american:
                reverse.setdefault(word, []).append(british)
    return reverse


def words_in(page: Page) -> Iterator[tuple[int, str]]:
    """Each word an editor wrote: front matter text values and the body, without code, links' targets,
    web addresses, HTML tags, facts markers and admonition types."""
    for number, line in enumerate(page.lines[: page.body_start - 1], start=1):
        match = re.match(r"^(title|description|question|summary)\s*:(.*)$", line)
        if match:
            yield from ((number, word) for word in WORD.findall(_clean(match.group(2))))
    for number, line in page.body_lines:
        line = ADMONITION.sub("", line)
        yield from ((number, word) for word in WORD.findall(_clean(line)))


def _clean(text: str) -> str:
    text = FACT_MARKER.sub(" ", text)
    text = LINK_TARGET.sub("] ", text)
    text = URL.sub(" ", text)
    text = TAG.sub(" ", text)
    text = ATTR_LIST.sub(" ", text)
    return re.sub(r"[\w.+-]+@[\w.-]+", " ", text)


def _same_case(word: str, suggestion: str) -> str:
    if word.isupper() and len(word) > 1:
        return suggestion.upper()
    if word[:1].isupper():
        return suggestion[:1].upper() + suggestion[1:]
    return suggestion


def check_page(page: Page, allowed: set[str]) -> Iterator[Finding]:
    typos = misspellings()
    us = american()
    for number, word in words_in(page):
        key = word.lower().strip("'")
        if key.endswith("'s"):
            key = key[:-2]
        if key in allowed:
            continue
        if key in typos:
            options = " or ".join(f'"{_same_case(word, s)}"' for s in typos[key])
            yield Finding(
                page.rel,
                number,
                f'"{word}" looks misspelt. Did you mean {options}? If "{word}" is right, add it to '
                "content-words.txt.",
                "spelling",
            )
        elif key in us:
            options = " or ".join(f'"{_same_case(word, s)}"' for s in us[key])
            note = PROGRAM_NOTE if key.startswith("program") else ""
            yield Finding(
                page.rel,
                number,
                f'"{word}" is the American spelling. Write {options}{note}: this site uses British '
                f'English. If "{word}" is right here (a name, for example), add it to content-words.txt.',
                "spelling",
            )


def check(project: Project) -> Iterator[Finding]:
    allowed = project.word_list()
    for page in project.pages:
        if page.is_english:  # codespell's lists are English; translations are checked by their translators
            yield from check_page(page, allowed)
