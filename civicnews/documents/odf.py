"""ODT text from ``content.xml``, streamed with lxml.

Not odfpy: as fast on a 60-page notice (bench/documents.py --compare), but its
last release is from 2020 and it builds a pure-Python DOM of the whole document;
lxml is here already (parsel's) and streams.  ODF text is paragraphs and
headings (``text:p``, ``text:h``) with spans, spaces (``text:s``), tabs and line
breaks inside.
"""

from __future__ import annotations

import zipfile

from lxml import etree

from civicnews.documents.sink import TextSink

T = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_BLOCKS = (f"{T}p", f"{T}h")


def _flat(element: etree._Element) -> str:
    parts = [element.text or ""]
    for child in element:
        if child.tag == f"{T}s":
            parts.append(" " * int(child.get(f"{T}c", "1") or 1))
        elif child.tag in (f"{T}tab", f"{T}line-break"):
            parts.append(" ")
        elif child.tag not in _BLOCKS:  # a span, a link: its text
            parts.append(_flat(child))
        parts.append(child.tail or "")
    return "".join(parts)


def read(package: zipfile.ZipFile, sink: TextSink) -> None:
    with package.open("content.xml") as stream:
        for _event, element in etree.iterparse(
            stream, events=("end",), tag=_BLOCKS, resolve_entities=False, no_network=True
        ):
            if element.getparent() is not None and element.getparent().tag in _BLOCKS:
                continue  # a heading inside a paragraph: read with its parent
            sink.add(_flat(element))
            element.clear(keep_tail=True)
