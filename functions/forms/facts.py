"""The service's facts (phone, email, time limits) from data/facts.yml, the one place they live."""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml

from .paths import DATA_DIR


@cache
def facts() -> dict[str, Any]:
    """The facts, read once per process."""
    with (DATA_DIR / "facts.yml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)
