"""The figures without cookies (issue 19): forms shown, check-your-answers reached, sent and errors per question,
counted per form and per day, with no personal data; kept in var/metrics/ locally, EMF on AWS."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import Counter
from typing import Any

import pytest

from functions.forms.adapters.aws import EmfMetrics
from functions.forms.adapters.local import LocalDailyMetrics, LocalFigures
from functions.forms.application import team as t
from functions.forms.web.app import handle
from tests.unit.application.test_team import make_team, run
from tests.unit.factories import referral

SITE = "http://127.0.0.1:8000/"
TODAY = dt.datetime.now(dt.UTC).date()


@pytest.fixture
def team(tmp_path, monkeypatch):
    return make_team(tmp_path, monkeypatch)


def request(
    path: str, body: Any = None, method: str = "POST", query: str = "", referer: str = ""
) -> dict[str, Any]:
    headers = {"content-type": "application/json", "accept": "application/json", "origin": SITE.rstrip("/")}
    if referer:
        headers["referer"] = referer
    return {
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": {"http": {"method": method, "path": path}},
        "body": json.dumps(body) if body is not None else "",
        "isBase64Encoded": False,
    }


def kept(team: t.TeamServices) -> dict[str, int]:
    """Today's counts in var/metrics/, added up."""
    path = team.services.settings.var_dir / "metrics" / f"{TODAY.isoformat()}.counts"
    counts: Counter[str] = Counter()
    for line in path.read_text().splitlines() if path.exists() else []:
        key, value = line.split("\t")
        counts[key] += int(value)
    return dict(counts)


def test_each_step_of_a_form_is_counted_per_form_and_errors_per_question(team, capsys):
    services = team.services
    for page in (f"{SITE}forms/referral/", f"{SITE}pl/forms/referral/", f"{SITE}forms/child-views/?x=1"):
        assert handle(request("/api/token", method="GET", referer=page), services)["statusCode"] == 200
    handle(request("/api/token", method="GET", referer=f"{SITE}contact/"), services)
    handle(request("/api/token", method="GET"), services)  # no Referer at all
    incomplete = referral(you__email="not an address", decision__letter_date=...)
    assert handle(request("/api/referrals", incomplete, query="check=1"), services)["statusCode"] == 400
    answers = referral()
    assert handle(request("/api/referrals", answers, query="check=1"), services)["statusCode"] == 200
    assert handle(request("/api/referrals", answers), services)["statusCode"] == 201
    assert handle(request("/api/referrals", answers), services)["statusCode"] == 201  # a repeat: one sent
    assert (
        handle(request("/api/referrals", referral(you__email="still wrong")), services)["statusCode"] == 400
    )
    assert kept(team) == {
        "FormsShown|Form=referral": 2,
        "FormsShown|Form=child-views": 1,
        "FormsShown|Form=unknown": 2,
        "FieldErrors|Field=you.email|Form=referral": 2,
        "FieldErrors|Field=decision.letter_date|Form=referral": 1,
        "CheckReached|Form=referral": 1,
        "FormsSent|Form=referral": 1,
        "TeamEmailsSent": 1,
    }
    status, out, _ = run(team, capsys, "stats")
    assert status == 0
    assert f"{TODAY.isoformat()}  Referral            2      1     1       3" in out
    assert (
        "Referral: forms shown 2, check-your-answers reached 1, sent 1. Completion (sent / shown): 50%."
        in out
    )
    assert "Questions with the most errors: Email address (2), Date on the decision letter (1)." in out
    assert "Page not known: forms shown 2 (which form is not known)." in out


def test_nothing_a_family_typed_reaches_the_figures(team):
    canaries = referral(
        you__name="Canary Qwertyname", you__email="canary.qwerty@example.com", disagreement="canary-words"
    )
    canaries["unexpected canary-field"] = "x"
    handle(request("/api/referrals", canaries, query="check=1"), team.services)
    handle(request("/api/referrals", canaries), team.services)
    handle(request("/api/token", method="GET", referer=f"{SITE}forms/referral/?name=canary"), team.services)
    text = (team.services.settings.var_dir / "metrics" / f"{TODAY.isoformat()}.counts").read_text()
    assert "anary" not in text and "qwerty" not in text.lower() and "?" not in text
    assert "FieldErrors|Field=(other)|Form=referral" in kept(team)  # an unknown field is not named


@pytest.mark.parametrize(
    ("referer", "form"),
    [
        ("http://127.0.0.1:8000/forms/referral/", "referral"),
        ("http://127.0.0.1:8000/forms/referral", "referral"),
        ("http://127.0.0.1:8000/ar/forms/child-views/#top", "child-views"),
        ("http://127.0.0.1:8000/pl/forms/referral-sent/", "unknown"),
        ("http://127.0.0.1:8000/xx/forms/referral/", "unknown"),
        ("http://127.0.0.1:8000/", "unknown"),
        ("", "unknown"),
        ("http://[not a host/forms/referral/", "unknown"),
    ],
)
def test_the_form_shown_is_told_from_the_pages_path_only(referer, form):
    assert t.form_of_page(referer, "/") == form


def test_under_a_site_path_only_its_own_pages_count():
    assert t.form_of_page("https://example.org/send/forms/referral/", "/send/") == "referral"
    assert t.form_of_page("https://example.org/forms/referral/", "/send/") == "unknown"


def test_counts_from_many_threads_and_two_writers_are_all_kept(tmp_path):
    folder = tmp_path / "metrics"
    writers = [LocalDailyMetrics(folder), LocalDailyMetrics(folder)]  # as the server and a command beside it

    def count(writer: LocalDailyMetrics) -> None:
        for _ in range(100):
            writer.count_for("FormsShown", {"Form": "referral"})
            writer.count("TeamEmailsSent")

    threads = [threading.Thread(target=count, args=(writers[n % 2],)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    (day,) = folder.glob("*.counts")
    lines = day.read_text().splitlines()
    assert len(lines) == 1600 and set(lines) == {"FormsShown|Form=referral\t1", "TeamEmailsSent\t1"}
    assert writers[0].counts["TeamEmailsSent"] == 400  # the in-memory counts are still kept as before
    wanted = [("FormsShown", {"Form": "referral"}), ("FormsSent", {"Form": "referral"})]
    (tally,) = LocalFigures(folder).read(TODAY - dt.timedelta(days=1), TODAY, wanted)
    assert (tally.day, tally.name, dict(tally.dimensions), tally.value) == (
        TODAY,
        "FormsShown",
        {"Form": "referral"},
        800,
    )


def test_a_count_that_cannot_be_kept_never_stops_a_form(team, monkeypatch):
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("metrics down")

    monkeypatch.setattr(team.services.metrics, "count_for", broken)
    assert handle(request("/api/referrals", referral()), team.services)["statusCode"] == 201
    assert handle(request("/api/token", method="GET"), team.services)["statusCode"] == 200
    (team.services.settings.var_dir / "metrics").mkdir(parents=True, exist_ok=True)
    (team.services.settings.var_dir / "metrics" / "not-a-folder").write_text("")
    blocked = LocalDailyMetrics(team.services.settings.var_dir / "metrics" / "not-a-folder")
    blocked.count_for("FormsShown", {"Form": "referral"})  # logged and dropped
    assert blocked.counts["FormsShown|Form=referral"] == 1


def test_on_aws_a_count_is_an_emf_line_with_its_form_and_question_beside_the_function(capsys):
    metrics = EmfMetrics("send-mediation-FormsFunction-abc")
    metrics.count_for("FieldErrors", {"Form": "referral", "Field": "you.email"})
    metrics.count("EmailsDeferred")
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    (directive,) = first["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "SendMediation/Forms"
    assert directive["Dimensions"] == [["FunctionName", "Field", "Form"]]
    assert directive["Metrics"] == [{"Name": "FieldErrors", "Unit": "Count"}]
    assert (first["FunctionName"], first["Form"], first["Field"], first["FieldErrors"]) == (
        "send-mediation-FormsFunction-abc",
        "referral",
        "you.email",
        1,
    )
    assert second["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["FunctionName"]]  # as before
    assert second["EmailsDeferred"] == 1
