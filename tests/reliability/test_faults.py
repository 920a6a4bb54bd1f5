"""Faults: mail down then back, storage down, a crash between storing and sending, and 20 sends at once."""

from __future__ import annotations

import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from functions.forms.application.deliver import send_pending
from functions.forms.bootstrap import local_services
from functions.forms.ports import MailError, StorageError
from functions.forms.web.app import handle
from tests.reliability.helpers import (
    ROUTES,
    body_of,
    event,
    make_services,
    outbox,
    post,
    record,
    stored,
    valid,
)
from tests.unit.web.test_http import form_body


@pytest.fixture
def services(tmp_path: Path):
    return make_services(tmp_path)


def test_mail_down_then_back_every_acknowledged_submission_is_stored_then_sent_exactly_once(
    services, tmp_path, monkeypatch
):
    real_send = services.mailer.send

    def down(message):
        raise MailError("mail down")

    monkeypatch.setattr(services.mailer, "send", down)
    references = []
    for number in range(30):
        form = "referral" if number % 2 else "child-views"
        response = handle(event(json.dumps(valid(form)), path=ROUTES[form]), services)
        assert response["statusCode"] == 201
        references.append(body_of(response)["reference"])
    assert len(stored(tmp_path)) == 30 and outbox(tmp_path) == []
    assert send_pending(services)["failed"] == 30  # still down: nothing lost, nothing sent
    monkeypatch.setattr(services.mailer, "send", real_send)
    first = send_pending(services)
    again = send_pending(services)
    emails = outbox(tmp_path)
    assert first["sent"] == 30 and again.get("sent", 0) == 0
    assert sorted(r for r in references if any(r in e.read_text() for e in emails)) == sorted(references)
    assert len(emails) == 30
    record("Faults", "mail down: acknowledged / stored / sent after recovery", "30 / 30 / 30 (0 twice)")


def test_storage_down_gives_503_with_a_friendly_message_and_the_page_keeps_the_answers(
    services, tmp_path, monkeypatch
):
    def broken(*args, **kwargs):
        raise StorageError("disk gone")

    monkeypatch.setattr(services.storage, "put_new", broken)
    response = handle(event(json.dumps(valid("referral"))), services)
    assert response["statusCode"] == 503 and response["headers"]["Retry-After"]
    text = body_of(response)["errors"][0]["text"]
    assert text.startswith("Your answers have not been sent. Try again in a few minutes, or call us on")
    # Without JavaScript: the form again, with every answer the family typed, and the message at the top.
    page = handle(event(form_body(valid("referral")), "application/x-www-form-urlencoded"), services)
    assert page["statusCode"] == 503 and page["headers"]["Content-Type"].startswith("text/html")
    html = page["body"]
    assert "Your answers have not been sent" in html
    for typed in ('value="Testy McTestface"', 'value="Exampleshire"', "They said no.", 'value="March"'):
        assert typed in html, typed
    assert outbox(tmp_path) == [] and stored(tmp_path) == []
    # With JavaScript the page keeps them too: the script lets its saved answers go only once the confirmation page
    # has shown the reference (forms.js forget), never when a send fails.
    script = (Path(__file__).parents[2] / "docs/javascripts/forms.js").read_text()
    assert "store(key, null)" not in script
    assert script.count('store("kids-form:" + name.slice("kids-sent:".length), null)') == 1
    record("Faults", "storage down", "503 + friendly message; no-JS page keeps every answer")


class Crash(BaseException):
    """The process dying (not an Exception: nothing in the pipeline may catch it)."""


def test_a_crash_between_storing_and_sending_is_sent_on_recovery(tmp_path):
    services = make_services(tmp_path)

    def die(form, submission_id):
        raise Crash

    services.queue.enqueue = die  # type: ignore[method-assign]
    with pytest.raises(Crash):
        handle(event(json.dumps(valid("referral"))), services)
    assert len(stored(tmp_path)) == 1 and outbox(tmp_path) == []
    recovered = local_services(services.settings)  # a new process: what `make serve` does when it starts
    assert send_pending(recovered)["sent"] == 1 and len(outbox(tmp_path)) == 1
    assert send_pending(recovered).get("sent", 0) == 0


def test_a_crash_while_sending_leaves_a_claim_that_expires_and_is_sent_on_recovery(tmp_path):
    services = make_services(tmp_path)

    def die(message):
        raise Crash

    services.mailer.send = die  # type: ignore[method-assign]
    with pytest.raises(Crash):
        handle(event(json.dumps(valid("child-views")), path="/api/child-views"), services)
    [claim] = list((tmp_path / "submissions").glob("*/*.claim"))
    recovered = local_services(services.settings)
    assert send_pending(recovered).get("sent", 0) == 0  # another sender may still be at work
    old = time.time() - 600
    os.utime(claim, (old, old))
    assert send_pending(recovered)["sent"] == 1 and len(outbox(tmp_path)) == 1
    record("Faults", "crash after storing / while sending", "sent on recovery, once")


def test_the_same_submission_id_20_times_at_once_gives_one_reference_and_one_email(tmp_path):
    services = make_services(tmp_path)
    answers = json.dumps(valid("referral"))
    start = threading.Barrier(20)

    def one(_):
        start.wait()
        return handle(event(answers), services)

    with ThreadPoolExecutor(20) as pool:
        responses = list(pool.map(one, range(20)))
    references = {body_of(r)["reference"] for r in responses}
    assert [r["statusCode"] for r in responses] == [201] * 20
    assert len(references) == 1 and len(stored(tmp_path)) == 1 and len(outbox(tmp_path)) == 1
    record("Duplicates", "same id x20 at once (handler)", "20 x 201, 1 reference, 1 email")


def test_the_same_submission_id_20_times_at_once_over_http(server):
    answers = json.dumps(valid("child-views")).encode()
    before = len(outbox(server.var_dir))
    start = threading.Barrier(20)

    def one(_):
        start.wait()
        return post(server.port, "/api/child-views", answers)

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(one, range(20)))
    references = {json.loads(body)["reference"] for status, _, body in results}
    assert [status for status, _, _ in results] == [201] * 20
    assert len(references) == 1 and len(outbox(server.var_dir)) == before + 1
    record("Duplicates", "same id x20 at once (local server)", "20 x 201, 1 reference, 1 email")
