"""The small interfaces between the form pipeline and the world: storage, queue and mail."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any, Protocol


class StorageError(RuntimeError):
    """Storage could not be reached or refused the write: the family must not be told 'sent'."""


class MailError(RuntimeError):
    """The email could not be handed over; the submission stays stored and is sent later."""


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


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None: ...
