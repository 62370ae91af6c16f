"""Bylines and body lines: the author closing the body, the "(Nguồn: …)" source, CMS account
lines (``posted_by``), and the article's text lines without them.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable

from lxml import etree

from civicnews.parsers import blocks, datelines
from civicnews.text import normalize_inline

SOURCE_LINE = re.compile(r"^[\(\[]?\s*(nguồn|theo|nguon)\s*[:：].{1,200}$", re.I)


def _is_right_aligned(el: etree._Element) -> bool:
    style = (el.get("style") or "").replace(" ", "").lower()
    return "text-align:right" in style or (el.get("align") or "").lower() == "right"


_INLINE_SOURCE = re.compile(r"^(.*?)\s*[\(\[]\s*((?:nguồn|theo)\s*[:：].*?)[\)\]]?\s*$", re.I)


def find_author(body: etree._Element) -> tuple[str | None, str | None, str | None]:
    """The author: the last right-aligned short line of the body, usually bold.

    Returns ``(name, line, source)``: the line as printed (to drop it from the
    body) and an inline "(Nguồn: ...)" note printed on the same line.
    """
    candidates = [el for el in body.iter() if isinstance(el.tag, str) and _is_right_aligned(el)]
    for el in reversed(candidates):
        line = normalize_inline(" ".join(el.itertext())) or ""
        if not line or SOURCE_LINE.match(line) or datelines.looks_like_date_line(line):
            continue
        name, source = line, None
        m = _INLINE_SOURCE.match(line)
        if m and m.group(1):
            name, source = m.group(1).strip(), m.group(2).strip()
        if len(name) <= 60 and len(name.split()) <= 8:
            return name, line, source
        break
    return None, None, None


def body_lines(
    body: etree._Element,
    *,
    author_line: str | None = None,
    title: str | None = None,
    drop: Iterable[etree._Element] = (),
) -> tuple[list[str], str | None, str | None]:
    """Article text lines without furniture; returns (lines, date_line, source_line).

    A date line at the top of the body (Word-pasting editors put it there) is
    lifted out and returned, and so are a trailing author and "(Nguồn: ...)" line.
    """
    el = copy.deepcopy(body)
    drop_ids = {id(d) for d in drop}
    if drop_ids:
        # Map the dropped elements into the copy by their position in the tree.
        orig = list(body.iter())
        copied = list(el.iter())
        for o, c in zip(orig, copied, strict=False):
            if id(o) in drop_ids and c.getparent() is not None:
                c.getparent().remove(c)
    lines = blocks.clean_lines(blocks.block_text(el))
    date_line = None
    for i, line in enumerate(lines[:3]):
        if datelines.looks_like_date_line(line):
            date_line = line
            del lines[i]
            break
    if title:
        lines = [line for line in lines[:2] if line != title] + lines[2:]
    source = None
    # Trailing author / source lines, in either order, are not article text.
    for _ in range(3):
        if not lines:
            break
        last = lines[-1]
        if author_line and last == author_line:
            lines.pop()
        elif SOURCE_LINE.match(last) and len(last) < 200:
            source = last.strip("()[] ")
            lines.pop()
        else:
            break
    return lines, date_line, source


def trim_tail(lines: list[str], author_line: str | None) -> tuple[list[str], str | None]:
    """Drop tool rows ("Trở về | In bài") that a wide block keeps after the author and source.

    ``body_lines`` only removes the author and source when they end the text; in a
    block wider than the body they sit above such rows, so the rows go first, then them.
    """
    source = None
    lines = list(lines)
    while lines:
        last = lines[-1]
        if all(blocks.is_boilerplate_line(part.strip()) for part in last.split("|")):
            lines.pop()
        elif author_line and last == author_line:
            lines.pop()
        elif SOURCE_LINE.match(last) and len(last) < 200:
            source = source or last.strip("()[] ")
            lines.pop()
        else:
            break
    return lines, source


def author_after(block: etree._Element, source: str | None) -> tuple[str | None, str | None]:
    """An author panel just after the body (SharePoint's "pnNguontin" and kin)."""
    siblings = [s for s in block.itersiblings() if isinstance(s.tag, str)][:2]
    for sib in siblings:
        text = normalize_inline(" ".join(sib.itertext())) or ""
        if not text or len(text) > 200:
            continue
        name, _line, inline_source = find_author(sib)
        if name:
            for line in blocks.block_text(sib).split("\n"):
                if SOURCE_LINE.match(line):
                    inline_source = inline_source or line.strip("()[] ")
            return name, source or inline_source
    return None, source
