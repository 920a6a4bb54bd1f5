"""The service's facts (phone, email, time limits) from data/facts.yml, the one place they live."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from functions.forms.domain.paths import DATA_DIR

FACTS_FILE = "facts.yml"


def read_facts(data_dir: Path = DATA_DIR) -> dict[str, Any]:
    """data/facts.yml as it is now: the one loader, used by the functions, the MkDocs hooks and tools/content_check
    (which reads a copy of the project in its tests, hence the folder)."""
    with (data_dir / FACTS_FILE).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


@cache
def facts() -> dict[str, Any]:
    """The facts, read once per process."""
    return read_facts()


_FACT = re.compile(r"\{\{\s*facts\.([a-z_]+)\s*\}\}")


def fill_facts(value: Any) -> Any:
    """Labels and hints may say {{ facts.NAME }}, like the pages, so a fact is written in one place only."""
    if isinstance(value, str) and "{{" in value:
        table = facts()
        return _FACT.sub(lambda m: str(table[m.group(1)]), value)
    if isinstance(value, dict):
        return {key: fill_facts(item) for key, item in value.items()}
    if isinstance(value, list):
        return [fill_facts(item) for item in value]
    return value
