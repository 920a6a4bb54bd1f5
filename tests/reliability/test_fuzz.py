"""Fuzzing both form handlers with Hypothesis: valid instances from the schemas (hypothesis-jsonschema), mutations
of them, and arbitrary bodies. No 5xx ever; every refusal a 4xx with at least one error; every valid input a
reference. "Valid" is judged after the documented normalisation (NFC, control characters out, ends trimmed): a
required answer of only spaces is empty, so it is refused like an empty one."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import Counter
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from functions.forms.domain.schemas import get_form
from functions.forms.domain.validate import validate
from functions.forms.web.app import handle
from functions.forms.web.errors import ParseError
from functions.forms.web.parse import parse_json
from tests.reliability.helpers import HEAVY, ROUTES, body_of, event, make_services, record, report

EXAMPLES = 3000 if HEAVY else 250
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
FORMS = ["referral", "child-views"]
TALLY: dict[str, Counter[str]] = {}


def _plain(schema: Any) -> Any:
    """The schema without our own keywords and words, for the generator."""
    if isinstance(schema, dict):
        return {
            k: _plain(v)
            for k, v in schema.items()
            if not k.startswith("x-") and k not in {"$id", "$schema", "title", "description"}
        }
    if isinstance(schema, list):
        return [_plain(v) for v in schema]
    return schema


def _paths(form: str, test) -> list[str]:
    return [leaf.path for leaf in get_form(form).leaves() if test(leaf.schema)]


TODAY = dt.date.today()
DATES = {
    "child.date_of_birth": st.dates(TODAY.replace(year=TODAY.year - 24), TODAY),
    "decision.letter_date": st.dates(TODAY.replace(year=TODAY.year - 3), TODAY),
}
# Where cleaning can make a schema-valid answer invalid: a minimum length or a pattern.
CLEANING_SENSITIVE = {
    form: set(_paths(form, lambda s: "minLength" in s or "pattern" in s)) | {"you.email", "copy_email"}
    for form in FORMS
}


def _set(answers: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        answers = answers.get(part) if isinstance(answers.get(part), dict) else None  # type: ignore[assignment]
        if answers is None:
            return
    if parts[-1] in answers:
        answers[parts[-1]] = value


@functools.cache
def _generator(form: str) -> st.SearchStrategy[dict[str, Any]]:
    """Made once per form: hypothesis-jsonschema works hard to turn a schema into a strategy."""
    return from_schema(_plain(get_form(form).schema))


@st.composite
def valid_answers(draw, form: str) -> dict[str, Any]:
    """A schema-valid instance, with the formats the generator does not know (uuid, email, our dates) made real."""
    answers = draw(_generator(form))
    answers["submission_id"] = str(draw(st.uuids(version=4)))
    for path, dates in DATES.items():
        _set(answers, path, draw(dates).isoformat())
    _set(answers, "you.email", draw(st.emails()))
    _set(answers, "copy_email", draw(st.emails()))
    answers.pop("files", None)  # upload ids must name real uploads: the hostile catalogue covers files
    if form == "referral" and isinstance(answers.get("child"), dict):
        # A rule across fields (x-required-after-school-age) that the generator cannot know: said either way.
        answers["child"]["young_person_agrees"] = draw(st.sampled_from(["yes", "lacks_capacity"]))
        # Another (x-date-order): a decision letter is not dated before the child was born.
        decision = answers.get("decision") if isinstance(answers.get("decision"), dict) else {}
        born, letter = answers["child"].get("date_of_birth"), decision.get("letter_date")
        if isinstance(born, str) and isinstance(letter, str) and letter < born:
            decision["letter_date"] = born
    return answers


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


def _leaf_paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    if isinstance(value, dict):
        found = [prefix] if prefix else []
        for key, item in value.items():
            found += _leaf_paths(item, (*prefix, key))
        return found
    return [prefix]


@st.composite
def mutated(draw, form: str) -> bytes:
    """A valid instance broken one way: a key gone or added, a value of the wrong type, or broken JSON text."""
    answers = draw(valid_answers(form))
    kind = draw(
        st.sampled_from(
            ["drop", "add", "retype", "huge", "wrap", "truncate", "nan", "duplicate", "bad-utf8", "deep"]
        )
    )
    paths = _leaf_paths(answers)
    path = draw(st.sampled_from(paths))
    target = answers
    for part in path[:-1]:
        target = target[part]
    if kind == "drop":
        target.pop(path[-1], None)
    elif kind == "add":
        target[draw(st.text(min_size=1, max_size=20))] = draw(JSON_VALUES)
    elif kind == "retype":
        target[path[-1]] = draw(JSON_VALUES)
    elif kind == "huge":
        target[path[-1]] = "x" * draw(st.sampled_from([201, 5001, 300_000]))
    elif kind == "wrap":
        return json.dumps([answers]).encode()
    elif kind == "deep":
        depth = draw(st.sampled_from([50, 999, 5000]))
        target[path[-1]] = json.loads("[" * 10 + "]" * 10)
        text = json.dumps(answers)
        return text.replace("[[[[[[[[[[]]]]]]]]]]", "[" * depth + "]" * depth, 1).encode()
    text = json.dumps(answers, ensure_ascii=False)
    if kind == "truncate":
        return text.encode()[: draw(st.integers(0, max(0, len(text) - 1)))]
    if kind == "nan":
        return text.replace('"website": ""', '"website": NaN', 1).encode()
    if kind == "duplicate":
        return text.replace("{", '{"website": "", ', 1).encode()
    if kind == "bad-utf8":
        data = text.encode()
        at = draw(st.integers(0, len(data)))
        return data[:at] + b"\xc3\x28" + data[at:]
    return text.encode()


def _oracle(form: str, body: bytes) -> bool | None:
    """Whether the body should be accepted (our own reading of it); None when it cannot be read at all."""
    try:
        parsed = parse_json(get_form(form), body)
    except (ParseError, RecursionError):
        return None
    return not validate(form, parsed.answers)


def _check(services, form: str, body: bytes, tally: Counter[str], must_accept: bool = False) -> None:
    response = handle(event(body, path=ROUTES[form]), services)
    status = response["statusCode"]
    tally["requests"] += 1
    tally[f"{status // 100}xx"] += 1
    assert status < 500, (status, response["body"][:300])
    data = body_of(response)
    if status >= 400:
        assert data["errors"] and all(e["text"] for e in data["errors"]), data
        return
    assert status == 201 and len(data["reference"]) == 8
    if must_accept:
        return
    assert _oracle(form, body) is True


@pytest.fixture(scope="module")
def fuzz_services(tmp_path_factory):
    return make_services(tmp_path_factory.mktemp("fuzz-var"))


@pytest.mark.parametrize("form", FORMS)
def test_valid_instances_from_the_schema_get_a_reference(fuzz_services, form):
    tally = TALLY.setdefault(f"{form}: valid instances", Counter())

    @FUZZ
    @given(valid_answers(form))
    def run(answers):
        body = json.dumps(answers).encode()
        accept = _oracle(form, body)
        if not accept:  # valid to the schema, not once trimmed: only where cleaning can matter
            parsed = parse_json(get_form(form), body)
            fields = {e.field for e in validate(form, parsed.answers)}
            assert fields <= CLEANING_SENSITIVE[form], fields
            tally["refused after normalising"] += 1
        response = handle(event(body, path=ROUTES[form]), fuzz_services)
        tally["requests"] += 1
        assert response["statusCode"] == (201 if accept else 400), response["body"][:300]
        if accept:
            assert len(body_of(response)["reference"]) == 8
            tally["references"] += 1

    run()


@pytest.mark.parametrize("form", FORMS)
def test_mutated_instances_never_get_a_5xx_and_refusals_carry_errors(fuzz_services, form):
    tally = TALLY.setdefault(f"{form}: mutations", Counter())

    @FUZZ
    @given(mutated(form))
    def run(body):
        _check(fuzz_services, form, body, tally)

    run()


@pytest.mark.parametrize("form", FORMS)
def test_arbitrary_bodies_and_content_types_never_get_a_5xx(fuzz_services, form):
    tally = TALLY.setdefault(f"{form}: arbitrary bodies", Counter())
    pairs = st.lists(st.tuples(st.text(max_size=30), st.text(max_size=60)), max_size=30)

    @FUZZ
    @given(
        st.one_of(
            st.binary(max_size=2000).map(lambda b: (b, "application/json")),
            JSON_VALUES.map(lambda v: (json.dumps(v).encode(), "application/json")),
            pairs.map(lambda p: (urlencode(p).encode(), "application/x-www-form-urlencoded")),
            st.binary(max_size=500).map(lambda b: (b, "application/x-www-form-urlencoded")),
            st.binary(max_size=500).map(lambda b: (b, "multipart/form-data; boundary=xyz")),
            st.tuples(st.binary(max_size=200), st.text(max_size=40)),
        ),
        st.sampled_from(["POST", "GET", "PUT", "OPTIONS"]),
    )
    def run(body_and_type, method):
        body, content_type = body_and_type
        response = handle(event(body, content_type, method=method, path=ROUTES[form]), fuzz_services)
        tally["requests"] += 1
        assert response["statusCode"] < 500, (response["statusCode"], response["body"][:300])
        if response["statusCode"] >= 400 and response["headers"]["Content-Type"].startswith(
            "application/json"
        ):
            assert body_of(response)["errors"]

    run()


@report
def fuzz_figures() -> None:
    """For the table: what the fuzzing sent and got (each test asserts its own no-5xx and errors)."""
    for name, tally in TALLY.items():
        parts = [f"{tally['requests']} requests", f"5xx {tally['5xx']}"]
        if tally["references"]:
            parts.append(f"{tally['references']} references")
        if tally["refused after normalising"]:
            parts.append(f"{tally['refused after normalising']} refused once trimmed")
        if tally["4xx"]:
            parts.append(f"4xx {tally['4xx']} (all with errors)")
        record("Fuzzing (Hypothesis)", name, ", ".join(parts))
