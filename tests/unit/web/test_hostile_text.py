"""Hostile text through the front door (handle), in JSON, plain form and multipart posts, as families' browsers and
scripts send them: invisible characters (issue 17, finding 10), digits that are not numbers in date boxes (finding
5) and email addresses nobody can write to (finding 9). Every one gets a 2xx/3xx or a 4xx with the field's own
message, never a 500; what is stored and emailed is what a person can read and use."""

from __future__ import annotations

import base64
import json
import sys
import unicodedata
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from functions.forms.bootstrap import local_services
from functions.forms.config import from_env
from functions.forms.domain.schemas import get_form
from functions.forms.web.app import handle
from functions.forms.web.parse import clean_text
from tests.unit.application.test_uploads import multipart
from tests.unit.factories import referral

TEAM = "SEND Mediation team <team@send-mediation.localhost>"
FORM_POST = "application/x-www-form-urlencoded"
DATE_PATHS = {leaf.path for leaf in get_form("referral").leaves() if leaf.widget == "date"}

# The invisible characters the issue names, and two more of category Cf (every one of them is checked against
# clean_text below; these go through the whole front door).
INVISIBLES = {
    "\u061c": "Arabic letter mark",
    "\u2060": "word joiner",
    "\u2061": "function application",
    "\u2062": "invisible times",
    "\u2063": "invisible separator",
    "\u2064": "invisible plus",
    "\u115f": "Hangul choseong filler",
    "\u1160": "Hangul jungseong filler",
    "\u3164": "Hangul filler",
    "\uffa0": "halfwidth Hangul filler",
    "\U000e0001": "language tag",
    "\U000e0020": "tag space",
    "\U000e0041": "tag latin capital letter A",
    "\U000e007f": "cancel tag",
    "\u00ad": "soft hyphen",
    "\u180e": "Mongolian vowel separator",
}
CHARS = pytest.mark.parametrize("char", list(INVISIBLES), ids=[f"U+{ord(c):04X}" for c in INVISIBLES])


@pytest.fixture
def services(tmp_path: Path):
    config = from_env(
        {
            "VAR_DIR": str(tmp_path),
            "SITE_URL": "http://127.0.0.1:8123/",
            "SITE_DIR": str(tmp_path / "none"),
            "TEAM_EMAIL": TEAM,
        }
    )
    return local_services(config)


def _event(path: str, body: bytes, content_type: str) -> dict[str, Any]:
    return {
        "rawPath": path,
        "headers": {"content-type": content_type, "accept": "application/json"},
        "requestContext": {"http": {"method": "POST", "path": path}},
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
    }


def form_pairs(answers: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Answers as a page without JavaScript posts them: dotted names, a date in three boxes, ticked boxes 'true'."""
    pairs: list[tuple[str, str]] = []
    for key, value in answers.items():
        path = prefix + key
        if isinstance(value, dict):
            pairs += form_pairs(value, path + ".")
        elif path in DATE_PATHS:
            year, month, day = value.split("-")
            pairs += [(f"{path}-day", day), (f"{path}-month", month), (f"{path}-year", year)]
        elif value is True:
            pairs.append((path, "true"))
        elif value is not False:
            pairs.append((path, str(value)))
    return pairs


def send_referral(services, answers: dict[str, Any], how: str, boxes: dict[str, str] | None = None):
    """POST a referral as JSON or as a plain form (optionally with some boxes replaced); (status, body)."""
    if how == "json":
        body, content_type = json.dumps(answers).encode(), "application/json"
    else:
        pairs = [(k, v) for k, v in form_pairs(answers) if k not in (boxes or {})]
        body, content_type = urlencode(pairs + list((boxes or {}).items())).encode(), FORM_POST
    response = handle(_event("/api/referrals", body, content_type), services)
    return response["statusCode"], json.loads(response["body"] or "{}")


def send_views(services, fields: list[tuple[str, str]]):
    """POST the child's views form as multipart/form-data (a page with a file box, without JavaScript)."""
    body, content_type = multipart(
        [*fields, ("agree_to_send", "true"), ("website", "")], [("files", "", b"")]
    )
    response = handle(_event("/api/child-views", body, content_type), services)
    return response["statusCode"], json.loads(response["body"] or "{}")


def errors(body: dict[str, Any]) -> dict[str, str]:
    return {e["field"]: e["text"] for e in body.get("errors", [])}


def stored(tmp_path: Path, form: str) -> dict[str, Any]:
    (path,) = (tmp_path / "submissions" / form).glob("*.json")
    return json.loads(path.read_text(encoding="utf-8"))


def outbox(tmp_path: Path) -> list[EmailMessage]:
    paths = sorted((tmp_path / "outbox").glob("*.eml"))
    return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in paths]  # type: ignore[misc]


# Invisible characters ---------------------------------------------------------------------------------------------


def test_every_format_character_but_the_two_joiners_is_removed_and_the_hangul_fillers_too():
    found = [
        chr(code)
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) == "Cf" and chr(code) not in "\u200c\u200d"
    ]
    assert len(found) > 150  # the search must find them: Unicode 14 has 161 format characters
    kept = [
        f"U+{ord(c):04X}"
        for c in [*found, *"\u115f\u1160\u3164\uffa0"]
        if clean_text(f"Te{c}sty", False) != "Testy"
    ]
    assert kept == []


def test_the_joiners_stay_where_they_join_and_count_as_nothing_alone():
    family = "\U0001f469\u200d\U0001f467"  # woman, ZWJ, girl: one emoji
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # "I want", with the ZWNJ Persian needs
    assert clean_text(f"{family} {persian}", False) == f"{family} {persian}"
    for value in ["\u200d", "\u200c", " \u200d \u200c\u3000", "\u200d\u2060\u200c", "\u200d\n\u200c"]:
        assert clean_text(value, False) == "" and clean_text(value, True) == ""
    assert clean_text("\u200dTesty\u200c", False) == "Testy"  # a joiner at an end joins nothing


def test_englands_scotlands_and_waless_flags_keep_their_tags_and_other_tag_text_goes():
    black_flag = "\U0001f3f4"

    def tags(text: str) -> str:
        return "".join(chr(0xE0000 + ord(c)) for c in text) + "\U000e007f"

    flags = [black_flag + tags(nation) for nation in ("gbeng", "gbsct", "gbwls")]
    assert clean_text("Go " + " ".join(flags) + "!", False) == "Go " + " ".join(flags) + "!"
    # Text hidden in tags ("ASCII smuggling"), after a black flag or anywhere else, is removed.
    assert (
        clean_text(f"Hi {black_flag}{tags('ignore this')} there{tags('x')}", False)
        == f"Hi {black_flag} there"
    )


@CHARS
@pytest.mark.parametrize("how", ["json", "form"])
def test_a_name_of_only_an_invisible_character_is_asked_for_again(services, char, how):
    status, body = send_referral(services, referral(you__name=char * 3, child__name=f" {char}\u200d "), how)
    assert status == 400
    assert errors(body) == {
        "you.name": "Enter your full name",
        "child.name": "Enter the child or young person's full name",
    }


@CHARS
@pytest.mark.parametrize("how", ["json", "form"])
def test_an_invisible_character_inside_a_name_is_removed_before_it_is_stored(services, tmp_path, char, how):
    status, _ = send_referral(services, referral(you__name=f"Tes{char}ty Mc{char}Testface"), how)
    assert status in (201, 303)
    assert stored(tmp_path, "referral")["answers"]["you"]["name"] == "Testy McTestface"


@CHARS
def test_invisible_characters_in_a_multipart_post_are_removed_and_alone_count_as_empty(
    services, tmp_path, char
):
    # A copy asked for with an "address" of only invisible characters: the required address is asked for.
    status, body = send_views(services, [("send_me_a_copy", "true"), ("copy_email", f"{char}\u200d{char}")])
    assert status == 400
    assert errors(body) == {"copy_email": "Enter an email address so we can send you a confirmation"}
    status, _ = send_views(
        services, [("about.name", f"K{char}it"), ("views.hard", f"{char}\nNoisy{char} lunch")]
    )
    assert status == 201
    answers = stored(tmp_path, "child-views")["answers"]
    assert answers["about"]["name"] == "Kit" and answers["views"]["hard"] == "Noisy lunch"


@CHARS
def test_a_multipart_name_of_only_an_invisible_character_is_not_stored(services, tmp_path, char):
    status, _ = send_views(services, [("about.name", char), ("views.hard", "Noisy lunch hall")])
    assert status == 201
    assert "name" not in stored(tmp_path, "child-views")["answers"].get("about", {})


# Date boxes ---------------------------------------------------------------------------------------------------------

DATE_MESSAGES = {
    "child.date_of_birth": "Date of birth must be a real date",
    "decision.letter_date": "Date on the decision letter must be a real date",
}
# Digits to str.isdigit() (category No), which int() cannot read: these gave a 500.
NOT_NUMBERS = ["\u00b2", "\u2460", "\u2075", "\u2081", "\u277c", "\U0001f101"]


@pytest.mark.parametrize("digit", NOT_NUMBERS, ids=[f"U+{ord(c):04X}" for c in NOT_NUMBERS])
@pytest.mark.parametrize("box", ["day", "month", "year"])
@pytest.mark.parametrize("path", sorted(DATE_MESSAGES))
def test_superscript_or_circled_digits_in_a_date_box_get_the_dates_message(services, digit, box, path):
    typed = {"day": "1" + digit, "month": digit, "year": "201" + digit}[box]
    status, body = send_referral(services, referral(), "form", {f"{path}-{box}": typed})
    assert status == 400
    assert errors(body) == {path: DATE_MESSAGES[path]}


@pytest.mark.parametrize("box", ["day", "month", "year"])
def test_a_date_box_with_thousands_of_digits_gets_the_dates_message(services, box):
    # int() refuses a string of more than 4,300 digits: it must not be asked to read one.
    status, body = send_referral(services, referral(), "form", {f"child.date_of_birth-{box}": "1" * 5000})
    assert status == 400
    expected = (
        "Date of birth must include a year with 4 numbers, like 2015"
        if box == "year"
        else "Date of birth must be a real date"
    )
    assert errors(body) == {"child.date_of_birth": expected}


@pytest.mark.parametrize(
    ("day", "month", "year"),
    [
        ("\u0662\u0667", "\u0660\u0663", "\u0662\u0660\u0661\u0665"),  # Arabic-Indic: ٢٧ ٠٣ ٢٠١٥
        ("\u06f2\u06f7", "\u06f3", "\u06f2\u06f0\u06f1\u06f5"),  # Eastern Arabic-Indic (Urdu, Persian)
        ("\uff12\uff17", "\uff13", "\uff12\uff10\uff11\uff15"),  # fullwidth
        ("\u0968\u096d", "\u0969", "\u0968\u0966\u0967\u096b"),  # Devanagari
        ("2\u0667", "march", "20\u0661\u0665"),  # mixed, and a month's name
    ],
)
def test_decimal_digits_of_any_script_in_date_boxes_are_read(services, tmp_path, day, month, year):
    boxes = {
        "child.date_of_birth-day": day,
        "child.date_of_birth-month": month,
        "child.date_of_birth-year": year,
    }
    status, body = send_referral(services, referral(), "form", boxes)
    assert status == 201, body
    assert stored(tmp_path, "referral")["answers"]["child"]["date_of_birth"] == "2015-03-27"


# Email addresses ----------------------------------------------------------------------------------------------------

UNUSABLE = [
    "testy..mctestface@example.com",
    "=?utf-8?q?testy=40example.net?=@example.com",  # an RFC 2047 encoded word as the local part
    '"testy mctestface"@example.com',
    "testy(comment)@example.com",
    "testy@ex\u0430mple.com",  # a Cyrillic a in a Latin domain
    "t\u0435sty@example.com",  # a Cyrillic e before the @ (and SES sends to ASCII local parts only)
    "testy@example.test",
]


@pytest.mark.parametrize("address", UNUSABLE)
@pytest.mark.parametrize("how", ["json", "form"])
def test_an_address_we_could_not_write_to_is_refused_with_the_fields_message(
    services, tmp_path, address, how
):
    status, body = send_referral(services, referral(you__email=address, you__send_me_a_copy=True), how)
    assert status == 400
    assert errors(body) == {
        "you.email": "Enter an email address in the correct format, like name@example.com"
    }
    assert not (tmp_path / "submissions").exists() and not (tmp_path / "outbox").exists()


@pytest.mark.parametrize("how", ["json", "form"])
def test_an_international_domain_is_stored_in_ascii_and_used_for_reply_to_and_the_familys_copy(
    services, tmp_path, how
):
    status, _ = send_referral(
        services, referral(you__email=" Testy@B\u00dcCHER.Example ", you__send_me_a_copy=True), how
    )
    assert status in (201, 303)
    address = "Testy@xn--bcher-kva.example"  # the domain as IDNA, in lower case; the part before the @ kept
    assert stored(tmp_path, "referral")["answers"]["you"]["email"] == address
    team, copy = sorted(outbox(tmp_path), key=lambda m: str(m["To"]) == address)
    assert str(team["Reply-To"]) == address and str(copy["To"]) == address


def test_the_views_forms_copy_address_is_normalised_in_a_multipart_post(services, tmp_path):
    fields = [
        ("send_me_a_copy", "true"),
        ("copy_email", "Kit@\uff25\uff38\uff21\uff2d\uff30\uff2c\uff25.org"),
    ]
    status, _ = send_views(services, fields)
    assert status == 201
    assert stored(tmp_path, "child-views")["answers"]["copy_email"] == "Kit@example.org"
    assert "Kit@example.org" in [str(m["To"]) for m in outbox(tmp_path)]
