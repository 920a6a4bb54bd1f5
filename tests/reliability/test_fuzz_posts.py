"""Fuzzing the posts a page without JavaScript sends (and forms.js sends, form-encoded): plain form posts of the
referral form and multipart posts of the child's views form, with Hypothesis. test_fuzz.py fuzzes JSON.

Each example starts from a complete, valid form as the page would post it (a date in three boxes, ticked boxes
"true") and changes some of its boxes to hostile text: every format character (Unicode Cf), digits of every
kind (superscript ², circled ①, Arabic-Indic ٢, fullwidth ２), joiners, Hangul fillers, line separators, control
characters, unpaired surrogates (not UTF-8: refused whole), twisted email addresses; drops boxes, repeats them,
adds unknown ones. Then: never a 5xx; every 4xx carries its errors (in JSON, or in the error summary of the page
shown again); every submission stored holds clean text (no invisible characters but the two joiners, nothing at
either end, ISO dates in ASCII digits, email addresses as we send to them).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import operator
import re
import sys
import unicodedata
import uuid
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote_plus, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from functions.forms.domain.schemas import get_form
from functions.forms.domain.validate import email_address
from functions.forms.web.app import handle
from functions.forms.web.parse import CONTROL_NAMES, DATE_PARTS, FILE_STEP_NAMES
from tests.reliability.helpers import HEAVY, ROUTES, event, make_services, record, report, valid

EXAMPLES = 2000 if HEAVY else 100
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
TALLY: dict[str, Counter[str]] = {}

# Characters that have hurt or could hurt: every format character (Cf, the joiners among them); digits that
# str.isdigit() takes and int() does not (superscript ², circled ①: category No); invisible letters; every kind of
# line break and space; control characters. Listed from unicodedata on first use (about 0.2 s), as Hypothesis's
# own character strategies seldom reach them. No black flag: its three nations' tag sequences are kept on purpose
# (parse.py), and the check below would have to know them.
SPECIALS = list("\u200c\u200d\u115f\u1160\u3164\uffa0\u2028\u2029\x85\r\n\t\x00\x1f\x7f \u3000\u00a0")


@functools.cache
def _listed() -> dict[str, list[str]]:
    chars = [chr(c) for c in range(sys.maxunicode + 1)]
    return {
        "format": [c for c in chars if unicodedata.category(c) == "Cf"],
        "not numbers": [c for c in chars if c.isdigit() and not c.isdecimal()],
        "other digits": [c for c in chars if c.isdecimal() and not c.isascii()],
    }


def _pool(*names: str) -> st.SearchStrategy[str]:
    return st.deferred(lambda: st.sampled_from([c for name in names for c in _listed()[name]]))


HOSTILE_CHARS = st.one_of(
    _pool("format"),
    st.sampled_from(SPECIALS),
    _pool("not numbers", "other digits"),
    st.characters(codec="utf-8", exclude_characters="\U0001f3f4"),
)
# Ordinary text with hostile characters between its pieces.
HOSTILE_TEXT = st.lists(st.one_of(HOSTILE_CHARS, st.text(max_size=6)), max_size=8).map("".join)
# Real numbers in the decimal digits of a few scripts (ASCII, Arabic-Indic, Eastern Arabic-Indic, Devanagari,
# fullwidth): a day, a month and last year make a date both date questions take.
ZEROS = ["0", "\u0660", "\u06f0", "\u0966", "\uff10"]
LAST_YEAR = dt.date.today().year - 1


def _in_script(number: int, zero: str) -> str:
    return "".join(chr(ord(zero) + int(d)) for d in str(number))


def _real_box(part: str) -> st.SearchStrategy[str]:
    numbers = {"day": st.integers(1, 28), "month": st.integers(1, 12), "year": st.just(LAST_YEAR)}[part]
    return st.builds(_in_script, numbers, st.sampled_from(ZEROS))


BOX = st.one_of(
    # "1²", "201①": what gave a 500 before issue 17 (str.isdigit() said yes, int() could not read them)
    st.builds(operator.add, st.sampled_from(["", "1", "20", "201"]), _pool("not numbers")),
    st.text(
        st.one_of(st.sampled_from("0123456789"), _pool("not numbers", "other digits")), min_size=1, max_size=5
    ),
    st.sampled_from(
        ["March", "mar.", "sept", "0", "00", "13", "32", "1" * 5000, "-1", "1e3", "٢٠٢٦", "２０２６"]
    ),
    HOSTILE_TEXT,
)
TWISTS = st.one_of(HOSTILE_CHARS, st.sampled_from([*'."()<>=?@ ,;:\\[]', "..", "=?utf-8?q?", "?="]))
EMAILS = st.one_of(
    st.emails(),
    st.builds(lambda e, twist, at: e[:at] + twist + e[at:], st.emails(), TWISTS, st.integers(0, 40)),
    st.sampled_from(
        [
            "=?utf-8?q?testy=40example.net?=@example.com",
            "testy..mctestface@example.com",
            '"testy"@example.com',
            "testy@ex\u0430mple.com",
            "Testy@B\u00dcCHER.example",
            "testy@\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.com",
            "testy@example.test",
        ]
    ),
)
NAMES = st.text(st.characters(codec="ascii", categories=["L", "N", "P"]), min_size=1, max_size=20)


def box_names(form: str, typed_only: bool = False) -> list[str]:
    """Every name the form's page posts (parse.py's naming: a date's boxes are '<path>-day' and so on); or only
    those of the boxes a family types in."""
    names: list[str] = []
    for leaf in get_form(form).leaves():
        if typed_only and leaf.widget not in TYPED:
            continue
        names += [f"{leaf.path}-{part}" for part in DATE_PARTS] if leaf.widget == "date" else [leaf.path]
    return names


TYPED = {"text", "textarea", "email", "tel", "number", "date"}


def page_pairs(form: str, answers: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Valid answers as the page posts them."""
    dates = {leaf.path for leaf in get_form(form).leaves() if leaf.widget == "date"}
    pairs: list[tuple[str, str]] = []
    for key, value in answers.items():
        path = prefix + key
        if isinstance(value, dict):
            pairs += page_pairs(form, value, path + ".")
        elif path in dates:
            year, month, day = value.split("-")
            pairs += [(f"{path}-day", day), (f"{path}-month", month), (f"{path}-year", year)]
        elif value is True:
            pairs.append((path, "true"))
        elif value is not False:
            pairs.append((path, str(value)))
    return pairs


def _value_for(name: str) -> st.SearchStrategy[str]:
    for part in DATE_PARTS:
        if name.endswith(f"-{part}"):
            return st.one_of(_real_box(part), _real_box(part), BOX)
    if name.endswith("email"):
        return EMAILS
    # Mostly words with hostile characters among them, so that some are kept (and their record checked).
    sandwich = st.builds("Testy{}Mc{}Testface".format, HOSTILE_TEXT, HOSTILE_TEXT)
    return st.one_of(sandwich, HOSTILE_TEXT, st.sampled_from(["true", "", "9"]))


@st.composite
def edited(draw, form: str) -> tuple[list[tuple[str, str]], str]:
    """The valid page's pairs, changed a few ways; and the submission id they started with."""
    answers = valid(form)
    pairs = page_pairs(form, answers)
    known = (
        box_names(form) + sorted(CONTROL_NAMES) + (sorted(FILE_STEP_NAMES) if form == "child-views" else [])
    )
    typed = box_names(form, typed_only=True)
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["set"] * 6 + ["drop", "repeat", "unknown"]))
        # Mostly the boxes a family types in, where hostile text is most likely to be kept; any name at times.
        name = draw(st.sampled_from(typed if draw(st.sampled_from([True, True, True, False])) else known))
        if kind == "drop":
            pairs = [(k, v) for k, v in pairs if k != name]
        elif kind == "unknown":
            pairs.append((draw(NAMES), draw(HOSTILE_TEXT)))
        else:
            value = draw(_value_for(name))
            if kind == "set":
                pairs = [(k, v) for k, v in pairs if k != name]
            pairs.append((name, value))
    if draw(st.sampled_from([False] * 19 + [True])):  # now and then, a character UTF-8 cannot carry
        at = draw(st.integers(0, len(pairs) - 1))
        pairs[at] = (pairs[at][0], pairs[at][1] + "\ud800")
    return pairs, answers["submission_id"]


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")  # an unpaired surrogate becomes bytes that are not UTF-8


def form_body(pairs: list[tuple[str, str]]) -> bytes:
    return b"&".join(
        quote_plus(_encode(k)).encode() + b"=" + quote_plus(_encode(v)).encode() for k, v in pairs
    )


def multipart_body(
    pairs: list[tuple[str, str]], files: list[tuple[str, bytes]], charset: str | None
) -> tuple[bytes, str]:
    boundary = "----kidsfuzz" + uuid.uuid4().hex
    out = b""
    for name, value in pairs:
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n'
        if charset:
            head += f"Content-Type: text/plain; charset={charset}\r\n"
        out += _encode(head + "\r\n") + _encode(value) + b"\r\n"
    for filename, data in files:
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{filename}"\r\n'
        out += _encode(head + "Content-Type: application/octet-stream\r\n\r\n") + data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


LANGS = st.sampled_from([None, None, "en", "pl", "ur", "ar", "xx", "\u200b"])
ACCEPT = st.sampled_from(["application/json", "text/html"])


# What may not stay in a stored answer: control and format characters (but "\n" in a textarea, and the joiners),
# unpaired surrogates and the Hangul fillers.
def _unclean(text: str) -> list[str]:
    return [
        f"U+{ord(c):04X}"
        for c in text
        if (unicodedata.category(c) in ("Cc", "Cf", "Cs") and c not in "\n\u200c\u200d")
        or c in "\u115f\u1160\u3164\uffa0"
    ]


def _strings(value: Any, path: str = "") -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [item for key, inner in value.items() for item in _strings(inner, f"{path}{key}.")]
    if isinstance(value, list):
        return [item for inner in value for item in _strings(inner, path)]
    return [(path.rstrip("."), value)] if isinstance(value, str) else []


def check_stored(form: str, var_dir: Path, submission_id: str, tally: Counter[str]) -> None:
    """The record just stored holds only clean text."""
    folder = var_dir / "submissions" / form
    path = folder / f"{submission_id}.json"
    if not path.exists():  # the id was changed or dropped (the server then makes one): the newest record
        path = max(folder.glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
    answers = json.loads(path.read_text(encoding="utf-8"))["answers"]
    dates = {leaf.path for leaf in get_form(form).leaves() if leaf.widget == "date"}
    emails = {leaf.path for leaf in get_form(form).leaves() if leaf.schema.get("format") == "email"}
    for where, text in _strings(answers):
        assert not _unclean(text), (where, _unclean(text))
        assert text == text.strip(" \t\n\u200c\u200d\u3000\u00a0"), where
        if where in dates:
            assert re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text), where
        if where in emails:
            assert text.isascii() and email_address(text) == text, where
    tally["stored (all clean)"] += 1


def check_response(response: dict[str, Any], tally: Counter[str]) -> bool:
    """No 5xx; a refusal names its problems. True when the form was taken."""
    status = response["statusCode"]
    tally["requests"] += 1
    tally[f"{status // 100}xx"] += 1
    assert status < 500, (status, str(response.get("body"))[:300])
    content_type = response["headers"].get("Content-Type", "")
    if status >= 400:
        if content_type.startswith("application/json"):
            errors = json.loads(response["body"])["errors"]
            assert errors and all(e["text"] for e in errors), errors
        elif "kids-error-summary" in response["body"]:  # the form shown again, listing at least one problem
            assert re.search(r'kids-error-summary__list"><li><a href="[^"]*">[^<]+</a>', response["body"])
        else:  # a body that is not the form's answers: a page that says what happened (web/refusals.py)
            assert re.search(r"<h1>[^<]+</h1><p>[^<]+</p>", response["body"]), response["body"][:300]
        return False
    if status == 303:
        query = parse_qs(urlsplit(response["headers"]["Location"]).query)
        assert len(query["reference"][0]) == 8
        return True
    if status == 201:
        assert len(json.loads(response["body"])["reference"]) == 8
        return True
    assert status == 200 and content_type.startswith("text/html")  # a file added or removed: the form again
    return False


@pytest.fixture(scope="module")
def fuzz_services(tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("fuzz-posts-var")
    return make_services(var_dir), var_dir


def _with_lang(pairs: list[tuple[str, str]], lang: str | None) -> list[tuple[str, str]]:
    return [*pairs, ("lang", lang)] if lang is not None else pairs


def test_plain_form_posts_of_the_referral_never_get_a_5xx(fuzz_services):
    services, var_dir = fuzz_services
    tally = TALLY.setdefault("referral: plain form posts", Counter())

    @FUZZ
    @given(edited("referral"), LANGS, ACCEPT)
    def run(edit, lang, accept):
        pairs, submission_id = edit
        body = form_body(_with_lang(pairs, lang))
        headers = {"accept": accept}
        response = handle(
            event(body, "application/x-www-form-urlencoded", path=ROUTES["referral"], headers=headers),
            services,
        )
        if check_response(response, tally):
            check_stored("referral", var_dir, submission_id, tally)

    run()


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00\x00"
    b"\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82"
)
FILES = st.lists(
    st.tuples(
        st.sampled_from(["", "drawing.png", "Sunny's drawing.png", "a\u202egnp.exe"]),
        st.sampled_from([b"", PNG, b"just some text", b"\xff\xd8\xff" + b"\x00" * 20])
        | st.binary(max_size=200),
    ),
    max_size=2,
)


def test_multipart_posts_of_the_views_form_never_get_a_5xx(fuzz_services):
    services, var_dir = fuzz_services
    tally = TALLY.setdefault("child-views: multipart posts", Counter())

    @FUZZ
    @given(
        edited("child-views"),
        FILES,
        st.sampled_from([None, None, "utf-8", "latin-1", "utf-16", "no-such"]),
        LANGS,
        ACCEPT,
    )
    def run(edit, files, charset, lang, accept):
        pairs, submission_id = edit
        body, content_type = multipart_body(_with_lang(pairs, lang), files, charset)
        headers = {"accept": accept}
        response = handle(event(body, content_type, path=ROUTES["child-views"], headers=headers), services)
        if check_response(response, tally):
            check_stored("child-views", var_dir, submission_id, tally)

    run()


def _leaves(answers: dict[str, Any], prefix: str = "") -> list[str]:
    paths: list[str] = []
    for key, value in answers.items():
        paths += _leaves(value, f"{prefix}{key}.") if isinstance(value, dict) else [prefix + key]
    return paths


@st.composite
def hostile_json(draw, form: str) -> tuple[dict[str, Any], str]:
    """Valid JSON answers with some of their typed answers turned hostile (and at times a choice's)."""
    answers = valid(form)
    widgets = {leaf.path: leaf.widget for leaf in get_form(form).leaves()}
    text_paths = [p for p in _leaves(answers) if isinstance(_get(answers, p), str) and p != "submission_id"]
    typed = [p for p in text_paths if widgets.get(p) in TYPED - {"date"}]
    choices = st.sampled_from(typed if draw(st.sampled_from([True, True, True, False])) else text_paths)
    for path in draw(st.lists(choices, min_size=1, max_size=3, unique=True)):
        parts = path.split(".")
        target = answers
        for part in parts[:-1]:
            target = target[part]
        target[parts[-1]] = draw(EMAILS if parts[-1].endswith("email") else HOSTILE_TEXT)
    return answers, answers["submission_id"]


def _get(answers: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        answers = answers[part]
    return answers


@pytest.mark.parametrize("form", ["referral", "child-views"])
def test_json_answers_of_hostile_text_are_stored_clean(fuzz_services, form):
    services, var_dir = fuzz_services
    tally = TALLY.setdefault(f"{form}: JSON with hostile text", Counter())

    @FUZZ
    @given(hostile_json(form))
    def run(edit):
        answers, submission_id = edit
        body = json.dumps(answers).encode()
        if check_response(handle(event(body, path=ROUTES[form]), services), tally):
            check_stored(form, var_dir, submission_id, tally)

    run()


@report
def fuzz_posts_figures() -> None:
    """For the table: what was sent and what came back (each test asserts its own no-5xx, errors and clean records)."""
    for name, tally in TALLY.items():
        parts = [f"{tally['requests']} requests", f"5xx {tally['5xx']}"]
        if tally["4xx"]:
            parts.append(f"4xx {tally['4xx']} (all with errors)")
        if tally["stored (all clean)"]:
            parts.append(f"{tally['stored (all clean)']} stored (all clean)")
        record("Fuzzing form and multipart posts (Hypothesis)", name, ", ".join(parts))
