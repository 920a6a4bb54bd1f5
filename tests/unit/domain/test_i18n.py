"""The forms in other languages: catalogues beside the schemas, messages in the page's language, the right
confirmation page, and the team's email in English naming the family's language."""

from __future__ import annotations

import base64
import json
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import urlencode

import pytest

from functions.forms.bootstrap import local_services
from functions.forms.config import from_env
from functions.forms.domain import i18n, languages, schemas
from functions.forms.domain.message import build_message
from functions.forms.domain.schemas import FORM_FILES, get_form
from functions.forms.domain.validate import validate
from functions.forms.web.app import handle
from functions.forms.web.render import render_form
from tests.unit.factories import referral

CATALOGUES = sorted((i18n.I18N_DIR).glob("*.json"))
FORM_CATALOGUES = [p for p in CATALOGUES if p.name.split(".")[0] in FORM_FILES]


@pytest.fixture
def services(tmp_path: Path):
    config = from_env(
        {"VAR_DIR": str(tmp_path), "SITE_URL": "http://127.0.0.1:8123/", "SITE_DIR": str(tmp_path / "none")}
    )
    return local_services(config)


def event(body: str, content_type="application/json", headers=None, query=None):
    return {
        "rawPath": "/api/referrals",
        "headers": {"content-type": content_type, "accept": "application/json", **(headers or {})},
        "queryStringParameters": query or {},
        "requestContext": {"http": {"method": "POST", "path": "/api/referrals"}},
        "body": base64.b64encode(body.encode()).decode(),
        "isBase64Encoded": True,
    }


def _english_strings(schema: dict) -> dict[str, set[str]]:
    """Each field path and the translatable keys its English schema has."""
    found: dict[str, set[str]] = {}
    for field in get_form(schema).by_path().values():
        keys = {k for k in schemas.FIELD_KEYS if k in field.schema}
        if field.widget in {"hidden"}:
            keys = {k for k in keys if k == "x-messages"}
        found[field.path] = keys
    return found


@pytest.mark.parametrize("path", FORM_CATALOGUES, ids=lambda p: p.name)
def test_every_key_in_a_form_catalogue_is_a_real_field_and_a_real_string(path):
    name, lang, _ = path.name.split(".")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["translation_reviewed"] in (True, False)
    assert lang in languages.LANGUAGES
    assert set(data) <= {"translation_reviewed", "language", "form", "fields"}
    assert set(data.get("form", {})) <= set(schemas.FORM_KEYS)
    form = get_form(name)
    paths = form.by_path()
    unknown = set(data["fields"]) - set(paths)
    assert not unknown, f"{path.name}: not fields of the {name} schema: {sorted(unknown)}"
    for field_path, entry in data["fields"].items():
        schema = paths[field_path].schema
        assert set(entry) <= set(schemas.FIELD_KEYS), (field_path, set(entry) - set(schemas.FIELD_KEYS))
        for key in ("x-labels", "x-option-hints", "x-messages"):
            extra = set(entry.get(key, {})) - set(schema.get(key, {}))
            assert not extra, f"{path.name}: {field_path} {key} has keys the schema does not: {extra}"
        for key in ("title", "description", "x-no-js-hint"):
            if key in entry:
                assert key in schema, (field_path, key)


def missing_strings(name: str, lang: str) -> list[str]:
    """The schema's strings a catalogue does not translate (they are shown in English)."""
    data = i18n.catalogue(name, lang)
    missing = []
    for field_path, keys in _english_strings(name).items():
        entry = data.get("fields", {}).get(field_path, {})
        for key in sorted(keys):
            english = get_form(name).by_path()[field_path].schema[key]
            if isinstance(english, dict):
                words = set(english) - {"page"}  # x-link's page is an address, not words
                absent = sorted(words - set(entry.get(key, {})))
                missing += [f"{field_path} {key}.{item}" for item in absent]
            elif key not in entry:
                missing.append(f"{field_path} {key}")
    return missing


@pytest.mark.parametrize("lang", ["pl", "ur", "ar"])
def test_the_referral_form_is_fully_translated_and_says_what_is_missing(lang):
    missing = missing_strings("referral", lang)
    assert missing == [], f"referral.{lang}.json does not translate (shown in English): {missing}"
    texts = i18n.catalogue("common", lang)["texts"]
    assert set(texts) == set(i18n.ENGLISH), set(i18n.ENGLISH) ^ set(texts)


@pytest.mark.parametrize("lang", ["pl", "ur", "ar"])
def test_the_views_form_is_translated_too(lang):
    assert missing_strings("child-views", lang) == []
    assert (
        get_form("child-views", lang).by_path()["agree_to_send"].label
        != get_form("child-views").by_path()["agree_to_send"].label
    )


def test_a_string_a_catalogue_lacks_falls_back_to_english(monkeypatch):
    words = i18n.catalogue("child-views", "pl")
    fields = {path: entry for path, entry in words["fields"].items() if path != "agree_to_send"}
    monkeypatch.setattr(i18n, "catalogue", lambda name, lang: {**words, "fields": fields})
    translated = schemas.translate(get_form("child-views"), "pl")
    assert (
        translated.by_path()["agree_to_send"].label
        == get_form("child-views").by_path()["agree_to_send"].label
    )
    assert translated.by_path()["share_with"].label != get_form("child-views").by_path()["share_with"].label


def test_validate_gives_polish_messages_and_english_stays_as_it_was():
    polish = {e.field: e.text for e in validate("referral", {}, lang="pl")}
    english = {e.field: e.text for e in validate("referral", {})}
    assert polish.keys() == english.keys()
    assert polish["service"] == "Wybierz, w czym możemy pomóc"
    assert english["service"] == "Select what you would like help with"
    assert polish["you.name"] == "Podaj swoje imię i nazwisko"
    assert get_form("referral", "en") is get_form("referral")
    assert get_form("referral", "pl-PL") is get_form("referral", "pl")
    assert get_form("referral", "fr") is get_form("referral")


def test_facts_are_filled_in_translations():
    hint = get_form("referral", "ur").by_path()["service"].schema["x-option-hints"]["mias"]
    assert "{{" not in hint and "20" in hint


def test_the_polish_form_has_polish_words_and_sends_its_language_without_javascript():
    html = render_form(get_form("referral", "pl"), base_url="/pl/")
    assert "Wystąpił problem" in html and "Dzień" in html and "(opcjonalnie)" in html
    assert '<input type="hidden" name="lang" value="pl">' in html
    assert 'data-kids-confirmation="/pl/forms/referral-sent/"' in html
    english = render_form(get_form("referral"))
    assert (
        "There is a problem" in english and 'name="lang"' not in english and "data-kids-text" not in english
    )


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("pl-PL,pl;q=0.9,en;q=0.8", "pl"),
        ("fr-FR, ar;q=0.5, en;q=0.4", "ar"),
        ("en-GB,en;q=0.9,ur;q=0.8", "en"),
        ("de, fr", None),
        ("ur;q=0, ar;q=0.2", "ar"),
        ("", None),
        (None, None),
        ("*", None),
    ],
)
def test_accept_language(header, expected):
    assert languages.from_accept_language(header) == expected


def test_the_page_language_wins_over_accept_language():
    assert languages.choose("en", "pl") == "en"
    assert languages.choose("ar", "pl") == "ar"
    assert languages.choose(None, "ur") == "ur"
    assert languages.choose("xx", "pl") == "en"


def test_json_api_answers_in_the_language_sent_and_by_accept_language(services):
    answers = referral(service=...)
    sent = handle(event(json.dumps({**answers, "lang": "pl"})), services)
    body = json.loads(sent["body"])
    assert sent["statusCode"] == 400 and body["title"] == "Wystąpił problem"
    assert body["errors"][0]["text"] == "Wybierz, w czym możemy pomóc"
    by_header = handle(event(json.dumps(referral(service=...)), headers={"accept-language": "ar"}), services)
    assert json.loads(by_header["body"])["errors"][0]["text"] == "اختر ما تريد المساعدة فيه"
    checked = handle(
        event(json.dumps(referral(service=...)), headers={"accept-language": "ur"}, query={"check": "1"}),
        services,
    )
    assert json.loads(checked["body"])["title"] == "ایک مسئلہ ہے"


def test_a_polish_referral_gets_a_reference_the_polish_confirmation_page_and_a_team_email_naming_polish(
    services, tmp_path
):
    response = handle(event(json.dumps({**referral(), "lang": "pl"})), services)
    assert response["statusCode"] == 201
    body = json.loads(response["body"])
    assert body["confirmation_url"].startswith("http://127.0.0.1:8123/pl/forms/referral-sent/?reference=")
    emails = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(emails) == 1  # no copy for the family: they did not ask
    message = message_from_bytes(emails[0].read_bytes(), policy=policy.default)
    text = message.get_body(("plain",)).get_content()
    assert "Language: Polish (pl)" in text.split("ABOUT YOU")[0]
    assert "Who are you?" in text or "WHO ARE YOU?" in text  # the labels stay in English


def test_a_plain_form_post_from_the_polish_page_is_redirected_to_the_polish_confirmation(services):
    answers = referral()
    form = {
        "submission_id": answers["submission_id"],
        "lang": "pl",
        "service": "mias",
        "you.role": "parent_carer",
        "you.name": "Testy",
        "you.email": "t@example.com",
        "you.contact_preference": "email",
        "child.name": "Kid",
        "child.date_of_birth-day": "27",
        "child.date_of_birth-month": "3",
        "child.date_of_birth-year": "2015",
        "local_authority": "Exampleshire",
        "decision.kind": "plan_contents",
        "decision.letter_date-day": "1",
        "decision.letter_date-month": "2",
        "decision.letter_date-year": "2026",
        "disagreement": "Something",
        "consent.share_with_local_authority": "true",
        "consent.privacy_notice_read": "true",
        "website": "",
    }
    response = handle(
        {
            **event(urlencode(form), "application/x-www-form-urlencoded"),
            "headers": {"content-type": "application/x-www-form-urlencoded"},
        },
        services,
    )
    assert response["statusCode"] == 303
    assert "/pl/forms/referral-sent/?reference=" in response["headers"]["Location"]


def test_a_plain_english_post_ignores_the_browser_language(services):
    form = {"service": "mias", "website": ""}
    response = handle(
        {
            **event(urlencode(form), "application/x-www-form-urlencoded"),
            "headers": {"content-type": "application/x-www-form-urlencoded", "accept-language": "pl"},
        },
        services,
    )
    assert response["statusCode"] == 400
    assert "There is a problem" in response["body"] and 'lang="en"' in response["body"]


def test_the_no_javascript_error_page_uses_the_built_page_of_the_language(tmp_path):
    site = tmp_path / "site"
    page = site / "pl" / "forms" / "referral"
    page.mkdir(parents=True)
    page.joinpath("index.html").write_text(
        '<html lang="pl"><title>Poproś o pomoc</title><!--kids-form-start--><!--kids-form-end--></html>',
        encoding="utf-8",
    )
    services = local_services(
        from_env({"VAR_DIR": str(tmp_path), "SITE_URL": "http://127.0.0.1:8123/", "SITE_DIR": str(site)})
    )
    response = handle(
        {
            **event(urlencode({"lang": "pl", "website": ""}), "application/x-www-form-urlencoded"),
            "headers": {"content-type": "application/x-www-form-urlencoded"},
        },
        services,
    )
    assert response["statusCode"] == 400
    assert "<title>Błąd: Poproś o pomoc</title>" in response["body"]
    assert "Wybierz, w czym możemy pomóc" in response["body"]


def test_the_team_email_for_an_english_form_has_no_language_line():
    record = {
        "form": "referral",
        "reference": "ABCD2345",
        "received_at": "2026-11-02T10:00:00+00:00",
        "lang": "en-GB",
        "answers": referral(),
    }
    assert "Language:" not in build_message(record, sender="a@example.com", to="b@example.com").as_string()
    record["lang"] = "ar"
    text = (
        build_message(record, sender="a@example.com", to="b@example.com").get_body(("plain",)).get_content()
    )
    assert "Language: Arabic (ar)" in text
