"""Shared fixtures of the unit tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from functions.forms.application.services import Services
from functions.forms.bootstrap import local_services
from functions.forms.config import from_env


@pytest.fixture
def services(tmp_path: Path) -> Services:
    """The local adapters in a fresh var/ folder, with no built site beside them."""
    config = from_env(
        {"VAR_DIR": str(tmp_path / "var"), "SITE_URL": "http://127.0.0.1:8000/", "SITE_DIR": ""}
    )
    return local_services(config)
