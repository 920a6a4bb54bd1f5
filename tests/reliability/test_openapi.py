"""openapi.yaml: checked against the form schemas (no drift), then Schemathesis runs it against the local server."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings

from functions.forms.domain.schemas import get_form
from functions.forms.domain.validate import validate
from functions.forms.web.parse import parse_json
from tests.reliability import openapi_doc
from tests.reliability.helpers import HEAVY, record, report

# Pinned in requirements-dev.txt; skipped (not an error) in a venv made before it was added.
pytest.importorskip("schemathesis")

EXAMPLES = 500 if HEAVY else 60
TALLY: Counter[str] = Counter()


def _operations():
    import schemathesis
    from schemathesis.config import SchemathesisConfig

    # Invalid data must be refused with a 4xx: 413 (too large) counts, as the API says so for big bodies.
    config = SchemathesisConfig.from_dict(
        {
            "checks": {
                "negative_data_rejection": {"expected-statuses": ["400", "403", "405", "413", "415", "429"]}
            }
        }
    )
    schema = schemathesis.openapi.from_path(str(openapi_doc.ROOT / "openapi.yaml"), config=config)
    for path, method in [
        ("/api/referrals", "POST"),
        ("/api/child-views", "POST"),
        ("/api/uploads", "POST"),
        ("/api/token", "GET"),
        ("/api/files/{token}", "GET"),
    ]:
        yield f"{method} {path}", schema[path][method]


OPERATIONS = list(_operations())


@pytest.mark.parametrize("mode", ["positive", "negative"])
@pytest.mark.parametrize(("label", "operation"), OPERATIONS, ids=[label for label, _ in OPERATIONS])
def test_schemathesis_against_the_local_server(server, label, operation, mode):
    if mode == "negative" and label == "GET /api/token":
        pytest.skip("GET /api/token takes no input, so there is nothing to break")
    if mode == "negative" and label == "GET /api/files/{token}":
        pytest.skip("any string is a possible token: a wrong one is a 403 page, not a 400")
    from schemathesis import GenerationMode
    from schemathesis.checks import CHECKS

    by_name = {f.__name__: f for f in CHECKS.get_all()}
    checks = [
        by_name[name]
        for name in (
            "not_a_server_error",
            "status_code_conformance",
            "content_type_conformance",
            "response_schema_conformance",
        )
    ]
    form = {"POST /api/referrals": "referral", "POST /api/child-views": "child-views"}.get(label)
    if form is None:  # no normalisation on these: Schemathesis' own check for refused invalid data
        checks.append(by_name["negative_data_rejection"])
    base = f"http://127.0.0.1:{server.port}"

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(operation.as_strategy(GenerationMode(mode)))
    def run(case):
        response = case.call(base_url=base)
        TALLY["requests"] += 1
        TALLY[f"{response.status_code // 100}xx"] += 1
        case.validate_response(response, checks=checks)
        if form and mode == "negative" and response.status_code < 400:
            # Accepted although a part was made invalid: only when that part was the query (`check` other than 1
            # is ignored) or trimming made the body valid (spaces at line ends counted towards maxLength). Our own
            # reading of the body must confirm it is valid.
            parsed = parse_json(get_form(form), json.dumps(case.body).encode())
            assert validate(form, parsed.answers) == [], response.text
            TALLY["negative accepted: query ignored or valid once trimmed"] += 1

    run()


@report
def schemathesis_figures() -> None:
    """For the table: what Schemathesis sent and got (each case's not_a_server_error check fails its test on a
    5xx)."""
    if not TALLY:
        return
    parts = ", ".join(f"{k} {v}" for k, v in sorted(TALLY.items()) if k != "requests")
    record(
        "Schemathesis (openapi.yaml, local server)",
        f"{len(OPERATIONS)} operations x positive/negative",
        f"{TALLY['requests']} requests: {parts}; 5xx {TALLY['5xx']}",
    )
