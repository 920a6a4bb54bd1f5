"""The service's facts (phone, email, time limits) from data/facts.yml, the one place they live."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import yaml

from functions.forms.domain.paths import DATA_DIR


@cache
def facts() -> dict[str, Any]:
    """The facts, read once per process."""
    with (DATA_DIR / "facts.yml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


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
