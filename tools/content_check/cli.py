"""python -m tools.content_check: run the content checks and say, in plain words, what to fix.

    python -m tools.content_check                   every check (what make check-content runs)
    python -m tools.content_check --only spelling   one check (or several, separated by commas)
    python -m tools.content_check --only confirmation
                                                    the facts awaiting the service's confirmation
    python -m tools.content_check --scores          the reading grade of every page
    python -m tools.content_check --external-links  links to other websites only (make check-links)
    python -m tools.content_check --docs DIR        check another copy of docs/ (its folder must hold
                                                    mkdocs.yml, data/ and schemas/ like this repository)

Exit status: 0 when nothing needs fixing (warnings, such as a page past its review_by date or a fact awaiting
the service's confirmation, are shown but do not fail), 1 when something needs fixing, 2 when the command itself
was used wrongly.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from tools.content_check import (
    build,
    external_links,
    facts,
    front_matter,
    readability,
    spelling,
    structure,
    translations,
)
from tools.content_check.model import ERROR, Finding, Project

ROOT = Path(__file__).resolve().parents[2]

CHECKS: dict[str, tuple[str, Callable[[Project], Iterable[Finding]]]] = {
    "build": ("The site builds, links between pages and to headings work", build.check),
    "front-matter": ("Front matter matches schemas/content/", front_matter.check),
    "structure": ("Headings, alt text, link text and review_by dates", structure.check),
    "spelling": ("Spelling in British English", spelling.check),
    "facts": ("Facts come from data/facts.yml", facts.check),
    "readability": ("Pages are easy enough to read", readability.check),
    "translations": ("Translations say whether a translator has checked them", translations.check),
    "confirmation": ("Facts awaiting the service's confirmation are listed", facts.check_awaiting),
}


def project_for(docs: str | None) -> Project:
    if docs is None:
        return Project(root=ROOT, docs=ROOT / "docs")
    path = Path(docs).resolve()
    return Project(root=path.parent, docs=path)


def print_scores(project: Project) -> None:
    print(f"{'grade':>6} {'limit':>6} {'words':>6}  page (audience)")
    for item in readability.scores(project):
        note = " (too short to measure)" if item.words < readability.MIN_WORDS else ""
        note = note if item.page.is_english else " (not in English: not measured)"
        flag = "  <- too hard" if not note and item.grade > item.limit else ""
        print(
            f"{item.grade:>6} {item.limit:>6} {item.words:>6}  {item.page.rel} ({item.page.audience}){note}{flag}"
        )


def annotation(finding: Finding) -> str:
    """A GitHub Actions annotation, so the problem also shows beside the line in the pull request."""
    kind = "error" if finding.level == ERROR else "warning"
    message = finding.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    place = f"file={finding.where}" + (f",line={finding.line}" if finding.line else "")
    return f"::{kind} {place},title=Content check ({finding.check})::{message}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.content_check", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--docs", help="the docs folder to check (default: docs/ in this repository)")
    parser.add_argument("--only", help="run only these checks, separated by commas: " + ", ".join(CHECKS))
    parser.add_argument("--external-links", action="store_true", help="check links to other websites only")
    parser.add_argument("--scores", action="store_true", help="print each page's reading grade and limit")
    parser.add_argument("--today", help=argparse.SUPPRESS)  # for tests: YYYY-MM-DD
    args = parser.parse_args(argv)

    project = project_for(args.docs)
    if not project.docs.is_dir():
        parser.error(f"there is no folder {project.docs}")
    if not (project.root / "mkdocs.yml").exists():
        parser.error(f"{project.docs} must sit beside mkdocs.yml, data/ and schemas/, like docs/ does")
    if args.today:
        project.today = dt.date.fromisoformat(args.today)

    if args.scores:
        print_scores(project)
        return 0
    if args.external_links:
        names = {"external-links": ("Links to other websites work", external_links.check)}
    else:
        wanted = [name.strip() for name in args.only.split(",")] if args.only else list(CHECKS)
        unknown = [name for name in wanted if name not in CHECKS]
        if unknown:
            parser.error(f"no check called {', '.join(unknown)}; the checks are {', '.join(CHECKS)}")
        names = {name: CHECKS[name] for name in wanted}

    findings: list[Finding] = []
    for _name, (_title, run) in names.items():
        findings.extend(run(project))
    shown = sorted(set(findings), key=lambda f: (f.where, f.line, f.message))
    for finding in shown:
        print(finding)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        for finding in shown:
            print(annotation(finding))
    errors = sum(1 for f in shown if f.level == ERROR)
    warnings = len(shown) - errors
    checked = "; ".join(title[0].lower() + title[1:] for title, _ in names.values())
    if errors:
        print(
            f"\n{errors} thing(s) to fix"
            + (f" and {warnings} warning(s)" if warnings else "")
            + ". Each line above says the file, the line number and what to do. "
            "CONTRIBUTING.md explains more.",
            file=sys.stderr,
        )
        return 1
    print(f"Content checks passed ({checked})" + (f", with {warnings} warning(s)." if warnings else "."))
    return 0
