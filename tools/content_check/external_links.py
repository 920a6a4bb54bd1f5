"""Links to other websites: checked on request only (make check-links), never on a pull request.

Another organisation's website can be down for an hour; that must not stop an editor's change. Run this
now and then (or start the "Check external links" workflow on GitHub) and fix what it reports.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

from tools.content_check.model import FACT_MARKER, Finding, Project

URL = re.compile(r"https?://[^\s)\]>\"'<]+")
TIMEOUT = 20
USER_AGENT = "Mozilla/5.0 (compatible; kids-send-mediation-link-check)"


def links(project: Project) -> dict[str, list[tuple[str, int]]]:
    """Each external address, and where it is used (file, line). Facts markers are filled in first."""
    facts = project.facts
    found: dict[str, list[tuple[str, int]]] = {}
    for page in project.pages:
        for number, line in enumerate(page.lines, start=1):
            line = FACT_MARKER.sub(lambda m: str(facts.get(m.group(1), "")), line)
            for url in URL.findall(line):
                found.setdefault(url.rstrip(".,;:"), []).append((page.rel, number))
    return found


def status(url: str) -> str | None:
    """None if the address works, otherwise what went wrong, in words."""
    for method in ("HEAD", "GET"):
        request = urllib.request.Request(url, method=method, headers={"User-Agent": USER_AGENT})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT):  # noqa: S310 - http(s) only, from URL
                return None
        except urllib.error.HTTPError as error:
            if method == "HEAD" and error.code in {403, 405, 429, 501}:
                continue  # some sites refuse HEAD; try a normal request
            if error.code == 404 or error.code == 410:
                return f"the page is not there any more (error {error.code})"
            return f"the website answered with error {error.code}"
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            reason = getattr(error, "reason", error)
            return f"the website could not be reached ({reason})"
    return "the website refused the request"


def check(project: Project) -> Iterator[Finding]:
    found = links(project)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = dict(zip(found, pool.map(status, found), strict=True))
    for url, problem in results.items():
        if problem is None:
            continue
        for where, number in found[url]:
            yield Finding(
                where,
                number,
                f"The link to {url} does not work: {problem}. Open it in a browser; if the page has moved, "
                "put the new address here.",
                "external-links",
            )
