"""MkDocs hook: build docs/404.md as site/404.html, with links that work from any address.

A web server sends 404.html for every missing address, however deep (/a/b/missing). MkDocs would build
404.md as 404/index.html with links relative to that folder, and the theme's own 404.html would be
served instead. This hook writes the page to 404.html (after the theme's, so it replaces it) and turns
its relative links into links from the site root (the path of site_url).
"""

from __future__ import annotations

import os
import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

SOURCE = "404.md"
DEST = "404.html"
ATTRIBUTE = re.compile(r'(\s(?:href|src|data-scope)=")([^"]*)(")')
CONFIG_BASE = re.compile(r'("base":\s*")([^"]*)(")')
ABSOLUTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|/|#)", re.IGNORECASE)


def on_files(files: Files, config: MkDocsConfig, **kwargs: Any) -> Files:
    """Send 404.md to 404.html at the site root."""
    file = files.get_file_from_path(SOURCE)
    if file is not None:
        file.dest_uri = DEST
        file.url = DEST
        file.abs_dest_path = os.path.normpath(os.path.join(config.site_dir, DEST))
    return files


def absolute(html: str, root: str) -> str:
    """Make each relative href, src and data-scope (and the theme's "base") start from the site root."""

    def fix(match: re.Match[str]) -> str:
        value = match.group(2)
        if ABSOLUTE.match(value):
            return match.group(0)
        return f"{match.group(1)}{urljoin(root, value)}{match.group(3)}"

    return CONFIG_BASE.sub(fix, ATTRIBUTE.sub(fix, html))


def on_post_page(output: str, page: Page, config: MkDocsConfig, **kwargs: Any) -> str:
    """Rewrite the 404 page's relative links so they work at any depth."""
    if page.file.src_uri != SOURCE:
        return output
    return absolute(output, urlsplit(config.site_url or "/").path or "/")


def on_post_template(output: str, template_name: str, config: MkDocsConfig, **kwargs: Any) -> str:
    """Leave the 404 page out of sitemap.xml: it is not a page to find in search engines."""
    if template_name != "sitemap.xml":
        return output
    return re.sub(r"\s*<url>\s*<loc>[^<]*/404\.html</loc>.*?</url>", "", output, flags=re.DOTALL)
