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
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from functools import cache
from typing import Any

from functions.forms.domain import files as f
from functions.forms.domain.files import POST_EXPIRES_SECONDS, incoming_key
from functions.forms.ports import MARKERS, MailError, StorageError, Tally

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
    # A timeout or a dropped connection carries response=None: its kind is the code then.
    return str((getattr(exc, "response", None) or {}).get("Error", {}).get("Code", type(exc).__name__))


class _Bucket:
    """One S3 bucket, through the client given (tests) or the process's own."""

    def __init__(self, bucket: str, s3: Any = None):
        self.bucket = bucket
        self._s3 = s3

    @property
    def s3(self) -> Any:
        return self._s3 or client("s3")


class S3Storage(_Bucket):
    """Each submission an encrypted JSON object; markers beside it record the email."""

    def __init__(self, bucket: str, s3: Any = None):
        super().__init__(bucket, s3)
        # The claims this instance holds: key -> the ETag of the claim it wrote. Only that very object is ours to
        # delete (If-Match): after a takeover the claim is a new object with another ETag.
        self._held: dict[str, str] = {}

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
            written = self.s3.put_object(Bucket=self.bucket, Key=key, Body=token, **condition)
            self._held[key] = written["ETag"]
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
        """Let go of this instance's claim; a claim another worker has taken over meanwhile stays theirs."""
        key = self._key(form, submission_id, self._marker("claim", kind))
        etag = self._held.pop(key, None)
        if etag is None:
            return
        try:
            self.s3.delete_object(Bucket=self.bucket, Key=key, IfMatch=etag)
        except _errors() as exc:
            if _code(exc) in {"PreconditionFailed", "412", "NoSuchKey", "404"}:
                return  # taken over by another worker, or gone: not ours any more
            raise StorageError(f"S3 release failed: {_code(exc)}") from exc

    def mark_sent(self, form: str, submission_id: str, kind: str = "team") -> None:
        self._put_marker(self._key(form, submission_id, self._marker("sent", kind)))
        self.release(form, submission_id, kind)

    def is_sent(self, form: str, submission_id: str, kind: str = "team") -> bool:
        return self._exists(self._key(form, submission_id, self._marker("sent", kind))) is not None

    def pending(self) -> Iterator[tuple[str, str]]:
        """Stored submissions whose team email has not gone, oldest first.

        Found from two listings (1,000 keys a request): the team's "sent" markers, then the records, and their
        difference. No GET or HEAD per record: a sweep that asked about each one ran out of Lambda time above a
        few thousand kept submissions and sent nothing. The markers are listed first, so that a record stored
        meanwhile is included, and one sent meanwhile is only tried (its claim then finds it sent).
        """
        sent = {(form, sid) for form, sid, what, _ in self._listed("delivery/") if what == "sent"}
        found = [
            (modified, form, sid)
            for form, sid, what, modified in self._listed("submissions/")
            if what == "json" and (form, sid) not in sent
        ]
        for _, form, submission_id in sorted(found):
            yield form, submission_id

    def _listed(self, prefix: str) -> Iterator[tuple[str, str, str, dt.datetime]]:
        """(form, submission id, what, LastModified) of each object under prefix ('delivery/referral/<id>.sent'
        is what 'sent'; 'copy.sent' is the family's copy, 'claim' a send under way), 1,000 keys a request."""
        try:
            for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    _, form, name = [*item["Key"].split("/", 2), "", ""][:3]
                    submission_id, _, what = name.partition(".")
                    if form and submission_id and "/" not in name:
                        yield form, submission_id, what, item["LastModified"]
        except _errors() as exc:
            raise StorageError(f"S3 list failed: {_code(exc)}") from exc


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


class S3Uploads(_Bucket):
    """An S3 bucket: presigned POSTs in, presigned GET links out."""

    receives_posts = False  # the browser posts straight to S3

    def _fail(self, what: str, exc: BaseException) -> StorageError:
        # A timeout or a lost connection (ReadTimeoutError, ConnectTimeoutError...) carries `response = None`, not
        # an error dict: named by its kind, so that it too is a StorageError (503, try again) and not a crash (500).
        code = _code(exc) if isinstance(getattr(exc, "response", None), dict) else type(exc).__name__
        return StorageError(f"S3 {what} failed: {code}")

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


class S3SitePages(_Bucket):
    """The site bucket that CloudFront serves the site from."""

    def read(self, page: str) -> str | None:

        try:
            got = self.s3.get_object(Bucket=self.bucket, Key=f"{page}index.html")
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

    def count_for(self, name: str, dimensions: Mapping[str, str], value: int = 1) -> None:
        """A count with dimensions of its own beside FunctionName (Form, Field): the team's figures."""
        names = sorted(dimensions)
        line: dict[str, Any] = {
            "_aws": {
                "Timestamp": int(time.time() * 1000),
                "CloudWatchMetrics": [
                    {
                        "Namespace": self.NAMESPACE,
                        "Dimensions": [["FunctionName", *names]],
                        "Metrics": [{"Name": name, "Unit": "Count"}],
                    }
                ],
            },
            "FunctionName": self.function_name,
            **{key: str(dimensions[key]) for key in names},
            name: value,
        }
        print(json.dumps(line, separators=(",", ":")), flush=True)


# The team's side (`python -m functions.team`, application/team.py) --------------------------------------------


@dataclass(frozen=True)
class StackInfo:
    """A stack's outputs, parameters and resources ({logical id: physical id}), read with CloudFormation."""

    outputs: dict[str, str]
    parameters: dict[str, str]
    resources: dict[str, str]


def describe_stack(name: str) -> StackInfo:
    """Read a deployed stack of template.yaml (cloudformation:DescribeStacks and ListStackResources)."""
    cfn = client("cloudformation")
    try:
        (stack,) = cfn.describe_stacks(StackName=name)["Stacks"]
        resources = {
            item["LogicalResourceId"]: item.get("PhysicalResourceId", "")
            for page in cfn.get_paginator("list_stack_resources").paginate(StackName=name)
            for item in page["StackResourceSummaries"]
        }
    except _errors() as exc:
        raise StorageError(f"the stack could not be read: {_code(exc)}") from exc
    return StackInfo(
        outputs={o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])},
        parameters={p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])},
        resources=resources,
    )


class S3Records(_Bucket):
    """Every submission in the submissions bucket, with the times of its markers under delivery/ (named as
    S3Storage names them); the team's 'released' marker; erasure."""

    def _listed(self, prefix: str) -> Iterator[tuple[str, str, str, dt.datetime]]:
        """(form, submission id, what, LastModified) of each object under prefix."""
        try:
            for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    parts = item["Key"].split("/")
                    if len(parts) == 3:
                        submission_id, _, what = parts[2].partition(".")
                        yield parts[1], submission_id, what, item["LastModified"]
        except _errors() as exc:
            raise StorageError(f"S3 list failed: {_code(exc)}") from exc

    def index(self) -> dict[tuple[str, str], dict[str, dt.datetime]]:
        found = {
            (form, sid): {"json": modified}
            for form, sid, what, modified in self._listed("submissions/")
            if what == "json"
        }
        for form, sid, what, modified in self._listed("delivery/"):
            if (form, sid) in found and what in MARKERS:
                found[(form, sid)][what] = modified
        return found

    @staticmethod
    def _key(form: str, submission_id: str, what: str) -> str:
        if what not in {"json", *MARKERS} or "/" in form:
            raise ValueError("not a record or marker")
        folder = "submissions" if what == "json" else "delivery"
        return f"{folder}/{form}/{uuid.UUID(submission_id)}.{what}"

    def put_marker(self, form: str, submission_id: str, marker: str) -> None:
        try:
            self.s3.put_object(Bucket=self.bucket, Key=self._key(form, submission_id, marker), Body=b"")
        except _errors() as exc:
            raise StorageError(f"S3 marker put failed: {_code(exc)}") from exc

    def erase(self, form: str, submission_id: str) -> list[str]:
        """The record first (then the sweep no longer sees it as waiting), then each marker beside it."""
        record = self._key(form, submission_id, "json")
        markers = [what for _, _, what, _ in self._listed(f"delivery/{form}/{uuid.UUID(submission_id)}.")]
        deleted = []
        try:
            try:
                self.s3.head_object(Bucket=self.bucket, Key=record)
                self.s3.delete_object(Bucket=self.bucket, Key=record)
                deleted.append("record")
            except _errors() as exc:
                if _code(exc) not in {"404", "NoSuchKey", "NotFound"}:
                    raise
            for what in markers:
                if what in MARKERS:
                    self.s3.delete_object(Bucket=self.bucket, Key=self._key(form, submission_id, what))
                    deleted.append(what)
        except _errors() as exc:
            raise StorageError(f"S3 delete failed: {_code(exc)}") from exc
        return deleted


class SQSDeadLetters:
    """The dead-letter queue's depth: its URL given (the stack's DeadLetterQueueUrl), or found from the
    submission queue's redrive policy (same account and region, so the same address but for the name)."""

    def __init__(self, queue_url: str, dead_letter_url: str = "", sqs: Any = None):
        self.queue_url = queue_url
        self.dead_letter_url = dead_letter_url
        self._sqs = sqs

    def depth(self) -> int | None:
        sqs = self._sqs or client("sqs")
        try:
            url = self.dead_letter_url
            if not url and self.queue_url:
                got = sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["RedrivePolicy"])
                policy = got.get("Attributes", {}).get("RedrivePolicy")
                if policy:
                    name = str(json.loads(policy)["deadLetterTargetArn"]).rsplit(":", 1)[-1]
                    url = self.queue_url.rsplit("/", 1)[0] + "/" + name
            if not url:
                return None
            got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
            return int(got["Attributes"]["ApproximateNumberOfMessages"])
        except _errors() as exc:
            raise StorageError(f"SQS attributes failed: {_code(exc)}") from exc


class CloudWatchFigures:
    """The forms' counts read back from CloudWatch (GetMetricData), summed over the functions that publish them
    (each EMF line carries its FunctionName: the forms and views functions)."""

    MOST_QUERIES = 500  # GetMetricData's limit per request

    def __init__(self, function_names: Sequence[str], cloudwatch: Any = None):
        self.function_names = list(function_names)
        self._cloudwatch = cloudwatch

    def read(
        self, first: dt.date, last: dt.date, wanted: Sequence[tuple[str, Mapping[str, str]]]
    ) -> list[Tally]:
        queries: list[dict[str, Any]] = []
        asked: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {}
        for number, (name, dimensions) in enumerate(wanted):
            pairs = tuple(sorted(dimensions.items()))
            for which, function in enumerate(self.function_names):
                query_id = f"q{number}_{which}"
                asked[query_id] = (name, pairs)
                metric = {
                    "Namespace": EmfMetrics.NAMESPACE,
                    "MetricName": name,
                    "Dimensions": [{"Name": "FunctionName", "Value": function}]
                    + [{"Name": k, "Value": v} for k, v in pairs],
                }
                queries.append(
                    {"Id": query_id, "MetricStat": {"Metric": metric, "Period": 86400, "Stat": "Sum"}}
                )
        start = dt.datetime.combine(first, dt.time(), dt.UTC)
        end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), dt.UTC)
        totals: Counter[tuple[dt.date, str, tuple[tuple[str, str], ...]]] = Counter()
        cloudwatch = self._cloudwatch or client("cloudwatch")
        try:
            for at in range(0, len(queries), self.MOST_QUERIES):
                kwargs: dict[str, Any] = {
                    "MetricDataQueries": queries[at : at + self.MOST_QUERIES],
                    "StartTime": start,
                    "EndTime": end,
                }
                while True:
                    answer = cloudwatch.get_metric_data(**kwargs)
                    for result in answer.get("MetricDataResults", []):
                        name, pairs = asked[result["Id"]]
                        for stamp, value in zip(result["Timestamps"], result["Values"], strict=False):
                            totals[(stamp.astimezone(dt.UTC).date(), name, pairs)] += int(value)
                    if not answer.get("NextToken"):
                        break
                    kwargs["NextToken"] = answer["NextToken"]
        except _errors() as exc:
            raise StorageError(f"CloudWatch read failed: {_code(exc)}") from exc
        return [Tally(day, name, dict(pairs), value) for (day, name, pairs), value in sorted(totals.items())]


class NoOutbox:
    """On AWS the emails are in the team's mailbox (and the family's), which the code cannot read."""

    def about(self, reference: str) -> list[tuple[str, bytes]]:
        return []
