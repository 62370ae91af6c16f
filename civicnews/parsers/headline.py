"""The shared title and sapo rules: what is printed above an article's body, found by shape.

Used by the generic parser, and by every family parser through ``cascade`` when its own
selectors find no title.
"""

from __future__ import annotations

import re

from lxml import etree
from parsel import Selector

from civicnews.parsers import blocks, byline, mainblock, meta, related
from civicnews.text import fold_key, normalize_inline

_TITLE_NAMES = re.compile(r"title|tieude|tieu-de|tieu_de|headline|heading", re.I)


def find_title(
    sel: Selector, root: etree._Element, block: etree._Element, stats: mainblock.Stats
) -> tuple[str | None, etree._Element | None, str | None]:
    """The title of the article whose body is ``block``, its element, and the rule that found it.

    The heading or element named like a title (``h1``-``h3``, class/id "title", "tieude"...) that
    best matches ``og:title`` / ``<title>`` and sits closest before the body; else ``og:title``;
    else ``<title>`` without the site's name.
    """
    og = meta.meta(sel, "og:title", "twitter:title")
    page_title = normalize_inline(" ".join(sel.xpath("//head/title//text()").getall())) or ""
    block_at = stats.order.get(block, 0)
    # A block that starts with the title (title, date, body in one box) does not make it a
    # sub-heading.
    first_lines = stats.block_text(block).split("\n")[:2]
    scored: list[tuple[float, int, str, etree._Element]] = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        heading = el.tag in ("h1", "h2", "h3")
        named = bool(_TITLE_NAMES.search(f"{el.get('class') or ''} {el.get('id') or ''}"))
        if not (heading or named) or mainblock.in_skipped(el, stats):
            continue
        text = blocks.text_of(el)
        if not 8 <= len(text) <= 400 or fold_key(text) in related.RELATED_HEADINGS:
            continue
        score = meta.title_match(text, og) * 5 + meta.title_match(text, page_title) * 4
        score += {"h1": 1.0, "h2": 0.5, "h3": 0.3}.get(el.tag, 0.0)
        at = stats.order.get(el, 0)
        if blocks.inside(el, block) and text not in first_lines:
            score -= 2  # a heading inside the body is a sub-heading
        elif at < block_at or text in first_lines:
            score += 1
        scored.append((score, at, text, el))
    if scored:
        # Among candidates before the block, the closest one gets a bonus.
        before = [
            s
            for s in scored
            if (s[1] < block_at and not blocks.inside(s[3], block)) or s[2] in first_lines
        ]
        if before:
            closest = max(before, key=lambda s: s[1])
            scored[scored.index(closest)] = (closest[0] + 1.5, *closest[1:])
        best = max(scored, key=lambda s: (s[0], -s[1]))
        if best[0] >= 2 or not (og or page_title):
            rule = (
                "common:title-heading"
                if best[3].tag in ("h1", "h2", "h3")
                else "common:title-named"
            )
            return best[2], best[3], rule
    text, rule = meta.page_title(sel)
    # A page without og:title whose <title> is only the site's section ("Trung ương") is named
    # by its breadcrumb's last item, when that item is the page itself.
    crumb = meta.current_crumb(root, root.base or "") if rule != "meta:og:title" else None
    if crumb is not None and not mainblock.in_skipped(crumb, stats):
        crumb_text = blocks.text_of(crumb)
        if len(crumb_text) > len(text or "") and 8 <= len(crumb_text) <= 400:
            return crumb_text, crumb, "common:title-breadcrumb"
    return text, None, rule


_SAPO_NAMES = re.compile(r"sapo|chapeau|tomtat|tom-tat|summary|description", re.I)


def find_sapo(
    root: etree._Element, block: etree._Element
) -> tuple[etree._Element | None, str | None]:
    """The summary printed above the body: an element named like one ("sapo", "tomtat"...)
    before the body's end (never in a list entry), else a bold paragraph of at least a
    sentence opening the body."""
    end = blocks.last_descendant(block)
    for el in root.iter():
        if el is end:
            break
        if not isinstance(el.tag, str) or el.tag in ("meta", "a", "li"):
            continue
        names = f"{el.get('class') or ''} {el.get('id') or ''} {el.get('data-role') or ''}"
        if names.strip() and _SAPO_NAMES.search(names):
            text = blocks.text_of(el)
            if (
                30 <= len(text) <= 800
                and el is not block
                and not blocks.inside(block, el)
                and not any(a.tag in ("li", "a") for a in el.iterancestors())
            ):
                return el, "common:sapo-named"
    lead = byline.bold_lead(block)
    return (lead, "common:sapo-bold-lead") if lead is not None else (None, None)
