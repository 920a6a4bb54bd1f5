"""A flood from one address, measured end to end (issue 17, point 2), and the family's copy never going before the
team's email (point 3). The figures are counted here and printed by `make test-reliability`."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from functions.forms.application.deliver import deliver, send_pending
from functions.forms.domain import throttle
from functions.forms.web.app import handle
from tests.reliability.helpers import event, make_services, outbox, record, stored, valid

FLOOD = 150
CAP = 30  # MAX_TEAM_EMAILS_PER_MINUTE in template.yaml


class Clock:
    """time.monotonic for the throttles, moved on by hand: a minute passes without waiting for it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_flood_from_one_address_neither_blocks_a_family_nor_uses_up_the_mail(
    tmp_path: Path, monkeypatch
) -> None:
    clock = Clock()
    monkeypatch.setattr(throttle.time, "monotonic", clock)
    # The local defaults for the throttle (300 a minute, a burst of 100), and the cap AWS uses for team emails.
    services = make_services(
        tmp_path, THROTTLE_PER_MINUTE="300", THROTTLE_BURST="100", MAX_TEAM_EMAILS_PER_MINUTE=str(CAP)
    )
    statuses: Counter[int] = Counter()
    family = valid("referral")
    for n in range(FLOOD):  # plain posts with no token and no Origin, as a script sends them, all at once
        statuses[
            handle(event(json.dumps(valid("referral")), source_ip="203.0.113.66"), services)["statusCode"]
        ] += 1
        if n == FLOOD // 2:  # a family at another address, in the middle of the flood
            answer = handle(event(json.dumps(family), source_ip="198.51.100.20"), services)
            assert answer["statusCode"] == 201
    assert statuses[429] >= FLOOD - 100 - 1 and statuses[201] + statuses[429] == FLOOD
    taken = len(stored(tmp_path, "referral"))
    assert taken == statuses[201] + 1

    # Posting delivered what the cap allowed at once (the local queue sends straight away); then a minute at a time.
    minutes = [len(outbox(tmp_path))]
    family_minute = 1 if services.storage.is_sent("referral", family["submission_id"]) else None
    while len(outbox(tmp_path)) < taken:
        clock.now += 60
        before = len(outbox(tmp_path))
        send_pending(services)  # the queue's retries, or the hourly sweep: what is left, within the cap
        minutes.append(len(outbox(tmp_path)) - before)
        if family_minute is None and services.storage.is_sent("referral", family["submission_id"]):
            family_minute = len(minutes)
        assert len(minutes) < 20
    assert max(minutes) <= CAP  # never more than the cap in a minute
    assert family_minute is not None and family_minute <= -(-taken // CAP)
    record(
        "Flood (one address, no token, no Origin; local throttle 300/min, burst 100)",
        f"{FLOOD} posts at once",
        f"{statuses[201]} x 201, {statuses[429]} x 429; a family at another address meanwhile: 201",
    )
    record(
        "Flood (one address, no token, no Origin; local throttle 300/min, burst 100)",
        f"team emails, cap {CAP} a minute",
        f"{taken} stored; sent per minute {minutes}; the family's referral went in minute {family_minute}",
    )


@pytest.mark.parametrize("copies", [10])
def test_no_family_copy_goes_before_the_team_email_while_another_worker_holds_the_claim(
    tmp_path: Path, copies: int, monkeypatch
) -> None:
    first = make_services(tmp_path)
    monkeypatch.setattr(first.queue, "enqueue", lambda form, submission_id: None)  # queued, as on SQS
    second = make_services(tmp_path)  # another worker on the same storage
    ids = []
    for _ in range(copies):
        answers = valid("referral")
        answers["you"]["send_me_a_copy"] = True
        assert handle(event(json.dumps(answers)), first)["statusCode"] == 201
        ids.append(answers["submission_id"])
    for submission_id in ids:  # the other worker is sending these (it crashed or is slow)
        assert second.storage.claim("referral", submission_id)
    early = [deliver(first, "referral", submission_id) for submission_id in ids]
    copies_early = sum(1 for p in outbox(tmp_path) if "Your request to" in p.read_text(errors="replace"))
    assert early == ["already-sent"] * copies and copies_early == 0
    for submission_id in ids:  # the other worker gives up; the next try sends the team's email, then the copy
        second.storage.release("referral", submission_id)
    after = [deliver(first, "referral", submission_id) for submission_id in ids]
    copies_after = sum(1 for p in outbox(tmp_path) if "Your request to" in p.read_text(errors="replace"))
    assert after == ["sent"] * copies and copies_after == copies
    record(
        "Copy before team",
        f"{copies} asking for a copy, another worker holding the team's claim",
        f"copies sent before the team's email: {copies_early}; after it: {copies_after}",
    )
