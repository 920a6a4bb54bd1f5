"""The interfaces between the use cases and the world: storage, queue, mail, uploads and the built site.

Each has a local adapter (adapters/local.py, files under var/) and an AWS one (adapters/aws.py, boto3). The
application and web layers only ever see these protocols; bootstrap.py chooses which adapters stand behind them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from email.message import EmailMessage
from typing import Any, NamedTuple, Protocol


class StorageError(RuntimeError):
    """Storage could not be reached or refused the write: the family must not be told 'sent'."""


class MailError(RuntimeError):
    """The email could not be handed over; the submission stays stored and is sent later."""


class EmailsDeferred(MailError):
    """The team's emails are over their cap for this minute: this one waits for a later try."""


class Storage(Protocol):
    def put_new(self, form: str, submission_id: str, record: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """Store the record durably unless one with this id exists; return the stored record and whether it is new."""

    def get(self, form: str, submission_id: str) -> dict[str, Any] | None: ...

    # `kind` names the email: "team" (the default, the team's email) or "copy" (the family's confirmation).
    # Each kind has its own claim and "sent" marker, so each is sent once.
    def claim(self, form: str, submission_id: str, kind: str = "team") -> bool:
        """Take the right to send this submission's email; False when it is sent or being sent."""

    def release(self, form: str, submission_id: str, kind: str = "team") -> None:
        """Give up a claim after a failed send, so a retry can send."""

    def mark_sent(self, form: str, submission_id: str, kind: str = "team") -> None: ...

    def is_sent(self, form: str, submission_id: str, kind: str = "team") -> bool: ...

    def pending(self) -> Iterator[tuple[str, str]]:
        """(form, submission id) of every stored submission whose email has not been sent."""


class Queue(Protocol):
    def enqueue(self, form: str, submission_id: str) -> None: ...

    def retry_later(self, receipt: str, seconds: int) -> None:
        """Hide a failed message for `seconds` before its next try (best effort)."""


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class UploadStore(Protocol):
    """Children's files. Keys: incoming/<id> (as uploaded), files/<id> (checked, cleaned), files/<id>.json."""

    # True when the browser posts files to our own server (locally); on AWS it posts straight to S3.
    receives_posts: bool

    def target(self, upload_id: str) -> dict[str, Any]:
        """Where the browser posts the file: {"url": ..., "fields": {...}}."""

    def receive(self, upload_id: str, data: bytes) -> str | None:
        """Take the bytes posted to our own upload target; the problem in words when it is refused."""

    def size(self, key: str) -> int | None: ...

    def read(self, key: str, first: int | None = None) -> bytes: ...

    def write(self, key: str, data: bytes, content_type: str) -> None: ...

    def copy(self, source: str, key: str) -> None: ...

    def delete(self, key: str) -> None: ...

    def download_url(self, key: str, filename: str, content_type: str, seconds: int) -> str | None:
        """A short-lived address the file can be fetched from, or None when we must send the bytes ourselves."""


class Metrics(Protocol):
    """Counts with no personal data in them (CloudWatch's embedded metric format on AWS)."""

    def count(self, name: str, value: int = 1) -> None: ...

    def count_for(self, name: str, dimensions: Mapping[str, str], value: int = 1) -> None:
        """A count kept apart by its dimensions (Form, Field): names from our schemas only, never an answer."""


class SitePages(Protocol):
    def read(self, page: str) -> str | None:
        """The built HTML of a page ('forms/referral-sent/'), or None when it cannot be read."""


# The team's side (application/team.py, `python -m functions.team`) ---------------------------------------------

# What may be kept beside a stored submission, as the adapters name it: the team's email sent or being sent, the
# family's copy sent or being sent, and the team's word that a submission held as possible spam is genuine.
MARKERS = ("sent", "claim", "copy.sent", "copy.claim", "released")


class Records(Protocol):
    """Every stored submission and what is kept beside it, for the team's command and the daily summary."""

    def index(self) -> dict[tuple[str, str], dict[str, dt.datetime]]:
        """{(form, submission id): {"json": when stored, "sent": when the team's email went, ...}} for every
        stored submission (MARKERS name the other keys), in one pass over the storage."""

    def put_marker(self, form: str, submission_id: str, marker: str) -> None:
        """Keep a marker (one of MARKERS) beside the submission, as of now."""

    def erase(self, form: str, submission_id: str) -> list[str]:
        """Delete the submission and everything kept beside it; what was deleted ('record', 'sent', ...)."""


class DeadLetters(Protocol):
    def depth(self) -> int | None:
        """Messages in the dead-letter queue; None where there is no such queue (locally)."""


class Tally(NamedTuple):
    """One day's count of one metric for one set of dimensions ({'Form': 'referral', 'Field': 'you.email'})."""

    day: dt.date
    name: str
    dimensions: Mapping[str, str]
    value: int


class FiguresReader(Protocol):
    def read(
        self, first: dt.date, last: dt.date, wanted: Sequence[tuple[str, Mapping[str, str]]]
    ) -> list[Tally]:
        """Each day's count (UTC days, first to last) of each metric named with its dimensions in `wanted`."""


class Outbox(Protocol):
    def about(self, reference: str) -> list[tuple[str, bytes]]:
        """(name, raw email) of each email we keep that was made for this reference (its Message-ID names it: the
        team's email, a resend, the family's copy): locally var/outbox; none on AWS, where the emails are in the
        team's mailbox, which is not ours to read."""
