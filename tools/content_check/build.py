"""The strict build: the site must build with no warning. MkDocs checks links between pages and anchors.

MkDocs' messages are turned into plain ones with the file and line of the link.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator

from tools.content_check.model import Finding, Project

MISSING = re.compile(
    r"Doc file '(?P<doc>[^']+)' contains a link '(?P<link>[^']+)', but the target(?: '[^']*')? is not found"
    r"(?: among documentation files)?\.?(?P<rest>.*)"
)
ANCHOR = re.compile(
    r"Doc file '(?P<doc>[^']+)' contains a link '(?P<link>[^']+)', but the doc '(?P<target>[^']+)' does not "
    r"contain an anchor '(?P<anchor>[^']+)'"
)
UNRECOGNISED = re.compile(
    r"Doc file '(?P<doc>[^']+)' contains an unrecognized relative link '(?P<link>[^']+)'"
)
ABSOLUTE = re.compile(r"Doc file '(?P<doc>[^']+)' contains an absolute link '(?P<link>[^']+)'")
NOT_IN_NAV = re.compile(
    r"A reference to '(?P<doc>[^']+)' is included in the 'nav' configuration, which is not"
)
PAGE_PREFIX = re.compile(r"^(?:docs/)?(?P<doc>[\w./-]+\.md):\s*(?P<message>.*)$")
LEVEL = re.compile(r"^(WARNING|ERROR)\s+-\s+(.*)$")


def run_build(project: Project) -> tuple[int, str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    with tempfile.TemporaryDirectory(prefix="content-check-site-") as out:
        result = subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", "mkdocs.yml", "-d", out],
            cwd=project.root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    return result.returncode, result.stdout + result.stderr


def _line_of(project: Project, doc: str, needle: str) -> int:
    path = project.docs / doc
    if not path.exists():
        return 0
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if f"]({needle}" in line or f'"{needle}"' in line:
            return number
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if needle in line:
            return number
    return 0


def translate(project: Project, message: str) -> Finding:
    if match := ANCHOR.search(message):
        doc, link = match["doc"], match["link"]
        return Finding(
            f"docs/{doc}",
            _line_of(project, doc, link),
            f"The link '{link}' goes to a part of {match['target']} that does not exist (there is no heading "
            f"for '{match['anchor']}'). Check the heading's words on that page: the part after # is the "
            "heading in lower case, with - instead of spaces. Or link to the page without the #.",
            "links",
        )
    if match := MISSING.search(message):
        doc, link = match["doc"], match["link"]
        hint = match["rest"].strip()
        return Finding(
            f"docs/{doc}",
            _line_of(project, doc, link),
            f"The link '{link}' goes to a page or file that does not exist. Check the spelling of the file "
            "name, and remember links are written from this page's folder (use ../ to go up one folder)."
            + (f" {hint}" if hint else ""),
            "links",
        )
    if match := UNRECOGNISED.search(message):
        doc, link = match["doc"], match["link"]
        return Finding(
            f"docs/{doc}",
            _line_of(project, doc, link),
            f"The link '{link}' is not a link to a page. Link to the Markdown file itself, for example "
            "(contact.md) or (../contact.md).",
            "links",
        )
    if match := ABSOLUTE.search(message):
        doc, link = match["doc"], match["link"]
        return Finding(
            f"docs/{doc}",
            _line_of(project, doc, link),
            f"The link '{link}' starts with /. Link to the Markdown file instead, for example (contact.md).",
            "links",
        )
    if match := NOT_IN_NAV.search(message):
        return Finding(
            "mkdocs.yml",
            0,
            f"The menu (nav: in mkdocs.yml) lists {match['doc']}, which does not exist. Correct or remove "
            "that line.",
            "build",
        )
    if match := PAGE_PREFIX.match(message):
        return Finding(f"docs/{match['doc']}", 0, match["message"], "build")
    return Finding("mkdocs.yml", 0, f"The site does not build: {message}", "build")


def findings_from_output(project: Project, output: str) -> list[Finding]:
    found = []
    for line in output.splitlines():
        match = LEVEL.match(line.strip())
        if match is None:
            continue
        text = match.group(2).strip()
        if text.startswith("Error reading page") or text.startswith("Aborted"):
            continue
        found.append(translate(project, text))
    return found


def check(project: Project) -> Iterator[Finding]:
    code, output = run_build(project)
    found = findings_from_output(project, output)
    yield from found
    if code != 0 and not found:
        tail = "\n".join(output.strip().splitlines()[-5:])
        yield Finding(
            "mkdocs.yml", 0, f"The site does not build. The last lines of the build say:\n{tail}", "build"
        )
