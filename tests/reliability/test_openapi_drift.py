"""openapi.yaml against the form schemas and routes: it cannot drift (no Schemathesis needed for this)."""

from __future__ import annotations

import yaml

from functions.forms.domain.schemas import FORM_FILES, get_form
from tests.reliability import openapi_doc


def test_openapi_yaml_matches_the_form_schemas_and_routes():
    path = openapi_doc.ROOT / "openapi.yaml"
    on_disk = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert on_disk == openapi_doc.build(), "run: python -m tests.reliability.openapi_doc"
    for name in FORM_FILES:
        assert on_disk["components"]["schemas"][name] == openapi_doc.form_schema(name)
        assert f"/api/{get_form(name).settings.route}" in on_disk["paths"]
    from openapi_spec_validator import validate

    validate(on_disk)
