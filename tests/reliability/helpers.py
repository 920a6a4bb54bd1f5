"""Shared pieces for the reliability suite: requests as API Gateway sends them, valid answers, the figures table."""

from __future__ import annotations

import base64
import copy
import http.client
import json
import os
import uuid
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from functions.forms.application.services import Services
from functions.forms.bootstrap import local_services
from functions.forms.config import from_env
from tests.unit.factories import referral

HEAVY = os.environ.get("RELIABILITY_HEAVY") == "1"
SECRET = "reliability-test-secret"
SITE = "http://127.0.0.1:8123/"
ORIGIN = "http://127.0.0.1:8123"

# section -> name -> value; printed as a table at the end of the run (conftest.py).
FIGURES: OrderedDict[str, OrderedDict[str, Any]] = OrderedDict()
# Made into figures at the end of the run, from what the tests counted while they ran (see `report`).
REPORTS: list[Callable[[], None]] = []


def record(section: str, name: str, value: Any) -> None:
    FIGURES.setdefault(section, OrderedDict())[name] = value


def report(make: Callable[[], None]) -> Callable[[], None]:
    """Register a function that records a module's figures once every test has run, whatever their order."""
    REPORTS.append(make)
    return make


def make_services(var_dir: Path, **env: str) -> Services:
    config = from_env(
        {
            "VAR_DIR": str(var_dir),
            "SITE_URL": SITE,
            "SITE_DIR": str(var_dir / "no-site"),
            "FORMS_SECRET": SECRET,
            "THROTTLE_PER_MINUTE": "0",
            **env,
        }
    )
    return local_services(config)


def event(
    body: bytes | str = b"",
    content_type: str | None = "application/json",
    method: str = "POST",
    path: str = "/api/referrals",
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    source_ip: str | None = None,
) -> dict[str, Any]:
    """An HTTP API (payload 2.0) event, body base64 as API Gateway sends binary-safe bodies."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    all_headers = {"content-type": content_type} if content_type else {}
    all_headers.update(headers or {})
    context: dict[str, Any] = {"http": {"method": method, "path": path}}
    if source_ip:
        context["http"]["sourceIp"] = source_ip
    return {
        "version": "2.0",
        "rawPath": path,
        "headers": all_headers,
        "queryStringParameters": query or {},
        "requestContext": context,
        "body": base64.b64encode(data).decode("ascii"),
        "isBase64Encoded": True,
    }


def views(**changes: Any) -> dict[str, Any]:
    """A complete child's views form with a fresh submission id."""
    answers: dict[str, Any] = {
        "submission_id": str(uuid.uuid4()),
        "about": {"name": "Kit", "age": 9, "filled_in_by": "me_with_help"},
        "views": {"going_well": "Art club.\nPlaytime.", "hard": "Noisy lunch hall."},
        "taking_part": "say_hello",
        "share_with": "everyone_at_the_meeting",
        "agree_to_send": True,
        "website": "",
    }
    for key, value in changes.items():
        target = answers
        parts = key.split("__")
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        if value is ...:
            target.pop(parts[-1], None)
        else:
            target[parts[-1]] = value
    return answers


VALID = {"referral": referral, "child-views": views}
ROUTES = {"referral": "/api/referrals", "child-views": "/api/child-views"}


def valid(form: str, **changes: Any) -> dict[str, Any]:
    return copy.deepcopy(VALID[form](**changes))


def body_of(response: dict[str, Any]) -> Any:
    return json.loads(response["body"]) if response.get("body") else None


def outbox(var_dir: Path) -> list[Path]:
    folder = var_dir / "outbox"
    return sorted(folder.glob("*.eml")) if folder.exists() else []


def stored(var_dir: Path, form: str | None = None) -> list[Path]:
    root = var_dir / "submissions"
    return sorted(root.glob(f"{form or '*'}/*.json")) if root.exists() else []


def post(port: int, path: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    """One request to the local server; (status, headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", path, body=body, headers={"Content-Type": "application/json", **(headers or {})})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()
