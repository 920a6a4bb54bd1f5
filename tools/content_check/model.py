"""What the checks work on (the project and its pages) and what they report (findings)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from functions.forms.domain.facts import read_facts

ERROR = "error"
WARNING = "warning"

FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?---[ \t]*(?:\n|\Z)", re.DOTALL)
FENCE = re.compile(r"^\s*(```|~~~)")
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1")
FACT_MARKER = re.compile(r"\{\{\s*facts\.([a-z_]+)\s*\}\}")
# An element marked as another language (<p lang="pl">...</p> on one line): English checks skip its words.
OTHER_LANGUAGE = re.compile(r'<(\w+)\b[^>\n]*\blang="(?!en\b|en-)[A-Za-z-]+"[^>\n]*>.*?</\1>')


@dataclass(frozen=True, order=True)
class Finding:
    """One problem: where it is, and what to do about it, in plain words."""

    where: str
    line: int
    message: str
    check: str = ""
    level: str = ERROR

    def __str__(self) -> str:
        place = f"{self.where}:{self.line}" if self.line else self.where
        prefix = "warning: " if self.level == WARNING else ""
        return f"{place}: {prefix}{self.message}"


@dataclass
class Page:
    """One Markdown file in docs/, split into front matter and body, with line numbers kept."""

    path: Path
    rel: str  # as editors see it: docs/mediation.md
    src: str  # relative to docs/: mediation.md
    text: str
    meta: dict[str, Any] = field(default_factory=dict)
    meta_error: str | None = None
    body_start: int = 1  # the line number of the first body line

    @classmethod
    def load(cls, path: Path, docs: Path) -> Page:
        text = path.read_text(encoding="utf-8")
        src = path.relative_to(docs).as_posix()
        page = cls(path=path, rel=f"docs/{src}", src=src, text=text)
        match = FRONT_MATTER.match(text)
        if match is None:
            page.meta_error = "missing"
            return page
        page.body_start = text[: match.end()].count("\n") + 1
        try:
            meta = yaml.safe_load(match.group(1) or "") or {}
        except yaml.YAMLError as error:
            page.meta_error = f"not valid YAML ({str(error).splitlines()[0]})"
            return page
        except ValueError as error:  # a date that does not exist, such as 2027-13-01
            page.meta_error = f"has a value that cannot be read ({error})"
            return page
        if not isinstance(meta, dict):
            page.meta_error = "not a list of 'key: value' lines"
            return page
        page.meta = meta
        return page

    @cached_property
    def lines(self) -> list[str]:
        return self.text.split("\n")

    @property
    def is_faq_question(self) -> bool:
        return self.src.startswith("faq/questions/")

    @property
    def is_case_study(self) -> bool:
        return self.src.startswith("case-studies/") and self.src != "case-studies/index.md"

    @property
    def audience(self) -> str:
        """family (the default), children or easy-read. Pages under docs/children/ are for children."""
        value = self.meta.get("audience")
        if isinstance(value, str) and value:
            return value
        return "children" if self.src.startswith("children/") else "family"

    @property
    def is_english(self) -> bool:
        """False for a translation: front matter 'lang: cy', or a file named like page.cy.md."""
        lang = str(self.meta.get("lang") or self.meta.get("language") or "en").lower()
        suffix = re.search(r"\.([a-z]{2})\.md$", self.src)
        return lang.startswith("en") and (suffix is None or suffix.group(1) == "en")

    def meta_line(self, key: str) -> int:
        """The line number of a front matter key (1 if it is not there)."""
        pattern = re.compile(rf"^{re.escape(key)}\s*:")
        for number, line in enumerate(self.lines[: self.body_start], start=1):
            if pattern.match(line):
                return number
        return 1

    @cached_property
    def body_lines(self) -> list[tuple[int, str]]:
        """(line number, text) for each body line, with code blocks and HTML comments blanked out.

        Comments are replaced by spaces, so a column in the result is the column in the file.
        """
        body = "\n".join(self.lines[self.body_start - 1 :])
        body = COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), body)
        body = OTHER_LANGUAGE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), body)
        result: list[tuple[int, str]] = []
        fence: str | None = None
        for number, line in enumerate(body.split("\n"), start=self.body_start):
            opened = FENCE.match(line)
            if fence is not None:
                if opened and opened.group(1) == fence:
                    fence = None
                result.append((number, ""))
                continue
            if opened:
                fence = opened.group(1)
                result.append((number, ""))
                continue
            result.append((number, INLINE_CODE.sub(lambda m: " " * len(m.group(0)), line)))
        return result

    def raw_line(self, number: int) -> str:
        return self.lines[number - 1] if 0 < number <= len(self.lines) else ""


@dataclass
class Project:
    """The folder the checks look at: docs/, data/facts.yml, schemas/content/ and the word list."""

    root: Path
    docs: Path
    today: dt.date = field(default_factory=dt.date.today)

    @cached_property
    def facts(self) -> dict[str, Any]:
        return read_facts(self.root / "data")

    @cached_property
    def pages(self) -> list[Page]:
        return [Page.load(path, self.docs) for path in sorted(self.docs.rglob("*.md"))]

    @property
    def site_pages(self) -> list[Page]:
        """Pages built as pages of their own (FAQ question files are parts of faq/index.md)."""
        return [page for page in self.pages if not page.is_faq_question]

    def word_list(self) -> set[str]:
        """Words editors have said are right (content-words.txt), in lower case."""
        path = self.root / "content-words.txt"
        if not path.exists():
            return set()
        words = set()
        for line in path.read_text(encoding="utf-8").splitlines():
            word = line.split("#", 1)[0].strip().lower()
            if word:
                words.add(word)
        return words
