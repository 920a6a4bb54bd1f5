"""What each built page loads (issue 20, hooks/assets.py): one stylesheet in the head, no theme script until search
is wanted, every stylesheet and script under a name that changes with its content, and in the stylesheet
no rule that nothing on the site can use."""

from __future__ import annotations

import hashlib
import posixpath
import re
from pathlib import Path

import pytest

from hooks import assets
from tests.conftest import build_site

REFERENCE = re.compile(r'\s(?:href|src|data-[a-z-]+)="([^":?#]+\.(?:css|js))"')
HASHED = re.compile(r"^static/[A-Za-z0-9._-]+\.([0-9a-f]{10})\.(css|js)$")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    build_site(out, "http://127.0.0.1:8000/")
    return out


@pytest.fixture(scope="module")
def pages(site: Path) -> dict[str, str]:
    found = {
        path.relative_to(site).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(site.rglob("*.html"))
        if path.relative_to(site).parts[0] not in {"assets", "search"}
    }
    assert len(found) > 100 and "index.html" in found and "pl/forms/referral/index.html" in found
    return found


def named(page: str, text: str) -> list[str]:
    """The site's own files a page names (stylesheets and scripts), as paths inside the site."""
    out = []
    for ref in REFERENCE.findall(text):
        path = (
            ref[1:]
            if ref.startswith("/")
            else posixpath.normpath(posixpath.join(posixpath.dirname(page), ref))
        )
        out.append(path)
    return out


def test_every_stylesheet_and_script_a_page_names_is_named_by_its_content(
    site: Path, pages: dict[str, str]
) -> None:
    seen: set[str] = set()
    for page, text in pages.items():
        for path in named(page, text):
            match = HASHED.match(path)
            assert match, f"{page} names {path}, which is not named by its content"
            seen.add(path)
    assert seen
    for path in seen:
        data = (site / path).read_bytes()
        assert hashlib.sha256(data).hexdigest()[:10] == HASHED.match(path).group(1), path  # type: ignore[union-attr]


def test_each_page_has_one_stylesheet_and_one_small_script_in_its_head(
    site: Path, pages: dict[str, str]
) -> None:
    for page, text in pages.items():
        head = text.split("</head>", 1)[0]
        assert len(re.findall(r'<link rel="stylesheet"', head)) == 1, page
        scripts = re.findall(r"<script[^>]*\ssrc=\"([^\"]+)\"", head)
        assert len(scripts) == 1 and "theme-loader." in scripts[0], page
        (loader,) = named(page, f' src="{scripts[0]}"')
        assert (site / loader).stat().st_size < 3000  # not the theme's script (114 KB)


def test_the_theme_script_loads_only_through_the_loader(site: Path, pages: dict[str, str]) -> None:
    (theme_bundle,) = (site / "assets" / "javascripts").glob("bundle.*.min.js")
    for page, text in pages.items():
        assert "assets/javascripts/bundle." not in text, page
        tags = re.findall(r'<script src="([^"]+)" data-bundle="([^"]+)" data-md-scope="([^"]+)"', text)
        assert len(tags) == 1, page
        loader, bundle, md_scope = (named(page, f' src="{ref}"')[0] for ref in tags[0])
        assert (site / loader).read_bytes() == (site / assets.LOADER).read_bytes()
        assert (site / bundle).read_bytes() == theme_bundle.read_bytes()
        assert (site / md_scope).read_bytes() == (site / assets.MD_SCOPE).read_bytes()


def test_the_one_stylesheet_holds_the_theme_then_ours(site: Path, pages: dict[str, str]) -> None:
    (theme_css,) = (site / "assets" / "stylesheets").glob("main.*.min.css")
    (sheet,) = {
        p for p in named("index.html", pages["index.html"].split("</head>", 1)[0]) if p.endswith(".css")
    }
    text = (site / sheet).read_text(encoding="utf-8")
    extra = (site / "stylesheets" / "extra.css").read_text(encoding="utf-8")
    assert ".kids-cta" in text and ".kids-notice" in text
    assert text.index(".md-header") < text.index("--kids-purple")  # ours after the theme's: ours win
    assert len(text) < len(theme_css.read_text(encoding="utf-8")) + len(extra) + 2048


def test_files_keep_their_old_names_for_what_names_them_directly(site: Path) -> None:
    # functions/forms/templates/page.html (a form shown again when its page cannot be read) names extra.css.
    assert (site / "stylesheets" / "extra.css").is_file()
    assert (site / "javascripts" / "forms.js").is_file()


def test_rules_nothing_can_use_go_and_the_rest_stay() -> None:
    css = (
        ":root{--used:1px;--unused:url('data:image/svg+xml;charset=utf-8,<svg/>');--only-by-unused:2px}"
        ".kept{margin:var(--used)}.gone{margin:var(--only-by-unused);animation:spin 1s}"
        "@media screen{.gone,.kept:hover>p::before{color:red}.gone{color:blue}}"
        "a:not(.absent){color:green}[data-md-toggle=search]:checked~.kept{display:block}"
        "@keyframes spin{to{opacity:0}}@keyframes pulse{to{opacity:1}}.kept{animation:pulse 1s}"
    )
    out = assets.purge(css, {"kept", "p", "a", "data-md-toggle"})
    assert ".gone" not in out and "--unused" not in out and "--only-by-unused" not in out
    assert "@keyframes spin" not in out and "@keyframes pulse" in out
    assert "--used:1px" in out and ".kept{margin:var(--used)}" in out
    assert "@media screen{.kept:hover>p::before{color:red}}" in out
    assert "a:not(.absent){color:green}" in out  # what :not() names need not be on a page
    assert "[data-md-toggle=search]:checked~.kept{display:block}" in out


def test_what_scripts_draw_and_the_server_renders_keeps_its_rules(site: Path) -> None:
    words = assets.used_words(site)
    # forms.js draws Check your answers and error summaries; the server renders a form shown again with errors.
    script = (site / "javascripts" / "forms.js").read_text(encoding="utf-8")
    drawn = set(re.findall(r"(?<![\w-])kids-[a-z0-9_-]+", script))
    assert drawn and drawn <= words
    # The theme's script draws the search results; features the site has not turned on are left out.
    assert "md-search-result__item" in words
    assert not {w for w in words if w.startswith(("tabbed-", "md-annotation", "md-tooltip"))}


def test_the_stylesheet_keeps_search_and_drops_features_the_site_does_not_use(
    site: Path, pages: dict[str, str]
) -> None:
    (sheet,) = {
        p for p in named("index.html", pages["index.html"].split("</head>", 1)[0]) if p.endswith(".css")
    }
    text = (site / sheet).read_text(encoding="utf-8")
    assert ".md-search-result__item" in text and ".md-nav__link" in text and ".md-skip" in text
    assert ".tabbed-set" not in text and ".md-annotation" not in text and ".mermaid" not in text
    assert "[dir=rtl]" in text
