"""Responses in API Gateway's shape (payload format 2.0): JSON problems, HTML pages and redirects."""

from __future__ import annotations

import json
from typing import Any

Response = dict[str, Any]
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def json_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json; charset=utf-8", **SECURITY_HEADERS, **(headers or {})},
        "body": json.dumps(body, ensure_ascii=False),
    }


def problem(
    status: int, text: str, field: str = "", href: str = "", headers: dict[str, str] | None = None
) -> Response:
    """A plain error in the same shape as validation errors."""
    title = "There is a problem" if status < 500 else "Sorry, there is a problem with the service"
    return json_response(
        status, {"title": title, "errors": [{"field": field, "href": href, "text": text}]}, headers
    )


def html_response(status: int, html: str, headers: dict[str, str] | None = None) -> Response:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "text/html; charset=utf-8", **SECURITY_HEADERS, **(headers or {})},
        "body": html,
    }


def redirect(status: int, location: str) -> Response:
    return {"statusCode": status, "headers": {"Location": location, **SECURITY_HEADERS}, "body": ""}
