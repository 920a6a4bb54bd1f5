"""AWS adapters: S3 for submissions, uploads and the built site, SQS for the queue, SES v2 for mail. boto3 clients are made once, when first used.

Encryption: objects are written without an encryption header, so the bucket's default encryption applies
(SSE-KMS with the stack's own customer managed key, see template.yaml). A request that says only
`ServerSideEncryption="aws:kms"` without a key id is encrypted with the account's AWS managed key (aws/s3)
instead of the bucket's key; the bucket policy refuses any other key.

No duplicate: `put_new` is a conditional put (`If-None-Match: *`, honoured by S3 since August 2024 and
by moto), so two requests with the same submission id store one record and both get its reference.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import time
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from functools import cache
from typing import Any

from functions.forms.domain import files as f
from functions.forms.domain.files import POST_EXPIRES_SECONDS, incoming_key
from functions.forms.ports import MailError, StorageError

log = logging.getLogger("forms")
STALE_CLAIM_SECONDS = 300


@cache
def client(service: str) -> Any:
    """One boto3 client per service per process (endpoints from AWS_ENDPOINT_URL* when set)."""
    import boto3  # imported here so that modules which never touch AWS stay quick to load

    return boto3.client(service)


def _errors() -> tuple[type[BaseException], ...]:
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError)


def _code(exc: BaseException) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", type(exc).__name__))


class S3Storage:
    """Each submission an encrypted JSON object; markers beside it record the email."""

    def __init__(self, bucket: str, s3: Any = None):
        self.bucket = bucket
        self._s3 = s3

    @property
    def s3(self) -> Any:
        return self._s3 or client("s3")

    @staticmethod
    def _key(form: str, submission_id: str, kind: str = "json") -> str:
        safe = str(uuid.UUID(submission_id))
        folder = "submissions" if kind == "json" else "delivery"
        return f"{folder}/{form}/{safe}.{kind}"

    @staticmethod
    def _marker(what: str, email: str) -> str:
        """'claim' or 'sent' for the team's email; 'copy.claim' or 'copy.sent' for the family's confirmation."""
        if email == "team":
            return what
        if email != "copy":
            raise ValueError(f"unknown email kind {email!r}")
        return f"{email}.{what}"

    def put_new(self, form: str, submission_id: str, record: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        key = self._key(form, submission_id)
        body = json.dumps(record, ensure_ascii=False).encode("utf-8")
        try:
            self.s3.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=body,
                ContentType="application/json",
                IfNoneMatch="*",
            )
            return record, True
        except _errors() as exc:
            if _code(exc) not in {"PreconditionFailed", "412", "ConditionalRequestConflict"}:
                raise StorageError(f"S3 put failed: {_code(exc)}") from exc
        existing = self.get(form, submission_id)
        if existing is None:
            raise StorageError("S3 said the submission exists but it cannot be read")
        return existing, False

    def get(self, form: str, submission_id: str) -> dict[str, Any] | None:
        try:
            response = self.s3.get_object(Bucket=self.bucket, Key=self._key(form, submission_id))
        except _errors() as exc:
            if _code(exc) in {"NoSuchKey", "404"}:
                return None
            raise StorageError(f"S3 get failed: {_code(exc)}") from exc
        return json.loads(response["Body"].read())

    def _exists(self, key: str) -> dt.datetime | None:
        try:
            return self.s3.head_object(Bucket=self.bucket, Key=key)["LastModified"]
        except _errors() as exc:
            if _code(exc) in {"404", "NoSuchKey", "NotFound"}:
                return None
            raise StorageError(f"S3 head failed: {_code(exc)}") from exc

    def claim(self, form: str, submission_id: str, kind: str = "team") -> bool:
        if self.is_sent(form, submission_id, kind):
            return False
        key = self._key(form, submission_id, self._marker("claim", kind))
        if self._put_claim(key, IfNoneMatch="*"):
            return True
        try:
            held = self.s3.head_object(Bucket=self.bucket, Key=key)
        except _errors() as exc:
            if _code(exc) not in {"404", "NoSuchKey", "NotFound"}:
                raise StorageError(f"S3 head failed: {_code(exc)}") from exc
            return self._put_claim(key, IfNoneMatch="*")  # let go meanwhile
        if (dt.datetime.now(dt.UTC) - held["LastModified"]).total_seconds() < STALE_CLAIM_SECONDS:
            return False
        # The claim is stale: its sender died before finishing. Replaced only if it is still that claim (If-Match
        # its ETag), so that of the workers that saw it stale one takes it over; the others' writes fail.
        return self._put_claim(key, IfMatch=held["ETag"])

    def _put_claim(self, key: str, **condition: str) -> bool:
        """Write a claim if the condition holds; False when it does not (another worker's write came first).

        Each claim's body is new (a random token), so each has its own ETag: a takeover's If-Match can only match
        the very claim that was seen stale.
        """
        try:
            token = uuid.uuid4().hex.encode("ascii")
            self.s3.put_object(Bucket=self.bucket, Key=key, Body=token, **condition)
            return True
        except _errors() as exc:
            code = _code(exc)
            if code in {"PreconditionFailed", "412", "ConditionalRequestConflict", "409"}:
                return False
            if code in {"NoSuchKey", "404"} and "IfMatch" in condition:
                return self._put_claim(key, IfNoneMatch="*")  # the stale claim was let go meanwhile
            raise StorageError(f"S3 claim failed: {code}") from exc

    def _put_marker(self, key: str) -> None:
        try:
            self.s3.put_object(Bucket=self.bucket, Key=key, Body=b"")
        except _errors() as exc:
            raise StorageError(f"S3 marker put failed: {_code(exc)}") from exc

    def release(self, form: str, submission_id: str, kind: str = "team") -> None:
        try:
            self.s3.delete_object(
                Bucket=self.bucket, Key=self._key(form, submission_id, self._marker("claim", kind))
            )
        except _errors() as exc:
            raise StorageError(f"S3 release failed: {_code(exc)}") from exc

    def mark_sent(self, form: str, submission_id: str, kind: str = "team") -> None:
        self._put_marker(self._key(form, submission_id, self._marker("sent", kind)))
        self.release(form, submission_id, kind)

    def is_sent(self, form: str, submission_id: str, kind: str = "team") -> bool:
        return self._exists(self._key(form, submission_id, self._marker("sent", kind))) is not None

    def pending(self) -> Iterator[tuple[str, str]]:
        paginator = self.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix="submissions/"):
            for item in page.get("Contents", []):
                _, form, name = item["Key"].split("/", 2)
                submission_id = name.removesuffix(".json")
                if not self.is_sent(form, submission_id):
                    yield form, submission_id


class SQSQueue:
    """One message per submission: its form and id, never its answers."""

    def __init__(self, url: str, sqs: Any = None):
        self.url = url
        self._sqs = sqs

    def enqueue(self, form: str, submission_id: str) -> None:
        sqs = self._sqs or client("sqs")
        try:
            sqs.send_message(
                QueueUrl=self.url, MessageBody=json.dumps({"form": form, "submission_id": submission_id})
            )
        except _errors() as exc:
            raise StorageError(f"SQS send failed: {_code(exc)}") from exc

    def retry_later(self, receipt: str, seconds: int) -> None:
        """Best effort: without it the queue's own visibility timeout applies."""
        if not receipt or not self.url:
            return
        try:
            (self._sqs or client("sqs")).change_message_visibility(
                QueueUrl=self.url, ReceiptHandle=receipt, VisibilityTimeout=seconds
            )
        except Exception as exc:
            log.warning("back-off not set error=%s", type(exc).__name__)


class SESMailer:
    """Sends the whole MIME message through SES v2 (raw), so Reply-To, both parts and attachments survive."""

    def __init__(self, sesv2: Any = None, configuration_set: str | None = None):
        self._ses = sesv2
        self.configuration_set = configuration_set

    def send(self, message: EmailMessage) -> None:
        ses = self._ses or client("sesv2")
        kwargs: dict[str, Any] = {"Content": {"Raw": {"Data": message.as_bytes()}}}
        if self.configuration_set:
            kwargs["ConfigurationSetName"] = self.configuration_set
        try:
            ses.send_email(**kwargs)
        except _errors() as exc:
            raise MailError(f"SES send failed: {_code(exc)}") from exc


class S3Uploads:
    """An S3 bucket: presigned POSTs in, presigned GET links out."""

    receives_posts = False  # the browser posts straight to S3

    def __init__(self, bucket: str, s3: Any = None):
        self.bucket = bucket
        self._s3 = s3

    @property
    def s3(self) -> Any:
        return self._s3 or client("s3")

    def _fail(self, what: str, exc: BaseException) -> StorageError:
        return StorageError(f"S3 {what} failed: {_code(exc)}")

    def target(self, upload_id: str) -> dict[str, Any]:
        post = self.s3.generate_presigned_post(
            Bucket=self.bucket,
            Key=incoming_key(upload_id),
            Conditions=[["content-length-range", 1, f.MAX_BYTES]],
            ExpiresIn=POST_EXPIRES_SECONDS,
        )
        return {"url": post["url"], "fields": post["fields"]}

    def size(self, key: str) -> int | None:

        try:
            return int(self.s3.head_object(Bucket=self.bucket, Key=key)["ContentLength"])
        except _errors() as exc:
            if _code(exc) in {"404", "NoSuchKey", "NotFound"}:
                return None
            raise self._fail("head", exc) from exc

    def read(self, key: str, first: int | None = None) -> bytes:

        extra = {"Range": f"bytes=0-{first - 1}"} if first else {}
        try:
            return self.s3.get_object(Bucket=self.bucket, Key=key, **extra)["Body"].read()
        except _errors() as exc:
            raise self._fail("get", exc) from exc

    def write(self, key: str, data: bytes, content_type: str) -> None:

        try:
            self.s3.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=data,
                ContentType=content_type,
            )
        except _errors() as exc:
            raise self._fail("put", exc) from exc

    def copy(self, source: str, key: str) -> None:

        try:
            self.s3.copy_object(
                Bucket=self.bucket,
                Key=key,
                CopySource={"Bucket": self.bucket, "Key": source},
            )
        except _errors() as exc:
            raise self._fail("copy", exc) from exc

    def delete(self, key: str) -> None:

        try:
            self.s3.delete_object(Bucket=self.bucket, Key=key)
        except _errors() as exc:
            raise self._fail("delete", exc) from exc

    def receive(self, upload_id: str, data: bytes) -> str | None:
        return "There is no upload waiting at this address"  # S3 takes the file, never this function

    def download_url(self, key: str, filename: str, content_type: str, seconds: int) -> str | None:
        """A presigned GET, made when a link in the team's email is opened (see web/file_links.py)."""
        return self.s3.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentType": content_type,
                "ResponseContentDisposition": f'attachment; filename="{filename}"',
            },
            ExpiresIn=seconds,
        )


class S3SitePages:
    """The site bucket that CloudFront serves the site from."""

    def __init__(self, bucket: str, s3: Any = None):
        self.bucket = bucket
        self._s3 = s3

    def read(self, page: str) -> str | None:

        try:
            got = (self._s3 or client("s3")).get_object(Bucket=self.bucket, Key=f"{page}index.html")
            return got["Body"].read().decode("utf-8")
        except _errors() as exc:
            log.error("site page read failed code=%s", _code(exc))
            return None


def read_secret(arn: str) -> str:
    """A Secrets Manager secret's string, read once when the function starts (bootstrap.py)."""
    try:
        return str(client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"])
    except _errors() as exc:
        raise StorageError(f"secret read failed: {_code(exc)}") from exc


class EmfMetrics:
    """Counts as CloudWatch embedded metric format lines on standard output: no API call, no personal data.

    One dimension, FunctionName, so that two stacks in one account keep their alarms apart (template.yaml)."""

    NAMESPACE = "SendMediation/Forms"

    def __init__(self, function_name: str = "") -> None:
        self.function_name = function_name or os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "local")

    def count(self, name: str, value: int = 1) -> None:
        line = {
            "_aws": {
                "Timestamp": int(time.time() * 1000),
                "CloudWatchMetrics": [
                    {
                        "Namespace": self.NAMESPACE,
                        "Dimensions": [["FunctionName"]],
                        "Metrics": [{"Name": name, "Unit": "Count"}],
                    }
                ],
            },
            "FunctionName": self.function_name,
            name: value,
        }
        # print, not logging: Lambda's log prefix would stop CloudWatch reading the line as a metric.
        print(json.dumps(line, separators=(",", ":")), flush=True)
