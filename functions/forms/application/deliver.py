"""Delivering a stored submission: the team's email exactly once, then the family's copy if they asked for one."""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from functions.forms.application.services import Services
from functions.forms.application.uploads import email_files
from functions.forms.domain.message import build_family_copy, build_message, family_copy_address
from functions.forms.domain.schemas import get_form
from functions.forms.ports import EmailsDeferred, MailError, StorageError

log = logging.getLogger("forms")


def deliver(services: Services, form: str, submission_id: str) -> str:
    """Send one submission's email unless it was sent already: 'sent', 'already-sent', 'held' or 'missing'.

    Every stored submission reaches a person: one the time trap suspects is emailed to the team like any other,
    marked POSSIBLE SPAM, and reported as 'held' (its family copy is held back: a bot must not be able to make us
    email any address). Then, when the family asked for one and the team's email has really gone (by this
    worker or another), their confirmation, with its own claim and marker, so it too goes once. Raises
    MailError when the mail service fails (EmailsDeferred when the team's emails are over their cap), leaving
    the submission pending for a retry.
    """
    record = services.storage.get(form, submission_id)
    if record is None:
        log.error("deliver: no stored record form=%s", form)
        return "missing"
    result = _deliver_team(services, form, submission_id, record)
    # Another worker's claim also reads 'already-sent': the copy waits until the team's email is marked sent.
    if result in {"sent", "already-sent"} and services.storage.is_sent(form, submission_id):
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
    allowed, _ = services.email_budget.allow("team")
    if not allowed:  # a flood must not use up the mail quota: this one waits for a later try
        storage.release(form, submission_id)
        services.metrics.count("EmailsDeferred")
        log.warning("mail deferred form=%s reference=%s reason=cap", form, record["reference"])
        raise EmailsDeferred("over the team's emails a minute")
    try:
        attachments: list[tuple[str, str, bytes]] = []
        lines: list[str] = []
        if get_form(form).settings.files_field:
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
    services.metrics.count("TeamEmailsSent")
    if record.get("suspected_spam"):
        log.info(
            "held form=%s reference=%s reason=time-trap emailed=possible-spam", form, record["reference"]
        )
        return "held"
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


def release(services: Services, form: str, submission_id: str, record: dict[str, Any]) -> str:
    """A submission held as possible spam that the team found genuine: its team email if it has not gone yet,
    then the family's copy if they asked for one. 'copy-sent', 'copy-was-sent' or 'no-copy' (none asked for).

    The caller has recorded the release first ('released' marker): a copy that fails is sent by the next release
    (its own claim and marker keep it to one). Raises MailError when the mail service fails.
    """
    genuine = {**record, "suspected_spam": False}
    if family_copy_address(genuine) is None:
        if not services.storage.is_sent(form, submission_id):
            _deliver_team(services, form, submission_id, genuine)
        return "no-copy"
    if services.storage.is_sent(form, submission_id, kind="copy"):
        return "copy-was-sent"
    if not services.storage.is_sent(form, submission_id):
        _deliver_team(services, form, submission_id, genuine)  # the copy only ever follows the team's email
    if services.storage.is_sent(form, submission_id):
        _deliver_copy(services, form, submission_id, genuine)
    if not services.storage.is_sent(form, submission_id, kind="copy"):
        raise MailError("the family's copy is being sent by another delivery, or waits for the team's email")
    return "copy-sent"
