"""Checks on the built public pages and on hooks/collections.py (the FAQ and case studies lists).

The site is built once, into a temporary folder, with `mkdocs build --strict`.
"""

from __future__ import annotations

import importlib.util
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType

import pytest
import yaml
from mkdocs.exceptions import PluginError

from tests.conftest import build_site

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"

# The service's facts, as the source (shared/source/service-description.txt) writes them.
SOURCE_FACTS = [
    "03330 062 835",
    "senmediation@kids.org.uk",
    "0 to 25",
    "2 months",
    "about 20 minutes",
    "about 4 weeks",
    "85%",
    "free",
    "Zoom",
    "Teams",
    "16",
]


class PageParser(HTMLParser):
    """Collects a page's title, meta description, h1 count, h2 texts and visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.description: str | None = None
        self.h1_count = 0
        self.h2s: list[str] = []
        self.text: list[str] = []
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "meta" and values.get("name") == "description":
            self.description = values.get("content") or ""
        if tag == "h1":
            self.h1_count += 1
        if tag == "h2":
            self.h2s.append("")
        if tag in {"title", "h2", "script", "style"}:
            self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1] == tag:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if "title" in self._open:
            self.title += data
        if "h2" in self._open:
            self.h2s[-1] += data
        if "script" not in self._open and "style" not in self._open:
            self.text.append(data)


def parse(path: Path) -> PageParser:
    parser = PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def load_collections() -> ModuleType:
    """Load hooks/collections.py under a name that does not hide Python's own `collections`."""
    spec = importlib.util.spec_from_file_location("kids_collections_hook", ROOT / "hooks" / "collections.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    build_site(out, "http://127.0.0.1:8000/")  # strict, and fails on any warning
    return out


@pytest.fixture(scope="module")
def pages(site: Path) -> dict[str, PageParser]:
    found = {
        path.relative_to(site).as_posix(): parse(path)
        for path in sorted(site.rglob("*.html"))
        if path.relative_to(site).parts[0] not in {"assets", "search"}
    }
    assert "index.html" in found
    return found


@pytest.fixture(scope="module")
def collections_hook() -> ModuleType:
    return load_collections()


@pytest.mark.parametrize("fact", SOURCE_FACTS)
def test_each_source_fact_is_on_the_site(pages: dict[str, PageParser], fact: str) -> None:
    text = " ".join(" ".join(page.text) for page in pages.values())
    text = re.sub(r"\s+", " ", text)
    assert fact in text


def test_every_page_has_exactly_one_h1(pages: dict[str, PageParser]) -> None:
    wrong = {name: page.h1_count for name, page in pages.items() if page.h1_count != 1}
    assert not wrong


def _language(name: str) -> str:
    """Each language's site (/pl/, /ur/, /ar/) has the English pages it has no translation for."""
    first = name.split("/", 1)[0]
    return first if first in {"pl", "ur", "ar"} else "en"


def test_titles_are_unique(pages: dict[str, PageParser]) -> None:
    counts = Counter((_language(name), page.title.strip()) for name, page in pages.items())
    assert all(counts.values()), counts
    assert [title for title, n in counts.items() if n > 1] == []


def test_descriptions_are_unique(pages: dict[str, PageParser]) -> None:
    missing = [name for name, page in pages.items() if not page.description]
    assert missing == []
    counts = Counter((_language(name), page.description) for name, page in pages.items())
    assert [text for text, n in counts.items() if n > 1] == []


def test_no_fact_markers_left(site: Path) -> None:
    left = [
        path.relative_to(site).as_posix()
        for path in site.rglob("*")
        if path.is_file()
        and path.suffix in {".html", ".json", ".xml"}
        and "{{ facts." in path.read_text("utf-8")
    ]
    assert left == []


def test_404_page_links_start_from_the_site_root(site: Path) -> None:
    html = (site / "404.html").read_text(encoding="utf-8")
    assert "Page not found" in html
    hrefs = re.findall(r'\shref="([^"]*)"', html)
    relative = [h for h in hrefs if not re.match(r"^(?:[a-z]+:|/|#)", h)]
    assert relative == []


def test_faq_questions_appear_in_order_as_h2s(pages: dict[str, PageParser]) -> None:
    questions = []
    for path in (DOCS / "faq" / "questions").glob("*.md"):
        meta = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])
        questions.append((meta["order"], meta["question"]))
    facts = yaml.safe_load((ROOT / "data" / "facts.yml").read_text(encoding="utf-8"))
    expected = [
        re.sub(r"\{\{\s*facts\.(\w+)\s*\}\}", lambda m: str(facts[m.group(1)]), q)
        for _, q in sorted(questions)
    ]
    h2s = [h.strip() for h in pages["faq/index.html"].h2s]
    assert [h for h in h2s if h in expected] == expected


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_faq_markdown_sorts_by_order(tmp_path: Path, collections_hook: ModuleType) -> None:
    for name, order in [("b", 30), ("a", 20), ("c", 10)]:
        write(
            tmp_path / "faq" / "questions" / f"{name}.md",
            f'---\nquestion: "Question {name}?"\norder: {order}\nreview_by: 2027-06-01\n---\n'
            f"Answer {name}.\n",
        )
    markdown = collections_hook.faq_markdown(tmp_path)
    assert re.findall(r"^## (.*)$", markdown, re.MULTILINE) == ["Question c?", "Question a?", "Question b?"]


def test_faq_question_with_missing_order_names_the_file(tmp_path: Path, collections_hook: ModuleType) -> None:
    write(
        tmp_path / "faq" / "questions" / "no-order.md",
        '---\nquestion: "Why?"\nreview_by: 2027-06-01\n---\nA.\n',
    )
    with pytest.raises(PluginError, match=r"no-order\.md.*'order'"):
        collections_hook.faq_markdown(tmp_path)


def test_case_study_with_bad_front_matter_names_the_file(
    tmp_path: Path, collections_hook: ModuleType
) -> None:
    write(
        tmp_path / "case-studies" / "bad-example.md",
        "---\ntitle: A title\ndescription: A plain description.\nreview_by: someday\n"
        "service: mediation\ndecision_type: plan_contents\nillustrative: true\n---\n# A title\n",
    )
    with pytest.raises(PluginError) as caught:
        collections_hook.case_studies_markdown(tmp_path)
    message = str(caught.value)
    assert "docs/case-studies/bad-example.md" in message
    assert "'summary'" in message
    assert "'review_by'" in message


def test_case_studies_list_marks_illustrative_ones(tmp_path: Path, collections_hook: ModuleType) -> None:
    write(tmp_path / "case-studies" / "index.md", "---\ntitle: Case studies\n---\n# Case studies\n")
    write(
        tmp_path / "case-studies" / "made-up.md",
        "---\ntitle: Made up\ndescription: A plain description.\nreview_by: 2027-06-01\n"
        "service: disagreement_resolution\nsummary: An invented story.\nillustrative: true\n---\n"
        '# Made up\n\n!!! note "Illustrative example"\n    Invented.\n',
    )
    assert collections_hook.case_studies_markdown(tmp_path) == (
        "- [Made up](made-up.md) (illustrative example): An invented story."
    )


def test_case_study_pages_in_docs_are_valid(collections_hook: ModuleType) -> None:
    assert "(illustrative example)" in collections_hook.case_studies_markdown(DOCS)
