"""The team's command on AWS (issue 19), against moto as a real server: every verb with `--stack NAME` (outputs,
parameters and resources read with CloudFormation), the buckets named instead, the worker's daily summary with
the dead-letter queue's depth, and the figures read back from CloudWatch."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest

from functions import team as command
from functions import worker as worker_entry
from functions.forms.application import team as t
from functions.forms.application.deliver import deliver
from functions.forms.domain import tokens
from functions.forms.web.app import handle
from tests.integration.conftest import SENDER, Stack
from tests.unit.factories import referral

ORIGIN = "https://www.send-mediation.example"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
FAMILY = "testy.mctestface@example.com"


@pytest.fixture
def deployed(stack: Stack) -> Iterator[tuple[Stack, str, dict[str, str]]]:
    """A CloudFormation stack in moto with template.yaml's outputs and parameters for this test's resources, and
    two resources named as the forms and views functions (physical ids: their function names)."""
    name = f"send-mediation-{uuid.uuid4().hex[:8]}"
    functions = {"FormsFunction": f"{name}-FormsFunction-A1", "ViewsFunction": f"{name}-ViewsFunction-B2"}
    body = {
        "Parameters": {key: {"Type": "String"} for key in ("TeamEmail", "SenderAddress", "SiteDomain")},
        "Resources": {
            logical: {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": physical}}
            for logical, physical in functions.items()
        },
        "Outputs": {
            "SubmissionsBucketName": {"Value": stack.submissions_bucket},
            "UploadsBucketName": {"Value": stack.uploads_bucket},
            "QueueUrl": {"Value": stack.queue_url},
            "DeadLetterQueueUrl": {"Value": stack.dlq_url},
        },
    }
    cfn = stack.moto.client("cloudformation")
    cfn.create_stack(
        StackName=name,
        TemplateBody=json.dumps(body),
        Parameters=[
            {"ParameterKey": "TeamEmail", "ParameterValue": stack.team_email},
            {"ParameterKey": "SenderAddress", "ParameterValue": SENDER},
            {"ParameterKey": "SiteDomain", "ParameterValue": "www.send-mediation.example"},
        ],
    )
    resources = cfn.list_stack_resources(StackName=name)["StackResourceSummaries"]
    assert {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources} == functions
    yield stack, name, functions
    cfn.delete_stack(StackName=name)


def post(answers: dict[str, Any], route: str = "referrals") -> dict[str, Any]:
    return {
        "version": "2.0",
        "rawPath": f"/api/{route}",
        "headers": {"content-type": "application/json", "accept": "application/json", "origin": ORIGIN},
        "requestContext": {"http": {"method": "POST", "path": f"/api/{route}"}},
        "body": json.dumps(answers),
        "isBase64Encoded": False,
    }


def sent(stack: Stack, services: Any, answers: dict[str, Any], route: str = "referrals") -> str:
    """Submitted through the API and emailed by the worker, as on AWS: its reference."""
    response = handle(post(answers, route), services)
    assert response["statusCode"] == 201, response["body"]
    stack.poll_once(lambda event: worker_entry.handle_batch(event, services))
    return str(json.loads(response["body"])["reference"])


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = command.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def keys(stack: Stack, bucket: str) -> list[str]:
    listing = stack.moto.client("s3").list_objects_v2(Bucket=bucket)
    return sorted(item["Key"] for item in listing.get("Contents", []))


def uploaded(stack: Stack, services: Any, count: int) -> list[str]:
    """Files as the views function keeps them in S3: the clean copy, its description, one original left."""
    ids = []
    for number in range(count):
        upload_id = str(uuid.uuid4())
        services.uploads.write(f"files/{upload_id}", PNG + bytes([number]), "image/png")
        services.uploads.write(f"files/{upload_id}.json", b'{"kind": "drawing"}', "application/json")
        ids.append(upload_id)
    services.uploads.write(f"incoming/{ids[0]}", b"as the device sent it", "application/octet-stream")
    return ids


def test_list_show_export_and_resend_with_the_stacks_name(deployed, capsys, tmp_path):
    stack, name, _ = deployed
    services = stack.services()
    first = sent(stack, services, referral())
    second = sent(stack, services, referral(service="certificate", you__name="=cmd|' /C calc'!A0"))
    status, out, err = run(capsys, "list", "--stack", name)
    assert status == 0, err
    assert first in out and second in out and out.count(" new\n") == 2
    status, out, _ = run(capsys, "show", first, "--stack", name)
    assert status == 0 and "Testy McTestface" in out and "Status: new" in out
    path = tmp_path / "all.csv"
    status, out, _ = run(capsys, "export", "--csv", str(path), "--stack", name)
    assert status == 0 and "Wrote 2 submission(s)" in out
    text = path.read_text(encoding="utf-8-sig")
    assert "'=cmd|' /C calc'!A0" in text and "Your full name" in text.splitlines()[0]
    status, out, _ = run(capsys, "resend", first, "--stack", name)
    assert status == 0 and "again" in out
    emails = stack.moto.raw_emails_to(stack.team_email)
    assert [first in e["Subject"] for e in emails].count(True) == 2
    assert all(e["From"] == f"KIDS SEND Mediation forms <{SENDER}>" for e in emails)


def test_a_held_submission_is_released_and_the_familys_copy_goes_then(deployed, capsys):
    stack, name, _ = deployed
    services = stack.services(
        FORMS_SECRET="a-test-secret-that-is-long-enough-0123456789", FORMS_MIN_SECONDS="60"
    )
    answers = referral(you__send_me_a_copy=True)
    answers["started"] = tokens.issue(services.settings.forms_secret)  # sent at once: the time trap holds it
    reference = sent(stack, services, answers)
    (spam,) = stack.moto.raw_emails_to(stack.team_email)
    assert spam["Subject"].startswith("POSSIBLE SPAM: ")
    assert stack.moto.raw_emails_to(FAMILY) == []
    status, out, _ = run(capsys, "list", "--status", "held", "--stack", name)
    assert reference in out
    status, out, _ = run(capsys, "release", reference, "--stack", name)
    assert status == 0 and "confirmation email has been sent" in out
    (copy,) = stack.moto.raw_emails_to(FAMILY)
    assert reference in copy.get_body(("plain",)).get_content()
    status, out, _ = run(capsys, "list", "--status", "new", "--stack", name)
    assert reference in out
    submission = answers["submission_id"]
    assert f"delivery/referral/{submission}.released" in keys(stack, stack.submissions_bucket)


def test_access_holds_every_file_and_erase_removes_records_markers_and_uploads(deployed, capsys, tmp_path):
    stack, name, _ = deployed
    services = stack.services()
    ids = uploaded(stack, services, 2)
    views = {"submission_id": str(uuid.uuid4()), "agree_to_send": True, "website": "", "files": ids}
    views |= {"send_me_a_copy": True, "copy_email": FAMILY.upper()}
    record = {
        "form": "child-views",
        "submission_id": views["submission_id"],
        "reference": "KTCH2345",
        "received_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "lang": "en",
        "answers": views,
    }
    services.storage.put_new("child-views", views["submission_id"], record)
    deliver(services, "child-views", views["submission_id"])
    other = sent(stack, services, referral(you__email="someone.else@example.com"))
    mine = sent(stack, services, referral(you__email=FAMILY))
    path = tmp_path / "access.zip"
    status, out, err = run(capsys, "access", "--email", FAMILY, "--out", str(path), "--stack", name)
    assert status == 0, err
    assert "2 submission(s), 3 file(s), 0 email(s)" in out and "team's mailbox are not in it" in out
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        assert archive.read("KTCH2345/files/drawing-1.png") == PNG + b"\x00"
        assert archive.read("KTCH2345/files/drawing-2.png") == PNG + b"\x01"
        assert archive.read("KTCH2345/files/file-1-as-sent") == b"as the device sent it"
        assert {"KTCH2345/files/drawing-1.png.json", f"{mine}/record.json", "README.txt"} <= names
        assert not any(other in n for n in names)
        readme = archive.read("README.txt").decode()
        assert "The emails in our team's mailbox" in readme and "emails/" not in readme
    assert len(keys(stack, stack.uploads_bucket)) == 5
    status, out, _ = run(capsys, "erase", "--email", FAMILY, "--stack", name)
    assert status == 1 and "Nothing was deleted" in out
    assert len(keys(stack, stack.uploads_bucket)) == 5
    status, out, _ = run(capsys, "erase", "--email", FAMILY, "--yes", "--stack", name)
    assert status == 0 and "KTCH2345 (Child's views): the record, 2 delivery marker(s)" in out
    assert "5 uploaded file object(s)" in out and "not touched" in out
    assert keys(stack, stack.uploads_bucket) == []
    left = keys(stack, stack.submissions_bucket)
    assert not any(views["submission_id"] in key for key in left)
    assert len(left) == 2  # the other family's record and its "sent" marker
    status, out, _ = run(capsys, "list", "--stack", name)
    assert other in out and mine not in out and "KTCH2345" not in out


def test_the_buckets_can_be_named_instead_of_the_stack(deployed, capsys):
    stack, _, _ = deployed
    reference = sent(stack, stack.services(), referral())
    where = ["--submissions-bucket", stack.submissions_bucket, "--uploads-bucket", stack.uploads_bucket]
    status, out, _ = run(capsys, "list", *where, "--queue-url", stack.queue_url)
    assert status == 0 and reference in out
    status, _, err = run(capsys, "stats", *where)
    assert status == 1 and "add --stack NAME" in err
    status, _, err = run(capsys, "list", "--stack", "no-such-stack")
    assert status == 3 and "the stack could not be read" in err


@pytest.fixture
def worker_on(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The worker's own services from its environment, as on Lambda (template.yaml's variables)."""
    from functions.forms import bootstrap, config

    env = {
        "FORMS_BACKEND": "aws",
        "SITE_URL": "https://www.send-mediation.example/",
        "MAIL_FROM": f"KIDS SEND Mediation forms <{SENDER}>",
        "TEAM_EMAIL": stack.team_email,
        "SUBMISSIONS_BUCKET": stack.submissions_bucket,
        "UPLOADS_BUCKET": stack.uploads_bucket,
        "QUEUE_URL": stack.queue_url,
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("FORMS_SECRET_ARN", raising=False)
    for cached in (config.settings, bootstrap.services, bootstrap.team_services):
        cached.cache_clear()
    yield
    for cached in (config.settings, bootstrap.services, bootstrap.team_services):
        cached.cache_clear()


def test_the_worker_emails_the_daily_summary_with_the_dead_letter_depth(stack, worker_on):
    services = stack.services()
    late = {"decision__letter_date": (dt.date.today() - dt.timedelta(days=70)).isoformat()}
    late_one = sent(stack, services, referral(**late))
    calm_one = sent(stack, services, referral(decision__letter_date=dt.date.today().isoformat()))
    stack.moto.client("sqs").send_message(QueueUrl=stack.dlq_url, MessageBody="{}")
    result = worker_entry.handler({"digest": "daily", "stack": "send-mediation"})
    assert result == {"digest": {"new": 2, "held": 0, "pending": 0}}
    summary = stack.moto.raw_emails_to(stack.team_email)[-1]
    assert summary["Subject"].lstrip().startswith("Daily summary ")
    body = summary.get_body(("plain",)).get_content()
    assert body.index(late_one) < body.index(calm_one)  # the passed deadline first
    assert "1 message(s): an email failed every retry" in body
    assert "python -m functions.team show REFERENCE --stack send-mediation" in body
    for answer in ("Testy", "Exampleshire", "07700"):
        assert answer not in body


def test_stats_reads_the_figures_back_from_cloudwatch(deployed, capsys):
    stack, name, functions = deployed
    day = dt.datetime.now(dt.UTC).replace(hour=12, minute=0, second=0, microsecond=0) - dt.timedelta(days=1)
    cloudwatch = stack.moto.client("cloudwatch")

    def put(metric: str, function: str, value: int, **dimensions: str) -> None:
        pairs = [{"Name": "FunctionName", "Value": functions[function]}]
        pairs += [{"Name": k, "Value": v} for k, v in dimensions.items()]
        cloudwatch.put_metric_data(
            Namespace="SendMediation/Forms",
            MetricData=[{"MetricName": metric, "Dimensions": pairs, "Value": value, "Timestamp": day}],
        )

    put("FormsShown", "FormsFunction", 8, Form="referral")
    put("CheckReached", "FormsFunction", 5, Form="referral")
    put("FormsSent", "FormsFunction", 4, Form="referral")
    put("FormsShown", "FormsFunction", 4, Form="child-views")  # tokens come from the forms function
    put("FormsSent", "ViewsFunction", 1, Form="child-views")  # the views are sent to their own
    # Dimensions in the order the EMF line names them (moto matches them in order; CloudWatch as a set).
    put("FieldErrors", "FormsFunction", 3, Field="you.email", Form="referral")
    put("FieldErrors", "ViewsFunction", 2, Field="agree_to_send", Form="child-views")
    status, out, err = run(capsys, "stats", "--stack", name)
    assert status == 0, err
    assert (
        "Referral: forms shown 8, check-your-answers reached 5, sent 4. Completion (sent / shown): 50%."
        in out
    )
    assert (
        "Child's views: forms shown 4, check-your-answers reached 0, sent 1. Completion (sent / shown): 25%."
        in out
    )
    assert "Email address (3)" in out and "Agrees to send (2)" in out


def test_the_schedule_and_the_dead_letter_permission_are_in_the_template(template: dict[str, Any]) -> None:
    worker = template["Resources"]["WorkerFunction"]["Properties"]
    digest = worker["Events"]["Digest"]
    assert digest["Type"] == "Schedule" and digest["Properties"]["Schedule"].startswith("cron(")
    assert json.loads(digest["Properties"]["Input"]["Fn::Sub"].replace("${AWS::StackName}", "x")) == {
        "digest": "daily",
        "stack": "x",
    }
    statements = template["Resources"]["WorkerRole"]["Properties"]["Policies"][0]["PolicyDocument"][
        "Statement"
    ]
    (dead,) = [s for s in statements if s["Sid"] == "CountTheDeadLettersForTheDailySummary"]
    assert dead["Action"] == "sqs:GetQueueAttributes" and dead["Resource"] == {
        "Fn::GetAtt": ["DeadLetterQueue", "Arn"]
    }
    dashboard = template["Resources"]["FiguresDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    body = json.loads(re.sub(r"\$\{[A-Za-z:]+\}", "x", dashboard))
    metrics = json.dumps(body)
    for metric in (t.SHOWN, t.CHECKED, t.SENT, t.FIELD_ERRORS):
        assert metric in metrics


def test_the_workers_monday_summary_reads_the_figures_from_cloudwatch(stack, worker_on, monkeypatch):
    """On AWS the worker itself reads the metrics back (FIGURES_FUNCTIONS, cloudwatch:GetMetricData)."""
    from functions.forms import bootstrap

    monkeypatch.setenv("FIGURES_FUNCTIONS", "forms-fn,views-fn")
    for cached in (bootstrap.services, bootstrap.team_services):
        cached.cache_clear()
    from functions.forms import config

    config.settings.cache_clear()
    day = dt.datetime.now(dt.UTC).replace(hour=12, minute=0, second=0, microsecond=0) - dt.timedelta(days=1)
    cloudwatch = stack.moto.client("cloudwatch")
    for metric, value in (("FormsShown", 10), ("CheckReached", 6), ("FormsSent", 5)):
        cloudwatch.put_metric_data(
            Namespace="SendMediation/Forms",
            MetricData=[
                {
                    "MetricName": metric,
                    "Dimensions": [
                        {"Name": "FunctionName", "Value": "forms-fn"},
                        {"Name": "Form", "Value": "referral"},
                    ],
                    "Value": value,
                    "Timestamp": day,
                }
            ],
        )
    from functions.forms.application.team import send_digest

    # The worker's own team services (as the scheduled event builds them); the week's part, as on a Monday.
    send_digest(bootstrap.team_services(), dt.datetime.now(dt.UTC), weekly=True)
    summary = stack.moto.raw_emails_to(stack.team_email)[-1]
    body = summary.get_body(("plain",)).get_content()
    assert "Completion (sent / shown): 50%" in body, body[-1500:]
