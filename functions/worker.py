"""Lambda entry for the email worker: SQS batches, and the hourly sweep (application/worker.py)."""

from __future__ import annotations

import logging
from typing import Any

from functions.forms.application.worker import handle_batch, sweep
from functions.forms.bootstrap import services

logging.getLogger().setLevel(logging.INFO)


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    svc = services()
    if "Records" in event:
        return handle_batch(event, svc)
    return {"sweep": dict(sweep(svc, context))}
