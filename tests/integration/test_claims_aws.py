"""S3Storage.claim under races, against moto as a real server: a stale claim is taken over by exactly one of the
workers that see it stale (a conditional write, If-Match on the stale claim's ETag), a fresh one by none, and a
late first holder cannot make the email go twice.

Each race: a claim in the given state (stale: its LastModified moved back past STALE_CLAIM_SECONDS in moto's
store, since S3 sets it; or fresh), then several workers, each with its own S3Storage and boto3 client, wait at a
barrier and call claim() at once. Many rounds, each on a new submission id.

moto checks a condition and then writes, without a lock between the two; S3 does both as one step (a losing
conditional write gets 412, or 409 while another is in progress). `atomic_moto` gives moto S3's guarantee by
serialising its PUT handler, so that a failure here is the adapter's, never moto's.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from functions.forms.adapters import aws
from functions.forms.adapters.aws import S3Storage
from functions.forms.application.deliver import deliver
from tests.integration.conftest import Stack
from tests.unit.factories import referral

FORM = "referral"
ROUNDS = 40


@pytest.fixture
def atomic_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.s3.responses import S3Response

    lock = threading.Lock()
    put = S3Response.put_object

    def put_as_one_step(self: Any) -> Any:
        with lock:
            return put(self)

    monkeypatch.setattr(S3Response, "put_object", put_as_one_step)


def claim_key(submission_id: str) -> str:
    return f"delivery/{FORM}/{submission_id}.claim"


def backdate(stack: Stack, key: str, seconds: float) -> None:
    """Move the object's LastModified back, in moto's own store (the server runs in this process)."""
    from moto.s3.models import s3_backends

    for account in s3_backends.values():
        for backend in account.values():
            bucket = backend.buckets.get(stack.submissions_bucket)
            if bucket is not None and key in bucket.keys:
                found = bucket.keys[key]
                found.last_modified = found.last_modified - dt.timedelta(seconds=seconds)
                return
    raise AssertionError(f"no object {key}")


def head(stack: Stack, key: str) -> dict[str, Any]:
    return stack.moto.client("s3").head_object(Bucket=stack.submissions_bucket, Key=key)


def prepare(stack: Stack, state: str) -> str:
    submission_id = str(uuid.uuid4())
    assert S3Storage(stack.submissions_bucket, stack.moto.client("s3")).claim(FORM, submission_id)
    if state == "stale":
        backdate(stack, claim_key(submission_id), aws.STALE_CLAIM_SECONDS + 60)
    return submission_id


@pytest.fixture
def workers(stack: Stack) -> list[S3Storage]:
    """Four workers, each with its own client (as four Lambda instances have)."""
    return [S3Storage(stack.submissions_bucket, stack.moto.client("s3")) for _ in range(4)]


def race(workers: list[S3Storage], submission_id: str) -> list[bool]:
    start = threading.Barrier(len(workers))

    def one(storage: S3Storage) -> bool:
        start.wait()
        return storage.claim(FORM, submission_id)

    with ThreadPoolExecutor(len(workers)) as pool:
        return list(pool.map(one, workers))


def test_workers_racing_for_a_stale_claim_one_wins(
    stack: Stack, workers: list[S3Storage], atomic_moto: None
) -> None:
    outcomes = []
    for _ in range(ROUNDS):
        submission_id = prepare(stack, "stale")
        stale = head(stack, claim_key(submission_id))["ETag"]
        outcomes.append(sum(race(workers, submission_id)))
        taken = head(stack, claim_key(submission_id))
        assert taken["ETag"] != stale  # the new claim is a new object
        assert (dt.datetime.now(dt.UTC) - taken["LastModified"]).total_seconds() < 60
    assert outcomes == [1] * ROUNDS


def test_a_fresh_claim_is_never_taken_over(stack: Stack, workers: list[S3Storage], atomic_moto: None) -> None:
    for _ in range(ROUNDS // 4):
        submission_id = prepare(stack, "fresh")
        before = head(stack, claim_key(submission_id))["ETag"]
        assert race(workers, submission_id) == [False] * len(workers)
        assert head(stack, claim_key(submission_id))["ETag"] == before  # not written again


@pytest.mark.parametrize("another_claims", [True, False])
def test_a_stale_claim_let_go_while_a_worker_looks_at_it(stack: Stack, another_claims: bool) -> None:
    """The stale claim's holder lets go just after this worker looked at it. When another worker has claimed anew,
    the takeover's If-Match fails and that claim stands; when no one has, this worker claims (If-None-Match)."""
    storage = S3Storage(stack.submissions_bucket, stack.moto.client("s3"))
    submission_id = prepare(stack, "stale")
    look = storage.s3.head_object
    others: list[str] = []

    def look_then_the_holder_lets_go(**kwargs: Any) -> Any:
        seen = look(**kwargs)
        if kwargs["Key"] == claim_key(submission_id):
            # The holder's release: its own claim, deleted.
            stack.moto.client("s3").delete_object(
                Bucket=stack.submissions_bucket, Key=claim_key(submission_id)
            )
            if another_claims:
                assert S3Storage(stack.submissions_bucket).claim(FORM, submission_id)
                others.append(head(stack, claim_key(submission_id))["ETag"])
        return seen

    storage._s3 = _Spy(storage.s3, head_object=look_then_the_holder_lets_go)
    assert storage.claim(FORM, submission_id) is not another_claims
    if another_claims:
        assert [head(stack, claim_key(submission_id))["ETag"]] == others  # the other worker's claim stands
    assert not S3Storage(stack.submissions_bucket).claim(FORM, submission_id)  # held, and fresh


class _Spy:
    """A boto3 client with some of its methods replaced."""

    def __init__(self, client: Any, **replaced: Any) -> None:
        self._client, self._replaced = client, replaced

    def __getattr__(self, name: str) -> Any:
        return self._replaced.get(name) or getattr(self._client, name)


# Delivery: the first holder was slow, not dead ------------------------------------------------------------------


def stored(stack: Stack) -> str:
    answers = referral(submission_id=str(uuid.uuid4()))
    record = {
        "form": FORM,
        "submission_id": answers["submission_id"],
        "reference": "ABCD2345",
        "received_at": "2026-11-02T10:00:00+00:00",
        "lang": "en",
        "answers": answers,
    }
    S3Storage(stack.submissions_bucket).put_new(FORM, answers["submission_id"], record)
    return answers["submission_id"]


@pytest.fixture
def two_workers(stack: Stack) -> tuple[Any, Any]:
    return stack.services(), stack.services()


def test_a_late_first_holder_that_marks_sent_after_a_takeover_leaves_one_email(
    stack: Stack, two_workers: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first holder's claim went stale while it sent; the second takes it over, and then the first finishes
    (email sent, marked sent, its claim deleted: now the second's). deliver checks is_sent after claiming, so the
    second stops: one email."""
    from functions.forms.domain.message import build_message

    first, second = two_workers
    submission_id = stored(stack)
    assert first.storage.claim(FORM, submission_id)
    backdate(stack, claim_key(submission_id), aws.STALE_CLAIM_SECONDS + 60)
    record = first.storage.get(FORM, submission_id)
    first.mailer.send(build_message(record, sender=first.settings.mail_from, to=first.settings.team_email))
    take = second.storage.claim

    def take_over_then_the_first_finishes(form: str, sid: str, kind: str = "team") -> bool:
        won = take(form, sid, kind)
        if kind == "team":
            assert won  # the stale claim is taken over
            first.storage.mark_sent(form, sid)
        return won

    monkeypatch.setattr(second.storage, "claim", take_over_then_the_first_finishes)
    assert deliver(second, FORM, submission_id) == "already-sent"
    assert len(stack.moto.raw_emails_to(stack.team_email)) == 1
    assert first.storage.is_sent(FORM, submission_id)
    assert deliver(first, FORM, submission_id) == "already-sent"
    assert len(stack.moto.raw_emails_to(stack.team_email)) == 1


def test_a_late_first_holder_whose_send_failed_does_not_free_the_new_holders_claim(stack: Stack) -> None:
    """The first holder's claim went stale; the second took it over and is sending; then the first's send fails
    and it releases. A third worker must still find the claim held."""
    first, second, third = (S3Storage(stack.submissions_bucket) for _ in range(3))
    submission_id = stored(stack)
    assert first.claim(FORM, submission_id)
    backdate(stack, claim_key(submission_id), aws.STALE_CLAIM_SECONDS + 60)
    assert second.claim(FORM, submission_id)
    first.release(FORM, submission_id)
    assert not third.claim(FORM, submission_id)


def test_a_late_first_holder_that_finishes_leaves_the_new_holders_claim_alone(stack: Stack) -> None:
    """mark_sent() deletes its own claim only (If-Match its ETag): the new holder's claim stays."""
    first, second = (S3Storage(stack.submissions_bucket) for _ in range(2))
    submission_id = stored(stack)
    assert first.claim(FORM, submission_id)
    backdate(stack, claim_key(submission_id), aws.STALE_CLAIM_SECONDS + 60)
    assert second.claim(FORM, submission_id)
    held = head(stack, claim_key(submission_id))["ETag"]
    first.mark_sent(FORM, submission_id)
    assert head(stack, claim_key(submission_id))["ETag"] == held
    second.release(FORM, submission_id)
    with pytest.raises(Exception, match=r"404|Not Found"):
        head(stack, claim_key(submission_id))


def test_a_worker_that_holds_no_claim_cannot_free_one(stack: Stack) -> None:
    first, second = (S3Storage(stack.submissions_bucket) for _ in range(2))
    submission_id = stored(stack)
    assert first.claim(FORM, submission_id)
    second.release(FORM, submission_id)
    assert not second.claim(FORM, submission_id)
