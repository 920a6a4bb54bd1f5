"""MkDocs hook: replace {{ facts.NAME }} in pages with the value from data/facts.yml.

An unknown name stops the build with a message that says which page and which name.
"""

from __future__ import annotations

import re

from mkdocs.exceptions import PluginError

from functions.forms.domain.facts import read_facts

PATTERN = re.compile(r"\{\{\s*facts\.([a-z_]+)\s*\}\}")

_facts: dict[str, object] = {}


def substitute(markdown: str, facts: dict[str, object], where: str) -> str:
    """Put each fact's value in place of its {{ facts.NAME }} marker."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in facts:
            raise PluginError(
                f"{where}: '{{{{ facts.{name} }}}}' names a fact that is not in data/facts.yml. "
                f"Check the spelling, or add the fact to data/facts.yml."
            )
        return str(facts[name])

    return PATTERN.sub(value, markdown)


def on_config(config, **kwargs):
    _facts.clear()
    _facts.update(read_facts())
    config.setdefault("extra", {})["facts"] = dict(_facts)
    return config


def on_page_markdown(markdown, page, config, files, **kwargs):
    return substitute(markdown, _facts, page.file.src_uri)
