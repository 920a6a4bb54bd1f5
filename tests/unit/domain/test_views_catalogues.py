"""The children's and young people's views form in Polish, Urdu and Arabic: each catalogue names only real fields,
gives every message the English schema has (and every other word a child reads), and the translated pages keep the
English pages' working parts (the form, the reference, the child's and the young person's words, the pictures)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from functions.forms.domain import i18n, schemas
from functions.forms.domain.facts import facts
from functions.forms.domain.schemas import get_form

LANGS = ["pl", "ur", "ar"]
ROOT = Path(__file__).resolve().parents[3]
DOCS = ROOT / "docs"
PAGES = ["forms/child-views", "forms/child-views-sent", "easy-read/your-views"]


def raw(lang: str) -> dict:
    """The catalogue as written (facts not filled in)."""
    path = i18n.I18N_DIR / f"child-views.{lang}.json"
    assert path.exists(), f"{path.name} is missing"
    return json.loads(path.read_text(encoding="utf-8"))


def english_fields() -> dict[str, schemas.Field]:
    return get_form("child-views").by_path()


@pytest.mark.parametrize("lang", LANGS)
def test_the_catalogue_awaits_review_and_names_only_real_fields(lang):
    data = raw(lang)
    assert data["translation_reviewed"] is False
    assert data["language"] == lang
    unknown = set(data["fields"]) - set(english_fields())
    assert not unknown, f"child-views.{lang}.json: not fields of the schema: {sorted(unknown)}"
    for path, entry in data["fields"].items():
        # A key the translate code does not read would stay English without a word said.
        assert set(entry) <= set(schemas.FIELD_KEYS), (path, set(entry) - set(schemas.FIELD_KEYS))
    assert set(data["form"]) <= set(schemas.FORM_KEYS)


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_of_the_english_schema_is_given(lang):
    fields = raw(lang)["fields"]
    missing = []
    for path, field in english_fields().items():
        english = field.schema.get("x-messages", {})
        given = fields.get(path, {}).get("x-messages", {})
        missing += [f"{path} x-messages.{key}" for key in sorted(set(english) - set(given))]
        extra = set(given) - set(english)
        assert not extra, f"{path}: messages the schema does not have: {sorted(extra)}"
    assert not missing, f"child-views.{lang}.json does not translate (shown in English): {missing}"
    form_messages = get_form("child-views").schema.get("x-messages", {})
    if "additionalProperties" in form_messages:
        assert "{name}" in raw(lang)["form"]["additionalProperties"]


@pytest.mark.parametrize("lang", LANGS)
def test_every_word_a_child_reads_is_given(lang):
    """Labels, hints, option labels and hints, the link's words and the no-JavaScript hint: none left English."""
    fields = raw(lang)["fields"]
    missing = []
    for path, field in english_fields().items():
        if field.widget == "hidden":
            continue
        entry = fields.get(path, {})
        for key in ("title", "description", "x-no-js-hint"):
            if key in field.schema and not entry.get(key):
                missing.append(f"{path} {key}")
        for key in ("x-labels", "x-option-hints", "x-link"):
            english = set(field.schema.get(key, {})) - {"page"}
            missing += [f"{path} {key}.{item}" for item in sorted(english - set(entry.get(key, {})))]
    assert not missing, missing
    form = raw(lang)["form"]
    english = get_form("child-views")
    assert form["title"] and form["send_label"]
    assert len(form["copy_next_steps"]) == len(english.settings.copy_next_steps)


@pytest.mark.parametrize("lang", LANGS)
def test_the_translated_form_uses_the_catalogue_and_one_wording(lang):
    form = get_form("child-views", lang)
    english = get_form("child-views")
    assert form.lang == lang and form.title != english.title
    assert form.settings.send_label != english.settings.send_label
    for path, field in form.by_path().items():
        # The young person's other wording is English: in another language the one wording serves everyone.
        assert "x-young-person" not in field.schema, path
        if field.widget != "hidden":
            assert field.label != english.by_path()[path].label, path
    age = form.by_path()["about.age"].schema["x-messages"]["maximum"]
    assert "{{" not in age and str(facts()["age_to"]) in age


@pytest.mark.parametrize("lang", LANGS)
def test_figures_come_from_the_facts(lang):
    text = (i18n.I18N_DIR / f"child-views.{lang}.json").read_text(encoding="utf-8")
    assert facts()["phone"] not in text and facts()["email"] not in text
    for name in re.findall(r"\{\{\s*facts\.([a-z_]+)\s*\}\}", text):
        assert name in facts(), name


def front_matter(text: str) -> dict:
    match = re.match(r"---\n(.*?)\n---\n", text, re.S)
    assert match, "no front matter"
    return yaml.safe_load(match.group(1))


def words_blocks(text: str) -> list[str]:
    return re.findall(r'data-kids-words="(child|young)"', text)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("page", PAGES)
def test_each_page_is_translated_beside_the_english_one_and_keeps_its_working_parts(page, lang):
    english = (DOCS / f"{page}.md").read_text(encoding="utf-8")
    translated_path = DOCS / f"{page}.{lang}.md"
    assert translated_path.exists(), translated_path
    translated = translated_path.read_text(encoding="utf-8")
    meta = front_matter(translated)
    assert meta["translation_reviewed"] is False
    assert meta["title"] != front_matter(english)["title"]
    assert front_matter(english).get("audience") == meta.get("audience")
    # The form, the reference and the two wordings (a child's and a young person's) are all there.
    for part in ("<!-- form: child-views -->", 'data-kids-fill="reference"'):
        assert (part in translated) == (part in english), part
    assert words_blocks(translated) == words_blocks(english)
    # Facts by name, never by hand; the same sources cited.
    english_facts = set(re.findall(r"\{\{\s*facts\.([a-z_]+)\s*\}\}", english))
    translated_facts = set(re.findall(r"\{\{\s*facts\.([a-z_]+)\s*\}\}", translated))
    assert english_facts <= translated_facts, english_facts - translated_facts
    assert facts()["phone"] not in translated
    assert re.findall(r"<!-- Source:.*?-->", translated) == re.findall(r"<!-- Source:.*?-->", english)


IMAGE = re.compile(r"!\[([^\]]*)\]\((images/[^)]+)\)")


@pytest.mark.parametrize("lang", LANGS)
def test_the_easy_read_page_has_the_same_pictures_with_translated_alt_text(lang):
    english = IMAGE.findall((DOCS / "easy-read/your-views.md").read_text(encoding="utf-8"))
    translated = IMAGE.findall((DOCS / f"easy-read/your-views.{lang}.md").read_text(encoding="utf-8"))
    assert [src for _, src in translated] == [src for _, src in english]
    for (alt, src), (english_alt, _) in zip(translated, english, strict=True):
        assert alt.strip() and alt != english_alt, src
        assert (DOCS / "easy-read" / src).exists(), src
