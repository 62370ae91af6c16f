"""Generic extraction, for a portal whose CMS family is unknown.

Nothing here knows a class name of any CMS. A page is read by its shape:

- the **main block** is found by descending from ``<body>`` into the child holding most of the
  text that is not link text (navigation, footers, sidebars, forms and scripts do not count),
  until no child holds most of it: a readability-style "densest block", on lxml, linear time;
- the **title** is the heading (``h1``-``h3`` or an element named like a title) that best matches
  ``og:title`` / ``<title>`` and sits closest before the main block; ``og:title`` otherwise;
- the **date**: a ``<time>`` element, then ``article:published_time``-style metadata, then the
  first date-like line between the title and the main block (or in its first lines);
- the page is an **article** when the main block has enough text of its own, little link text
  and is not a list of entries each linking an article; otherwise it is a **listing**: links
  inside the site whose text reads like a title and whose URL looks like an article's (an id,
  a long slug, an ``?ItemID=``-style parameter), the date printed beside each, and pagination
  links (page numbers, "Sau", "Tiếp", "»"...);
- related links follow the related-news headings of ``common.RELATED_HEADINGS``.

Every article it returns has ``extractor = "generic"``, stored in the archive's ``extractor``
column, so generically extracted rows can be found and re-parsed once the family is known.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from lxml import etree
from parsel import Selector

from civicnews.dates import parse_date
from civicnews.parsers import common
from civicnews.parsers.model import Article, Link, Listing, Page
from civicnews.text import fold_key, normalize_inline

FAMILY = "generic"

# Never part of an article's text. (Not <form>: ASP.NET wraps whole pages in one.)
_SKIP_TAGS = {
    "script", "style", "noscript", "nav", "header", "footer", "aside", "select",
    "button", "iframe", "head", "svg", "template", "textarea",
}  # fmt: skip
_SKIP_NAMES = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|navigation|menu|mainmenu|topmenu|footer|sidebar|breadcrumbs?|"
    r"comments?|share|social|banner|widget|advert|ads|quangcao|related|relate|other-?news|"
    r"tin-?khac|tinlienquan|cookie)(?:$|[\s_-])",
    re.I,
)
_INLINE = {
    "a", "b", "strong", "i", "em", "u", "span", "font", "sub", "sup", "small", "big", "br",
    "img", "abbr", "cite", "code", "mark", "q", "s", "strike", "time", "label",
}  # fmt: skip
_TITLE_NAMES = re.compile(r"title|tieude|tieu-de|tieu_de|headline|heading", re.I)
_NAV_PARAMS = re.compile(r"^(redirect|inheritredirect|backurl|returnurl|return_url|source)$", re.I)
# Beside an item id, these only say which listing led to the item (SharePoint "&CateID=14").
_ITEM_PARAM = re.compile(r"^(item_?id|news_?id|article_?id|post_?id|tin_?id|id)$", re.I)
_CONTEXT_PARAMS = re.compile(
    r"^(cate_?id|cat_?id|category_?id|cid|zone_?id|menu_?id|parent_?id|page|trang|tab)$", re.I
)
_LIFERAY_PARAMS = re.compile(r"^(p_p_\w+|p_r_p_\w+|_\w+_INSTANCE_\w+|_\d+_\w+)$")
_ID_PARAMS = re.compile(
    r"(?:^|&)(?:itemid|newsid|news_id|articleid|article_id|id|tinid|postid|p|nid)=\d+", re.I
)
_NOT_PAGES = re.compile(
    r"\.(jpe?g|png|gif|bmp|webp|svg|ico|css|js|pdf|docx?|xlsx?|pptx?|zip|rar|7z|mp[34]|avi)$",
    re.I,
)
_PAGER_WORDS = {
    "sau", "trang sau", "tiep", "trang tiep", "tiep theo", "next", "truoc", "trang truoc",
    "prev", "previous", "dau", "trang dau", "cuoi", "trang cuoi", "first", "last",
}  # fmt: skip
_PAGER_SYMBOLS = {"»", "«", ">", "<", ">>", "<<", "›", "‹", "→", "←", "...", "…"}

MIN_ARTICLE_CHARS = 150
MAX_LINK_DENSITY = 0.35
MIN_ENTRY_CHARS = 20


def parse(url: str, html: str) -> Page:
    sel = common.selector(html, url)
    root = sel.root
    page = Page(url=url)
    stats = _Stats(root)
    block = stats.main_block()
    if block is not None and _reads_like_article(block, stats, url):
        title, title_el = _title(sel, root, block, stats)
        if title:
            page.article = _article(sel, root, block, title, title_el, url, stats)
            return page
    listing = _listing(root, url, stats)
    if listing.entries or listing.next_pages:
        page.listing = listing
    return page


# --- text statistics and the main block ---------------------------------------------------------


class _Stats:
    """Per element: own text and link text (skipped regions count as nothing); document order."""

    def __init__(self, root: etree._Element) -> None:
        self.text: dict[etree._Element, int] = {}
        self.links: dict[etree._Element, int] = {}
        self.order: dict[etree._Element, int] = {}
        self.skipped: set[etree._Element] = set()
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
            blocks = sum(
                1
                for d in best.iterdescendants()
                if isinstance(d.tag, str) and d.tag not in _INLINE and self.own(d) > 0
            )
            if not blocks:
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
                and blocks >= 2
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


def _reads_like_article(block: etree._Element, stats: _Stats, url: str) -> bool:
    if stats.own(block) < MIN_ARTICLE_CHARS or stats.density(block) > MAX_LINK_DENSITY:
        return False
    # A listing's block is a run of entries, each linking an article.
    children = [c for c in block if isinstance(c.tag, str) and stats.text.get(c, 0) > 0]
    entries = 0
    for child in children:
        for a in child.iter("a"):
            href = common.absolute(url, a.get("href"))
            text = normalize_inline(" ".join(a.itertext())) or ""
            if href and len(text) >= MIN_ENTRY_CHARS and article_like(href):
                entries += 1
                break
    return not (entries >= 3 and entries >= 0.5 * len(children))


# --- article ----------------------------------------------------------------------------------


def _article(
    sel: Selector,
    root: etree._Element,
    block: etree._Element,
    title: str,
    title_el: etree._Element | None,
    url: str,
    stats: _Stats,
) -> Article:
    related, boxes = common.related_links(root, url)
    for link in related:
        link.url = clean_url(link.url)
    _fill_dates(root, url, related)
    _fill_titles(root, url, related)
    drop: list[etree._Element] = []
    for box in boxes:
        if box is block or _inside(block, box) or stats.density(box) < 0.5:
            # The heading's container holds article text too (a list typed into the body):
            # drop only the heading and the link lines after it.
            drop += _typed_related(box)
        elif _inside(box, block):
            drop.append(box)
    sapo_el = _sapo(root, block, title_el)
    if sapo_el is not None and _inside(sapo_el, block):
        drop.append(sapo_el)
    tags, tag_boxes = _tags(root, block, stats)
    drop += [box for box in tag_boxes if _inside(box, block)]
    author, author_line, inline_source = common.find_author(block)
    lines, body_date, source = common.body_lines(
        block, author_line=author_line, title=title, drop=drop
    )
    lines, tail_source = _trim_tail(lines, author_line)
    source = source or tail_source
    if author is None:
        author, source = _author_after(block, source)
    published_raw = _date(sel, root, block, title_el, title) or body_date
    crumbs = common.breadcrumb(sel)
    sapo = normalize_inline(" ".join(sapo_el.itertext())) if sapo_el is not None else None
    return Article(
        title=title,
        published_raw=published_raw,
        author=author,
        body_text="\n".join(lines),
        sapo=sapo or None,
        category=common.category_from_breadcrumb(crumbs, title),
        tags=tags,
        images=common.images(block, url),
        attachments=common.attachments(block, url),
        source=source or inline_source,
        canonical_url=_canonical(sel, url),
        related=related,
        extractor=FAMILY,
    )


# --- tags ---------------------------------------------------------------------------------------

# What a tag box is called: WordPress "tags-links", themes' "post-tags"/"entry-tags",
# Joomla 3's "ul.tags", Vietnamese templates' "tukhoa"; never a sidebar's "tag-cloud".
_TAG_BOX = re.compile(r"(?:^|[-_])(?:tags?|tu-?khoa|keywords?)(?:$|[-_])")
_TAG_MAX_CHARS = 60  # a longer link text is a title, not a tag
_TAG_LINE_MAX_CHARS = 300  # a longer element holding a tag label holds body text too
_TAG_SCOPE_EXTRA = 400  # text an ancestor may add to the block: title, date, sapo, tags


def _tags(
    root: etree._Element, block: etree._Element, stats: _Stats
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
            elif common.is_tag_label(el.text):
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
        if not isinstance(sibling.tag, str) or sibling.tag not in _INLINE:
            break
        run.append(sibling)
        anchors += sibling.iter("a")
    parent = label.getparent()
    if (
        parent is not None
        and all(isinstance(child.tag, str) and child.tag in _INLINE for child in parent)
        and len("".join(parent.itertext())) <= _TAG_LINE_MAX_CHARS
    ):
        return anchors, [parent]  # a line of its own: label, links and commas
    return anchors, run


_SOURCE = re.compile(r"^[\(\[]?\s*(nguồn|theo)\s*[:：].{1,200}$", re.I)


def _trim_tail(lines: list[str], author_line: str | None) -> tuple[list[str], str | None]:
    """Drop tool rows ("Trở về | In bài") that a wide block keeps after the author and source.

    ``common.body_lines`` only removes the author and source when they end the text; in a
    block wider than the body they sit above such rows, so the rows go first, then them.
    """
    source = None
    lines = list(lines)
    while lines:
        last = lines[-1]
        if all(common.is_boilerplate_line(part.strip()) for part in last.split("|")):
            lines.pop()
        elif author_line and last == author_line:
            lines.pop()
        elif _SOURCE.match(last) and len(last) < 200:
            source = source or last.strip("()[] ")
            lines.pop()
        else:
            break
    return lines, source


def _author_after(block: etree._Element, source: str | None) -> tuple[str | None, str | None]:
    """An author panel just after the body (SharePoint's "pnNguontin" and kin)."""
    siblings = [s for s in block.itersiblings() if isinstance(s.tag, str)][:2]
    for sib in siblings:
        text = normalize_inline(" ".join(sib.itertext())) or ""
        if not text or len(text) > 200:
            continue
        name, _line, inline_source = common.find_author(sib)
        if name:
            for line in common.block_text(sib).split("\n"):
                if _SOURCE.match(line):
                    inline_source = inline_source or line.strip("()[] ")
            return name, source or inline_source
    return None, source


def _inside(el: etree._Element, container: etree._Element) -> bool:
    """``el`` is a strict descendant of ``container``."""
    return any(a is container for a in el.iterancestors())


def _typed_related(container: etree._Element) -> list[etree._Element]:
    """A related list typed among paragraphs: its heading and the link lines after it."""
    out = []
    for heading in common.related_headings(container):
        line = heading
        while line.getparent() is not None and line.getparent() is not container:
            line = line.getparent()
        if line.getparent() is not container:
            continue
        out.append(line)
        for sib in line.itersiblings():
            if not isinstance(sib.tag, str):
                continue
            text = common.split_date_suffix(normalize_inline(" ".join(sib.itertext())) or "")[0]
            links = " ".join(" ".join(a.itertext()) for a in sib.iter("a"))
            if not text or len(normalize_inline(links) or "") < 0.8 * len(text):
                break
            out.append(sib)
    return out


def _title(
    sel: Selector, root: etree._Element, block: etree._Element, stats: _Stats
) -> tuple[str | None, etree._Element | None]:
    og = common.meta(sel, "og:title", "twitter:title")
    page_title = normalize_inline(" ".join(sel.xpath("//head/title//text()").getall())) or ""
    block_at = stats.order.get(block, 0)
    # A block that starts with the title (title, date, body in one box) does not make it a
    # sub-heading.
    first_lines = common.block_text(block).split("\n")[:2]
    scored: list[tuple[float, int, str, etree._Element]] = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        heading = el.tag in ("h1", "h2", "h3")
        named = bool(_TITLE_NAMES.search(f"{el.get('class') or ''} {el.get('id') or ''}"))
        if not (heading or named) or _in_skipped(el, stats):
            continue
        text = normalize_inline(" ".join(el.itertext())) or ""
        if not 8 <= len(text) <= 400 or fold_key(text) in common.RELATED_HEADINGS:
            continue
        score = _match(text, og) * 5 + _match(text, page_title) * 4
        score += {"h1": 1.0, "h2": 0.5, "h3": 0.3}.get(el.tag, 0.0)
        at = stats.order.get(el, 0)
        if _inside(el, block) and text not in first_lines:
            score -= 2  # a heading inside the body is a sub-heading
        elif at < block_at or text in first_lines:
            score += 1
        scored.append((score, at, text, el))
    if scored:
        # Among candidates before the block, the closest one gets a bonus.
        before = [
            s
            for s in scored
            if (s[1] < block_at and not _inside(s[3], block)) or s[2] in first_lines
        ]
        if before:
            closest = max(before, key=lambda s: s[1])
            scored[scored.index(closest)] = (closest[0] + 1.5, *closest[1:])
        best = max(scored, key=lambda s: (s[0], -s[1]))
        if best[0] >= 2 or not og:
            return best[2], best[3]
    return og, None


def _match(text: str, reference: str | None) -> float:
    """How well a candidate title matches og:title / <title>: 0..1.5."""
    if not reference:
        return 0.0
    t, r = text.casefold(), reference.casefold()
    if t == r:
        return 1.5
    if t not in r:
        return 0.0
    return len(t) / len(r) + (0.5 if r.startswith(t) or r.endswith(t) else 0.0)


def _in_skipped(el: etree._Element, stats: _Stats) -> bool:
    return el in stats.skipped or any(a in stats.skipped for a in el.iterancestors())


def _sapo(
    root: etree._Element, block: etree._Element, title_el: etree._Element | None
) -> etree._Element | None:
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        names = f"{el.get('class') or ''} {el.get('id') or ''} {el.get('data-role') or ''}"
        if re.search(r"sapo|chapeau|tomtat|tom-tat", names, re.I):
            text = normalize_inline(" ".join(el.itertext())) or ""
            if 30 <= len(text) <= 800 and el is not block and not _inside(block, el):
                return el
    return None


def _date(
    sel: Selector,
    root: etree._Element,
    block: etree._Element,
    title_el: etree._Element | None,
    title: str,
) -> str | None:
    block_end = _last_descendant(block)
    order = {el: i for i, el in enumerate(root.iter())}
    for time_el in root.iter("time"):
        if order.get(time_el, 0) > order.get(block_end, 0) or any(
            a.tag in ("a", "li") for a in time_el.iterancestors()
        ):
            continue
        text = normalize_inline(" ".join(time_el.itertext())) or ""
        value = normalize_inline(time_el.get("datetime")) or ""
        found = [v for v in (text, value) if v and common.looks_like_date_line(v)]
        if found:
            # The printed text wins unless only the attribute gives the time of day.
            timed = [v for v in found if hasattr(parse_date(v), "hour")]
            return (timed or found)[0]
    value = common.meta(
        sel,
        "article:published_time",
        "og:published_time",
        "datePublished",
        "pubdate",
        "publishdate",
        "dc.date",
        "dc.date.issued",
        "DC.date.issued",
    ) or normalize_inline(sel.css("[itemprop=datePublished]::attr(content)").get())
    if value and parse_date(value) is not None:
        return value
    return _date_near_title(root, block, title_el, title)


def _last_descendant(el: etree._Element) -> etree._Element:
    last = el
    for last in el.iter():  # noqa: B007 - the loop variable is the point
        pass
    return last


def _date_near_title(
    root: etree._Element, block: etree._Element, title_el: etree._Element | None, title: str
) -> str | None:
    """The first date-like line between the title and the body (or just above the title)."""
    if title_el is None or _inside(title_el, block):
        return None
    common_root = title_el
    while common_root is not None and not _inside(block, common_root):
        common_root = common_root.getparent()
    if common_root is None:
        return None
    lines = common.block_text(common_root).split("\n")
    body_lines = common.block_text(block).split("\n")
    start = next((i for i, line in enumerate(lines) if line == title), None)
    if start is None:
        return None
    first_body = body_lines[0] if body_lines else None
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i] == first_body), min(len(lines), 40)
    )
    for line in lines[start + 1 : end] + lines[max(0, start - 3) : start]:
        for part in line.split("|"):
            part = part.strip()
            if part and not common.is_boilerplate_line(part) and common.looks_like_date_line(part):
                return part
    return None


def _canonical(sel: Selector, url: str) -> str:
    host = urlsplit(url).hostname
    for value in (
        common.canonical(sel, url),
        common.absolute(url, sel.css('meta[property="og:url"]::attr(content)').get()),
    ):
        if value and urlsplit(value).hostname == host:
            return clean_url(value)
    return clean_url(url)


def clean_url(url: str) -> str:
    """``url`` without parameters that only say where the reader came from.

    Liferay's ``redirect``/``inheritRedirect``, SharePoint's ``Source`` and, beside an item id,
    the category a link came from (``&CateID=14``) make one article several URLs; a portal of
    unknown family gets no family rule in ``civicnews.urls``, so the generic parser drops them.
    """
    parts = urlsplit(url)
    if not parts.query:
        return url
    liferay = "/-/" in parts.path
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    item = any(_ITEM_PARAM.match(k) and re.match(r"\d+(?::|$)", v) for k, v in pairs)
    # Joomla ("option=com_content&id=8123:slug") keeps its menu id in "Itemid": context too.
    joomla = any(k == "option" and v.startswith("com_") for k, v in pairs)
    query = [
        (k, v)
        for k, v in pairs
        if not _NAV_PARAMS.match(k)
        and not (liferay and _LIFERAY_PARAMS.match(k))
        and not (item and (_CONTEXT_PARAMS.match(k) or (joomla and k == "Itemid")))
    ]
    return urlunsplit(parts._replace(query=urlencode(query), fragment=""))


# --- listings ---------------------------------------------------------------------------------


def article_like(url: str) -> bool:
    """Does ``url`` look like an article (an id, a long slug, an id parameter)?"""
    parts = urlsplit(url)
    path = unquote(parts.path)
    segments = [s for s in path.split("/") if s]
    if not segments:
        return False
    last = segments[-1]
    if _NOT_PAGES.search(last):
        return False
    if _ID_PARAMS.search(parts.query):
        return True
    if "/content/" in path or "/-/" in path:
        return True
    stem = re.sub(r"\.\w{2,5}$", "", last)
    if re.search(r"\d{5,}", stem):
        return True
    return len([w for w in re.split(r"[-_+\s]+", stem) if w]) >= 5


def _listing(root: etree._Element, url: str, stats: _Stats) -> Listing:
    host = urlsplit(url).hostname
    entries: dict[str, Link] = {}
    pages: list[str] = []
    here = clean_url(url)
    for a in root.iter("a"):
        href = common.absolute(url, a.get("href"))
        if not href or urlsplit(href).hostname != host or _in_skipped(a, stats):
            continue
        text = normalize_inline(" ".join(a.itertext())) or ""
        key = fold_key(text)
        if _is_pager(text, key):
            if href != url and clean_url(href) != here and href not in pages:
                pages.append(href)
            continue
        title, date_raw = common.split_date_suffix(text)
        if len(title) < MIN_ENTRY_CHARS or len(title.split()) < 4 or not article_like(href):
            continue
        link_url = clean_url(href)
        if link_url in entries:
            continue
        entries[link_url] = Link(url=link_url, text=title, date_raw=date_raw or nearby_date(a, url))
    return Listing(entries=list(entries.values()), next_pages=pages)


def _is_pager(text: str, key: str) -> bool:
    if text.isdigit() and len(text) <= 4:
        return True
    return key in _PAGER_WORDS or text in _PAGER_SYMBOLS


def _fill_dates(root: etree._Element, url: str, links: list[Link]) -> None:
    missing = {link.url: link for link in links if link.date_raw is None}
    if not missing:
        return
    for a in root.iter("a"):
        href = common.absolute(url, a.get("href"))
        link = missing.get(clean_url(href)) if href else None
        if link is not None and link.date_raw is None:
            link.date_raw = nearby_date(a, url)


def _fill_titles(root: etree._Element, url: str, links: list[Link]) -> None:
    """A related entry whose first anchor is a thumbnail gets its title from another anchor."""
    untitled = {link.url: link for link in links if not link.text}
    if not untitled:
        return
    for a in root.iter("a"):
        href = common.absolute(url, a.get("href"))
        link = untitled.get(clean_url(href)) if href else None
        if link is not None and not link.text:
            text = normalize_inline(" ".join(a.itertext())) or normalize_inline(a.get("title"))
            link.text = common.split_date_suffix(text or "")[0]


def nearby_date(a: etree._Element, base_url: str) -> str | None:
    """The date printed in a link's own entry box, preferring one with a time of day.

    Climbs from the anchor while the box links nowhere else, so a neighbour's date is never
    taken. Looks at ``<time datetime>``, date-like ``title`` attributes (a theme may print only
    the day and keep the time in the tooltip) and short date-like text outside links.
    """
    url = clean_url(common.absolute(base_url, a.get("href")) or "")
    box = a.getparent()
    for _ in range(3):
        if box is None or not isinstance(box.tag, str) or box.tag in ("body", "html"):
            return None
        others = {
            clean_url(h) for x in box.iter("a") if (h := common.absolute(base_url, x.get("href")))
        }
        if others - {url}:
            return None
        found: list[str] = []
        for el in box.iter():
            if not isinstance(el.tag, str):
                continue
            for attr in ("datetime", "title"):
                value = normalize_inline(el.get(attr))
                if value and len(value) <= 40 and common.looks_like_date_line(value):
                    found.append(value)
        for text in box.xpath(".//text()[not(ancestor::a)]"):
            line = normalize_inline(str(text)) or ""
            if line and len(line) <= 40 and common.looks_like_date_line(line):
                found.append(line.strip("()[] "))
        if found:
            timed = [f for f in found if hasattr(parse_date(f), "hour")]
            return (timed or found)[0]
        box = box.getparent()
    return None
