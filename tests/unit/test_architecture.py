"""The house of the form back end (DEVELOPING.md): what import-linter's contracts (pyproject.toml) do not say.

Every module under functions/ is read with `ast`, so an import written inside a function counts like any other.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ROOT / "functions"
BOOTSTRAP = FUNCTIONS / "forms" / "bootstrap.py"
ADAPTERS = FUNCTIONS / "forms" / "adapters"
ENTRY_MOST_LINES = 30


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


MODULES: dict[str, Path] = {_module_name(p): p for p in sorted(FUNCTIONS.rglob("*.py"))}


@cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def imported_names(module: str, path: Path) -> Iterator[str]:
    """Every name a module imports, anywhere in it, made absolute: 'x.y' and, for `from x import y`, also 'x.y'."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, *([base] if base else [])])
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def _ours(name: str) -> str | None:
    """The module of ours a dotted name is or lies in ('functions.forms.domain.files.clean_key' -> ...files)."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for module, path in MODULES.items():
        for name in imported_names(module, path):
            target = _ours(name)
            if target is not None and target != module:
                graph[module].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or round a loop (Tarjan's strongly connected
    components, written without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            target = next(targets, None)
            if target is not None:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def test_the_cycle_finder_finds_a_loop_and_nothing_else():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_imports_inside_functions_and_relative_imports_count(tmp_path):
    module = tmp_path / "late.py"
    module.write_text(
        "def later():\n    from functions.forms.domain import files\n    from .. import config\n",
        encoding="utf-8",
    )
    names = set(imported_names("functions.forms.web.late", module))
    assert {"functions.forms.domain.files", "functions.forms.config"} <= names


def test_there_are_modules_to_check():
    assert {"functions.api", "functions.worker", "functions.forms.bootstrap"} <= set(MODULES)
    assert any(name.startswith("functions.forms.domain.") for name in MODULES)


def test_no_module_under_functions_is_part_of_an_import_cycle():
    assert cycles(import_graph()) == []


@pytest.mark.parametrize("entry", ["api.py", "worker.py"])
def test_the_lambda_entries_stay_short(entry):
    lines = (FUNCTIONS / entry).read_text(encoding="utf-8").splitlines()
    assert len(lines) < ENTRY_MOST_LINES, (
        f"functions/{entry} has {len(lines)} lines: move the work into forms/"
    )


def test_only_bootstrap_reads_the_backend_setting():
    readers = {
        path.relative_to(ROOT).as_posix()
        for path in MODULES.values()
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.Attribute) and node.attr == "backend"
    }
    assert readers == {BOOTSTRAP.relative_to(ROOT).as_posix()}


def test_only_bootstrap_names_both_adapters():
    aws, local = "functions.forms.adapters.aws", "functions.forms.adapters.local"
    both = {
        path.relative_to(ROOT).as_posix()
        for module, path in MODULES.items()
        if {aws, local} <= {_ours(name) for name in imported_names(module, path)}
    }
    assert both == {BOOTSTRAP.relative_to(ROOT).as_posix()}


def test_boto3_and_botocore_are_imported_only_under_adapters():
    importers = {
        path.relative_to(ROOT).as_posix()
        for module, path in MODULES.items()
        if any(name.split(".")[0] in {"boto3", "botocore"} for name in imported_names(module, path))
    }
    assert importers, "adapters/aws.py imports boto3: the search must find it"
    assert all(Path(ROOT / importer).is_relative_to(ADAPTERS) for importer in importers), importers
