"""Sending a form: validate, store durably, queue. A reference comes back only once the record is stored."""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from typing import Any

from functions.forms.application.services import Services
from functions.forms.application.team import count_errors, count_sent
from functions.forms.application.uploads import check_files
from functions.forms.domain import tokens
from functions.forms.domain.answers import Parsed
from functions.forms.domain.reference import new_reference
from functions.forms.domain.schemas import get_form
from functions.forms.domain.validate import FieldError, validate

log = logging.getLogger("forms")


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
    if get_form(form).settings.files_field:  # each file's real size and type, before storing
        errors = check_files(get_form(form), parsed, services, errors)
    if errors:
        count_errors(services, form, errors)
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
    if tokens.suspected(
        parsed.controls.get("started"), config.forms_secret, config.min_seconds, now.timestamp()
    ):
        record["suspected_spam"] = True  # emailed to the team as POSSIBLE SPAM; no family copy (see deliver)
    stored, created = services.storage.put_new(form, answers["submission_id"], record)
    count_sent(services, form, created)
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
