"""Headings, images, link text and the review_by date: things a screen reader user and an editor rely on."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from tools.content_check.model import WARNING, Finding, Page, Project

HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t#]*$")
HTML_HEADING = re.compile(r"<h([1-6])\b", re.IGNORECASE)
IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)]*)\)")
IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
ALT_ATTR = re.compile(r"""\balt\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
LINK = re.compile(r"(?<!!)\[((?:[^\[\]]|!\[[^\]]*\])*)\]\(([^)]*)\)")
A_TAG = re.compile(r"<a\b[^>]*>(.*?)</a>", re.IGNORECASE | re.DOTALL)
TAG = re.compile(r"<[^>]+>")
# Link text that does not say where the link goes (WCAG 2.4.4).
VAGUE = {
    "here",
    "click here",
    "click",
    "this",
    "this link",
    "link",
    "more",
    "read more",
    "click this link",
    "this page",
    "go",
    "find out more",
}


def _alt_of(tag: str) -> str | None:
    match = ALT_ATTR.search(tag)
    if match is None:
        return None
    return next(group for group in match.groups() if group is not None)


def check_headings(page: Page) -> Iterator[Finding]:
    """One h1, and no skipped levels (an h2 before any h3, and so on)."""
    if page.is_faq_question:
        return  # the question is the heading; hooks/collections.py refuses headings in the answer
    previous = 0
    h1_lines: list[int] = []
    for number, line in page.body_lines:
        match = HEADING.match(line)
        levels = [len(match.group(1))] if match else [int(n) for n in HTML_HEADING.findall(line)]
        for level in levels:
            if level == 1:
                h1_lines.append(number)
            if previous and level > previous + 1:
                yield Finding(
                    page.rel,
                    number,
                    f"This heading is level {level} (" + "#" * level + f"), but the heading before it is "
                    f"level {previous}. Do not skip a level: use " + "#" * (previous + 1) + " here, "
                    "or add the missing heading above it.",
                    "headings",
                )
            elif not previous and level != 1:
                yield Finding(
                    page.rel,
                    number,
                    "The first heading on a page must be the page's main heading, one # then a space "
                    "(for example '# What is mediation?').",
                    "headings",
                )
            previous = level
    if not h1_lines:
        yield Finding(
            page.rel,
            page.body_start,
            "The page has no main heading. Add one line at the top that starts with one # and a space "
            "(for example '# What is mediation?').",
            "headings",
        )
    for number in h1_lines[1:]:
        yield Finding(
            page.rel,
            number,
            f"The page has more than one main heading (# at the start of a line; the first is on line "
            f"{h1_lines[0]}). Keep one, and make this one a ## heading.",
            "headings",
        )


def check_images(page: Page) -> Iterator[Finding]:
    """Every image says what it shows, for people who cannot see it."""
    fix = (
        "Describe what the picture shows, in a short sentence, between the square brackets: "
        "![A mediator and a parent talking at a table](../images/meeting.jpg)."
    )
    for number, line in page.body_lines:
        for match in IMAGE.finditer(line):
            if not match.group(1).strip():
                yield Finding(page.rel, number, f"This image has no alt text. {fix}", "alt-text")
        for tag in IMG_TAG.findall(line):
            alt = _alt_of(tag)
            if alt is None or not alt.strip():
                yield Finding(
                    page.rel,
                    number,
                    'This image has no alt text. Add alt="what the picture shows" inside the <img> tag.',
                    "alt-text",
                )


def _words(text: str) -> str:
    text = IMAGE.sub(lambda m: m.group(1), text)
    text = TAG.sub("", text)
    return re.sub(r"[^\w\s{}.]", "", text).strip().lower()


def check_link_text(page: Page) -> Iterator[Finding]:
    """Link text says where the link goes: never empty, never 'click here'."""
    for number, line in page.body_lines:
        texts = [m.group(1) for m in LINK.finditer(line)] + A_TAG.findall(line)
        for text in texts:
            words = re.sub(r"\s+", " ", _words(text)).strip(" .")
            if not words:
                yield Finding(
                    page.rel,
                    number,
                    "This link has no text, so nobody can tell where it goes. Put words that say where it "
                    "goes between the square brackets: [Contact us](contact.md).",
                    "link-text",
                )
            elif words in VAGUE or "click here" in words:
                yield Finding(
                    page.rel,
                    number,
                    f'The link text "{text.strip()}" does not say where the link goes. Use words that make '
                    "sense on their own, for example [read about mediation](mediation.md) instead of "
                    "[click here](mediation.md).",
                    "link-text",
                )


def check_review_by(page: Page, today: dt.date) -> Iterator[Finding]:
    """Each page has a review_by date; a page past it gets a warning (not a failure)."""
    if page.meta_error is not None:
        return  # reported by the front matter check
    value = page.meta.get("review_by")
    line = page.meta_line("review_by")
    if value is None:
        yield Finding(
            page.rel,
            1,
            "The front matter has no review_by date. Add a line like 'review_by: 2027-06-01' (the date by "
            "which someone checks this page is still right) between the two --- lines.",
            "review-by",
        )
        return
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        yield Finding(
            page.rel,
            line,
            f"review_by is '{value}', which is not a date. Write it as year-month-day, like 2027-06-01.",
            "review-by",
        )
        return
    if value < today:
        yield Finding(
            page.rel,
            line,
            f"This page was due for review on {value.isoformat()}. Check it is still right, then set "
            "review_by to a new date.",
            "review-by",
            WARNING,
        )


def check(project: Project) -> Iterator[Finding]:
    for page in project.pages:
        yield from check_headings(page)
        yield from check_images(page)
        yield from check_link_text(page)
        yield from check_review_by(page, project.today)
