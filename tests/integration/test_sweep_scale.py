"""The hourly sweep at scale: finding what is unsent among many kept submissions, without reading each one.

Above a few thousand kept submissions, a sweep that asked S3 about every record (a HEAD for its "sent" marker)
ran out of Lambda time every hour and sent nothing. It now lists the records and the markers (1,000 keys a
request) and sends the difference; these tests count the requests it makes.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from functions.forms.adapters.aws import S3Storage
from functions.forms.adapters.local import LocalStorage
from functions.forms.application import worker
from tests.integration.conftest import REGION, Stack
from tests.reliability.helpers import record as figure
from tests.unit.factories import referral

KEPT = 10_000
PENDING = 10
# Far more than a sweep of 10 unsent needs (about 20 listings and some 10 requests each), far fewer than a
# request per kept record: a sweep that asks about each record stops here, quickly, instead of running for minutes.
REQUEST_BUDGET = 1_000


class TooManyRequests(AssertionError):
    pass


def counted_s3(stack: Stack, calls: Counter[str]) -> Any:
    """An S3 client of our own that counts each request by operation, and refuses to go over the budget."""
    s3 = stack.moto.client("s3")

    def count(model: Any, **_: Any) -> None:
        calls[model.name] += 1
        if sum(calls.values()) > REQUEST_BUDGET:
            raise TooManyRequests(f"over {REQUEST_BUDGET} S3 requests: {dict(calls)}")

    s3.meta.events.register("before-call.s3", count)
    return s3


def record(answers: dict[str, Any]) -> dict[str, Any]:
    return {
        "form": "referral",
        "submission_id": answers["submission_id"],
        "reference": "ABCD2345",
        "received_at": "2026-11-02T10:00:00+00:00",
        "lang": "en",
        "answers": answers,
    }


def keep_sent_records(stack: Stack, how_many: int) -> None:
    """Records already emailed (each with its .sent marker, some with the family's copy marker too).

    Written straight into moto's S3 backend (moto runs in this process, tests/integration/conftest.py): 20,000
    PUTs over HTTP take about two minutes against moto, this about four seconds. The sweep itself only ever
    sees them through the S3 API.
    """
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    backend = s3_backends[DEFAULT_ACCOUNT_ID]["global"]
    body = b'{"form": "referral", "reference": "ABCD2345", "answers": {}}'
    for number in range(how_many):
        submission_id = str(uuid.uuid4())
        backend.put_object(stack.submissions_bucket, f"submissions/referral/{submission_id}.json", body)
        backend.put_object(stack.submissions_bucket, f"delivery/referral/{submission_id}.sent", b"")
        if number % 10 == 0:
            backend.put_object(stack.submissions_bucket, f"delivery/referral/{submission_id}.copy.sent", b"")


def emails_to(address: str) -> int:
    """How many raw emails SES v2 took for address, from moto's backend (its data.json export, which also holds
    all 20,000 objects, takes longer than its own timeout)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    sent = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
    return sum(1 for message in sent if address in (getattr(message, "destinations", None) or []))


def test_one_sweep_over_10000_kept_submissions_sends_the_10_unsent_without_a_request_per_record(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.perf_counter()
    keep_sent_records(stack, KEPT - PENDING)
    writer = S3Storage(stack.submissions_bucket, s3=stack.moto.client("s3"))
    unsent = []
    for _ in range(PENDING):
        rec = record(referral())
        writer.put_new("referral", rec["submission_id"], rec)
        unsent.append(rec["submission_id"])
    # The family's copy already went for one (an odd state, but its marker must not pass for the team's).
    writer.s3.put_object(
        Bucket=stack.submissions_bucket, Key=f"delivery/referral/{unsent[0]}.copy.sent", Body=b""
    )
    stored_in = time.perf_counter() - started

    calls: Counter[str] = Counter()
    services = stack.services()
    services.storage = S3Storage(stack.submissions_bucket, s3=counted_s3(stack, calls))
    started = time.perf_counter()
    results = worker.sweep(services)
    swept_in = time.perf_counter() - started

    assert results["sent"] == PENDING and results["failed"] == 0, results
    assert emails_to(stack.team_email) == PENDING
    # Found by listing: a page holds up to 1,000 keys, and there are about 20,000 (records and markers).
    assert calls["ListObjectsV2"] <= 2 * (2 * KEPT // 1000 + 2), calls
    # Reads and HEADs only for the 10 being sent (its record, its claim and markers), none for the 9,990 sent.
    assert calls["GetObject"] <= PENDING, calls
    assert calls["HeadObject"] <= 6 * PENDING, calls
    assert sum(calls.values()) < 20 * PENDING + 50, calls
    # Each is marked sent, so the next sweep finds none of them (not run here: moto lists 20,000 keys in 25 s).
    assert all(writer.is_sent("referral", submission_id) for submission_id in unsent)
    with capsys.disabled():
        print(
            f"\n[sweep scale] {KEPT:,} kept, {PENDING} unsent: sweep {swept_in:.1f} s against moto "
            f"({sum(calls.values())} S3 requests: {dict(sorted(calls.items()))}); setup {stored_in:.1f} s"
        )
    figure(
        "Sweep (S3 in moto)",
        f"{KEPT:,} kept, {PENDING} unsent",
        f"{swept_in:.1f} s, {sum(calls.values())} S3 requests ({calls['ListObjectsV2']} listings), "
        f"{results['sent']} sent",
    )


class ListingOnly:
    """An S3 client that can only list, from a fixed set of keys (any other call fails the test)."""

    def __init__(self, keys: dict[str, dt.datetime]):
        self.keys = keys
        self.calls: list[str] = []

    def get_paginator(self, operation: str) -> Any:
        assert operation == "list_objects_v2"
        client = self

        class Paginator:
            def paginate(self, Bucket: str, Prefix: str = "") -> Any:
                client.calls.append(Prefix)
                found = sorted(k for k in client.keys if k.startswith(Prefix))
                for start in range(0, len(found), 2):  # two keys a page: several pages
                    yield {
                        "Contents": [
                            {"Key": k, "LastModified": client.keys[k]} for k in found[start : start + 2]
                        ]
                    }
                if not found:
                    yield {"KeyCount": 0}

        return Paginator()


def test_s3_pending_is_the_records_without_a_sent_marker_oldest_first_from_listings_alone() -> None:
    ids = [str(uuid.UUID(int=n)) for n in range(1, 7)]
    day = dt.datetime(2026, 11, 2, 10, tzinfo=dt.UTC)
    keys = {
        f"submissions/referral/{ids[0]}.json": day + dt.timedelta(hours=3),
        f"submissions/referral/{ids[1]}.json": day + dt.timedelta(hours=1),  # the oldest unsent
        f"submissions/child-views/{ids[2]}.json": day + dt.timedelta(hours=2),
        f"submissions/referral/{ids[3]}.json": day,  # sent
        # Claimed, and the family's copy sent: the team's email is still unsent.
        f"submissions/referral/{ids[4]}.json": day + dt.timedelta(hours=4),
        f"submissions/child-views/{ids[5]}.json": day,  # sent
        f"delivery/referral/{ids[3]}.sent": day,
        f"delivery/referral/{ids[3]}.copy.sent": day,
        f"delivery/referral/{ids[4]}.claim": day,
        f"delivery/referral/{ids[4]}.copy.sent": day,
        f"delivery/child-views/{ids[5]}.sent": day,
        f"delivery/referral/{ids[2]}.sent": day,  # another form's marker: child-views {ids[2]} is unsent
    }
    client = ListingOnly(keys)
    pending = list(S3Storage("submissions-bucket", s3=client).pending())
    assert pending == [
        ("referral", ids[1]),
        ("child-views", ids[2]),
        ("referral", ids[0]),
        ("referral", ids[4]),
    ]
    assert sorted(client.calls) == ["delivery/", "submissions/"]


def test_local_pending_lists_each_form_folder_once_without_a_stat_per_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = LocalStorage(tmp_path / "submissions")
    unsent = set()
    for number in range(2_000):
        rec = record(referral())
        storage.put_new("referral", rec["submission_id"], rec)
        if number % 200 == 0:
            unsent.add(("referral", rec["submission_id"]))
        else:
            storage.mark_sent("referral", rec["submission_id"])
    stats = Counter[str]()
    real_stat = os.stat

    def counting_stat(*args: Any, **kwargs: Any) -> os.stat_result:
        stats["stat"] += 1
        return real_stat(*args, **kwargs)

    monkeypatch.setattr(os, "stat", counting_stat)
    pending = list(storage.pending())
    monkeypatch.undo()
    assert set(pending) == unsent and len(pending) == len(unsent)
    assert pending == sorted(pending)  # a stable order: by form, then id
    assert stats["stat"] < 20, stats
    # A record whose file has only its temporary name yet (a write in progress) is not pending.
    (tmp_path / "submissions" / "referral" / f".{uuid.uuid4()}.json.{uuid.uuid4().hex}.tmp").write_bytes(b"{")
    assert set(storage.pending()) == unsent


def test_local_pending_with_no_submissions_folder_is_empty(tmp_path: Path) -> None:
    assert list(LocalStorage(tmp_path / "nothing-yet").pending()) == []
    (tmp_path / "nothing-yet").write_text(json.dumps({}))  # not even a folder
    assert list(LocalStorage(tmp_path / "nothing-yet").pending()) == []
