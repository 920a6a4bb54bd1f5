"""The email worker's use cases: SQS batches, and an hourly sweep of anything left unsent.

For each SQS record: read {"form", "submission_id"} -> deliver (load, build, send with SES v2,
mark sent). Failed records are reported as batch item failures, so one bad message never makes the
others retry; a failed record waits longer at each receive (exponential back-off through the message's
visibility timeout) and, after the queue's maxReceiveCount, SQS moves it to the dead-letter queue. The
submission itself stays in S3 whatever happens to its message, and the sweep tries it again.

Logs name the form, the reference, the status and the kind of error: never an answer.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections import Counter
from typing import Any

from functions.forms.application.deliver import deliver
from functions.forms.application.services import Services
from functions.forms.domain.schemas import FORM_FILES
from functions.forms.ports import EmailsDeferred

log = logging.getLogger("forms.worker")

BACKOFF_FIRST_SECONDS = 60
BACKOFF_MAX_SECONDS = 3600
POISON_RETRY_SECONDS = 10  # an unreadable message will never succeed: let it reach the dead-letter queue soon
SWEEP_SPARE_MILLIS = 15_000


class PoisonMessage(ValueError):
    """A message that can never be delivered (not JSON, unknown form, not a submission id)."""


def read_body(body: Any) -> tuple[str, str]:
    """The (form, submission id) a message names, or PoisonMessage."""
    try:
        data = json.loads(body)
        form, submission_id = data["form"], data["submission_id"]
        if form not in FORM_FILES:
            raise PoisonMessage("unknown form")
        return form, str(uuid.UUID(str(submission_id)))
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        if isinstance(exc, PoisonMessage):
            raise
        raise PoisonMessage(type(exc).__name__) from exc


def backoff_seconds(receive_count: int) -> int:
    """How long a failed message waits before its next try: 60 s, 2 min, 4 min ... at most an hour."""
    return min(BACKOFF_MAX_SECONDS, BACKOFF_FIRST_SECONDS * 2 ** max(0, receive_count - 1))


def _receive_count(record: dict[str, Any]) -> int:
    try:
        return int((record.get("attributes") or {}).get("ApproximateReceiveCount", 1))
    except (TypeError, ValueError):
        return 1


def process_record(record: dict[str, Any], svc: Services) -> str:
    """Deliver one record: 'sent' or 'already-sent', or raise (the message is then retried)."""
    form, submission_id = read_body(record.get("body"))
    status = deliver(svc, form, submission_id)
    if status == "missing":
        raise LookupError("no stored submission")
    if status == "already-sent" and not svc.storage.is_sent(form, submission_id):
        # Claimed by another delivery that has not finished (or died): try again later, never drop it.
        raise RuntimeError("delivery in progress elsewhere")
    return status


def handle_batch(event: dict[str, Any], svc: Services) -> dict[str, Any]:
    failures: list[dict[str, str]] = []
    for record in event.get("Records") or []:
        message_id = str(record.get("messageId", ""))
        receives = _receive_count(record)
        try:
            status = process_record(record, svc)
            log.info("message done status=%s receives=%s", status, receives)
        except PoisonMessage as exc:
            log.error("unreadable message status=poison kind=%s receives=%s", exc, receives)
            failures.append({"itemIdentifier": message_id})
            svc.queue.retry_later(str(record.get("receiptHandle") or ""), POISON_RETRY_SECONDS)
        except Exception as exc:
            log.warning("message failed status=retry kind=%s receives=%s", type(exc).__name__, receives)
            failures.append({"itemIdentifier": message_id})
            svc.queue.retry_later(str(record.get("receiptHandle") or ""), backoff_seconds(receives))
    return {"batchItemFailures": failures}


def sweep(svc: Services, context: Any = None) -> Counter[str]:
    """Send every stored submission whose email has not gone (a lost queue message, a dead-lettered one)."""
    results: Counter[str] = Counter()
    for form, submission_id in list(svc.storage.pending()):
        if context is not None and context.get_remaining_time_in_millis() < SWEEP_SPARE_MILLIS:
            results["left-for-next-sweep"] += 1
            continue
        if results["deferred"]:  # over the cap: the rest wait for the next sweep, unread
            results["left-for-next-sweep"] += 1
            continue
        try:
            results[deliver(svc, form, submission_id)] += 1
        except EmailsDeferred:
            results["deferred"] += 1
        except Exception as exc:
            log.warning("sweep failed form=%s kind=%s", form, type(exc).__name__)
            results["failed"] += 1
    log.info("sweep done %s", " ".join(f"{k}={v}" for k, v in sorted(results.items())) or "nothing pending")
    return results
