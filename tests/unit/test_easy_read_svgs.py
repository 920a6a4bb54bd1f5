"""The Easy Read pictures are our own simple SVG files: valid XML, a <title>, nothing fetched from elsewhere."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "easy-read" / "images"
SVG_NS = "http://www.w3.org/2000/svg"
SVGS = sorted(IMAGES.glob("*.svg"))
# Elements that run code, load other files or embed other documents.
FORBIDDEN = {"script", "image", "foreignObject", "iframe", "object", "embed", "use", "feImage", "style"}


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def test_there_are_pictures():
    assert len(SVGS) >= 10


@pytest.mark.parametrize("path", SVGS, ids=lambda p: p.name)
def test_svg_parses_and_has_a_title(path: Path):
    root = ET.parse(path).getroot()
    assert root.tag == f"{{{SVG_NS}}}svg"
    assert root.get("viewBox"), "a viewBox lets the picture scale cleanly"
    title = root.find(f"{{{SVG_NS}}}title")
    assert title is not None and (title.text or "").strip(), "each picture needs a <title>"


@pytest.mark.parametrize("path", SVGS, ids=lambda p: p.name)
def test_svg_has_no_external_references(path: Path):
    text = path.read_text(encoding="utf-8")
    # The SVG namespace is a name, not a request; anything else that looks like an address is refused.
    without_namespace = text.replace(f'xmlns="{SVG_NS}"', "")
    for marker in ("http:", "https:", "//", "data:", "javascript:", "@import", "<!ENTITY", "<!DOCTYPE"):
        assert marker not in without_namespace, f"{path.name} contains {marker!r}"
    for element in ET.parse(path).getroot().iter():
        assert local(element.tag) not in FORBIDDEN, f"{path.name} has a <{local(element.tag)}>"
        for name, value in element.attrib.items():
            assert local(name) != "href", f"{path.name}: <{local(element.tag)}> has {name}={value!r}"
            assert not local(name).startswith("on"), f"{path.name}: event handler {name}"
            assert not re.search(r"url\(\s*['\"]?(?!#)", value), f"{path.name}: {name}={value!r}"
