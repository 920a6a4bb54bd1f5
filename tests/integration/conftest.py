"""moto as a real server (S3, SQS, SES v2, KMS) on 127.0.0.1, and AWS resources shaped like template.yaml's."""

from __future__ import annotations

import json
import os
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import pytest

from tests.integration.cfn import load_template

REGION = "eu-west-2"
SENDER = "forms@send-mediation.example"
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}


@dataclass
class Moto:
    url: str

    def client(self, service: str) -> Any:
        import boto3

        return boto3.client(service, endpoint_url=self.url, region_name=REGION)

    def data(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.url}/moto-api/data.json", timeout=10) as response:
            return json.load(response)

    def raw_emails_to(self, address: str) -> list[EmailMessage]:
        """Every raw email SES v2 accepted for this address, parsed (the feed mixes regions and tests)."""
        found = []
        for item in self.data().get("ses", {}).get("RawMessage", []):
            if address in item.get("destinations", []):
                raw = item["raw_data"]
                found.append(BytesParser(policy=policy.default).parsebytes(raw.encode("utf-8")))
        return found


@pytest.fixture(scope="session")
def moto_server() -> Iterator[Moto]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    saved = {k: os.environ.get(k) for k in [*AWS_ENV, "AWS_ENDPOINT_URL"]}
    os.environ.update({**AWS_ENV, "AWS_ENDPOINT_URL": url})
    from functions.forms.adapters import aws

    aws.client.cache_clear()  # the adapters' clients now point at moto
    try:
        yield Moto(url)
    finally:
        aws.client.cache_clear()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        server.stop()


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    return load_template()


@dataclass
class Stack:
    """One test's own copy of the stack's data resources (fresh names, so tests never share state)."""

    moto: Moto
    key_arn: str
    submissions_bucket: str
    uploads_bucket: str
    queue_url: str
    dlq_url: str
    team_email: str

    def settings(self, **changes: str) -> Any:
        from functions.forms.config import from_env

        env = {
            "FORMS_BACKEND": "aws",
            "SITE_URL": "https://www.send-mediation.example/",
            "MAIL_FROM": f"KIDS SEND Mediation forms <{SENDER}>",
            "TEAM_EMAIL": self.team_email,
            "SUBMISSIONS_BUCKET": self.submissions_bucket,
            "UPLOADS_BUCKET": self.uploads_bucket,
            "QUEUE_URL": self.queue_url,
            **changes,
        }
        return from_env(env)

    def services(self, **changes: str) -> Any:
        from functions.forms.bootstrap import aws_services

        return aws_services(self.settings(**changes))

    def receive(self, url: str | None = None, wait: int = 0) -> list[dict[str, Any]]:
        """Messages as Lambda's SQS poller hands them to the function (event records)."""
        sqs = self.moto.client("sqs")
        response = sqs.receive_message(
            QueueUrl=url or self.queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=wait,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
        return [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "eventSource": "aws:sqs",
            }
            for m in response.get("Messages", [])
        ]

    def poll_once(self, handler: Any) -> dict[str, Any]:
        """What Lambda does with one batch: invoke, then delete the records not reported as failures."""
        records = self.receive()
        result = handler({"Records": records}) if records else {"batchItemFailures": []}
        failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
        sqs = self.moto.client("sqs")
        for record in records:
            if record["messageId"] not in failed:
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=record["receiptHandle"])
        return {"records": records, **result}


def _bucket(s3: Any, name: str, key_arn: str, props: dict[str, Any]) -> None:
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    rule = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    s3.put_bucket_encryption(
        Bucket=name,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"],
                        "KMSMasterKeyID": key_arn,
                    },
                    "BucketKeyEnabled": rule["BucketKeyEnabled"],
                }
            ]
        },
    )
    s3.put_public_access_block(
        Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"]
    )


@pytest.fixture
def stack(moto_server: Moto, template: dict[str, Any]) -> Stack:
    """Buckets, queues and the SES identity as template.yaml makes them (encryption, redrive, timeouts)."""
    resources = template["Resources"]
    suffix = uuid.uuid4().hex[:10]
    key_arn = moto_server.client("kms").create_key(Description="data")["KeyMetadata"]["Arn"]
    s3 = moto_server.client("s3")
    _bucket(s3, f"submissions-{suffix}", key_arn, resources["SubmissionsBucket"]["Properties"])
    _bucket(s3, f"uploads-{suffix}", key_arn, resources["UploadsBucket"]["Properties"])
    sqs = moto_server.client("sqs")
    dlq_url = sqs.create_queue(QueueName=f"dead-{suffix}")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    queue = resources["SubmissionQueue"]["Properties"]
    queue_url = sqs.create_queue(
        QueueName=f"submissions-{suffix}",
        Attributes={
            "VisibilityTimeout": str(queue["VisibilityTimeout"]),
            "RedrivePolicy": json.dumps(
                {
                    "deadLetterTargetArn": dlq_arn,
                    "maxReceiveCount": str(queue["RedrivePolicy"]["maxReceiveCount"]),
                }
            ),
        },
    )["QueueUrl"]
    ses = moto_server.client("sesv2")
    try:
        ses.create_email_identity(EmailIdentity=SENDER)
    except ses.exceptions.AlreadyExistsException:
        pass
    return Stack(
        moto=moto_server,
        key_arn=key_arn,
        submissions_bucket=f"submissions-{suffix}",
        uploads_bucket=f"uploads-{suffix}",
        queue_url=queue_url,
        dlq_url=dlq_url,
        team_email=f"team-{suffix}@send-mediation.example",
    )
