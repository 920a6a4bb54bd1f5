"""The HTML comes from templates (functions/forms/templates/): one macro per widget, autoescaped, the same on every
path (the form built into the site, the no-JavaScript page, the deadline calculator, the email's HTML part), and
Jinja2 is not imported when a Lambda handler starts."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from email import message_from_bytes, policy
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import jinja2
import pytest

from functions.forms.config import from_env
from functions.forms.domain import html
from functions.forms.domain.message import build_message
from functions.forms.domain.schemas import Field, Form, get_form
from functions.forms.domain.validate import FieldError
from functions.forms.web.app import handle
from functions.forms.web.page import FORM_END, FORM_START, form_page_with_errors
from functions.forms.web.render import render_form
from tests.unit.factories import referral

ROOT = Path(__file__).parents[3]
EVIL = '<script>alert("x")</script>'
ESCAPED = "&lt;script&gt;alert("  # then the quote, as &#34; or &quot;


def load_hook(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"{name}_hook", ROOT / "hooks" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Pages:
    """The built site's pages, as SitePages gives them (None: the page cannot be read)."""

    def __init__(self, page: str | None) -> None:
        self.page = page

    def read(self, page: str) -> str | None:
        return self.page


CONFIG = from_env({"VAR_DIR": "/tmp/unused", "SITE_URL": "http://127.0.0.1:8123/"})
BUILT = f"<html><head><title>Ask for help</title></head><body>{FORM_START}{FORM_END}</body></html>"


def date_fieldsets(page: str) -> list[str]:
    """The <fieldset ...> tag around each set of date boxes."""
    tags = []
    for boxes in re.finditer('class="kids-date"', page):
        start = page.rindex("<fieldset", 0, boxes.start())
        tags.append(page[start : page.index(">", start) + 1])
    return tags


# -- role="group" on every date, on every path ----------------------------------------------------------------


def test_the_hook_built_form_gives_each_date_fieldset_role_group():
    hook = load_hook("forms")
    page = SimpleNamespace(file=SimpleNamespace(src_uri="forms/referral.md", locale="en"))
    config = {"theme": {"language": "en"}, "site_url": "http://127.0.0.1:8123/"}
    built = hook.on_page_content("<p>Ask</p><!-- form: referral -->", page, config, None)
    fieldsets = date_fieldsets(built)
    assert len(fieldsets) == 2  # the child's date of birth and the decision letter's date
    assert all('role="group"' in tag for tag in fieldsets)
    assert 'aria-describedby="child-date_of_birth-hint"' in fieldsets[0]


@pytest.mark.parametrize("site_page", [BUILT, None], ids=["inside-the-built-page", "plain-page"])
def test_the_no_javascript_error_page_gives_each_date_fieldset_role_group(site_page):
    errors = [FieldError("child.date_of_birth", "#child-date_of_birth-day", "Enter a real date")]
    page = form_page_with_errors(get_form("referral"), {}, errors, CONFIG, Pages(site_page))
    fieldsets = date_fieldsets(page)
    assert len(fieldsets) == 2 and all('role="group"' in tag for tag in fieldsets)
    assert 'aria-describedby="child-date_of_birth-hint child-date_of_birth-error"' in fieldsets[0]
    assert "<title>Error: " in page


def test_a_plain_form_post_with_errors_gets_dates_with_role_group(services):
    body = urlencode({"child.date_of_birth-day": "31", "child.date_of_birth-month": "2"})
    event = {
        "rawPath": "/api/referrals",
        "headers": {"content-type": "application/x-www-form-urlencoded"},
        "requestContext": {"http": {"method": "POST", "path": "/api/referrals"}},
        "body": body,
        "isBase64Encoded": False,
    }
    response = handle(event, services)
    assert response["statusCode"] == 400
    fieldsets = date_fieldsets(response["body"])
    assert len(fieldsets) == 2 and all('role="group"' in tag for tag in fieldsets)


def test_the_paper_form_and_the_views_form_and_the_deadline_calculator_too():
    for page in (
        render_form(get_form("referral"), paper=True),
        render_form(get_form("referral", "ar")),
        load_hook("deadlines").calculator_html("work-out-your-dates/"),
    ):
        fieldsets = date_fieldsets(page)
        assert fieldsets and all('role="group"' in tag for tag in fieldsets)


def test_the_calculator_keeps_the_ids_and_empty_error_messages_its_script_fills():
    page = load_hook("deadlines").calculator_html("work-out-your-dates/")
    for field in ("letter", "certificate"):
        assert f'<div class="kids-form-group" id="{field}-group">' in page
        assert f'id="{field}-fieldset" aria-describedby="{field}-hint"' in page
        assert f'<p class="kids-error-message" id="{field}-error" hidden></p>' in page
        for part in ("day", "month", "year"):
            assert re.search(
                rf'<input[^>]*id="{field}-{part}"[^>]*autocomplete="off" spellcheck="false">', page
            )
    assert '<div role="alert"><h2 id="kids-deadlines-problem">There is a problem</h2>' in page


# -- autoescaping ----------------------------------------------------------------------------------------------


def evil_form() -> Form:
    """A form whose every word is markup: a mistake in a schema or a catalogue must still come out as text."""
    schema: dict[str, Any] = {
        "title": f"Title {EVIL}",
        "x-form": {
            "name": "evil",
            "route": "evil",
            "page": "forms/evil/",
            "confirmation_page": "forms/evil-sent/",
            "send_label": f"Send {EVIL}",
        },
    }
    fields = (
        Field("name", {"title": f"Name {EVIL}", "description": f"Hint {EVIL}"}, True),
        Field("story", {"title": EVIL, "x-widget": "textarea"}, False),
        Field("kind", {"title": EVIL, "x-widget": "radios", "enum": ["a"], "x-labels": {"a": EVIL}}, True),
        Field("when", {"title": EVIL, "x-widget": "date"}, True),
        Field("agree", {"title": EVIL, "x-widget": "checkbox", "x-link": {"page": "p/", "text": EVIL}}, True),
    )
    return Form(name="evil", schema=schema, fields=fields)


def test_words_answers_and_errors_are_escaped_in_the_form():
    typed = {
        "name": f'"><script>alert(1)</script>{EVIL}',
        "story": f"</textarea>{EVIL}",
        "when-day": f'"{EVIL}',
    }
    errors = [FieldError(path, f'#{path}"><script>', f"Error {EVIL}") for path in ("name", "kind", "when")]
    page = render_form(evil_form(), typed, errors)
    assert "<script" not in page and "</textarea></textarea>" not in page
    assert page.count(ESCAPED) >= 12
    assert re.search('value="&(#34|quot);&gt;&lt;script&gt;', page)
    assert re.search('href="#name&(#34|quot);&gt;&lt;script&gt;"', page)


@pytest.mark.parametrize("site_page", [BUILT, None], ids=["inside-the-built-page", "plain-page"])
def test_words_answers_and_errors_are_escaped_in_the_no_javascript_page(site_page):
    errors = [FieldError("name", "#name", f"Error {EVIL}")]
    page = form_page_with_errors(evil_form(), {"name": EVIL}, errors, CONFIG, Pages(site_page))
    assert "<script" not in page
    assert f'value="{ESCAPED}' in page


def test_answers_and_notes_are_escaped_in_the_emails_html_part():
    answers = referral(you__name=EVIL, disagreement=f"{EVIL}\n</td></tr></table>", local_authority=EVIL)
    record = {
        "form": "referral",
        "submission_id": answers["submission_id"],
        "reference": "ABCD2345",
        "received_at": "2026-11-28T10:00:00+00:00",
        "answers": answers,
    }
    built = build_message(record, sender="f@example.org", to="t@example.org", extra_lines=[f"Note {EVIL}"])
    parsed = message_from_bytes(built.as_bytes(), policy=policy.default)
    page = parsed.get_body(("html",)).get_content()
    assert "<script" not in page and page.count("</table>") == 1
    assert page.count(ESCAPED) == 4  # the name, the disagreement, the council and the note
    assert EVIL in parsed.get_body(("plain",)).get_content()  # the text part is text: as typed


def test_the_environment_is_autoescaped_and_strict():
    environment = html.environment()
    assert environment is html.environment()  # made once per process
    assert environment.autoescape is True
    assert issubclass(environment.undefined, jinja2.StrictUndefined)
    with pytest.raises(jinja2.UndefinedError):
        html.render("notice.html", heading="A page with no paragraphs given")


# -- one macro per widget, one line of HTML --------------------------------------------------------------------


def test_one_macros_file_has_a_macro_per_widget():
    macros = html.environment().get_template("macros.html").module
    for widget in ("text", "textarea", "radios", "checkbox", "date", "file", "error_summary", "honeypot"):
        assert callable(getattr(macros, widget)), widget
    for template in ("form.html", "email.html", "deadline_calculator.html"):
        source = (html.TEMPLATES_DIR / template).read_text(encoding="utf-8")
        assert '{% import "macros.html" as w %}' in source, template


def test_line_breaks_in_templates_are_not_in_the_html():
    assert html.join_lines("<p>\n    {{ a }}\n</p>\n<p>b </p>  \n\t<i>") == "<p>{{ a }}</p><p>b </p><i>"
    page = render_form(get_form("referral"))
    assert "\n" not in page
    story = render_form(evil_form(), {"story": "one\ntwo"})
    assert ">one\ntwo</textarea>" in story  # an answer's own line breaks are kept


# -- cold start -------------------------------------------------------------------------------------------------


def test_starting_the_api_handler_does_not_import_jinja2():
    code = (
        "import sys, functions.api; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'jinja2', 'markupsafe'}))"
    )
    found = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"
