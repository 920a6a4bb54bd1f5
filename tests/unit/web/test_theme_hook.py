"""The build-time theme fixes: a named search dialog, and folded white space that keeps <pre> and <textarea>."""

from __future__ import annotations

import importlib.util
from pathlib import Path

spec = importlib.util.spec_from_file_location("theme_hook", Path(__file__).parents[3] / "hooks" / "theme.py")
theme = importlib.util.module_from_spec(spec)
spec.loader.exec_module(theme)


class Page:
    pass


def test_the_search_dialog_gets_a_name_in_the_pages_language():
    html = f"<body>{theme.SEARCH_DIALOG}</div></body>"
    out = theme.on_post_page(html, Page(), {"theme": {"language": "pl"}})
    assert 'aria-label="Szukaj w serwisie"' in out


def test_white_space_with_line_breaks_folds_but_pre_and_textarea_keep_theirs():
    html = "<p>one\n    two</p>\n\n   <pre>a\n    b</pre>  \n <textarea>x\n\n  y</textarea>\n\n<p>three</p>"
    out = theme.squeeze(html)
    assert out == "<p>one\ntwo</p>\n<pre>a\n    b</pre>\n<textarea>x\n\n  y</textarea>\n<p>three</p>"


def test_minify_drops_comments_and_indentation_but_keeps_line_breaks():
    source = "/* about */\nvar a = 1;\n    // note\n  var b = 'http://x';\n\n  return a\n"
    assert theme.minify(source, javascript=True) == "var a = 1;\nvar b = 'http://x';\nreturn a\n"
    assert theme.minify(".a { x: 1; } /* c */\n\n  .b {}\n", javascript=False) == ".a { x: 1; }\n.b {}\n"


def test_no_script_of_ours_has_a_comment_opener_inside_a_string():
    import re

    for path in (Path(__file__).parents[3] / "docs" / "javascripts").glob("*.js"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = re.sub(r"/\*.*?\*/", "", line)
            assert not re.search(r"[\"'`][^\"'`]*/\*", code), f"{path.name}:{number}"
