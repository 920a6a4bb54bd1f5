"""MkDocs hook: replace {{ facts.NAME }} in pages with the value from data/facts.yml.

An unknown name stops the build with a message that says which page and which name.

The phone number and the email address are then drawn once, here, for every page: wherever the page's text shows
them (a page, a form's words, a notice), they become a tel: or mailto: link, isolated left to right so that they
read the same in Arabic and Urdu (`<bdi dir="ltr">`). Only text is changed: attribute values (the dates helper's
data, alt text), the page's <head> (title, description) and scripts keep the plain value. A page therefore writes
`{{ facts.phone }}`, never a link of its own around it.
"""

from __future__ import annotations

import re

from mkdocs.exceptions import PluginError

from functions.forms.domain.facts import read_facts

PATTERN = re.compile(r"\{\{\s*facts\.([a-z_]+)\s*\}\}")

_facts: dict[str, object] = {}


def substitute(markdown: str, facts: dict[str, object], where: str) -> str:
    """Put each fact's value in place of its {{ facts.NAME }} marker."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in facts:
            raise PluginError(
                f"{where}: '{{{{ facts.{name} }}}}' names a fact that is not in data/facts.yml. "
                f"Check the spelling, or add the fact to data/facts.yml."
            )
        return str(facts[name])

    return PATTERN.sub(value, markdown)


def on_config(config, **kwargs):
    _facts.clear()
    _facts.update(read_facts())
    config.setdefault("extra", {})["facts"] = dict(_facts)
    return config


def on_page_markdown(markdown, page, config, files, **kwargs):
    return substitute(markdown, _facts, page.file.src_uri)


def on_post_page(output, page, config, **kwargs):
    return link_contacts(output, _facts)


# Elements whose text is never made a link: scripts and styles, form boxes and menus, code, and links themselves
# (the value inside a link is only isolated).
_RAW = ("script", "style", "textarea", "title")
_NO_LINK = {"a", "button", "option", "code", "pre", "svg", "select", "label"}
_TAG = re.compile(r"<!--.*?-->|<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:[^\"'>]|\"[^\"]*\"|'[^']*')*)>", re.S)


def _contact_pattern(facts: dict[str, object]) -> tuple[re.Pattern[str] | None, str, str]:
    """One pattern for the phone number (with any spacing) and the email address, where each stands alone."""
    phone = str(facts.get("phone") or "").strip()
    phone_link = str(facts.get("phone_link") or "").strip()
    email = str(facts.get("email") or "").strip()
    parts = []
    if phone and phone_link:
        spaced = r"(?:\s|&nbsp;|\u00a0)+".join(re.escape(piece) for piece in phone.split())
        parts.append(rf"(?P<phone>(?<![\d+]){spaced}(?!\d))")
    if email:
        parts.append(rf"(?P<email>(?<![\w.+-]){re.escape(email)}(?![\w-]))")
    return (re.compile("|".join(parts), re.I) if parts else None), phone_link, email


def link_contacts(html: str, facts: dict[str, object]) -> str:
    """The phone number and email address in the body's text as tel: and mailto: links, isolated left to right."""
    pattern, phone_link, email = _contact_pattern(facts)
    body = html.find("<body")
    if pattern is None or body < 0:
        return html
    inside: dict[str, int] = {}

    def draw(match: re.Match[str]) -> str:
        value = match.group(0)
        if any(inside.get(name) for name in _NO_LINK):
            return value if inside.get("bdi") else f'<bdi dir="ltr">{value}</bdi>'
        if "phone" in pattern.groupindex and match.group("phone"):
            return f'<a class="kids-tel" href="tel:{phone_link}"><bdi dir="ltr">{value}</bdi></a>'
        return f'<a class="kids-email" href="mailto:{email}"><bdi dir="ltr">{value}</bdi></a>'

    out = [html[:body]]
    position = body
    while True:
        match = _TAG.search(html, position)
        if match is None:
            out.append(pattern.sub(draw, html[position:]))
            break
        out.append(pattern.sub(draw, html[position : match.start()]))
        out.append(match.group(0))
        position = match.end()
        name = (match.group(2) or "").lower()
        if not name or (match.group(1) and name not in inside):
            continue
        if name in _RAW and not match.group(1):
            # Script, style, textarea and title: their text is kept as it is, up to their end tag.
            end = re.compile(rf"</{name}\s*>", re.I).search(html, position)
            stop = end.start() if end else len(html)
            out.append(html[position:stop])
            position = stop
            continue
        if (name not in _NO_LINK and name != "bdi") or match.group(3).rstrip().endswith("/"):
            continue
        inside[name] = max(0, inside.get(name, 0) + (-1 if match.group(1) else 1))
    return "".join(out)
