"""The whole path on moto: submit (HTTP API event) -> S3 -> SQS -> worker -> SES v2, and what happens when it fails."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from functions import worker as worker_entry
from functions.forms.application import worker
from functions.forms.web.app import handle
from tests.integration.conftest import Stack
from tests.unit.factories import referral

ORIGIN = "https://www.send-mediation.example"


def post(answers: dict[str, Any], route: str = "referrals") -> dict[str, Any]:
    return {
        "version": "2.0",
        "rawPath": f"/api/{route}",
        "headers": {"content-type": "application/json", "accept": "application/json", "origin": ORIGIN},
        "requestContext": {"http": {"method": "POST", "path": f"/api/{route}"}},
        "body": json.dumps(answers),
        "isBase64Encoded": False,
    }


def stored_keys(stack: Stack) -> list[str]:
    listing = stack.moto.client("s3").list_objects_v2(Bucket=stack.submissions_bucket)
    return sorted(item["Key"] for item in listing.get("Contents", []))


def run_worker(stack: Stack, services: Any) -> dict[str, Any]:
    return stack.poll_once(lambda event: worker.handle_batch(event, services))


def test_submit_queue_worker_ses_sends_one_email(stack: Stack, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    services = stack.services()
    answers = referral()
    response = handle(post(answers), services)
    assert response["statusCode"] == 201, response["body"]
    reference = json.loads(response["body"])["reference"]
    assert stored_keys(stack) == [f"submissions/referral/{answers['submission_id']}.json"]

    result = run_worker(stack, services)
    assert len(result["records"]) == 1 and result["batchItemFailures"] == []
    (email,) = stack.moto.raw_emails_to(stack.team_email)
    assert reference in email.get_body(preferencelist=("plain",)).get_content()
    assert f"delivery/referral/{answers['submission_id']}.sent" in stored_keys(stack)
    assert stack.receive() == []  # the message was deleted
    logs = "\n".join(r.getMessage() for r in caplog.records)
    for value in ("Testy", "testy.mctestface", "Exampleshire", "2015-03-27", "section F", "07700"):
        assert value not in logs


def test_the_same_message_delivered_twice_sends_one_email(stack: Stack) -> None:
    services = stack.services()
    answers = referral()
    assert handle(post(answers), services)["statusCode"] == 201
    records = stack.receive()
    assert len(records) == 1
    first = worker.handle_batch({"Records": records}, services)
    second = worker.handle_batch({"Records": records}, services)  # at-least-once: SQS hands it over again
    assert first == second == {"batchItemFailures": []}
    assert len(stack.moto.raw_emails_to(stack.team_email)) == 1


def test_a_repeated_post_keeps_one_submission_and_sends_one_email(stack: Stack) -> None:
    services = stack.services()
    answers = referral()
    one = json.loads(handle(post(answers), services)["body"])["reference"]
    two = json.loads(handle(post(answers), services)["body"])["reference"]
    assert one == two
    for _ in range(2):
        run_worker(stack, services)
    assert len(stack.moto.raw_emails_to(stack.team_email)) == 1


def test_a_mail_failure_keeps_the_message_for_a_retry_and_the_submission_intact(stack: Stack) -> None:
    answers = referral()
    assert handle(post(answers), stack.services())["statusCode"] == 201
    key = f"submissions/referral/{answers['submission_id']}.json"
    before = stack.moto.client("s3").get_object(Bucket=stack.submissions_bucket, Key=key)["Body"].read()

    failing = stack.services(MAIL_FROM="forms@not-verified.example")  # SES refuses: like an outage
    records = stack.receive()
    result = worker.handle_batch({"Records": records}, failing)
    assert result == {"batchItemFailures": [{"itemIdentifier": records[0]["messageId"]}]}
    assert stack.moto.raw_emails_to(stack.team_email) == []
    after = stack.moto.client("s3").get_object(Bucket=stack.submissions_bucket, Key=key)["Body"].read()
    assert after == before
    assert stored_keys(stack) == [key]  # no claim left behind, nothing marked sent
    assert stack.receive() == []  # hidden for the back-off, not deleted

    sqs = stack.moto.client("sqs")
    sqs.change_message_visibility(  # the back-off has passed
        QueueUrl=stack.queue_url, ReceiptHandle=records[0]["receiptHandle"], VisibilityTimeout=0
    )
    result = run_worker(stack, stack.services())
    assert (
        result["batchItemFailures"] == []
        and result["records"][0]["attributes"]["ApproximateReceiveCount"] == "2"
    )
    assert len(stack.moto.raw_emails_to(stack.team_email)) == 1


def test_back_off_doubles_up_to_an_hour() -> None:
    assert [worker.backoff_seconds(n) for n in range(1, 9)] == [60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_a_poison_message_ends_in_the_dead_letter_queue(
    stack: Stack, template: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker, "POISON_RETRY_SECONDS", 0)  # in AWS 10 s between tries
    services = stack.services()
    sqs = stack.moto.client("sqs")
    sqs.send_message(QueueUrl=stack.queue_url, MessageBody="this is not a submission")
    max_receives = int(
        template["Resources"]["SubmissionQueue"]["Properties"]["RedrivePolicy"]["maxReceiveCount"]
    )
    tries = 0
    for _ in range(max_receives + 2):
        result = run_worker(stack, services)
        tries += len(result["records"])
        assert len(result["batchItemFailures"]) == len(result["records"])
    assert tries == max_receives  # then SQS stops handing it over: never an endless loop
    dead = sqs.receive_message(QueueUrl=stack.dlq_url).get("Messages", [])
    assert [m["Body"] for m in dead] == ["this is not a submission"]


def test_one_bad_message_does_not_fail_the_others(stack: Stack) -> None:
    services = stack.services()
    answers = referral()
    assert handle(post(answers), services)["statusCode"] == 201
    stack.moto.client("sqs").send_message(QueueUrl=stack.queue_url, MessageBody='{"form": "referral"}')
    records = stack.receive()
    assert len(records) == 2
    result = worker.handle_batch({"Records": records}, services)
    bad = [r["messageId"] for r in records if "submission_id" not in r["body"]]
    assert result == {"batchItemFailures": [{"itemIdentifier": bad[0]}]}
    assert len(stack.moto.raw_emails_to(stack.team_email)) == 1


def test_a_message_for_a_missing_submission_is_retried_not_dropped(stack: Stack) -> None:
    body = json.dumps({"form": "referral", "submission_id": "00000000-0000-4000-8000-00000000dead"})
    stack.moto.client("sqs").send_message(QueueUrl=stack.queue_url, MessageBody=body)
    records = stack.receive()
    result = worker.handle_batch({"Records": records}, stack.services())
    assert result["batchItemFailures"] == [{"itemIdentifier": records[0]["messageId"]}]


def test_a_submission_whose_message_was_lost_is_sent_by_the_sweep(stack: Stack) -> None:
    answers = referral()
    broken_queue = stack.services(QUEUE_URL=stack.queue_url + "-gone")
    assert handle(post(answers), broken_queue)["statusCode"] == 201  # stored: the family is told it is sent
    assert stack.moto.raw_emails_to(stack.team_email) == []

    results = worker.sweep(stack.services())
    assert results["sent"] == 1
    assert len(stack.moto.raw_emails_to(stack.team_email)) == 1
    assert worker.sweep(stack.services())["sent"] == 0  # and only once


def test_the_lambda_entry_routes_sqs_batches_and_scheduled_sweeps(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = stack.services()
    monkeypatch.setattr(worker_entry, "services", lambda: services)
    assert handle(post(referral()), services)["statusCode"] == 201
    assert worker_entry.handler({"Records": stack.receive()}) == {"batchItemFailures": []}
    scheduled = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
    assert worker_entry.handler(scheduled) == {"sweep": {}}
    assert len(stack.moto.raw_emails_to(stack.team_email)) == 1
