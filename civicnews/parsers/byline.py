"""Bylines and body lines: the author closing the body, the "(Nguồn: …)" source, CMS account
lines (``posted_by``), and the article's text lines without them.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from typing import NamedTuple

from lxml import etree

from civicnews.parsers import blocks, datelines
from civicnews.text import normalize_inline

SOURCE_LINE = re.compile(r"^[\(\[]?\s*(nguồn|theo|nguon)\s*[:：].{1,200}$", re.I)


def _is_right_aligned(el: etree._Element) -> bool:
    style = (el.get("style") or "").replace(" ", "").lower()
    return "text-align:right" in style or (el.get("align") or "").lower() == "right"


_INLINE_SOURCE = re.compile(r"^(.*?)\s*[\(\[]\s*((?:nguồn|theo)\s*[:：].*?)[\)\]]?\s*$", re.I)


_AUTHOR_LABEL = re.compile(
    r"^(?:tác giả|người viết|phóng viên|pv|btv|ctv|nhóm pv|"
    r"(?:bài|tin|ảnh)(?:,? (?:và )?(?:ảnh|bài|clip|video))?)\s*[:：]\s*(.+)$",
    re.I,
)
_GROUP = re.compile(r"^nhóm (?:pv|phóng viên|ctv|tác giả)\b", re.I)
#: Account names a CMS prints for whoever posted the page; never a byline.
_ACCOUNT = re.compile(r"^(?:admin(?:istrator)?|quản trị(?: viên)?|quantri|webmaster|test)\b", re.I)
_CONNECTORS = {"và", "-", "–", "&", ",", "/"}
_EMPHASIS = ("strong", "b", "em", "i")
_LAST_LINES = 4  # blocks looked at, from the end of the body, for a byline


class Byline(NamedTuple):
    name: str | None
    line: str | None  # the line as printed, to drop from the body
    source: str | None  # an inline "(Nguồn: ...)" printed on the same line
    rule: str | None  # "byline-right", "byline-bold-end", "byline-label"...


NO_BYLINE = Byline(None, None, None, None)


def is_account(text: str | None) -> bool:
    """A CMS account line ("admin admin", "Administrator"), not a person who wrote."""
    return bool(text) and bool(_ACCOUNT.match(text.strip()))


def name_like(text: str) -> bool:
    """A person's or a team's name: short, its words capitalised ("Minh Vịnh", "Nhóm PV")."""
    if not text or len(text) > 60 or re.search(r"\d|[.:;!?]$", text) or is_account(text):
        return False
    if _GROUP.match(text):
        return True
    words = [w for w in re.split(r"[\s,]+", text) if w and w not in _CONNECTORS]
    if not 1 <= len(words) <= 7 or not words[0][:1].isupper():
        return False
    return sum(w[:1].isupper() for w in words) >= 0.75 * len(words)


def _split_source(line: str) -> tuple[str, str | None]:
    m = _INLINE_SOURCE.match(line)
    if m and m.group(1):
        return m.group(1).strip(), m.group(2).strip()
    return line, None


def emphasised(el: etree._Element) -> bool:
    """All of ``el``'s text sits inside bold or italic elements (or ``el`` inside one:
    editors wrap a whole paragraph, "<strong><p>...</p></strong>")."""
    if any(a.tag in _EMPHASIS for a, _ in zip(el.iterancestors(), range(3), strict=False)):
        return True
    for text in el.xpath(".//text()"):
        if not str(text).strip(" \xa0\t\r\n()"):
            continue
        owner = text.getparent()
        chain = [owner, *owner.iterancestors()] if owner is not None else []
        emphasised = False
        for node in chain:
            if node is el:
                emphasised = emphasised or (el.tag in _EMPHASIS and not text.is_tail)
                break
            if node.tag in _EMPHASIS and not (text.is_tail and node is owner):
                emphasised = True
                break
        if not emphasised:
            return False
    return True


def _last_blocks(body: etree._Element) -> list[etree._Element]:
    """The innermost block elements holding text, last first, up to a few."""
    out: list[etree._Element] = []
    for el in reversed(list(body.iter(*_BYLINE_BLOCKS))):
        if any(o is el or el in o.iterancestors() for o in out):
            continue
        if any(d.tag in _BYLINE_BLOCKS for d in el.iterdescendants()):
            continue  # not innermost: its inner blocks are looked at instead
        if not (normalize_inline(" ".join(el.itertext())) or ""):
            continue
        out.append(el)
        if len(out) >= _LAST_LINES:
            break
    return out


_BYLINE_BLOCKS = ("p", "div", "td", "h4", "h5", "h6", "li")


def first_block(body: etree._Element) -> etree._Element | None:
    """The first innermost block of ``body`` holding text (the lead paragraph)."""
    for el in body.iter(*_BYLINE_BLOCKS):
        if el is body or any(d.tag in _BYLINE_BLOCKS for d in el.iterdescendants()):
            continue
        if normalize_inline(" ".join(el.itertext())):
            return el
    return None


def bold_lead(body: etree._Element) -> etree._Element | None:
    """A bold paragraph of at least a sentence opening the body: the sapo, where no element
    is named like one."""
    first = first_block(body)
    if first is None or first.find(".//img") is not None:
        return None
    text = normalize_inline(" ".join(first.itertext())) or ""
    return first if 60 <= len(text) <= 800 and emphasised(first) else None


def find_account(body: etree._Element) -> tuple[str | None, str | None]:
    """The CMS account a page prints as its poster ("admin admin", "Admin English"), among the
    last lines of ``body``: ``(name, line)``, the line to drop from the body."""
    for el in _last_blocks(body):
        line = normalize_inline(" ".join(el.itertext())) or ""
        if is_account(line) and len(line) <= 40:
            return line, line
    return None, None


def find_author(body: etree._Element) -> Byline:
    """The author closing the body: the last right-aligned short line (usually bold), else a
    short bold or italic name paragraph among the last lines ("<p><strong>Vũ Phương
    Nhi</strong></p>", source lines after it aside), else a labelled line ("Bài, ảnh: ...").
    """
    candidates = [el for el in body.iter() if isinstance(el.tag, str) and _is_right_aligned(el)]
    for el in reversed(candidates):
        line = normalize_inline(" ".join(el.itertext())) or ""
        if not line or SOURCE_LINE.match(line) or datelines.looks_like_date_line(line):
            continue
        name, source = _split_source(line)
        if is_account(name):
            continue  # the posting account (find_account), printed beside the byline
        if len(name) <= 60 and len(name.split()) <= 8:
            return Byline(name, line, source, "byline-right")
        break
    last = _last_blocks(body)
    for i, el in enumerate(last):
        line = normalize_inline(" ".join(el.itertext())) or ""
        if SOURCE_LINE.match(line) or blocks.is_boilerplate_line(line) or is_account(line):
            continue
        name, source = _split_source(line)
        m = _AUTHOR_LABEL.match(name)
        if m and name_like(m.group(1).strip()):
            return Byline(m.group(1).strip(), line, source, "byline-label")
        if name_like(name) and emphasised(el):
            return Byline(name, line, source, "byline-emphasis-end")
        above = normalize_inline(" ".join(last[i + 1].itertext())) if i + 1 < len(last) else ""
        if name_like(name) and _SIGNED.match(above or ""):
            # An official document's signature block: office, "(Đã ký)", the signer's name.
            return Byline(name, line, source, "byline-signature")
        break  # a line of text ends the body: no byline there
    return NO_BYLINE


_SIGNED = re.compile(r"^[\(\[]?\s*(?:đã\s+ký|ký|đã\s+ký\s+và\s+đóng\s+dấu)\s*[\)\]]?$", re.I)


def body_lines(
    body: etree._Element,
    *,
    author_line: str | None = None,
    title: str | None = None,
    drop: Iterable[etree._Element] = (),
    account_line: str | None = None,
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
    for _ in range(4):
        if not lines:
            break
        last = lines[-1]
        if last in (author_line, account_line):
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
        text = blocks.block_text(sib)  # not itertext(): a panel may carry its own <style>
        if not text or len(text) > 200:
            continue
        name, _line, inline_source, _rule = find_author(sib)
        if name:
            for line in blocks.block_text(sib).split("\n"):
                if SOURCE_LINE.match(line):
                    inline_source = inline_source or line.strip("()[] ")
            return name, source or inline_source
    return None, source
