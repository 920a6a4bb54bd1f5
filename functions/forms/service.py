"""The pipeline: validate, store durably, queue; and, apart, deliver the email exactly once."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from typing import Any

from . import spam
from .config import Settings, settings
from .message import build_family_copy, build_message
from .parse import Parsed
from .ports import Mailer, MailError, Queue, Storage, StorageError
from .reference import new_reference
from .schemas import get_form
from .validate import FieldError, validate

log = logging.getLogger("forms")


@dataclass
class Services:
    storage: Storage
    queue: Queue
    mailer: Mailer
    settings: Settings


@dataclass(frozen=True)
class Outcome:
    """What happened to a submission: a reference, or the problems with it."""

    reference: str | None = None
    errors: tuple[FieldError, ...] = ()
    answers: dict[str, Any] | None = None


_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}")


def _language(value: object) -> str:
    """The page's language as a plain tag (like 'en' or 'pl'); anything else a page could not have sent is 'en'."""
    return value if isinstance(value, str) and _LANGUAGE_TAG.fullmatch(value) else "en"


def submit(form: str, parsed: Parsed, services: Services, now: dt.datetime | None = None) -> Outcome:
    """Validate, store, queue. A reference comes back only after the record is durably stored."""
    now = now or dt.datetime.now(dt.UTC)
    errors = validate(form, parsed.answers, today=now.date(), lang=_language(parsed.controls.get("lang")))
    if get_form(form).settings.get("files_field"):  # each file's real size and type, before storing
        from .uploads import check_files

        errors = check_files(get_form(form), parsed, services, errors)
    if errors:
        return Outcome(errors=tuple(errors))
    answers = parsed.answers
    record = {
        "form": form,
        "submission_id": answers["submission_id"],
        "reference": new_reference(),
        "received_at": now.isoformat(timespec="seconds"),
        "lang": _language(parsed.controls.get("lang")),
        "answers": answers,
    }
    config = services.settings
    if spam.suspected(
        parsed.controls.get("started"), config.forms_secret, config.min_seconds, now.timestamp()
    ):
        record["suspected_spam"] = True  # kept and counted, never emailed (see deliver)
    stored, created = services.storage.put_new(form, answers["submission_id"], record)
    # A record stored just now has not been emailed, so only a repeat asks whether it was (on AWS that question
    # is an S3 request). Queueing one that was sent after all does no harm: deliver claims it first and stops.
    if created or not services.storage.is_sent(form, stored["submission_id"]):
        try:
            services.queue.enqueue(form, stored["submission_id"])
        except Exception as exc:  # the record is safe; the sweep sends it later
            log.warning(
                "queue failed form=%s reference=%s error=%s", form, stored["reference"], type(exc).__name__
            )
    log.info(
        "stored form=%s reference=%s new=%s%s",
        form,
        stored["reference"],
        created,
        " suspected_spam=true" if stored.get("suspected_spam") else "",
    )
    return Outcome(reference=stored["reference"], answers=stored["answers"])


def deliver(services: Services, form: str, submission_id: str) -> str:
    """Send one submission's email unless it was sent already: 'sent', 'already-sent', 'held' or 'missing'.

    Then, when the family asked for one, their confirmation (its own claim and marker, so it too goes once; never
    for a submission held as suspected spam). Raises MailError when the mail service fails, leaving the
    submission pending for a retry.
    """
    record = services.storage.get(form, submission_id)
    if record is None:
        log.error("deliver: no stored record form=%s", form)
        return "missing"
    result = _deliver_team(services, form, submission_id, record)
    if result in {"sent", "already-sent"}:
        _deliver_copy(services, form, submission_id, record)
    return result


def _deliver_copy(services: Services, form: str, submission_id: str, record: dict[str, Any]) -> None:
    """The family's confirmation, once, after the team's email; nothing unless they asked for it."""
    if record.get("suspected_spam"):
        return
    message = build_family_copy(
        record, sender=services.settings.mail_from, reply_to=services.settings.team_email
    )
    storage = services.storage
    if message is None or not storage.claim(form, submission_id, kind="copy"):
        return
    try:
        services.mailer.send(message)
    except Exception:
        storage.release(form, submission_id, kind="copy")
        log.warning("family copy failed form=%s reference=%s", form, record["reference"])
        raise
    storage.mark_sent(form, submission_id, kind="copy")
    log.info("sent family copy form=%s reference=%s", form, record["reference"])


def _deliver_team(services: Services, form: str, submission_id: str, record: dict[str, Any]) -> str:
    storage = services.storage
    if not storage.claim(form, submission_id):
        return "already-sent"
    if storage.is_sent(form, submission_id):  # sent, and its claim let go, between our check and our claim
        storage.release(form, submission_id)
        return "already-sent"
    if record.get("suspected_spam"):  # handled: kept for the team to look at, never emailed, never retried
        storage.mark_sent(form, submission_id)
        log.info("held form=%s reference=%s reason=time-trap", form, record["reference"])
        return "held"
    try:
        attachments: list[tuple[str, str, bytes]] = []
        lines: list[str] = []
        if get_form(form).settings.get("files_field"):
            from .uploads import email_files

            attachments, lines = email_files(record, get_form(form), services)
        message = build_message(
            record,
            sender=services.settings.mail_from,
            to=services.settings.team_email,
            attachments=attachments,
            extra_lines=lines,
        )
        services.mailer.send(message)
    except Exception:
        storage.release(form, submission_id)
        log.warning("mail failed form=%s reference=%s", form, record["reference"])
        raise
    storage.mark_sent(form, submission_id)
    log.info("sent form=%s reference=%s", form, record["reference"])
    return "sent"


def send_pending(services: Services) -> Counter[str]:
    """Try again every stored submission whose email has not gone."""
    results: Counter[str] = Counter()
    for form, submission_id in list(services.storage.pending()):
        try:
            results[deliver(services, form, submission_id)] += 1
        except (MailError, StorageError, OSError):
            results["failed"] += 1
    return results


def local_services(config: Settings | None = None) -> Services:
    """File-backed storage and outbox under var/, with delivery straight after storing."""
    from .local import InlineQueue, LocalMailer, LocalStorage

    config = config or settings()
    services = Services(
        storage=LocalStorage(config.var_dir / "submissions"),
        queue=None,  # type: ignore[arg-type]
        mailer=LocalMailer(config.var_dir / "outbox"),
        settings=config,
    )

    def deliver_now(form: str, submission_id: str) -> None:
        try:
            deliver(services, form, submission_id)
        except (MailError, OSError):
            pass  # stays pending; logged in deliver

    services.queue = InlineQueue(deliver_now)
    return services


def aws_services(config: Settings | None = None) -> Services:
    """S3, SQS and SES v2 through boto3."""
    from . import aws

    config = config or settings()
    return Services(
        storage=aws.S3Storage(config.submissions_bucket),
        queue=aws.SQSQueue(config.queue_url),
        mailer=aws.SESMailer(),
        settings=config,
    )


@cache
def services() -> Services:
    """This process's services, made once."""
    config = settings()
    return aws_services(config) if config.backend == "aws" else local_services(config)
