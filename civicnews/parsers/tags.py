"""Tags: "Từ khóa:" / "Tags:" labels, tag boxes, ``rel=tag`` links, ``article:tag`` metadata."""

from __future__ import annotations

import re

from lxml import etree

from civicnews.parsers import mainblock
from civicnews.text import fold_key, normalize_inline

TAG_LABELS = ("tu khoa", "tags", "tag", "the", "the tag")


def is_tag_label(text: str | None) -> bool:
    """``text`` is a tag label: "Từ khóa:", "Tags:", "Thẻ:"... with its colon.

    Without the colon "Thẻ" and "Tag" are words that open sentences ("Thẻ
    <a>BHYT</a> được cấp..."), and the paragraph would be taken for a tag line.
    """
    raw = (text or "").strip()
    return raw.endswith((":", "：")) and fold_key(raw) in TAG_LABELS


# What a tag box is called: WordPress "tags-links", themes' "post-tags"/"entry-tags",
# Joomla 3's "ul.tags", Vietnamese templates' "tukhoa"; never a sidebar's "tag-cloud".
_TAG_BOX = re.compile(r"(?:^|[-_])(?:tags?|tu-?khoa|keywords?)(?:$|[-_])")


_TAG_MAX_CHARS = 60  # a longer link text is a title, not a tag


_TAG_LINE_MAX_CHARS = 300  # a longer element holding a tag label holds body text too


_TAG_SCOPE_EXTRA = 400  # text an ancestor may add to the block: title, date, sapo, tags


def find_tags(
    root: etree._Element, block: etree._Element, stats: mainblock.Stats
) -> tuple[list[str], list[etree._Element]]:
    """Tag names of the article, and the boxes that print them (to keep out of the body).

    Looked for around the main block only (its ``<article>``, else up to two
    ancestors that add little text to it, such as a web part holding title,
    date, body and tags) and never in skipped regions (sidebars, widgets), so a
    tag cloud is never the article's: links marked ``rel="tag"`` (WordPress;
    ``rel="category tag"`` is the category), a box named like tags, or a
    "Từ khóa:" / "Tags:" / "Thẻ:" label followed by links.  Failing those,
    Open Graph ``article:tag`` metadata.
    """
    scope = next(block.iterancestors("article"), None)
    if scope is not None:
        # An <article>'s own <footer> (WordPress "entry-footer") holds its tags.
        measured = [
            el for el in scope.iter() if isinstance(el.tag, str) and not _in_aside(el, scope)
        ]
    else:
        scope = block
        for parent in list(block.iterancestors())[:2]:
            if stats.text.get(parent, 0) > 1.5 * stats.text.get(block, 0) + _TAG_SCOPE_EXTRA:
                break
            scope = parent
        measured = [el for el in scope.iter() if el in stats.text]  # skipped regions are not
    anchors = [
        a
        for a in measured
        if a.tag == "a"
        and "tag" in (a.get("rel") or "").split()
        and "category" not in (a.get("rel") or "")
    ]
    boxes = list(dict.fromkeys(a.getparent() for a in anchors if a.getparent() is not None))
    if not anchors:
        for el in measured:
            if el.tag == "a":
                continue
            names = f"{el.get('class', '')} {el.get('id', '')}".lower().split()
            if any(_TAG_BOX.search(n) and "cloud" not in n for n in names):
                anchors, boxes = list(el.iter("a")), [el]
            elif is_tag_label(el.text):
                anchors, boxes = _labelled_tags(el)
            if anchors:
                break
    names = [normalize_inline(" ".join(a.itertext())).lstrip("#").strip() for a in anchors]
    tags = [n for n in dict.fromkeys(names) if n and len(n) <= _TAG_MAX_CHARS]
    if not tags:
        metas = root.xpath("//meta[@property='article:tag']/@content")
        tags = [n for n in dict.fromkeys(normalize_inline(m) for m in metas) if n]
        boxes = []
    return tags, [b for b in boxes if b is not None]


def _in_aside(el: etree._Element, scope: etree._Element) -> bool:
    """``el`` sits in an ``<aside>``/``<nav>`` (or is one) below ``scope``."""
    for node in (el, *el.iterancestors()):
        if node is scope:
            return False
        if node.tag in ("aside", "nav"):
            return True
    return False


def _labelled_tags(label: etree._Element) -> tuple[list[etree._Element], list[etree._Element]]:
    """Links a tag label holds ("<div>Từ khóa: <a>..</a></div>") or that follow it inline
    ("<p><b>Từ khóa:</b> <a>..</a>, <a>..</a></p>"), and what to keep out of the body."""
    anchors = list(label.iter("a"))
    if anchors:
        return anchors, [label]
    run = [label]
    for sibling in label.itersiblings():
        if not isinstance(sibling.tag, str) or sibling.tag not in mainblock.INLINE_TAGS:
            break
        run.append(sibling)
        anchors += sibling.iter("a")
    parent = label.getparent()
    if (
        parent is not None
        and all(
            isinstance(child.tag, str) and child.tag in mainblock.INLINE_TAGS for child in parent
        )
        and len("".join(parent.itertext())) <= _TAG_LINE_MAX_CHARS
    ):
        return anchors, [parent]  # a line of its own: label, links and commas
    return anchors, run
