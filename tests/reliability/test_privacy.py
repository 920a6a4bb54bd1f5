"""Privacy: canary values in every field of every form, sent down every path (accepted, repeated, refused, checked,
held, files uploaded and refused, file links, mail down then the sweep, the worker's queue messages, storage down, a
bug of ours, and over the local server); then not one canary may be found in what those requests logged.

Self-contained: the test makes the requests it reads the logs of (caplog at DEBUG on the root logger, and the
process's stdout and stderr), so it passes alone and in any order.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from urllib.parse import urlencode, urlsplit

import pytest

from functions.forms.application.deliver import send_pending
from functions.forms.application.worker import handle_batch, sweep
from functions.forms.domain import file_tokens
from functions.forms.domain import tokens as spam
from functions.forms.ports import MailError, StorageError
from functions.forms.web.app import handle
from tests.reliability.helpers import ROUTES, SECRET, event, make_services, outbox, post, record
from tests.unit.application.test_uploads import multipart, png
from tests.unit.factories import REFERRAL, referral

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
                "young_person_agrees": "yes",
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


def pairs(answers: dict) -> list[tuple[str, str]]:
    """The answers as a form without JavaScript sends them (dates in three boxes)."""
    found: list[tuple[str, str]] = []

    def walk(value, prefix=""):
        for key, item in value.items():
            path = f"{prefix}{key}"
            if isinstance(item, dict):
                walk(item, path + ".")
            elif path.endswith(("date_of_birth", "letter_date")):
                year, month, day = item.split("-")
                found.extend([(f"{path}-day", day), (f"{path}-month", month), (f"{path}-year", year)])
            else:
                found.append((path, "true" if item is True else str(item)))

    walk(answers)
    return found


def flat(form: str, answers: dict) -> str:
    return urlencode(pairs(answers))


def with_id(answers: dict, number: int) -> dict:
    copy = json.loads(json.dumps(answers))
    copy["submission_id"] = copy["submission_id"][:-4] + f"{number:04x}"
    return copy


class Paths:
    """Sends requests to one set of services and counts them; keeps every id and token made on the way."""

    def __init__(self, services) -> None:
        self.services = services
        self.count = 0
        self.secrets: list[str] = []  # submission and upload ids, file tokens: never to be logged either

    def send(self, route: str, body, content_type="application/json", **kwargs) -> dict:
        self.count += 1
        return handle(event(body, content_type, path=route, **kwargs), self.services)

    def worker(self, *bodies: str) -> dict:
        """The worker's SQS handler, one batch of these message bodies."""
        self.count += 1
        records = [
            {
                "messageId": str(n),
                "receiptHandle": f"r{n}",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "2"},
            }
            for n, body in enumerate(bodies)
        ]
        return handle_batch({"Records": records}, self.services)


def forms_down_every_path(paths: Paths, form: str, monkeypatch) -> None:
    route, answers, services = ROUTES[form], canaries(form), paths.services
    n = 0

    def fresh() -> dict:
        nonlocal n
        n += 1
        return with_id(answers, n)

    accepted = fresh()
    assert paths.send(route, json.dumps(accepted))["statusCode"] == 201
    assert paths.send(route, json.dumps(accepted))["statusCode"] == 201  # the same again
    assert paths.send(route, flat(form, fresh()), "application/x-www-form-urlencoded")["statusCode"] == 303
    assert paths.send(route, json.dumps(fresh()), query={"check": "1"})["statusCode"] == 200
    wrong = {**answers, f"CANARY-unknown-{TAG}": f"CANARY-unknown-value-{TAG}", "website": f"CANARY-hp-{TAG}"}
    assert paths.send(route, json.dumps(wrong))["statusCode"] == 400
    assert paths.send(route, flat(form, wrong), "application/x-www-form-urlencoded")["statusCode"] == 400
    assert paths.send(route, json.dumps(wrong), method="GET")["statusCode"] == 405
    fast = {**fresh(), "started": spam.issue(SECRET, time.time())}
    assert paths.send(route, json.dumps(fast))["statusCode"] == 201  # held as spam

    # Mail down: stored, the sweep and the worker fail; then mail is back and the worker and the sweep send.
    unsent = [fresh(), fresh()]
    messages = [json.dumps({"form": form, "submission_id": a["submission_id"]}) for a in unsent]
    with monkeypatch.context() as patch:
        patch.setattr(
            services.mailer, "send", lambda m: (_ for _ in ()).throw(MailError(f"CANARY-{TAG} {m}"))
        )
        for answers_now in unsent:
            assert paths.send(route, json.dumps(answers_now))["statusCode"] == 201
        assert send_pending(services)["failed"] >= 2
        assert len(paths.worker(*messages)["batchItemFailures"]) == 2
    assert paths.worker(messages[0], f"CANARY-poison-{TAG}", json.dumps({"form": f"CANARY-form-{TAG}"})) == {
        "batchItemFailures": [{"itemIdentifier": "1"}, {"itemIdentifier": "2"}]
    }
    assert sweep(services)["sent"] >= 1

    # Storage down (its message quoting the record), a bug of ours that quotes an answer, and each while delivering.
    for kind, status in ((StorageError, 503), (MailError, 500), (RuntimeError, 500)):
        with monkeypatch.context() as patch:

            def broken(form_name, submission_id, record, kind=kind):
                raise kind(f"failed for {record['answers']}")

            patch.setattr(services.storage, "put_new", broken)
            assert paths.send(route, json.dumps(fresh()))["statusCode"] == status
    stuck = fresh()
    with monkeypatch.context() as patch:
        patch.setattr(services.queue, "deliver", None)  # stored, not yet delivered
        assert paths.send(route, json.dumps(stuck))["statusCode"] == 201
    with monkeypatch.context() as patch:
        record_now = services.storage.get(form, stuck["submission_id"])
        patch.setattr(
            services.storage,
            "claim",
            lambda *a, **k: (_ for _ in ()).throw(StorageError(f"no claim {record_now}")),
        )
        message = json.dumps({"form": form, "submission_id": stuck["submission_id"]})
        assert paths.worker(message)["batchItemFailures"] == [{"itemIdentifier": "0"}]
        assert sweep(services)["failed"] >= 1
    assert paths.worker(message) == {"batchItemFailures": []}
    paths.secrets += [with_id(answers, k)["submission_id"] for k in range(1, n + 1)]


def files_down_every_path(paths: Paths) -> None:
    """A child's drawing: asked for, posted to our target, sent with the form, opened from the team's email's link;
    also the same without JavaScript, and files refused for their size, their type or their content."""
    name = f"CANARY-filename-{TAG}.png"

    def ask(**changes) -> dict:
        details = {"filename": name, "content_type": "image/png", "size": 100, **changes}
        response = paths.send("/api/uploads", json.dumps(details))
        return {"status": response["statusCode"], **json.loads(response["body"] or "{}")}

    def upload(target: dict, data: bytes) -> int:
        body, content_type = multipart(list(target["fields"].items()), [("file", name, data)])
        return paths.send(urlsplit(target["url"]).path, body, content_type)["statusCode"]

    target = ask()
    assert target["status"] == 201 and upload(target, png()) == 204
    answers = {**with_id(canaries("child-views"), 100), "files": [target["upload_id"]]}
    assert paths.send(ROUTES["child-views"], json.dumps(answers))["statusCode"] == 201
    link = file_tokens.link(
        paths.services.settings.site_url, paths.services.link_key(), target["upload_id"], 1
    )
    opened = paths.send(urlsplit(link).path, b"", None, method="GET")
    assert opened["statusCode"] == 200
    assert paths.send(f"/api/files/CANARY-token-{TAG}", b"", None, method="GET")["statusCode"] == 403
    paths.secrets += [target["upload_id"], urlsplit(link).path.rsplit("/", 1)[-1], answers["submission_id"]]

    assert ask(size=10**9)["status"] == 400
    assert ask(content_type=f"text/CANARY-type-{TAG}")["status"] == 400
    liar = ask()
    assert upload(liar, f"CANARY-file-content-{TAG}".encode()) == 204
    refused = {**with_id(canaries("child-views"), 101), "files": [liar["upload_id"]]}
    assert paths.send(ROUTES["child-views"], json.dumps(refused))["statusCode"] == 400
    paths.secrets.append(liar["upload_id"])

    nojs = with_id(canaries("child-views"), 102)
    body, content_type = multipart(pairs(nojs), [("files", name, png())])
    assert (
        paths.send(ROUTES["child-views"], body, content_type, headers={"accept": "text/html"})["statusCode"]
        == 303
    )
    paths.secrets.append(nojs["submission_id"])


def over_the_local_server(paths: Paths, server) -> None:
    """The same forms over HTTP: the devserver's own request log too."""
    for form in ("referral", "child-views"):
        route = ROUTES[form]
        body = json.dumps(with_id(canaries(form), 200)).encode()
        assert post(server.port, f"{route}?check=1&x=CANARY-query-{TAG}", body)[0] == 200
        assert post(server.port, route, body, {"Origin": server.origin})[0] == 201
        assert post(server.port, f"/api/CANARY-path-{TAG}", body)[0] == 404
        paths.count += 3


def the_factories_people(paths: Paths, server) -> list[str]:
    """The invented people the rest of the suite sends, down the common paths: none of them is logged either."""
    answers = referral(submission_id=str(uuid.uuid4()))
    assert paths.send(ROUTES["referral"], json.dumps(answers))["statusCode"] == 201
    assert (
        paths.send(ROUTES["referral"], flat("referral", referral()), "application/x-www-form-urlencoded")[
            "statusCode"
        ]
        == 303
    )
    assert paths.send(ROUTES["referral"], json.dumps({**answers, "you": {}}))["statusCode"] == 400
    assert (
        post(server.port, ROUTES["referral"], json.dumps(referral()).encode(), {"Origin": server.origin})[0]
        == 201
    )
    paths.count += 1
    return [REFERRAL["you"]["name"], REFERRAL["child"]["name"], REFERRAL["you"]["email"], "They said no."]


def test_no_canary_in_any_log(tmp_path, caplog, capfd, server, monkeypatch):
    caplog.set_level(logging.DEBUG)  # the root logger, everything
    capfd.readouterr()  # only what these requests write
    paths = Paths(make_services(tmp_path))
    for form in ("referral", "child-views"):
        forms_down_every_path(paths, form, monkeypatch)
    files_down_every_path(paths)
    over_the_local_server(paths, server)
    people = the_factories_people(paths, server)

    captured = caplog.text
    written = "".join(capfd.readouterr())
    # The logs are there, from each part: the handler, delivery, the worker, the file links and the devserver.
    for line in (
        "request route=referrals status=201",
        "request route=child-views status=303",
        "request route=uploads status=204",
        "mail failed form=referral",
        "message failed status=retry kind=MailError",
        "unreadable message status=poison",
        "file link opened",
        "devserver",
    ):
        assert line in captured, line
    assert len(outbox(tmp_path)) >= 8  # emails did go, to the team and to the families who asked for a copy
    values = needles("referral") + needles("child-views")
    leaks = [v for v in [*values, TAG, "c0ffee00", *paths.secrets, *people] if v in captured or v in written]
    assert leaks == []
    record("Privacy", "canary values x request paths", f"{len(values)} values x {paths.count} paths")
    record("Privacy", "canaries found in the logs", f"0 (in {len(captured.splitlines())} log lines)")


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
