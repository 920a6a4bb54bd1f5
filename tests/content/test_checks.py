"""Tests of the content checks (tools/content_check): each one passes on the real site and fails, with a
plain message naming the file and line, on a deliberately broken copy of a page."""

from __future__ import annotations

import http.server
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools.content_check import external_links, readability, spelling
from tools.content_check.cli import main
from tools.content_check.model import Page, Project

ROOT = Path(__file__).resolve().parents[2]
COPIED = ["docs", "data", "schemas", "hooks", "overrides", "functions", "mkdocs.yml", "content-words.txt"]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the repository's content, to break on purpose."""
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy2(source, tmp_path / name)
    return tmp_path


def edit(copy: Path, page: str, old: str, new: str) -> int:
    """Replace text in a copied page; returns the line number of the change."""
    path = copy / "docs" / page
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {page}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def append(copy: Path, page: str, text: str) -> int:
    path = copy / "docs" / page
    before = path.read_text(encoding="utf-8").rstrip("\n") + "\n\n"
    path.write_text(before + text + "\n", encoding="utf-8")
    return before.count("\n") + 1


def check_copy(capsys: pytest.CaptureFixture[str], copy: Path, only: str) -> tuple[int, str]:
    return run(capsys, "--docs", str(copy / "docs"), "--only", only, "--today", "2026-01-01")


def findings(output: str) -> set[str]:
    return {line for line in output.splitlines() if re.match(r"^[\w./-]+:\d+: ", line)}


def assert_passes(capsys: pytest.CaptureFixture[str], copy: Path, only: str) -> None:
    """The copy, after a harmless change, has no finding that the real site does not have."""
    _, real = run(capsys, "--only", only, "--today", "2026-01-01")
    _, output = check_copy(capsys, copy, only)
    assert findings(output) - findings(real) == set(), output


# The real site


def test_the_real_site_passes_every_check(capsys: pytest.CaptureFixture[str]) -> None:
    code, output = run(capsys)
    assert code == 0, output
    assert "Content checks passed" in output


# The strict build: links and anchors


def test_a_broken_link_names_the_file_and_line(capsys: pytest.CaptureFixture[str], copy: Path) -> None:
    line = edit(copy, "mediation.md", "(mediators.md)", "(mediatorz.md)")
    code, output = check_copy(capsys, copy, "build")
    assert code == 1
    assert (
        f"docs/mediation.md:{line}: The link 'mediatorz.md' goes to a page or file that does not exist"
        in output
    )


def test_a_broken_anchor_is_explained(capsys: pytest.CaptureFixture[str], copy: Path) -> None:
    line = edit(copy, "mediation.md", "(who-takes-part.md)", "(who-takes-part.md#no-such-heading)")
    code, output = check_copy(capsys, copy, "build")
    assert code == 1
    assert f"docs/mediation.md:{line}: The link 'who-takes-part.md#no-such-heading' goes to a part" in output


# Front matter


def test_bad_case_study_front_matter(capsys: pytest.CaptureFixture[str], copy: Path) -> None:
    page = "case-studies/example-transition-plan.md"
    edit(copy, page, "service: mediation\n", "service: mediaton\n")
    line = edit(copy, page, "service: mediaton", "service: mediaton")
    code, output = check_copy(capsys, copy, "front-matter")
    assert code == 1
    assert f"docs/{page}:{line}: 'service' is \"mediaton\", but it should be which service" in output
    assert "(schemas/content/case-study.schema.json)" in output


def test_case_study_missing_a_key(capsys: pytest.CaptureFixture[str], copy: Path) -> None:
    page = "case-studies/example-transition-plan.md"
    edit(copy, page, "illustrative: true\n", "")
    code, output = check_copy(capsys, copy, "front-matter")
    assert code == 1
    assert f"docs/{page}:1: Add the key 'illustrative:'" in output


def test_faq_question_without_a_question_mark(capsys: pytest.CaptureFixture[str], copy: Path) -> None:
    page = "faq/questions/time-limit.md"
    line = edit(copy, page, 'question: "How long do I have to get in touch?"', "question: How long do I have")
    code, output = check_copy(capsys, copy, "front-matter")
    assert code == 1
    assert (
        f"docs/{page}:{line}: 'question' is \"How long do I have\", but it should be the question" in output
    )


def test_front_matter_that_is_not_yaml(capsys: pytest.CaptureFixture[str], copy: Path) -> None:
    edit(copy, "contact.md", "title: Contact us", "title: Contact: us: [")
    code, output = check_copy(capsys, copy, "front-matter")
    assert code == 1
    assert "docs/contact.md:1: The front matter is not valid YAML" in output


# Headings, alt text, link text, review_by


def test_a_missing_alt_text(capsys: pytest.CaptureFixture[str], copy: Path) -> None:
    markdown = append(copy, "contact.md", "![](picture.png)")
    html = append(copy, "mias.md", '<img src="picture.png">')
    code, output = check_copy(capsys, copy, "structure")
    assert code == 1
    assert f"docs/contact.md:{markdown}: This image has no alt text." in output
    assert f"docs/mias.md:{html}: This image has no alt text." in output


def test_an_image_with_alt_text_passes(capsys: pytest.CaptureFixture[str], copy: Path) -> None:
    append(copy, "contact.md", "![Our office in Exampleton](picture.png)")
    assert_passes(capsys, copy, "structure")


def test_click_here_and_empty_link_text(capsys: pytest.CaptureFixture[str], copy: Path) -> None:
    vague = append(copy, "contact.md", "To read about mediation, [click here](mediation.md).")
    empty = append(copy, "contact.md", "[](mediation.md)")
    code, output = check_copy(capsys, copy, "structure")
    assert code == 1
    assert f'docs/contact.md:{vague}: The link text "click here" does not say where the link goes.' in output
    assert f"docs/contact.md:{empty}: This link has no text" in output


def test_skipped_heading_level_and_second_h1(capsys: pytest.CaptureFixture[str], copy: Path) -> None:
    skipped = append(copy, "contact.md", "#### Too deep")
    second = append(copy, "contact.md", "# Another main heading")
    code, output = check_copy(capsys, copy, "structure")
    assert code == 1
    assert (
        f"docs/contact.md:{skipped}: This heading is level 4 (####), but the heading before it is level 2"
        in output
    )
    assert f"docs/contact.md:{second}: The page has more than one main heading" in output


def test_headings_in_code_blocks_are_not_headings(capsys: pytest.CaptureFixture[str], copy: Path) -> None:
    append(copy, "contact.md", "```\n# not a heading\n#### nor this\n```")
    assert_passes(capsys, copy, "structure")


def test_review_by_past_is_a_warning_only(capsys: pytest.CaptureFixture[str], copy: Path) -> None:
    code, output = run(capsys, "--docs", str(copy / "docs"), "--only", "structure", "--today", "2099-01-01")
    assert code == 0, output
    assert re.search(r"docs/contact\.md:4: warning: This page was due for review on \d{4}-\d\d-\d\d", output)


def test_review_by_missing_or_not_a_date(capsys: pytest.CaptureFixture[str], copy: Path) -> None:
    edit(copy, "contact.md", "review_by: 2027-06-01\n", "")
    line = edit(copy, "mias.md", "review_by: 2027-06-01", "review_by: next year")
    code, output = check_copy(capsys, copy, "structure")
    assert code == 1
    assert "docs/contact.md:1: The front matter has no review_by date." in output
    assert f"docs/mias.md:{line}: review_by is 'next year', which is not a date." in output


# Spelling


def test_a_misspelling(capsys: pytest.CaptureFixture[str], copy: Path) -> None:
    line = edit(copy, "mediation.md", "The mediator helps everyone", "The mediator helps everyone recieve")
    code, output = check_copy(capsys, copy, "spelling")
    assert code == 1
    assert f'docs/mediation.md:{line}: "recieve" looks misspelt. Did you mean "receive"?' in output


def test_an_american_spelling(capsys: pytest.CaptureFixture[str], copy: Path) -> None:
    line = edit(copy, "mediation.md", "Mediation is informal.", "Mediation is informal and we organize it.")
    code, output = check_copy(capsys, copy, "spelling")
    assert code == 1
    assert f'docs/mediation.md:{line}: "organize" is the American spelling. Write "organise"' in output


def test_the_word_list_accepts_a_word(capsys: pytest.CaptureFixture[str], copy: Path) -> None:
    edit(copy, "mediation.md", "Mediation is informal.", "Mediation is informal, says Dr Recieve.")
    with (copy / "content-words.txt").open("a", encoding="utf-8") as handle:
        handle.write("recieve\n")
    assert_passes(capsys, copy, "spelling")


def test_links_code_and_addresses_are_not_spell_checked(
    capsys: pytest.CaptureFixture[str], copy: Path
) -> None:
    append(copy, "contact.md", "See `recieve` and [our centre](https://example.org/color/recieve).")
    assert_passes(capsys, copy, "spelling")


def test_british_words_that_look_american_are_kept() -> None:
    assert "practice" not in spelling.american()  # a noun in British English
    assert spelling.american()["color"] == ["colour"]
    assert spelling.american()["center"] == ["centre"]


# Facts kept in one place


def test_a_wrong_phone_number(capsys: pytest.CaptureFixture[str], copy: Path) -> None:
    line = append(copy, "contact.md", "Or call 0333 006 2836 in the evening.")
    code, output = check_copy(capsys, copy, "facts")
    assert code == 1
    assert (
        f'docs/contact.md:{line}: "0333 006 2836" is not our phone number: data/facts.yml says 03330 062 835.'
        in output
    )
    assert "Write {{ facts.phone }} instead" in output


def test_our_phone_number_written_by_hand(capsys: pytest.CaptureFixture[str], copy: Path) -> None:
    line = append(copy, "mediation.md", "Call [0333 006 2835](tel:+443330062835).")
    code, output = check_copy(capsys, copy, "facts")
    assert code == 1
    assert (
        f'docs/mediation.md:{line}: The phone number is written by hand as "0333 006 2835". '
        "Write {{ facts.phone }} instead, so it stays right everywhere."
    ) in output
    assert "Write {{ facts.phone_link }} instead" in output


def test_email_written_by_hand_or_wrong(capsys: pytest.CaptureFixture[str], copy: Path) -> None:
    same = append(copy, "contact.md", "Email senmediation@kids.org.uk.")
    wrong = append(copy, "contact.md", "Or mediation@kids.org.uk.")
    code, output = check_copy(capsys, copy, "facts")
    assert code == 1
    assert (
        f'docs/contact.md:{same}: The email address is written by hand as "senmediation@kids.org.uk"'
        in output
    )
    assert f'docs/contact.md:{wrong}: "mediation@kids.org.uk" is not our email address' in output


def test_time_limits_written_by_hand(capsys: pytest.CaptureFixture[str], copy: Path) -> None:
    same = append(copy, "contact.md", "The call takes about twenty minutes.")
    wrong = append(copy, "contact.md", "Contact us within 3 months of the date on the letter.")
    rate = append(copy, "contact.md", "Families agree in 85% of cases.")
    code, output = check_copy(capsys, copy, "facts")
    assert code == 1
    assert f'docs/contact.md:{same}: "twenty minutes" is written by hand' in output
    assert "Write {{ facts.mias_minutes }} minutes instead" in output
    assert (
        f'docs/contact.md:{wrong}: "within 3 months of the date" does not match data/facts.yml, which says '
        "2 months (contact_window_months)."
    ) in output
    assert f'docs/contact.md:{rate}: "85%" is written by hand' in output


def test_numbers_that_are_not_facts_pass(capsys: pytest.CaptureFixture[str], copy: Path) -> None:
    append(
        copy, "contact.md", "Numbers that start with 03330 are cheap. Zoom in to 400%. It takes 10 minutes."
    )
    append(copy, "contact.md", "We reply within 2 weeks. <!-- not-a-fact -->")
    append(copy, "contact.md", "The Information Commissioner's number is 0303 123 1113.")
    assert_passes(capsys, copy, "facts")


# Readability


HARD = (
    "Notwithstanding the aforementioned considerations, the local authority's determination regarding the "
    "educational, health and care provision must be communicated comprehensively to the parents, who may "
    "subsequently request independent mediation, disagreement resolution or an appeal to the First-tier "
    "Tribunal (Special Educational Needs and Disability) within the statutory timescales applicable. "
)


def test_a_hard_page_fails_readability(capsys: pytest.CaptureFixture[str], copy: Path) -> None:
    append(copy, "mias.md", HARD * 3)
    code, output = check_copy(capsys, copy, "readability")
    assert code == 1
    assert re.search(r"docs/mias\.md:\d+: This page is hard to read for its audience \(family\)", output)


def test_childrens_pages_have_a_stricter_limit(tmp_path: Path) -> None:
    text = "We will talk about what happens at school and what help you would like to have there. " * 8
    family = Page(path=tmp_path / "a.md", rel="docs/a.md", src="a.md", text=f"# Title\n\n{text}\n")
    child = Page(
        path=tmp_path / "b.md", rel="docs/children/b.md", src="children/b.md", text=f"# Title\n\n{text}\n"
    )
    family_score = readability.score(family, readability.text_of(family, {}))
    child_score = readability.score(child, readability.text_of(child, {}))
    assert family_score.grade == child_score.grade
    assert child.audience == "children" and child_score.limit < family_score.limit


def test_audience_front_matter_sets_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "docs" / "easy.md"
    path.parent.mkdir()
    path.write_text("---\ntitle: Easy\naudience: easy-read\n---\n# Easy\n", encoding="utf-8")
    page = Page.load(path, tmp_path / "docs")
    assert page.audience == "easy-read"
    assert readability.LIMITS["easy-read"] < readability.LIMITS["family"]


def test_translations_are_not_checked_for_english_spelling(tmp_path: Path) -> None:
    path = tmp_path / "docs" / "mediation.cy.md"
    path.parent.mkdir()
    path.write_text("---\ntitle: Cyfryngu\n---\n# Beth yw cyfryngu?\n\nrecieve\n", encoding="utf-8")
    page = Page.load(path, tmp_path / "docs")
    assert not page.is_english
    assert list(spelling.check(Project(root=tmp_path, docs=tmp_path / "docs"))) == []


def test_syllables() -> None:
    assert [readability.syllables(w) for w in ["cat", "table", "mediation", "agreement", "places"]] == [
        1,
        2,
        4,
        3,
        2,
    ]


# External links (a local web server stands in for the internet)


class Handler(http.server.BaseHTTPRequestHandler):
    def do_HEAD(self) -> None:
        self.send_response(200 if self.path == "/ok" else 404)
        self.end_headers()

    do_GET = do_HEAD

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def web() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_external_links_report_a_dead_page(tmp_path: Path, web: str) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text(f"# A\n\n[Works]({web}/ok) and [gone]({web}/gone).\n", encoding="utf-8")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "facts.yml").write_text("phone: x\n", encoding="utf-8")
    found = list(external_links.check(Project(root=tmp_path, docs=docs)))
    assert [(f.where, f.line) for f in found] == [("docs/a.md", 3)]
    assert (
        f"The link to {web}/gone does not work: the page is not there any more (error 404)"
        in found[0].message
    )


def test_external_links_are_not_part_of_the_default_checks(
    capsys: pytest.CaptureFixture[str], copy: Path
) -> None:
    append(copy, "contact.md", "[A site that does not exist](https://no-such-host.invalid/page).")
    assert_passes(capsys, copy, "structure,spelling,facts")
