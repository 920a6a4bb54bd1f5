"""`sam build` without Docker makes artefacts with our code, the schemas and data, the bundle, and no boto3.

aws-sam-cli lives in .sam-venv/ (made once by `make sam-venv`, then reused); installing it needs the
package registry. When it cannot be installed the test is skipped and says why, on a developer's machine; under CI
(the CI environment variable set, as CI=true; not "", "0", "false" or "no") it fails instead, with the same message.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, NoReturn

import pytest

from tests.integration.cfn import ROOT, functions, load_template

RUNTIME_PROVIDES = {"boto3", "botocore", "s3transfer"}
# import name -> the folder its distribution installs (when they differ)
INSTALLED_AS = {"yaml": "yaml", "PIL": "PIL", "jsonschema": "jsonschema"}
# The libraries that check and clean children's files: only the forms function has them (functions/Makefile).
CLEANING = {"PIL", "pillow_heif", "pypdf", "mutagen"}
CLEANS_FILES = {"ViewsFunction"}


def unavailable(message: str) -> NoReturn:
    """Skip on a developer's machine (no network, say); fail under CI, which must always build."""
    if os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    made = subprocess.run(["make", "-s", "sam-venv"], cwd=ROOT, capture_output=True, text=True, check=False)
    sam = ROOT / ".sam-venv" / "bin" / "sam"
    if made.returncode != 0 or not sam.exists():
        unavailable(
            f"aws-sam-cli could not be installed in .sam-venv (`make sam-venv`): {made.stderr[-500:]}"
        )
    build_dir = tmp_path_factory.mktemp("sam") / "build"
    env = {
        **os.environ,
        "SAM_CLI_TELEMETRY": "0",
        "PATH": f"{sam.parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    result = subprocess.run(
        [str(sam), "build", "--template", str(ROOT / "template.yaml"), "--build-dir", str(build_dir)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    assert "Build Succeeded" in result.stdout + result.stderr
    return build_dir


def _third_party_imports() -> set[str]:
    """Top-level modules that functions/ imports and are neither ours nor the standard library."""
    names: set[str] = set()
    for path in (ROOT / "functions").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n not in {"functions", "__future__"}}


def test_each_function_is_built_with_code_schemas_data_and_bundle_but_not_boto3(built: Path) -> None:
    template: dict[str, Any] = load_template()
    needed = _third_party_imports()
    # the scan sees the imports it should (pillow_heif, pypdf and mutagen are imported inside functions)
    assert {"jsonschema", "yaml", *CLEANING} <= needed
    schemas = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "schemas").rglob("*.json"))
    data = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "data").iterdir() if p.is_file())
    assert "data/facts.yml" in data and "data/bank-holidays.json" in data
    for name, function in functions(template).items():
        artefact = built / name
        handler_module = function["Properties"]["Handler"].rpartition(".")[0]
        assert (artefact / (handler_module.replace(".", "/") + ".py")).is_file(), name
        assert (artefact / "functions" / "forms" / "domain" / "paths.py").is_file()
        for relative in [*schemas, *data]:
            assert (artefact / relative).is_file(), f"{name} lacks {relative}"
        for package in RUNTIME_PROVIDES:
            assert not (artefact / package).exists(), f"{name} bundles {package}: the Lambda runtime has it"
        cleans = name in CLEANS_FILES
        for module in needed - RUNTIME_PROVIDES - (set() if cleans else CLEANING):
            folder = INSTALLED_AS.get(module, module)
            assert (artefact / folder).is_dir() or (artefact / f"{folder}.py").is_file(), (
                f"{name}: functions/ imports {module} but the artefact does not contain it"
            )
        assert not (artefact / "Makefile").exists() and not (artefact / "functions" / "Makefile").exists()
        assert not list(artefact.rglob("*.cpython-311.pyc"))  # nothing compiled for the wrong Python
        if not cleans:
            for module in CLEANING:
                assert not (artefact / module).exists(), f"{name} bundles {module}, which only cleaning needs"
            continue
        # pillow-heif's compiled part and the libheif it bundles, for the Lambda runtime (CPython 3.12, arm64)
        assert list(artefact.glob("_pillow_heif.cpython-312-aarch64-linux-gnu.so")), f"{name}: no pillow-heif"
        assert list((artefact / "pillow_heif.libs").glob("libheif-*.so*")), f"{name}: no libheif"
        assert not list(artefact.glob("_pillow_heif.cpython-3*-x86_64-linux-gnu.so"))


def test_the_built_template_points_at_the_artefacts(built: Path) -> None:
    text = (built / "template.yaml").read_text()
    for name in functions(load_template()):
        assert f"CodeUri: {name}" in text


@pytest.mark.parametrize("ci", ["true", "1"])
def test_under_ci_a_missing_sam_fails_rather_than_skips(monkeypatch: pytest.MonkeyPatch, ci: str) -> None:
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match="could not be installed"):
        unavailable("aws-sam-cli could not be installed")


@pytest.mark.parametrize("ci", [None, "", "false"])
def test_on_a_developers_machine_a_missing_sam_skips(monkeypatch: pytest.MonkeyPatch, ci: str | None) -> None:
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception, match="could not be installed"):
        unavailable("aws-sam-cli could not be installed")
