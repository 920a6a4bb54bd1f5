"""openapi.yaml: the API's OpenAPI 3.1 description. Its request schemas are the form schemas themselves.

`python -m tests.reliability.openapi_doc` rewrites openapi.yaml from the schemas in schemas/; the test
test_openapi.py fails when the two differ, so the description cannot drift from what the handlers check.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = {"referral": "referral.schema.json", "child-views": "child-views.schema.json"}

PROBLEM = {
    "type": "object",
    "description": "Every refusal: a title and at least one error, each naming its field (empty for the whole request).",
    "required": ["title", "errors"],
    "properties": {
        "title": {"type": "string"},
        "errors": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["field", "href", "text"],
                "properties": {
                    "field": {"type": "string"},
                    "href": {"type": "string"},
                    "text": {"type": "string", "minLength": 1},
                },
            },
        },
    },
}


def form_schema(name: str) -> dict[str, Any]:
    """The form's JSON Schema as the request body: the file itself, without its own $schema and $id."""
    schema = json.loads((ROOT / "schemas" / SCHEMAS[name]).read_text(encoding="utf-8"))
    return {k: v for k, v in schema.items() if k not in {"$schema", "$id"}}


def _problems(*statuses: int) -> dict[str, Any]:
    words = {
        400: "The answers, or the request, cannot be accepted: every problem is listed",
        403: "Sent from another site's page (an Origin header that is not ours)",
        405: "Not the right method",
        413: "The request is too large",
        415: "Not JSON (or, for forms, a plain form post)",
        429: "Too many requests from this client: wait for Retry-After seconds",
        503: "Storage is down: nothing was stored; try again",
    }
    return {
        str(s): {
            "description": words[s],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for s in statuses
    }


def _form_path(name: str) -> dict[str, Any]:
    title = form_schema(name)["title"]
    return {
        "post": {
            "operationId": f"send-{name}",
            "summary": f"Send the form '{title}'",
            "description": (
                "Stored before the answer comes back; the same submission_id again returns the same reference. "
                "The page may also send `lang` and `started` (the time-trap token from GET /api/token); they are "
                "read and removed before the answers are checked. Plain HTML form posts "
                "(application/x-www-form-urlencoded) are accepted too and answered with a page or a 303."
            ),
            "parameters": [
                {
                    "name": "check",
                    "in": "query",
                    "required": False,
                    "description": (
                        "1: only check the answers (the check-your-answers step); nothing is stored. "
                        "Any other value is ignored."
                    ),
                    "schema": {"type": "string"},
                }
            ],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
            },
            "responses": {
                "200": {
                    "description": "With check=1: the answers are complete",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Checked"}}},
                },
                "201": {
                    "description": "Stored: the family's reference",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Sent"}}},
                },
                **_problems(400, 403, 405, 413, 415, 429, 503),
            },
        }
    }


def _page(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


def build() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "KIDS SEND Mediation forms API",
            "version": "1",
            "description": (
                "The forms' API, on AWS (API Gateway HTTP API to Lambda) and on the local server (make serve). "
                "Generated from schemas/ by `python -m tests.reliability.openapi_doc`; tests fail if they differ."
            ),
        },
        "servers": [{"url": "/"}],
        "paths": {
            "/api/referrals": _form_path("referral"),
            "/api/child-views": _form_path("child-views"),
            "/api/uploads": {
                "post": {
                    "operationId": "new-upload",
                    "summary": "Ask where to send a drawing or recording",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/UploadRequest"}}
                        },
                    },
                    "responses": {
                        "201": {
                            "description": "Where to post the file",
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/UploadTarget"}}
                            },
                        },
                        **_problems(400, 403, 405, 413, 415, 429),
                    },
                }
            },
            "/api/files/{token}": {
                "get": {
                    "operationId": "file-link",
                    "summary": "Open a link from the team's email to a file too large to attach (good for 7 days)",
                    "parameters": [
                        {
                            "name": "token",
                            "in": "path",
                            "required": True,
                            "description": "<upload id>.<file number>.<expiry, seconds since 1970>.<signature>",
                            "schema": {"type": "string", "maxLength": 200},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "The file, as an attachment (the local server)",
                            "content": {"application/octet-stream": {}},
                        },
                        "302": {"description": "On AWS: to a presigned GET of the file, good for 5 minutes"},
                        "403": _page("The token is not ours (a page that says so)"),
                        "405": _problems(405)["405"],
                        "410": _page("The link is more than 7 days old, or the file is no longer kept"),
                        "429": _problems(429)["429"],
                        "503": _page("The storage is not answering: try the link again in a few minutes"),
                    },
                }
            },
            "/api/token": {
                "get": {
                    "operationId": "time-token",
                    "summary": "A signed page-load time for the time trap",
                    "responses": {
                        "200": {
                            "description": "The token, to send back as `started`",
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/Token"}}
                            },
                        },
                        **_problems(403, 429),
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "referral": form_schema("referral"),
                "child-views": form_schema("child-views"),
                "Sent": {
                    "type": "object",
                    "required": ["reference", "confirmation_url"],
                    "properties": {
                        "reference": {"type": "string", "pattern": "^[ABCDEFGHJKLMNPRSTUVWXY23456789]{8}$"},
                        "confirmation_url": {"type": "string"},
                    },
                },
                "Checked": {"type": "object", "required": ["ok"], "properties": {"ok": {"const": True}}},
                "Token": {
                    "type": "object",
                    "required": ["token"],
                    "properties": {"token": {"type": "string", "pattern": "^[0-9]{1,15}\\.[A-Za-z0-9_-]+$"}},
                },
                "UploadRequest": {
                    "type": "object",
                    "required": ["filename", "size"],
                    "properties": {
                        "filename": {"type": "string", "maxLength": 1000},
                        "content_type": {
                            "type": "string",
                            "description": "What the browser says the file is; may be empty (some browsers give none for HEIC).",
                        },
                        "size": {"type": "integer", "minimum": 1},
                    },
                },
                "UploadTarget": {
                    "type": "object",
                    "required": ["upload_id", "url", "fields", "max_bytes"],
                    "properties": {
                        "upload_id": {"type": "string", "format": "uuid"},
                        "url": {"type": "string"},
                        "fields": {"type": "object"},
                        "max_bytes": {"type": "integer"},
                    },
                },
                "Problem": PROBLEM,
            }
        },
    }


HEADER = "# Generated from schemas/ by `python -m tests.reliability.openapi_doc`: do not edit by hand.\n"


def text() -> str:
    return HEADER + yaml.safe_dump(build(), sort_keys=False, allow_unicode=True, width=110)


if __name__ == "__main__":
    (ROOT / "openapi.yaml").write_text(text(), encoding="utf-8")
    sys.exit(0)
