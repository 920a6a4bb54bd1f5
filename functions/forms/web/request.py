"""One API request, read once from the API Gateway event (payload format 2.0) or the local server's copy of one."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from functions.forms.web.errors import ParseError


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    query: dict[str, str]
    client: str  # the sender's address, for the throttle only (never logged)
    event: dict[str, Any]
    params: dict[str, str] = field(default_factory=dict)  # path parameters, from the route table

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> Request:
        http = (event.get("requestContext") or {}).get("http") or {}
        query = event.get("queryStringParameters") or dict(parse_qsl(str(event.get("rawQueryString") or "")))
        return cls(
            method=str(http.get("method", "GET")).upper(),
            path=str(event.get("rawPath") or http.get("path") or ""),
            headers={str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()},
            query={str(k): str(v) for k, v in query.items()},
            client=str(http.get("sourceIp") or ""),
            event=event,
        )

    @property
    def content_type(self) -> str:
        """The media type alone, in lower case ('multipart/form-data')."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def body(self) -> bytes:
        body = self.event.get("body") or ""
        if self.event.get("isBase64Encoded"):
            try:
                return base64.b64decode(body, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise ParseError("The request body is not valid base64") from exc
        return body.encode("utf-8") if isinstance(body, str) else bytes(body)
