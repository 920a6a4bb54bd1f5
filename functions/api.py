"""Lambda entry for POST /api/... (API Gateway HTTP API, payload format 2.0)."""

from __future__ import annotations

import logging
from typing import Any

from functions.forms.http import handle
from functions.forms.service import services

logging.getLogger().setLevel(logging.INFO)


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    return handle(event, services())
