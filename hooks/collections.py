"""MkDocs hook: build the FAQ page and the case studies list from small content files.

- Each question in docs/faq/questions/*.md (front matter: question, order, review_by; the answer is the
  body) goes in place of the line ``<!-- faq-questions -->`` in faq/index.md, as ``## question`` and its
  answer, sorted by ``order``. The folder itself is left out of the build (``exclude_docs`` in mkdocs.yml).
- Every page in docs/case-studies/ except index.md is listed in place of the line
  ``<!-- case-studies -->`` in case-studies/index.md, with its title and summary.

Front matter is checked against the JSON Schemas in schemas/content/. A problem stops the build with a
message that names the file and says what to fix. ``{{ facts.NAME }}`` markers in the inserted text are
filled in here too, so this hook works whatever its place in the ``hooks:`` list.
"""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from functions.forms.domain.facts import read_facts
from hooks.facts import substitute

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = ROOT / "schemas" / "content"
FAQ_PAGE = "faq/index.md"
FAQ_MARKER = "<!-- faq-questions -->"
CASES_PAGE = "case-studies/index.md"
CASES_MARKER = "<!-- case-studies -->"
ILLUSTRATIVE_NOTE = '!!! note "Illustrative example"'
FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?---[ \t]*(?:\n|\Z)", re.DOTALL)
HEADING = re.compile(r"^#{1,6}\s", re.MULTILINE)


_facts: dict[str, object] = {}


def load_validator(name: str) -> Draft202012Validator:
    """Read one JSON Schema from schemas/content/ and return a validator that also checks formats."""
    schema = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


FAQ_VALIDATOR = load_validator("faq.schema.json")
CASE_STUDY_VALIDATOR = load_validator("case-study.schema.json")


def read_front_matter(path: Path, where: str) -> tuple[dict[str, Any], str]:
    """Split a Markdown file into its YAML front matter (as JSON-like values) and its body."""
    text = path.read_text(encoding="utf-8")
    match = FRONT_MATTER.match(text)
    if match is None:
        raise PluginError(
            f"{where}: the file must start with front matter: a line '---', the keys, then another '---'."
        )
    try:
        meta = yaml.safe_load(match.group(1) or "") or {}
    except yaml.YAMLError as error:
        raise PluginError(
            f"{where}: the front matter is not valid YAML. Check the lines near: {error}"
        ) from error
    except ValueError as error:  # for example a date that does not exist, such as 2027-13-01
        raise PluginError(
            f"{where}: the front matter has a value that cannot be read ({error}). "
            "Write dates as a real date, like 2027-06-01."
        ) from error
    if not isinstance(meta, dict):
        raise PluginError(f"{where}: the front matter must be a list of 'key: value' lines.")
    # YAML reads 2027-06-01 as a date; the schemas describe it as text, as it is written in the file.
    meta = {k: v.isoformat() if isinstance(v, datetime.date) else v for k, v in meta.items()}
    return meta, text[match.end() :]


def _explain(error: ValidationError, validator: Draft202012Validator) -> str:
    """Turn one schema error into a plain instruction."""
    properties: dict[str, Any] = validator.schema.get("properties", {})
    if error.validator == "required":
        missing = [key for key in error.validator_value if key not in error.instance]
        key = missing[0] if missing else "?"
        hint = properties.get(key, {}).get("description", "")
        return f"add the key '{key}' ({hint})" if hint else f"add the key '{key}'"
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(properties))
        return (
            f"remove or correct the key(s) {', '.join(extra)}; the keys allowed are {', '.join(properties)}"
        )
    key = str(error.path[0]) if error.path else "?"
    hint = properties.get(key, {}).get("description", "")
    return f"correct '{key}': it should be {hint}" if hint else f"correct '{key}': {error.message}"


def check(meta: dict[str, Any], validator: Draft202012Validator, where: str) -> None:
    """If the front matter breaks the schema, raise a PluginError naming the file and what to fix."""
    errors = sorted(validator.iter_errors(meta), key=lambda e: (list(e.path), e.validator))
    if errors:
        fixes = "; ".join(dict.fromkeys(_explain(e, validator) for e in errors))
        raise PluginError(f"{where}: the front matter needs fixing: {fixes}.")


def replace_marker(markdown: str, marker: str, text: str, where: str) -> str:
    """Put text in place of the marker line, which must appear exactly once on a line of its own."""
    pattern = re.compile(rf"^[ \t]*{re.escape(marker)}[ \t]*$", re.MULTILINE)
    if len(pattern.findall(markdown)) != 1:
        raise PluginError(
            f"{where}: put the line {marker} on a line of its own, once, where the list should go."
        )
    return pattern.sub(lambda _: text, markdown)


def faq_markdown(docs_dir: Path) -> str:
    """The FAQ questions as Markdown: '## question' then the answer, sorted by order."""
    items: list[tuple[int, str, str]] = []
    seen: dict[int, str] = {}
    for path in sorted((docs_dir / "faq" / "questions").glob("*.md")):
        where = f"docs/{path.relative_to(docs_dir).as_posix()}"
        meta, body = read_front_matter(path, where)
        check(meta, FAQ_VALIDATOR, where)
        if not body.strip():
            raise PluginError(f"{where}: write the answer below the front matter.")
        if HEADING.search(body):
            raise PluginError(
                f"{where}: take out the headings (lines starting with #); the question is the heading."
            )
        if meta["order"] in seen:
            raise PluginError(
                f"{where}: order {meta['order']} is also used by {seen[meta['order']]}; pick another."
            )
        seen[meta["order"]] = where
        items.append((meta["order"], meta["question"], body.strip()))
    if not items:
        raise PluginError("docs/faq/questions/: add at least one question file.")
    return "\n\n".join(f"## {question}\n\n{answer}" for _, question, answer in sorted(items))


def case_studies_markdown(docs_dir: Path) -> str:
    """A list of links to the case studies, sorted by title, with each summary."""
    lines: list[tuple[str, str]] = []
    for path in sorted((docs_dir / "case-studies").glob("*.md")):
        if path.name == "index.md":
            continue
        where = f"docs/{path.relative_to(docs_dir).as_posix()}"
        meta, body = read_front_matter(path, where)
        check(meta, CASE_STUDY_VALIDATOR, where)
        if meta["illustrative"] and ILLUSTRATIVE_NOTE not in body:
            raise PluginError(f"{where}: an illustrative case study must have the note {ILLUSTRATIVE_NOTE}.")
        label = " (illustrative example)" if meta["illustrative"] else ""
        lines.append((meta["title"], f"- [{meta['title']}]({path.name}){label}: {meta['summary']}"))
    if not lines:
        return "There are no case studies yet."
    return "\n".join(line for _, line in sorted(lines))


def on_config(config: MkDocsConfig, **kwargs: Any) -> MkDocsConfig:
    """Read the facts file once per build."""
    _facts.clear()
    _facts.update(read_facts())
    return config


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files, **kwargs: Any) -> str:
    """Insert the FAQ questions or the case studies list into their index pages."""
    where = f"docs/{page.file.src_uri}"
    docs_dir = Path(config.docs_dir)
    if page.file.src_uri == FAQ_PAGE:
        markdown = replace_marker(markdown, FAQ_MARKER, faq_markdown(docs_dir), where)
    elif page.file.src_uri == CASES_PAGE:
        markdown = replace_marker(markdown, CASES_MARKER, case_studies_markdown(docs_dir), where)
    else:
        return markdown
    return substitute(markdown, _facts, where)
