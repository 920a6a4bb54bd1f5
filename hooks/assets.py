"""MkDocs hook: a light first view, and repeat views that fetch only the page.

- The theme's script (about 35 KB gzipped) is not loaded with the page: overrides/javascripts/theme-loader.js (in the
  head) loads it, with docs/javascripts/md-scope.js, only when someone opens search.
- The stylesheets in each page's head (the theme's, then extra_css, then overrides/stylesheets/theme-lite.css) become
  one file, without the rules that nothing on the site can use (see `purge`).
- Every stylesheet and script a page names is copied to static/NAME.HASH.EXT, named by its content, and
  the pages name that copy: it never changes, so browsers and CloudFront keep it for a year (devserver.py,
  template.yaml). The files keep their old names too, for anything that names them directly
  (functions/forms/templates/page.html names stylesheets/extra.css).

Every page has the same stylesheets in its head (the ones a few pages add, forms.css and the like, are in the
page's content: hooks/forms.py), so there is one combined stylesheet for the whole site.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

import tinycss2
from mkdocs.plugins import event_priority

ROOT = Path(__file__).resolve().parent.parent

STATIC = "static"
LOADER = "javascripts/theme-loader.js"
MD_SCOPE = "javascripts/md-scope.js"
LITE_CSS = "stylesheets/theme-lite.css"
COMBINED_CSS = "stylesheets/site.css"

_BUNDLE = re.compile(r'<script src="([^"]*?)assets/javascripts/bundle\.[0-9a-f]+\.min\.js"></script>')
_HEAD_STYLESHEET = re.compile(r'<link rel="stylesheet" href="([^"]+)">\n?')
# A stylesheet or script named by a page: href, src, or data-* (the loader's data-bundle and data-md-scope). Pictures
# keep their names and places (tests/browser/test_easy_read.py: Easy Read pictures are under easy-read/images/).
_ASSET_REF = re.compile(r'(\s(?:href|src|data-[a-z-]+)=")([^":?#]+\.(?:css|js))"')


def _base_path(config) -> str:
    path = urlsplit(config["site_url"] or "/").path or "/"
    return path if path.endswith("/") else path + "/"


def _page_dir(dest_uri: str) -> str:
    return posixpath.dirname(dest_uri)


def _resolve(ref: str, page_dir: str, base: str) -> str | None:
    """The site-relative path a page's reference names, or None when it is not one of the site's files."""
    if ref.startswith("//"):
        return None
    if ref.startswith("/"):
        return ref[len(base) :] if ref.startswith(base) else None
    return posixpath.normpath(posixpath.join(page_dir, ref))


def _reference(target: str, page_dir: str, like: str, base: str) -> str:
    """A reference to target written as `like` was: from the site's root when it was, else relative to the page."""
    if like.startswith("/"):
        return base + target
    return posixpath.relpath(target, page_dir or ".")


def on_config(config, **kwargs):
    config.setdefault("extra", {})["kids_combined_css"] = {}
    return config


def on_post_page(output: str, page, config, **kwargs) -> str:
    base = _base_path(config)
    page_dir = _page_dir(page.file.dest_uri)
    head, sep, body = output.partition("</head>")
    sheets = [m.group(1) for m in _HEAD_STYLESHEET.finditer(head)]
    if sheets:
        sources = [_resolve(s, page_dir, base) for s in sheets]
        if all(sources):
            combined = [*sources, LITE_CSS]
            config["extra"]["kids_combined_css"][COMBINED_CSS] = combined
            first = True

            def one_link(match: re.Match[str]) -> str:
                nonlocal first
                if not first:
                    return ""
                first = False
                return (
                    f'<link rel="stylesheet" href="{_reference(COMBINED_CSS, page_dir, sheets[0], base)}">\n'
                )

            head = _HEAD_STYLESHEET.sub(one_link, head)

    # The theme's script, and md-scope.js (overrides/partials/javascripts/base.html no longer runs it in the head),
    # only when search is wanted: the loader takes their place, in the head (see theme-loader.js).
    found = _BUNDLE.search(body)
    if found:
        prefix = found.group(1)
        bundle = found.group(0)[len('<script src="') : -len('"></script>')]
        scope = prefix[:-1] if len(prefix) > 1 else (prefix or ".")
        body = body[: found.start()] + body[found.end() :]
        head += (
            f'<script src="{prefix}{LOADER}" data-bundle="{bundle}" data-md-scope="{prefix}{MD_SCOPE}" '
            f'data-scope="{scope}"></script>\n'
        )
    return head + sep + body


def _fingerprint(site: Path, relative: str, done: dict[str, str]) -> str | None:
    """static/NAME.HASH.EXT for a file of the site (copied there once), or None when there is no such file."""
    if relative in done:
        return done[relative]
    source = site / relative
    if relative.startswith(STATIC + "/") or not source.is_file():
        return None
    data = source.read_bytes()
    digest = hashlib.sha256(data).hexdigest()[:10]
    stem, ext = posixpath.splitext(posixpath.basename(relative))
    target = f"{STATIC}/{stem}.{digest}{ext}"
    (site / STATIC).mkdir(exist_ok=True)
    (site / target).write_bytes(data)
    done[relative] = target
    return target


@event_priority(-300)  # last: after the theme hook's minifying and every language's build (i18n's is -100)
def on_post_build(config, **kwargs):
    plugin = config["plugins"].get("i18n")
    if plugin is not None and plugin.building:
        return  # a language's own build, inside the English one: the whole site is done once, at the end
    site = Path(config["site_dir"])
    combined = config["extra"].get("kids_combined_css", {})
    words = used_words(site) if combined else set()
    for target, sources in combined.items():
        css = "".join((site / s).read_text(encoding="utf-8").rstrip("\n") + "\n" for s in sources)
        (site / target).write_text(purge(css, words), encoding="utf-8")
    base = _base_path(config)
    done: dict[str, str] = {}
    for html in site.rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        new = _hash_references(text, _page_dir(html.relative_to(site).as_posix()), site, base, done)
        if new != text:
            html.write_text(new, encoding="utf-8")


def _hash_references(text: str, page_dir: str, site: Path, base: str, done: dict[str, str]) -> str:
    """The page with each stylesheet and script it names replaced by that file's copy named by its content."""

    def hashed(match: re.Match[str]) -> str:
        ref = match.group(2)
        relative = _resolve(ref, page_dir, base)
        target = _fingerprint(site, relative, done) if relative else None
        if target is None:
            return match.group(0)
        return f'{match.group(1)}{_reference(target, page_dir, ref, base)}"'

    return _ASSET_REF.sub(hashed, text)


# ---------------------------------------------------------------- rules nothing can use
# As PurgeCSS does: a selector is kept when every class, id, element and attribute name it needs (outside :not(),
# :is() and the like, whose insides are not needed) is a word of something that can be on a page: the built pages'
# tags, our scripts (forms.js draws Check your answers, error summaries and the views form's questions), the
# server's templates (a form shown again with its errors, the confirmations), and the theme's script (search
# results, the header's title, the table wrapper ...) less the features this site has not turned on in mkdocs.yml.
# Then custom properties nothing reads and @keyframes nothing runs go too.

THEME_FEATURES_OFF = (
    "md-annotation",  # code annotations
    "data-md-annotation",
    "md-code",  # code blocks' copy and select buttons
    "md-clipboard",
    "data-md-copying",
    "md-dialog--",  # the "copied" message
    "highlight",  # highlighted code
    "filename",
    "md-tooltip",  # content.tooltips
    "md-tag",  # tags
    "md-version",  # versions (mike)
    "md-source",  # repository facts (no repo_url)
    "md-status",
    "tabbed-",  # content tabs
    "mermaid",
    "footnote",
    "data-md-color",  # palettes (palette: {})
)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_CUSTOM = re.compile(r"--[A-Za-z][A-Za-z0-9_-]*")
_VAR = re.compile(r"var\(\s*(--[A-Za-z0-9_-]+)")
_TAG = re.compile(r"<[^>]+>")
_FUNCTION = re.compile(r":[a-zA-Z-]+\(")
_ATTRIBUTE_VALUE = re.compile(r"\[\s*([^\]=~|^$*\s]+)[^\]]*\]")
_NEEDED = re.compile(r"\\.|::?[A-Za-z-]+|\[([A-Za-z_-][A-Za-z0-9_-]*)|[.#]?(-?[A-Za-z_][A-Za-z0-9_-]*)")


def used_words(site: Path) -> set[str]:
    """Every word that can name a class, id, element or attribute on one of the site's pages, and every custom
    property (--name) a page or script names."""
    texts = [tag for html in site.rglob("*.html") for tag in _TAG.findall(html.read_text(encoding="utf-8"))]
    texts += [
        t.read_text(encoding="utf-8") for t in (ROOT / "functions" / "forms" / "templates").glob("*.html")
    ]
    texts += [s.read_text(encoding="utf-8") for s in (site / "javascripts").glob("*.js")]
    words = {w for text in texts for w in [*_WORD.findall(text), *_CUSTOM.findall(text)]}
    # The stylesheets only some pages load (forms.css ...) read our custom properties (var(--kids-border)).
    words.update(
        name
        for sheet in (site / "stylesheets").glob("*.css")
        for name in _VAR.findall(sheet.read_text("utf-8"))
    )
    for bundle in (site / "assets" / "javascripts").glob("bundle.*.js"):
        text = bundle.read_text(encoding="utf-8")
        words.update(
            w for w in [*_WORD.findall(text), *_CUSTOM.findall(text)] if not w.startswith(THEME_FEATURES_OFF)
        )
    return words


def _without_functions(selector: str) -> str:
    """The selector without the insides of :not(), :is(), :where(), :has() and the like."""
    out, index = [], 0
    while match := _FUNCTION.search(selector, index):
        out.append(selector[index : match.start()])
        depth, index = 1, match.end()
        while index < len(selector) and depth:
            depth += {"(": 1, ")": -1}.get(selector[index], 0)
            index += 1
    out.append(selector[index:])
    return "".join(out)


def needed(selector: str) -> set[str]:
    """The names a selector needs on a page: classes, ids, elements, attributes (pseudo-classes need nothing)."""
    plain = _ATTRIBUTE_VALUE.sub(r"[\1", _without_functions(selector))
    return {m.group(1) or m.group(2) for m in _NEEDED.finditer(plain) if m.group(1) or m.group(2)}


def _selectors(prelude: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in prelude:
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    return [*parts, current.strip()]


def _kept_rules(rules: Iterable, words: set[str]) -> list:
    kept = []
    for rule in rules:
        if rule.type == "qualified-rule":
            selectors = [s for s in _selectors(tinycss2.serialize(rule.prelude)) if needed(s) <= words]
            if selectors:
                rule.prelude = tinycss2.parse_component_value_list(",".join(selectors))
                kept.append(rule)
        elif rule.type == "at-rule" and rule.lower_at_keyword in {"media", "supports"} and rule.content:
            inner = _kept_rules(tinycss2.parse_rule_list(rule.content), words)
            if inner:
                rule.content = tinycss2.parse_component_value_list("".join(r.serialize() for r in inner))
                kept.append(rule)
        elif rule.type not in {"whitespace", "comment"}:
            kept.append(rule)
    return kept


def _declarations(rule, keep) -> None:
    """Keep only the custom properties `keep` says yes to, in this rule and the rules inside it."""
    if rule.type == "at-rule" and rule.lower_at_keyword in {"media", "supports"} and rule.content:
        inner = tinycss2.parse_rule_list(rule.content)
        for each in inner:
            _declarations(each, keep)
        rule.content = tinycss2.parse_component_value_list("".join(r.serialize() for r in inner))
    elif rule.type == "qualified-rule":
        declarations = tinycss2.parse_blocks_contents(rule.content)
        chosen = [
            d
            for d in declarations
            if d.type == "declaration" and (not d.name.startswith("--") or keep(d.name))
        ]
        rule.content = tinycss2.parse_component_value_list(";".join(d.serialize() for d in chosen))


def purge(css: str, words: set[str]) -> str:
    """The stylesheet without the rules, custom properties and animations that nothing on the site can use."""
    rules = _kept_rules(tinycss2.parse_stylesheet(css), words)
    text = "".join(r.serialize() for r in rules)
    for _ in range(10):  # a custom property read only by another one that goes, goes too
        read = set(_VAR.findall(text)) | {w for w in words if w.startswith("--")}
        for rule in rules:
            _declarations(rule, read.__contains__)
        text, before = "".join(r.serialize() for r in rules), text
        if text == before:
            break
    # An animation nothing names goes (the theme's for features this site does not use).
    outside = "".join(
        r.serialize() for r in rules if not (r.type == "at-rule" and r.lower_at_keyword == "keyframes")
    )
    rules = [
        r
        for r in rules
        if not (r.type == "at-rule" and r.lower_at_keyword == "keyframes")
        or tinycss2.serialize(r.prelude).strip() in set(_WORD.findall(outside))
    ]
    return "".join(r.serialize() for r in rules) + "\n"
