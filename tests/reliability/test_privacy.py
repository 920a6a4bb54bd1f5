"""Privacy: canary values in every field of every form, sent down every path (accepted, refused, checked, held,
stored when mail is down, refused when storage is down, a bug of ours, and over the local server); then not one
canary may be found in the log output, this test's (caplog at DEBUG on the root logger) or the whole suite's.
Runs last (conftest.py), so the whole suite's log is complete."""

from __future__ import annotations

import json
import logging
import time
from urllib.parse import urlencode

import pytest

from functions.forms.application.deliver import send_pending
from functions.forms.domain import tokens as spam
from functions.forms.ports import MailError
from functions.forms.web.app import handle
from tests.reliability.conftest import SESSION_LOG
from tests.reliability.helpers import ROUTES, SECRET, event, make_services, post, record
from tests.unit.factories import REFERRAL

TAG = "q7Zx"


def canaries(form: str) -> dict:
    """Answers with a distinct canary in every field that holds a value (choices and ticks as chosen)."""
    if form == "referral":
        return {
            "submission_id": "c0ffee00-0000-4000-8000-00000000ca7a",
            "service": "disagreement_resolution",
            "you": {
                "role": "representative",
                "name": f"CANARY-you-name-{TAG}",
                "email": f"canary.{TAG}.email@example.com",
                "phone": "+44 7700 955 417",
                "contact_preference": "either",
                "best_time_to_call": f"CANARY-best-time-{TAG}",
                "send_me_a_copy": True,
            },
            "child": {
                "name": f"CANARY-child-name-{TAG}",
                "date_of_birth": "2013-07-29",
                "education_setting": f"CANARY-setting-{TAG}",
            },
            "local_authority": f"CANARY-la-{TAG}",
            "decision": {"kind": "health_social_care", "letter_date": "2024-09-17"},
            "disagreement": f"CANARY-disagreement-{TAG}\nsecond line CANARY-line2-{TAG}",
            "needs": {
                "interpreter_language": f"CANARY-language-{TAG}",
                "access_needs": f"CANARY-access-{TAG}",
                "meeting_format": "no_preference",
            },
            "consent": {"share_with_local_authority": True, "privacy_notice_read": True},
            "website": "",
        }
    return {
        "submission_id": "c0ffee00-0000-4000-8000-00000000ca7b",
        "about": {"name": f"CANARY-about-name-{TAG}", "age": 23, "filled_in_by": "someone_for_me"},
        "views": {
            name: f"CANARY-views-{name}-{TAG}"
            for name in ("going_well", "hard", "would_help", "want_grown_ups_to_know", "anything_else")
        },
        "taking_part": "come_to_some",
        "share_with": "mediator_only",
        "referral_reference": "CNRY2345",
        "send_me_a_copy": True,
        "copy_email": f"canary.{TAG}.copy@example.com",
        "agree_to_send": True,
        "website": "",
    }


def needles(form: str) -> list[str]:
    """Every value to look for: each canary text, and the distinctive choices, dates, numbers and ids."""
    found: list[str] = []

    def walk(value):
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, str) and value:
            found.extend(part for part in value.split("\n") if part)

    walk(canaries(form))
    return sorted(set(found) | {"7700 955 417", "ca7a", "ca7b"})


def flat(form: str, answers: dict) -> str:
    pairs = []

    def walk(value, prefix=""):
        for key, item in value.items():
            path = f"{prefix}{key}"
            if isinstance(item, dict):
                walk(item, path + ".")
            elif path.endswith(("date_of_birth", "letter_date")):
                year, month, day = item.split("-")
                pairs.extend([(f"{path}-day", day), (f"{path}-month", month), (f"{path}-year", year)])
            else:
                pairs.append((path, "true" if item is True else str(item)))

    walk(answers)
    return urlencode(pairs)


def with_id(answers: dict, number: int) -> dict:
    copy = json.loads(json.dumps(answers))
    copy["submission_id"] = copy["submission_id"][:-4] + f"{number:04x}"
    return copy


def test_no_canary_in_any_log(tmp_path, caplog, server, monkeypatch):
    caplog.set_level(logging.DEBUG)  # the root logger, everything
    services = make_services(tmp_path)
    paths = 0
    n = 0
    for form in ("referral", "child-views"):
        route = ROUTES[form]
        answers = canaries(form)

        def send(body, content_type="application/json", route=route, **kwargs):
            nonlocal paths
            paths += 1
            return handle(event(body, content_type, path=route, **kwargs), services)

        n += 1
        assert send(json.dumps(with_id(answers, n)))["statusCode"] == 201
        assert send(json.dumps(with_id(answers, n)))["statusCode"] == 201  # the same again
        n += 1
        assert send(flat(form, with_id(answers, n)), "application/x-www-form-urlencoded")["statusCode"] == 303
        assert send(json.dumps(with_id(answers, n)), query={"check": "1"})["statusCode"] == 200
        wrong = {
            **answers,
            f"CANARY-unknown-{TAG}": f"CANARY-unknown-value-{TAG}",
            "website": f"CANARY-hp-{TAG}",
        }
        assert send(json.dumps(wrong))["statusCode"] == 400
        assert send(flat(form, wrong), "application/x-www-form-urlencoded")["statusCode"] == 400
        n += 1
        fast = {**with_id(answers, n), "started": spam.issue(SECRET, time.time())}
        assert send(json.dumps(fast))["statusCode"] == 201  # held as spam
        # Mail down, then the sweep.
        with monkeypatch.context() as patch:
            patch.setattr(
                services.mailer, "send", lambda m: (_ for _ in ()).throw(MailError(f"CANARY-{TAG}"))
            )
            n += 1
            assert send(json.dumps(with_id(answers, n)))["statusCode"] == 201
            send_pending(services)
        assert send_pending(services)["sent"] >= 1
        # Storage down; and a bug of ours whose message quotes an answer.
        for kind in (MailError, RuntimeError):
            with monkeypatch.context() as patch:

                def broken(form_name, submission_id, record, kind=kind):
                    raise kind(f"failed for {record['answers']}")

                patch.setattr(services.storage, "put_new", broken)
                n += 1
                status = send(json.dumps(with_id(answers, n)))["statusCode"]
                assert status == 500
        # Over the local server: the devserver's own request log too.
        n += 1
        body = json.dumps(with_id(answers, n)).encode()
        status, _, _ = post(server.port, f"{route}?check=1&x=CANARY-query-{TAG}", body)
        assert status == 200
        status, _, _ = post(server.port, route, body, {"Origin": server.origin})
        assert status == 201
        status, _, _ = post(server.port, f"/api/CANARY-path-{TAG}", body)
        assert status == 404
        paths += 3

    captured = caplog.text
    whole_run = SESSION_LOG.getvalue()
    assert "request route=referrals status=201" in captured and "devserver" in whole_run  # the logs are there
    values = needles("referral") + needles("child-views")
    leaks = [v for v in values if v in captured or v in whole_run]
    assert leaks == []
    # Nor any answer from the rest of the suite's tests (the factories' invented people).
    for value in (
        REFERRAL["you"]["name"],
        REFERRAL["child"]["name"],
        REFERRAL["you"]["email"],
        "They said no.",
    ):
        assert value not in whole_run
    lines = len(whole_run.splitlines())
    record("Privacy", "canary values x request paths", f"{len(values)} values x {paths} paths")
    record("Privacy", "canaries found in the logs", f"0 (in {lines} log lines from the whole run)")


@pytest.mark.parametrize("form", ["referral", "child-views"])
def test_every_field_of_every_form_has_a_canary(form):
    from functions.forms.domain.schemas import get_form

    answers = canaries(form)
    missing = []
    for leaf in get_form(form).leaves():
        value = answers
        for part in leaf.path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is None and leaf.widget not in {"files"}:
            missing.append(leaf.path)
    assert missing == []
