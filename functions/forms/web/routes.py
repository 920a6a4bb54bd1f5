"""Every route the forms function answers, in one table, and how a path finds its route.

A pattern's `{name}` is one path segment; `{name:path}` is the rest of the path (it may be empty). A few
parameters must also name something real before the route matches: `{form:form}` a form's own route in its
schema (x-form.route), and a confirmation page the built site has. Paths under /api/ are matched without slashes
at either end of what follows /api/, so /api/referrals/ is /api/referrals.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from functions.forms.application.services import Services
from functions.forms.domain.schemas import form_for_route
from functions.forms.web import file_links, forms, sent_page, uploads
from functions.forms.web.request import Request
from functions.forms.web.responses import Response

Handler = Callable[[Request, Services], Response]
POST_ONLY = "Send the form with POST"


@dataclass(frozen=True)
class Route:
    pattern: str
    handler: Handler
    name: str  # in log lines; "{form}" is the form's route
    methods: tuple[str, ...] = ("POST",)
    wrong_method: str = POST_ONLY  # what a 405 says
    same_origin: bool = False  # a browser that names its Origin must be on our own site
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        def group(match: re.Match[str]) -> str:
            name, kind = match.group(1), match.group(2) or ""
            return f"(?P<{name}>.*)" if kind == "path" else f"(?P<{name}>[^/]+)"

        # Patterns hold letters, '/', '-' and parameters only, so nothing else needs escaping.
        object.__setattr__(
            self, "regex", re.compile(re.sub(r"\{([a-z_]+)(?::([a-z]+))?\}", group, self.pattern))
        )


ROUTES: tuple[Route, ...] = (
    Route("/api/token", forms.issue_token, "token", ("GET",), "Ask for a token with GET", same_origin=True),
    Route("/api/uploads", uploads.new_upload, "uploads", same_origin=True),
    Route("/api/uploads/{upload_id:path}", uploads.receive, "uploads", same_origin=True),
    Route("/api/files", file_links.open_link, "files", ("GET", "HEAD"), "Open the link with GET"),
    Route(
        "/api/files/{token:path}", file_links.open_link, "files", ("GET", "HEAD"), "Open the link with GET"
    ),
    Route("/api/{form}", forms.post_form, "{form}", same_origin=True),
    # Confirmation pages (/forms/referral-sent/, /pl/forms/referral-sent/...), filled in for families without
    # JavaScript; CloudFront sends only these pages here.
    Route("{page:path}", sent_page.show, "sent-page", ("GET", "HEAD"), "Open this page with GET"),
)


# Parameters that must name something real for their route to match (else the path is a 404).
MUST_EXIST: dict[str, Callable[[str, Services], bool]] = {
    "form": lambda value, services: form_for_route(value) is not None,
    "page": lambda value, services: sent_page.page_for(value, services.settings.site_path) is not None,
}


def _real(params: dict[str, str], services: Services) -> bool:
    return all(check(params[name], services) for name, check in MUST_EXIST.items() if name in params)


def match(path: str, services: Services) -> tuple[Route, dict[str, str]] | None:
    """The route for this path and its parameters, or None (a 404)."""
    if path.startswith("/api/"):
        path = "/api/" + path.removeprefix("/api/").strip("/")
        candidates = [r for r in ROUTES if r.pattern.startswith("/api/")]
    else:
        candidates = [r for r in ROUTES if not r.pattern.startswith("/api")]
    for route in candidates:
        found = route.regex.fullmatch(path)
        if found and _real(params := found.groupdict(), services):
            return route, params
    return None
