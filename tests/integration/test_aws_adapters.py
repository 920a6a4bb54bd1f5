"""The AWS adapters (S3Storage, SQSQueue, SESMailer) against moto running as a real server."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest

from functions.forms.adapters.aws import S3Storage, SESMailer, SQSQueue
from functions.forms.domain.message import build_message
from functions.forms.ports import MailError
from tests.integration.conftest import SENDER, Stack
from tests.unit.factories import referral


def record(answers: dict | None = None) -> dict:
    answers = answers or referral()
    return {
        "form": "referral",
        "submission_id": answers["submission_id"],
        "reference": "ABCD2345",
        "received_at": "2026-11-02T10:00:00+00:00",
        "lang": "en",
        "answers": answers,
    }


def test_a_stored_submission_is_encrypted_with_the_stacks_kms_key(stack: Stack) -> None:
    storage = S3Storage(stack.submissions_bucket)
    rec = record()
    stored, created = storage.put_new("referral", rec["submission_id"], rec)
    assert created and stored == rec
    key = f"submissions/referral/{rec['submission_id']}.json"
    head = stack.moto.client("s3").head_object(Bucket=stack.submissions_bucket, Key=key)
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"] == stack.key_arn  # the bucket's own key, not the account's aws/s3
    assert storage.get("referral", rec["submission_id"]) == rec


def test_a_second_put_with_the_same_id_returns_the_first_record(stack: Stack) -> None:
    """moto honours If-None-Match: * like S3, so the conditional put alone prevents a duplicate."""
    storage = S3Storage(stack.submissions_bucket)
    first = record()
    second = {**first, "reference": "ZZZZ9999", "answers": {**first["answers"], "disagreement": "changed"}}
    storage.put_new("referral", first["submission_id"], first)
    stored, created = storage.put_new("referral", first["submission_id"], second)
    assert not created
    assert stored["reference"] == "ABCD2345" and stored == first
    assert storage.get("referral", first["submission_id"]) == first


def test_moto_refuses_a_conditional_put_over_an_existing_object(stack: Stack) -> None:
    s3 = stack.moto.client("s3")
    s3.put_object(Bucket=stack.submissions_bucket, Key="probe", Body=b"1", IfNoneMatch="*")
    with pytest.raises(s3.exceptions.ClientError) as raised:
        s3.put_object(Bucket=stack.submissions_bucket, Key="probe", Body=b"2", IfNoneMatch="*")
    assert raised.value.response["Error"]["Code"] == "PreconditionFailed"


def test_claim_is_taken_once_released_on_failure_and_refused_once_sent(stack: Stack) -> None:
    storage = S3Storage(stack.submissions_bucket)
    rec = record()
    storage.put_new("referral", rec["submission_id"], rec)
    assert list(storage.pending()) == [("referral", rec["submission_id"])]
    assert storage.claim("referral", rec["submission_id"])
    assert not storage.claim("referral", rec["submission_id"])  # a second sender waits
    storage.release("referral", rec["submission_id"])
    assert storage.claim("referral", rec["submission_id"])
    storage.mark_sent("referral", rec["submission_id"])
    assert storage.is_sent("referral", rec["submission_id"])
    assert not storage.claim("referral", rec["submission_id"])
    assert list(storage.pending()) == []


def test_the_queue_message_holds_the_form_and_id_only(stack: Stack) -> None:
    submission_id = str(uuid.uuid4())
    SQSQueue(stack.queue_url).enqueue("referral", submission_id)
    (message,) = stack.receive()
    assert json.loads(message["body"]) == {"form": "referral", "submission_id": submission_id}


def test_ses_v2_receives_the_whole_mime_message(stack: Stack) -> None:
    rec = record()
    message = build_message(
        rec, sender=f"KIDS SEND Mediation forms <{SENDER}>", to=stack.team_email, today=dt.date(2026, 11, 2)
    )
    SESMailer().send(message)
    (sent,) = stack.moto.raw_emails_to(stack.team_email)
    assert sent["Subject"] == message["Subject"]
    assert "Testy" not in sent["Subject"] and "Zo" not in sent["Subject"]  # no personal data in the subject
    assert sent["From"].addresses[0].addr_spec == SENDER
    assert sent["Reply-To"].addresses[0].addr_spec == "testy.mctestface@example.com"
    text = sent.get_body(preferencelist=("plain",))
    html = sent.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    assert "Exampleshire County Council" in text.get_content()
    assert "Exampleshire County Council" in html.get_content()
    assert "ABCD2345" in text.get_content()


def test_an_unverified_sender_is_a_mail_error(stack: Stack) -> None:
    rec = record()
    message = build_message(rec, sender="nobody@unverified.example", to=stack.team_email)
    with pytest.raises(MailError):
        SESMailer().send(message)
    assert stack.moto.raw_emails_to(stack.team_email) == []
