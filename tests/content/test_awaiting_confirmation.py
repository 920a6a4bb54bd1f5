"""Tests of the 'awaiting confirmation' warning (tools/content_check/facts.py, check_awaiting): each fact that
data/facts.yml lists under awaiting_confirmation is shown as a warning with its file, line, reason and the pages
that use it, and never fails the checks."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from tools.content_check import facts
from tools.content_check.cli import main
from tools.content_check.model import WARNING, Project

ROOT = Path(__file__).resolve().parents[2]
COPIED = ["docs", "data", "schemas", "mkdocs.yml", "content-words.txt"]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the repository's content and facts, to change on purpose."""
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy2(source, tmp_path / name)
    return tmp_path


def check_copy(capsys: pytest.CaptureFixture[str], copy: Path) -> tuple[int, str]:
    return run(capsys, "--docs", str(copy / "docs"), "--only", "confirmation", "--today", "2026-01-01")


def write_facts(copy: Path, text: str) -> None:
    (copy / "data" / "facts.yml").write_text(text, encoding="utf-8")


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


FACTS = """\
phone: "03330 062 835"
email: senmediation@kids.org.uk
meeting_ways: online
interpreters: We can arrange an interpreter.
# Not confirmed yet.
awaiting_confirmation:
  meeting_ways: "Are meetings still online only?"
  # a note an editor left
  interpreters: Can we offer interpreters
"""


# The real site


def test_the_real_facts_awaiting_confirmation_are_warnings_only(capsys: pytest.CaptureFixture[str]) -> None:
    code, output = run(capsys, "--only", "confirmation", "--today", "2026-01-01")
    assert code == 0, output
    listed = (
        yaml.safe_load((ROOT / "data" / "facts.yml").read_text(encoding="utf-8")).get(facts.AWAITING) or {}
    )
    for name in listed:
        assert re.search(
            rf"^data/facts\.yml:\d+: warning: Awaiting confirmation: the service has not confirmed {name} yet\.",
            output,
            re.MULTILINE,
        ), output
    assert "Content checks passed" in output


def test_facts_awaiting_confirmation_are_only_ever_warnings() -> None:
    found = list(facts.check_awaiting(Project(root=ROOT, docs=ROOT / "docs")))
    assert all(finding.level == WARNING for finding in found)
    assert all(finding.check == "confirmation" for finding in found)


# A copy, changed on purpose


def test_each_fact_is_listed_with_its_line_reason_and_pages(
    capsys: pytest.CaptureFixture[str], copy: Path
) -> None:
    write_facts(copy, FACTS)
    page = copy / "docs" / "contact.md"
    page.write_text(
        page.read_text(encoding="utf-8") + "\nMeetings are {{ facts.meeting_ways }}.\n", encoding="utf-8"
    )
    code, output = check_copy(capsys, copy)
    assert code == 0, output
    ways = line_of(FACTS, "  meeting_ways:")
    interpreters = line_of(FACTS, "  interpreters:")
    assert (
        f"data/facts.yml:{ways}: warning: Awaiting confirmation: the service has not confirmed meeting_ways yet. "
        "Are meetings still online only? Used on "
    ) in output
    used = re.search(r"confirmed meeting_ways yet\. .*? Used on (.*?)\. When", output)
    assert used is not None, output
    assert "docs/contact.md" in used.group(1).split(", ")
    assert (
        f"data/facts.yml:{interpreters}: warning: Awaiting confirmation: the service has not confirmed "
        "interpreters yet. Can we offer interpreters. Not used on any page yet."
    ) in output
    assert "take its line out of awaiting_confirmation in data/facts.yml" in output
    assert "with 2 warning(s)" in output


def test_a_fact_used_by_a_form_is_listed_with_the_form(
    capsys: pytest.CaptureFixture[str], copy: Path
) -> None:
    write_facts(copy, FACTS)
    (copy / "schemas" / "extra.schema.json").write_text(
        '{"title": "Need an interpreter? {{ facts.interpreters }}"}', encoding="utf-8"
    )
    code, output = check_copy(capsys, copy)
    assert code == 0, output
    assert re.search(r"confirmed interpreters yet\..*Used on schemas/extra\.schema\.json\.", output)


def test_a_confirmed_fact_is_no_longer_listed(capsys: pytest.CaptureFixture[str], copy: Path) -> None:
    write_facts(copy, FACTS.replace('  meeting_ways: "Are meetings still online only?"\n', ""))
    code, output = check_copy(capsys, copy)
    assert code == 0, output
    assert "meeting_ways" not in output
    assert "confirmed interpreters yet" in output


def test_no_list_means_no_warnings(capsys: pytest.CaptureFixture[str], copy: Path) -> None:
    write_facts(copy, FACTS.split("# Not confirmed yet.")[0])
    code, output = check_copy(capsys, copy)
    assert code == 0, output
    assert "warning" not in output


def test_a_misspelt_name_is_a_warning_not_an_error(capsys: pytest.CaptureFixture[str], copy: Path) -> None:
    write_facts(copy, FACTS.replace("  interpreters: Can", "  interpeters: Can"))
    code, output = check_copy(capsys, copy)
    assert code == 0, output
    line = line_of(FACTS, "  interpreters:")
    assert (
        f"data/facts.yml:{line}: warning: Awaiting confirmation: 'interpeters' is not a fact in data/facts.yml."
        in output
    )


def test_a_plain_list_of_names_is_read_too(capsys: pytest.CaptureFixture[str], copy: Path) -> None:
    text = (
        FACTS.split("awaiting_confirmation:")[0]
        + "awaiting_confirmation:\n  - meeting_ways\n  - interpreters\n"
    )
    write_facts(copy, text)
    code, output = check_copy(capsys, copy)
    assert code == 0, output
    assert f"data/facts.yml:{line_of(text, '  - meeting_ways')}: warning: Awaiting confirmation" in output
    assert f"data/facts.yml:{line_of(text, '  - interpreters')}: warning: Awaiting confirmation" in output


def test_a_list_that_cannot_be_read_is_a_warning(capsys: pytest.CaptureFixture[str], copy: Path) -> None:
    write_facts(copy, FACTS.split("awaiting_confirmation:")[0] + "awaiting_confirmation: yes please\n")
    code, output = check_copy(capsys, copy)
    assert code == 0, output
    assert "data/facts.yml:1: warning: awaiting_confirmation cannot be read." in output


def test_the_list_does_not_disturb_the_other_fact_checks(
    capsys: pytest.CaptureFixture[str], copy: Path
) -> None:
    """The list is not a time limit or a phone number: the facts check on the real pages is unchanged."""
    code, output = run(capsys, "--docs", str(copy / "docs"), "--only", "facts", "--today", "2026-01-01")
    assert code == 0, output
    assert "awaiting" not in output.lower()
