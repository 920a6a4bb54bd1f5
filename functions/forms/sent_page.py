"""The confirmation pages with the reference number and dates filled in on the server, for families without
JavaScript (with JavaScript the page's own script fills them too).

After a form is sent the browser goes to its confirmation page, e.g. /forms/referral-sent/?reference=...; the
built page says "in the email we send you" where the reference goes. On AWS CloudFront sends these pages (and
only these) to the API, locally the server of `make serve` sends them here: one code path. The page is read from
the built site (site/ locally, the site bucket on AWS) and only a well-formed reference and dates worked out from
a real date are put in (confirmation.py). If the built page cannot be read, a plain page still gives the reference.
"""

from __future__ import annotations

import logging
from functools import cache
from html import escape
from typing import Any, Protocol
from urllib.parse import parse_qsl

from . import i18n
from .confirmation import choose_words, fill, values_from_query
from .schemas import FORM_FILES, get_form

log = logging.getLogger("forms")


class SitePages(Protocol):
    def read(self, page: str) -> str | None:
        """The built HTML of a page ('forms/referral-sent/'), or None when it cannot be read."""


class LocalSitePages:
    def __init__(self, site_dir: Any):
        self.site_dir = site_dir

    def read(self, page: str) -> str | None:
        if self.site_dir is None:
            return None
        try:
            return (self.site_dir / page / "index.html").read_text(encoding="utf-8")
        except OSError:
            return None


class S3SitePages:
    """The site bucket that CloudFront serves the site from."""

    def __init__(self, bucket: str, s3: Any = None):
        self.bucket = bucket
        self._s3 = s3

    def read(self, page: str) -> str | None:
        from .aws import _code, _errors, client

        try:
            got = (self._s3 or client("s3")).get_object(Bucket=self.bucket, Key=f"{page}index.html")
            return got["Body"].read().decode("utf-8")
        except _errors() as exc:
            log.error("site page read failed code=%s", _code(exc))
            return None


def pages_for(services: Any) -> SitePages:
    pages = getattr(services, "site_pages", None)
    if pages is None:
        config = services.settings
        pages = (
            S3SitePages(config.site_bucket) if config.backend == "aws" else LocalSitePages(config.site_dir)
        )
        services.site_pages = pages
    return pages


@cache
def confirmation_pages(site_path: str = "/") -> dict[str, str]:
    """Every confirmation page's address ('/pl/forms/referral-sent/') -> its page in the built site."""
    found = {}
    for name in FORM_FILES:
        page = get_form(name).settings["confirmation_page"]
        for lang in i18n.LANGUAGES:
            if lang == i18n.DEFAULT or (i18n.I18N_DIR / f"{name}.{lang}.json").exists():
                found[f"{site_path}{i18n.page_prefix(lang)}{page}"] = f"{i18n.page_prefix(lang)}{page}"
    return found


def page_for(path: str, site_path: str = "/") -> str | None:
    """The built page behind this address, when it is a confirmation page."""
    return confirmation_pages(site_path).get(path)


def handle_sent_page(event: dict[str, Any], services: Any) -> dict[str, Any]:
    """GET a confirmation page, filled in from its query string."""
    from .http import html_response, problem

    method = str(((event.get("requestContext") or {}).get("http") or {}).get("method", "GET")).upper()
    if method not in {"GET", "HEAD"}:
        return problem(405, "Open this page with GET", headers={"Allow": "GET, HEAD"})
    page = page_for(str(event.get("rawPath") or ""), services.settings.site_path)
    query = event.get("queryStringParameters") or dict(parse_qsl(str(event.get("rawQueryString") or "")))
    lang = (page or "").split("/", 1)[0]
    values = values_from_query(
        {str(k): str(v) for k, v in query.items()}, lang if lang in i18n.LANGUAGES else i18n.DEFAULT
    )
    html = pages_for(services).read(page) if page else None
    if html is None:
        if not page:
            return problem(404, "There is no page at this address")
        # Never leave a family without their reference because the built page could not be read.
        reference = values.get("reference")
        said = f"Your reference number is {reference}." if reference else "We will email you your reference."
        html = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<title>Form sent - KIDS SEND Mediation</title></head><body><main><h1>Form sent</h1>"
            f"<p>{escape(said)}</p><p>Keep your reference number. Use it if you call or email us.</p>"
            "</main></body></html>"
        )
        return html_response(200, html)
    return html_response(200, choose_words(fill(html, values), young=query.get("words") == "young"))
