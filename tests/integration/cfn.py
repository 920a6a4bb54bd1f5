"""Read template.yaml (with its !Ref/!Sub/!GetAtt tags) as plain data, through cfn-lint's own loader."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"


@cache
def _load() -> dict[str, Any]:
    from cfnlint.decode import cfn_yaml

    return cfn_yaml.load(str(TEMPLATE))


def load_template() -> dict[str, Any]:
    """The template: tags become their JSON form ({"Ref": ...}, {"Fn::Sub": ...}, {"Fn::GetAtt": [...]})."""
    return _load()


def functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: resource
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}
