"""Lambda entry for /api/... and the confirmation pages (API Gateway HTTP API, payload format 2.0)."""

from __future__ import annotations

import logging
from typing import Any

from functions.forms.bootstrap import services
from functions.forms.web.app import handle

logging.getLogger().setLevel(logging.INFO)


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    return handle(event, services())
