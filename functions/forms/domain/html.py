"""The one Jinja2 environment that draws every page, form and email HTML part, from functions/forms/templates/.

Autoescaped (every value is text unless it is `safe`) and strict (a name a template does not get is an error,
not an empty string). Made on first use, once per process: Jinja2 is imported only on the paths that draw HTML
(a form built into the site, a page for a browser without JavaScript, an email), never when a Lambda handler
starts.

Templates are laid out for reading, one element per line; the HTML they make is one line, as it always was:
a line break and the spaces or tabs around it are dropped before a template is compiled (`join_lines`). So a
tag, and a Jinja tag or expression, is kept on one line, and a space wanted between two lines is written out
(at the end of an element's text, before its closing tag, or as {{ " " }}).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported where the environment is made, not with this module
    import jinja2
    from markupsafe import Markup

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"

_LINE_BREAK = re.compile(r"[ \t]*\r?\n[ \t]*")


def join_lines(source: str) -> str:
    """A template's source with its line breaks, and the indentation around them, taken out."""
    return _LINE_BREAK.sub("", source)


@cache
def environment() -> jinja2.Environment:
    """The environment, made once per process (its templates are compiled when first used, then kept)."""
    import jinja2
    import jinja2.ext

    class JoinLines(jinja2.ext.Extension):
        def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
            return join_lines(source)

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=[JoinLines],
        auto_reload=False,  # the files do not change while a process runs
    )


def render(template: str, **context: Any) -> str:
    """A template drawn with these values, as a plain string (never Markup: see `safe`)."""
    return str(environment().get_template(template).render(**context))


def safe(html: str) -> Markup:
    """HTML drawn by these templates already, to put into another template as it is (not escaped again).

    Only for HTML this module drew: anything else given to a template is text, and is escaped."""
    from markupsafe import Markup

    return Markup(html)  # noqa: S704 - drawn by our own autoescaped templates
