"""MkDocs hook: a light first view, and repeat views that fetch only the page.

- The theme's script (about 35 KB gzipped) is not loaded with the page: overrides/javascripts/theme-loader.js takes
  its place and loads it, with docs/javascripts/md-scope.js, only when someone opens search.
- The stylesheets in each page's head (the theme's, then extra_css, then overrides/stylesheets/theme-lite.css) become
  one file.
- Every stylesheet and script a page names is copied to static/NAME.HASH.EXT, named by its content, and the pages
  name that copy: it never changes, so browsers and CloudFront keep it for a year (devserver.py, template.yaml). The
  files keep their old names too, for anything that names them directly (functions/forms/templates/page.html).
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from pathlib import Path
from urllib.parse import urlsplit

from mkdocs.plugins import event_priority

STATIC = "static"
LOADER = "javascripts/theme-loader.js"
MD_SCOPE = "javascripts/md-scope.js"
LITE_CSS = "stylesheets/theme-lite.css"
COMBINED_CSS = "stylesheets/site.css"

_BUNDLE = re.compile(r'<script src="([^"]*?)assets/javascripts/bundle\.[0-9a-f]+\.min\.js"></script>')
_HEAD_STYLESHEET = re.compile(r'<link rel="stylesheet" href="([^"]+)">\n?')
# A stylesheet or script named by a page: href, src, or data-* (the loader's data-bundle and data-md-scope).
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
    # only when search is wanted.
    def loader(match: re.Match[str]) -> str:
        bundle = match.group(0)[len('<script src="') : -len('"></script>')]
        prefix = match.group(1)
        scope = prefix[:-1] if len(prefix) > 1 else (prefix or ".")
        return (
            f'<script src="{prefix}{LOADER}" data-bundle="{bundle}" data-md-scope="{prefix}{MD_SCOPE}" '
            f'data-scope="{scope}"></script>'
        )

    body = _BUNDLE.sub(loader, body, count=1)
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
    for target, sources in config["extra"].get("kids_combined_css", {}).items():
        (site / target).write_text(
            "".join((site / s).read_text(encoding="utf-8").rstrip("\n") + "\n" for s in sources),
            encoding="utf-8",
        )
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
