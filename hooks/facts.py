"""MkDocs hook: replace {{ facts.NAME }} in pages with the value from data/facts.yml.

An unknown name stops the build with a message that says which page and which name.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from mkdocs.exceptions import PluginError

FACTS_FILE = Path(__file__).resolve().parent.parent / "data" / "facts.yml"
PATTERN = re.compile(r"\{\{\s*facts\.([a-z_]+)\s*\}\}")

_facts: dict[str, object] = {}


def load_facts() -> dict[str, object]:
    """Read the facts file (the one place the service's facts live)."""
    with FACTS_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


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
    _facts.update(load_facts())
    config.setdefault("extra", {})["facts"] = dict(_facts)
    return config


def on_page_markdown(markdown, page, config, files, **kwargs):
    return substitute(markdown, _facts, page.file.src_uri)
