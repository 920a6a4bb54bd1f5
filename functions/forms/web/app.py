"""The API's front door: one request in, one response out, for every route in routes.py.

What every route shares is here: the per-client throttle, 404 and 405, the same-origin check, and turning any
error into a clear 4xx (or, for a bug of ours, a plain 500 that names no answer). No AWS imports here.
"""

from __future__ import annotations

import hmac
import logging
import time
from dataclasses import replace
from typing import Any

from functions.forms.application.services import Services
from functions.forms.domain.facts import facts
from functions.forms.web import routes
from functions.forms.web.errors import ParseError
from functions.forms.web.refusals import refuse
from functions.forms.web.request import Request
from functions.forms.web.responses import Response, problem

log = logging.getLogger("forms")
ORIGIN_ONLY = "Forms can only be sent from this service's own website"


def handle(event: dict[str, Any], services: Services) -> Response:
    """Route one API request. Anything a client sends gets a 2xx, 3xx or 4xx, never a 5xx."""
    started = time.perf_counter()
    request = Request.from_event(event)
    name = "other"
    response: Response
    try:
        found = routes.match(request.path, services)
        if found is not None:
            route, params = found
            name = route.name.format(**params) if "{" in route.name else route.name
        allowed, wait = services.throttle.allow(request.client) if request.client else (True, 0)
        origin = request.headers.get("origin")
        secret = services.settings.origin_secret
        if secret and not hmac.compare_digest(
            request.headers.get("x-origin-verify", "").encode("utf-8", "replace"), secret.encode("utf-8")
        ):  # not through CloudFront: the execute-api address is closed to browsers and scripts alike
            response = refuse(request, services, 403, ORIGIN_ONLY, "refused_origin_page")
        elif not allowed:
            response = refuse(
                request,
                services,
                429,
                f"You have sent a lot of forms in a short time. Wait {wait} seconds and try again",
                "refused_throttle_page",
                headers={"Retry-After": str(wait)},
                seconds=wait,
            )
        elif found is None:
            response = refuse(
                request, services, 404, "There is no form at this address", "refused_not_found_page"
            )
        elif request.method not in route.methods:
            allow = {"Allow": ", ".join(route.methods)}
            response = refuse(
                request, services, 405, route.wrong_method, "refused_method_page", headers=allow
            )
        elif route.same_origin and origin is not None and origin not in services.settings.allowed_origins:
            response = refuse(request, services, 403, ORIGIN_ONLY, "refused_origin_page")
        else:
            response = route.handler(replace(request, params=params), services)
    except ParseError as exc:
        response = refuse(request, services, exc.status, exc.text, "refused_unreadable_page")
    except Exception as exc:  # a bug of ours: say so plainly; log the kind of error, nothing the family sent
        # No traceback: an exception's message can quote what was sent.
        log.error("unexpected error route=%s kind=%s", name, type(exc).__name__)
        text = f"Something went wrong on our side. Try again later, or call us on {facts()['phone']}"
        try:
            response = refuse(request, services, 500, text, "refused_ours_page")
        except Exception as again:  # drawing the page failed too: the plain words, never a traceback
            log.error("unexpected error route=%s kind=%s", name, type(again).__name__)
            response = problem(500, text)
    log.info(
        "request route=%s status=%s ms=%.1f",
        name,
        response["statusCode"],
        (time.perf_counter() - started) * 1000,
    )
    return response
