"""Lambda entry for the email worker: SQS batches, the hourly sweep (application/worker.py), and the team's daily
summary (application/team.py)."""

from __future__ import annotations

import logging
from typing import Any

from functions.forms.application.team import digest_event
from functions.forms.application.worker import handle_batch, sweep
from functions.forms.bootstrap import services, team_services

logging.getLogger().setLevel(logging.INFO)


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    if "digest" in event:  # the Digest schedule's constant input (template.yaml)
        return digest_event(team_services(), event)
    svc = services()
    if "Records" in event:
        return handle_batch(event, svc)
    return {"sweep": dict(sweep(svc, context))}
