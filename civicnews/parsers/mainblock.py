"""The main block of a page: the densest block of text that is not link text.

Descends from ``<body>`` into the child holding most of the text that is not link text
(navigation, footers, sidebars, forms and scripts do not count), until no child holds most of
it: a readability-style "densest block", on lxml, linear time.
"""

from __future__ import annotations

import re
from itertools import islice

from lxml import etree

from civicnews.parsers import blocks, links
from civicnews.text import normalize_inline

# Never part of an article's text. (Not <form>: ASP.NET wraps whole pages in one.)
_SKIP_TAGS = {
    "script", "style", "noscript", "nav", "header", "footer", "aside", "select",
    "button", "iframe", "head", "svg", "template", "textarea",
}  # fmt: skip


_SKIP_NAMES = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|navigation|menu|mainmenu|topmenu|footer|sidebar|breadcrumbs?|"
    r"comments?|share|social|banner|widget|advert|ads|quangcao|related|relate|other-?news|"
    r"tin-?khac|tinlienquan|cookie|box-right|col-right|right-col|cot-?phai)(?:$|[\s_-])",
    re.I,
)


INLINE_TAGS = {
    "a", "b", "strong", "i", "em", "u", "span", "font", "sub", "sup", "small", "big", "br",
    "img", "abbr", "cite", "code", "mark", "q", "s", "strike", "time", "label",
}  # fmt: skip


MIN_ARTICLE_CHARS = 150


MAX_LINK_DENSITY = 0.35


MIN_ENTRY_CHARS = 20


class Stats:
    """Per element: own text and link text (skipped regions count as nothing); document order;
    block text, once read."""

    def __init__(self, root: etree._Element) -> None:
        self.text: dict[etree._Element, int] = {}
        self.links: dict[etree._Element, int] = {}
        self.order: dict[etree._Element, int] = {}
        self.skipped: set[etree._Element] = set()
        self._block_texts: dict[etree._Element, str] = {}
        for i, el in enumerate(root.iter()):
            self.order[el] = i
        self._measure(root, in_link=False)

    def _measure(self, el: etree._Element, in_link: bool) -> tuple[int, int]:
        if not isinstance(el.tag, str) or _is_skipped(el):
            self.skipped.add(el)
            return 0, 0
        here_link = in_link or el.tag == "a"
        text = len((el.text or "").strip())
        links = text if here_link else 0
        for child in el:
            t, lk = self._measure(child, here_link)
            tail = len((child.tail or "").strip())
            text += t + tail
            links += lk + (tail if here_link else 0)
        self.text[el] = text
        self.links[el] = links
        return text, links

    def block_text(self, el: etree._Element) -> str:
        """``blocks.block_text(el)``, read once per page: the title and date rules both read the
        body's first lines, and on a legal code of ~1 MB each reading costs a tenth of a second.
        (The tree is not changed while a Stats is in use: parsers that rearrange it do so first.)
        """
        text = self._block_texts.get(el)
        if text is None:
            text = self._block_texts[el] = blocks.block_text(el)
        return text

    def own(self, el: etree._Element) -> int:
        """Text that is not link text."""
        return self.text.get(el, 0) - self.links.get(el, 0)

    def density(self, el: etree._Element) -> float:
        total = self.text.get(el, 0)
        return self.links.get(el, 0) / total if total else 1.0

    def main_block(self) -> etree._Element | None:
        body = self._body()
        if body is None:
            return None
        node = body
        while True:
            children = [c for c in node if c in self.text and self.own(c) > 0]
            if not children:
                return node
            best = max(children, key=self.own)
            # Block elements with text inside it, at any depth ("<div><span><p>" is Word's way).
            # Only none, one or several matter: counting stops at two, as counting all of them
            # at every level of the descent walked a large page's tree once per level.
            inner_blocks = sum(
                1
                for _ in islice(
                    (
                        d
                        for d in best.iterdescendants()
                        if isinstance(d.tag, str) and d.tag not in INLINE_TAGS and self.own(d) > 0
                    ),
                    2,
                )
            )
            if not inner_blocks:
                return node  # never into one paragraph: its siblings are article text too
            # Descend while one child holds most of the text; stop where it is spread out
            # over several children (the paragraphs of the article)...
            if self.own(best) >= 0.7 * self.own(node):
                node = best
                continue
            # ...unless the rest is only the short things printed beside a short body (title,
            # date, sapo, tags) and the big child is itself a container of paragraphs.
            others = [c for c in children if c is not best]
            if (
                self.own(best) >= 0.4 * self.own(node)
                and all(self.own(c) < min(250, self.own(best) / 2) for c in others)
                and inner_blocks >= 2
            ):
                node = best
                continue
            return node

    def _body(self) -> etree._Element | None:
        root = next(iter(self.order), None)
        if root is None:
            return None
        body = root.find(".//body") if root.tag != "body" else root
        return body if body is not None and body in self.text else root


def _is_skipped(el: etree._Element) -> bool:
    if el.tag in _SKIP_TAGS:
        return True
    if el.get("hidden") is not None or "display:none" in (el.get("style") or "").replace(" ", ""):
        return True
    names = f"{el.get('class') or ''} {el.get('id') or ''}"
    return bool(names.strip()) and bool(_SKIP_NAMES.search(names))


_FURNITURE_TAGS = ("nav", "header", "footer", "aside")
# The skipped names that are page furniture whatever they hold: not "widget" or "banner",
# which some themes use for the page's main list.
_FURNITURE_NAMES = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|navigation|menu|mainmenu|topmenu|footer|sidebar|breadcrumbs?|"
    r"comments?|share|social|related|relate|other-?news|tin-?khac|tinlienquan|box-right|"
    r"col-right|right-col|cot-?phai)(?:$|[\s_-])",
    re.I,
)


def in_furniture(el: etree._Element) -> bool:
    """``el`` sits in the page's furniture: navigation, header, footer, menus, sidebars,
    related-news boxes (by tag or by name)."""
    for anc in el.iterancestors():
        if anc.tag in _FURNITURE_TAGS:
            return True
        names = f"{anc.get('class') or ''} {anc.get('id') or ''}"
        if names.strip() and _FURNITURE_NAMES.search(names):
            return True
    return False


def in_skipped(el: etree._Element, stats: Stats) -> bool:
    return el in stats.skipped or any(a in stats.skipped for a in el.iterancestors())


def reads_like_article(block: etree._Element, stats: Stats, url: str) -> bool:
    if stats.own(block) < MIN_ARTICLE_CHARS or stats.density(block) > MAX_LINK_DENSITY:
        return False
    # A listing's block is a run of entries, each linking an article; entries repeat one
    # box shape (same tag and class), so among such boxes a short title ("Luật Thủ đô") counts.
    children = [c for c in block if isinstance(c.tag, str) and stats.text.get(c, 0) > 0]
    shapes: dict[tuple[str, str], int] = {}
    for child in children:
        shape = (child.tag, child.get("class") or "")
        shapes[shape] = shapes.get(shape, 0) + 1
    entries = 0
    for child in children:
        repeated = shapes[(child.tag, child.get("class") or "")] >= 3
        for a in child.iter("a"):
            href = links.absolute(url, a.get("href"))
            text = normalize_inline(" ".join(a.itertext())) or ""
            long_enough = len(text) >= (8 if repeated else MIN_ENTRY_CHARS)
            if href and long_enough and links.article_like(href):
                entries += 1
                break
    if entries >= 3 and entries >= 0.5 * len(children):
        return False
    # A short list (two entries, each opening with its title link and printing its date, with
    # long summaries) is a listing too; an article's paragraphs do not open with such links.
    here = links.clean_url(url)
    opening = {
        t
        for child in children
        if (t := _opening_link(child, url, here, stats)) and links.box_date(child) is not None
    }
    return not (len(opening) >= 2 and len(opening) >= 0.5 * len(children))


#: Levels above the main block looked at for a run of entry boxes.
_RUN_DEPTH = 4
#: Text (characters) an entry box may print before its title link (a date, a label).
_BEFORE_TITLE = 80


def in_entry_run(block: etree._Element, stats: Stats, url: str) -> bool:
    """``block`` is one box of a run of sibling boxes of one shape (tag and class), each opening
    with its own title link to an article: one entry of a listing, the one that prints a long
    summary, not an article. Links to the page itself do not count (a post's title often
    links to its own permalink)."""
    here = links.clean_url(url)
    node = block
    for _ in range(_RUN_DEPTH):
        parent = node.getparent()
        if parent is None or parent.tag in ("body", "html"):
            return False
        shape = (node.tag, node.get("class") or "")
        boxes = [
            c for c in parent if isinstance(c.tag, str) and (c.tag, c.get("class") or "") == shape
        ]
        if len(boxes) >= 3 and _opening_link(node, url, here, stats):
            targets = {t for b in boxes if (t := _opening_link(b, url, here, stats))}
            if len(targets) >= 3 and len(targets) >= 0.6 * len(boxes):
                return True
        node = parent
    return False


def _opening_link(box: etree._Element, url: str, here: str, stats: Stats) -> str | None:
    """The article a box opens with: its first link to an article with a title-like text, when
    little text stands before it."""
    before = 0
    for el in box.iter():
        if not isinstance(el.tag, str) or el in stats.skipped:
            continue
        if el.tag == "a":
            href = links.absolute(url, el.get("href"))
            text = normalize_inline(" ".join(el.itertext())) or ""
            if href and len(text) >= 8 and links.article_like(href):
                target = links.clean_url(href)
                return None if target == here else target
        before += len((el.text or "").strip())
        if before > _BEFORE_TITLE:
            return None
    return None
