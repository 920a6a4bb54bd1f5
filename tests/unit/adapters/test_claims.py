"""LocalStorage.claim under races: a stale claim (its sender died) is taken over by exactly one of the workers that
see it stale, a fresh one by none, and a late first holder cannot make the email go twice.

Each race: a submission with its claim in the given state (stale: backdated past STALE_CLAIM_SECONDS; fresh; or
none), then several workers, each with its own LocalStorage on the same folder (as separate processes are), wait
at a barrier and call claim() at once. Many rounds, each on a new submission, so the interleavings vary.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from functions.forms.adapters.local import STALE_CLAIM_SECONDS, LocalStorage
from functions.forms.application.deliver import deliver
from functions.forms.application.services import Services
from functions.forms.bootstrap import local_services
from tests.unit.factories import referral

FORM = "referral"
ROUNDS = 150


def stored(storage: Any) -> str:
    """A stored referral's submission id."""
    answers = referral(submission_id=str(uuid.uuid4()))
    record = {
        "form": FORM,
        "submission_id": answers["submission_id"],
        "reference": "ABCD2345",
        "received_at": "2026-11-02T10:00:00+00:00",
        "lang": "en",
        "answers": answers,
    }
    storage.put_new(FORM, answers["submission_id"], record)
    return answers["submission_id"]


def claim_path(storage: Any, submission_id: str) -> Path:
    return storage.root / FORM / f"{submission_id}.claim"


def age(path: Path, seconds: float) -> None:
    """Make the file look `seconds` old."""
    then = time.time() - seconds
    os.utime(path, (then, then))


def prepare(root: Path, state: str) -> str:
    """A submission whose claim is 'stale', 'fresh' (not quite stale) or 'none' (claims need only the form's
    folder, not the stored record: left out, it is much quicker)."""
    storage = LocalStorage(root)
    (root / FORM).mkdir(exist_ok=True)
    submission_id = str(uuid.uuid4())
    if state != "none":
        assert storage.claim(FORM, submission_id)
        age(claim_path(storage, submission_id), STALE_CLAIM_SECONDS + (60 if state == "stale" else -30))
    return submission_id


def race(root: Path, submission_id: str, workers: int) -> list[bool]:
    """`workers` threads, each its own LocalStorage, claim the submission at the same moment."""
    start = threading.Barrier(workers)

    def one(_: int) -> bool:
        storage = LocalStorage(root)
        start.wait()
        return storage.claim(FORM, submission_id)

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(one, range(workers)))


@pytest.mark.parametrize("workers", [2, 8])
@pytest.mark.parametrize(("state", "winners"), [("stale", 1), ("none", 1), ("fresh", 0)])
def test_workers_racing_for_a_claim_threads(tmp_path: Path, workers: int, state: str, winners: int) -> None:
    outcomes = []
    for _ in range(ROUNDS):
        submission_id = prepare(tmp_path, state)
        outcomes.append(sum(race(tmp_path, submission_id, workers)))
    assert outcomes == [winners] * ROUNDS  # a stale or missing claim: exactly one winner; a fresh one: none


SPACING = 0.005  # seconds between rounds; a claim takes well under a millisecond


def _claim_in_rounds(root: str, ids: list[str], ready: Any, start: Any, results: Any) -> None:
    """One worker process: claim each round's submission at that round's moment (a shared clock, spun for, so
    that the processes call claim() within microseconds of each other)."""
    storage = LocalStorage(Path(root))
    ready.wait()
    with start.get_lock():
        if not start.value:
            start.value = time.time() + 0.05
    for round_number, submission_id in enumerate(ids):
        moment = start.value + round_number * SPACING
        while time.time() < moment:
            pass
        results.put((round_number, storage.claim(FORM, submission_id)))


def test_worker_processes_racing_for_stale_claims_one_wins_each(tmp_path: Path) -> None:
    """The same race between processes (no shared interpreter, no GIL): one winner per stale claim."""
    processes, rounds = max(2, min(4, os.cpu_count() or 2)), 200
    ids = [prepare(tmp_path, "stale") for _ in range(rounds)]
    context = multiprocessing.get_context("spawn")
    ready, start, results = context.Barrier(processes), context.Value("d", 0.0), context.Queue()
    workers = [
        context.Process(target=_claim_in_rounds, args=(str(tmp_path), ids, ready, start, results))
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in range(processes * rounds)]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    wins = [0] * rounds
    for round_number, won in outcomes:
        wins[round_number] += won
    assert wins == [1] * rounds


def test_a_fresh_claim_is_left_alone(tmp_path: Path) -> None:
    """Refusing a claim that is not stale changes nothing: its holder's claim file stays as it was."""
    submission_id = prepare(tmp_path, "fresh")
    path = claim_path(LocalStorage(tmp_path), submission_id)
    before = path.stat()
    for _ in range(20):
        assert race(tmp_path, submission_id, 4) == [False] * 4
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_a_taken_over_claim_is_fresh_again_and_the_sent_email_is_never_claimed(tmp_path: Path) -> None:
    submission_id = prepare(tmp_path, "stale")
    first, second, third = LocalStorage(tmp_path), LocalStorage(tmp_path), LocalStorage(tmp_path)
    assert second.claim(FORM, submission_id)  # takes over the stale claim
    assert time.time() - claim_path(second, submission_id).stat().st_mtime < 5
    assert not third.claim(FORM, submission_id)  # the new claim is fresh
    second.mark_sent(FORM, submission_id)
    assert not first.claim(FORM, submission_id) and not third.claim(FORM, submission_id)
    assert not claim_path(second, submission_id).exists()


# Delivery: the first holder was slow, not dead ------------------------------------------------------------------


def two_workers(tmp_path: Path) -> tuple[Services, Services, str]:
    """Two workers' services on one var/ folder, and a stored submission not yet sent."""
    from functions.forms.config import from_env

    config = from_env(
        {"VAR_DIR": str(tmp_path / "var"), "SITE_URL": "http://127.0.0.1:8000/", "SITE_DIR": ""}
    )
    first, second = local_services(config), local_services(config)
    return first, second, stored(first.storage)


def first_email(services: Services, submission_id: str) -> Any:
    from functions.forms.domain.message import build_message

    record = services.storage.get(FORM, submission_id)
    assert record is not None
    return build_message(record, sender=services.settings.mail_from, to=services.settings.team_email)


def emails(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "var" / "outbox").glob("*.eml"))


def test_a_late_first_holder_that_marks_sent_after_a_takeover_leaves_one_email(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first holder's claim went stale while it sent; the second takes the claim over, and then the first
    finishes (email sent, marked sent, its claim let go: which is now the second's). deliver checks is_sent after
    claiming, so the second stops: one email."""
    first, second, submission_id = two_workers(tmp_path)
    assert first.storage.claim(FORM, submission_id)
    age(claim_path(first.storage, submission_id), STALE_CLAIM_SECONDS + 60)
    first.mailer.send(first_email(first, submission_id))
    take = second.storage.claim

    def take_over_then_the_first_finishes(form: str, sid: str, kind: str = "team") -> bool:
        won = take(form, sid, kind)
        if kind == "team":
            assert won  # the stale claim is taken over
            first.storage.mark_sent(form, sid)
        return won

    monkeypatch.setattr(second.storage, "claim", take_over_then_the_first_finishes)
    assert deliver(second, FORM, submission_id) == "already-sent"
    assert len(emails(tmp_path)) == 1
    assert first.storage.is_sent(FORM, submission_id)
    assert not claim_path(first.storage, submission_id).exists()
    assert deliver(first, FORM, submission_id) == "already-sent" and len(emails(tmp_path)) == 1


def test_a_late_first_holder_whose_send_failed_does_not_free_the_new_holders_claim(tmp_path: Path) -> None:
    """The first holder's claim went stale; the second took it over and is sending; then the first's send fails
    and it releases. A third worker must still find the claim held."""
    first, second, submission_id = two_workers(tmp_path)
    assert first.storage.claim(FORM, submission_id)
    age(claim_path(first.storage, submission_id), STALE_CLAIM_SECONDS + 60)
    assert second.storage.claim(FORM, submission_id)
    first.storage.release(FORM, submission_id)
    third = local_services(first.settings)
    assert not third.storage.claim(FORM, submission_id)


def test_a_late_first_holder_that_finishes_leaves_the_new_holders_claim_alone(tmp_path: Path) -> None:
    """mark_sent() lets go of its own claim only: the new holder's claim stays, with the new holder's token."""
    first, second, submission_id = two_workers(tmp_path)
    assert first.storage.claim(FORM, submission_id)
    age(claim_path(first.storage, submission_id), STALE_CLAIM_SECONDS + 60)
    assert second.storage.claim(FORM, submission_id)
    held = claim_path(first.storage, submission_id).read_text()
    first.storage.mark_sent(FORM, submission_id)
    assert claim_path(first.storage, submission_id).read_text() == held
    second.storage.release(FORM, submission_id)  # the new holder lets go of its own
    assert not claim_path(first.storage, submission_id).exists()


def test_a_worker_that_holds_no_claim_cannot_free_one(tmp_path: Path) -> None:
    first, second, submission_id = two_workers(tmp_path)
    assert first.storage.claim(FORM, submission_id)
    second.storage.release(FORM, submission_id)
    assert not second.storage.claim(FORM, submission_id)  # still held by the first
