"""The site's languages are listed once (functions/forms/domain/languages.py); everything else agrees with it."""

from __future__ import annotations

import ast
from pathlib import Path

import yaml

from functions.forms.domain.languages import DEFAULT, LANGUAGES, RTL
from hooks import i18n as i18n_hook
from hooks import theme as theme_hook

ROOT = Path(__file__).resolve().parents[3]


def _mkdocs_languages() -> list[dict]:
    # mkdocs.yml uses !!python/name tags; a loader that ignores unknown tags reads the rest as plain data.
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("", lambda loader, suffix, node: None)
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)
    plugins = [p for p in config["plugins"] if isinstance(p, dict) and "i18n" in p]
    return plugins[0]["i18n"]["languages"]


def test_mkdocs_builds_exactly_the_languages_the_forms_know_in_the_same_order():
    built = _mkdocs_languages()
    assert [lang["locale"] for lang in built] == list(LANGUAGES)
    assert [lang["locale"] for lang in built if lang.get("default")] == [DEFAULT]
    # The switcher shows each language by its own name.
    assert {lang["locale"]: lang["name"] for lang in built} == {
        tag: names[1] for tag, names in LANGUAGES.items()
    }


def test_right_to_left_languages_are_languages_of_the_site():
    assert RTL <= set(LANGUAGES) - {DEFAULT}


def test_every_other_language_has_its_words_in_the_hooks_and_the_form_catalogue():
    others = set(LANGUAGES) - {DEFAULT}
    assert others <= set(i18n_hook.NOT_TRANSLATED)
    assert others <= set(theme_hook.SEARCH_LABELS)
    for lang in others:
        assert (ROOT / "schemas" / "i18n" / f"common.{lang}.json").is_file(), lang


def test_facts_yml_is_read_by_one_loader_only():
    """No module but functions.forms.domain.facts names the file as a path (its own read_facts is the loader)."""
    loader = ROOT / "functions" / "forms" / "domain" / "facts.py"
    readers = [
        str(path.relative_to(ROOT))
        for folder in ("functions", "hooks", "tools", "bench")
        for path in (ROOT / folder).rglob("*.py")
        if path != loader
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and node.value == "facts.yml"
    ]
    assert readers == []
