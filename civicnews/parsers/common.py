"""Structure-level helpers shared by every family's page parser.

Everything here works on the shape of a page (headings, alignment, block
elements), never on one portal's exact class names, so that portals of the
same family that we have never seen still parse.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Iterator
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html
from parsel import Selector

from civicnews.dates import parse_date
from civicnews.htmlfix import repair_html
from civicnews.parsers.model import Link
from civicnews.text import fold_key, normalize_block, normalize_inline

RELATED_HEADINGS = (
    "cac tin tuc khac",
    "cac tin khac",
    "cac bai khac",
    "tin lien quan",
    "tin cung chuyen muc",
    "cac tin da dua",
    "bai viet lien quan",
    "tin bai lien quan",
    "cac tin lien quan",
    "tin khac",
)

_BLOCK_TAGS = {
    "p", "div", "section", "article", "header", "footer", "li", "ul", "ol", "tr", "table",
    "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "figure", "figcaption", "dd", "dt",
    "pre", "center", "tbody", "thead", "form", "aside", "nav", "main",
}  # fmt: skip
_CELL_TAGS = {"td", "th"}
_DROP_TAGS = ("script", "style", "noscript", "iframe", "object", "embed", "button", "select")

# Lines that are page furniture, not article text (compared after folding).
_BOILERPLATE_LINES = {
    "in bai", "in", "chia se", "aa", "a a", "tang co chu", "giam co chu",
    "tang co chu giam co chu", "tro lai", "quay lai", "tro ve", "ban in", "gui email",
    "gui bai viet", "email", "print", "share", "luu bai viet", "xem them", "phan hoi",
    "dong", "binh luan", "gop y", "in trang", "facebook", "zalo", "twitter", "tweet",
    "trang chu",
}  # fmt: skip
_VIEWCOUNT = re.compile(r"^(luot xem|so luot xem|da xem|luot doc|views?)\b[\s\d:.,]*$")
# "396 | 23/09/2026": a view count then the date, printed above some articles.
_VIEWCOUNT_DATE = re.compile(r"^[\d.,]{1,9}\s*\|\s*(.{6,30})$")
_SOURCE_LINE = re.compile(r"^[\(\[]?\s*(nguồn|theo|nguon)\s*[:：].{1,200}$", re.I)
_DATE_SUFFIX = re.compile(
    r"\s*[\(\[]\s*((?:ng[àa]y|cập nhật)?[^()\[\]]{0,12}\d{1,4}\s*[/.\-]\s*\d{1,2}"
    r"[^()\[\]]{0,30})[\)\]]\s*$",
    re.I,
)
# A full date after a dash or bar ends a link text: "Tin A - 12/03/2021 09:07".
_DATE_TAIL = re.compile(
    r"\s+[-–|]\s+(\d{1,2}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{2,4}(?:\s+\d{1,2}[:h]\d{2})?)\s*$"
)
_FILE_EXT = re.compile(r"\.(pdf|docx?|xlsx?|pptx?|odt|ods|rar|zip|7z)$", re.I)
_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "#", "about:", "callto:", "sms:")


def selector(html: str, url: str) -> Selector:
    # Every family parser starts here, so the repairs browsers make
    # implicitly (see civicnews.htmlfix) apply to saved pages and crawls alike.
    return Selector(text=repair_html(html) or "<html></html>", base_url=url)


def absolute(base_url: str, href: str | None) -> str | None:
    """Resolve ``href``; ``None`` for links a crawler must never follow."""
    if not href:
        return None
    # Some SharePoint portals write "https&#58;//" which lxml already decodes;
    # a literal "&#58;" survives when the entity was double-escaped.
    href = href.strip().replace("&#58;", ":")
    low = href.lower()
    if low.startswith(_SKIP_SCHEMES):
        return None
    url = urljoin(base_url, href)
    if urlsplit(url).scheme not in ("http", "https"):
        return None
    return url.split("#", 1)[0]


def is_boilerplate_line(line: str) -> bool:
    key = fold_key(line)
    if not key:
        return True
    if key in _BOILERPLATE_LINES or _VIEWCOUNT.match(key):
        return True
    m = _VIEWCOUNT_DATE.match(line)
    if m and parse_date(m.group(1)) is not None:
        # Only when the rest is a date: a Word-table row "1 | Giao thông | 7.500" is text.
        return True
    return False


def block_text(element: etree._Element) -> str:
    """Text of an element with one line per block element (paragraph, row...)."""
    el = copy.deepcopy(element)
    etree.strip_elements(
        el, etree.Comment, etree.ProcessingInstruction, *_DROP_TAGS, with_tail=False
    )
    _flatten_data_rows(el)
    for node in el.iter():
        tag = node.tag if isinstance(node.tag, str) else ""
        tag = tag.rsplit("}", 1)[-1].lower()
        if tag == "br":
            node.tail = "\n" + (node.tail or "")
        elif tag in _BLOCK_TAGS:
            node.text = "\n" + (node.text or "")
            node.tail = "\n" + (node.tail or "")
        elif tag in _CELL_TAGS:
            node.text = "\n" + (node.text or "")
            node.tail = "\n" + (node.tail or "")
    return normalize_block("".join(el.itertext())) or ""


def _flatten_data_rows(el: etree._Element) -> None:
    """Write each row of a data table (Word-pasted) as one line: "a | b | c".

    Layout tables (rows with long cells or nested tables, as table-layout
    portals use for whole pages) are left as blocks.
    """
    for tr in list(el.iter("tr")):
        cells = [c for c in tr if isinstance(c.tag, str) and c.tag in _CELL_TAGS]
        if not cells or any(c.find(".//table") is not None for c in cells):
            continue
        texts = [normalize_inline(" ".join(c.itertext())) or "" for c in cells]
        if any(len(t) > 300 for t in texts):
            continue
        for child in list(tr):
            tr.remove(child)
        tr.text = " | ".join(t for t in texts if t)


def clean_lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line and not is_boilerplate_line(line)]


# Words a date line may hold besides its numbers (folded): labels, weekdays, month
# names, parts of the day, relative words.
_DATE_WORDS = frozenset(
    "ngay thang nam thu hai ba tu sau bay chu nhat cn mot muoi gio phut giay luc sa ch am pm "
    "sang chieu toi trua dem gmt utc ict dang cap xuat ban update updated posted published on "
    "date time hom qua nay kia truoc vua xong tuan luot xem theo".split()
)
#: Words a date line may hold that are none of those (a name, "Tác giả")...
_DATE_LINE_MAX_OTHER_WORDS = 4


def looks_like_date_line(line: str) -> bool:
    """A short line whose whole point is a date (e.g. ``01/12/2018 - 09:07 AM``).

    Not a sentence that opens with one ("Ngày 15/3/2024, UBND phường tổ chức hội
    nghị..."): a lede like that is article text, so beside the date's numbers and
    words only a few other words may stand.
    """
    if len(line) > 80 or not re.search(r"\d", line):
        return False
    other = [w for w in fold_key(line).split() if w not in _DATE_WORDS and not re.search(r"\d", w)]
    if len(other) > _DATE_LINE_MAX_OTHER_WORDS:
        return False
    return parse_date(line) is not None


def first_date_text(texts: Iterable[str]) -> str | None:
    for text in texts:
        line = normalize_inline(text)
        if line and looks_like_date_line(line):
            return line
    return None


def split_date_suffix(text: str) -> tuple[str, str | None]:
    """``"Title (01/12/2018)"`` -> ``("Title", "01/12/2018")``; also ``"Title - 01/12/2018"``."""
    m = _DATE_SUFFIX.search(text) or _DATE_TAIL.search(text)
    if m and parse_date(m.group(1)) is not None:
        return text[: m.start()].rstrip(" -–|"), m.group(1).strip()
    return text, None


def _own_text(el: etree._Element) -> str:
    return normalize_inline(" ".join(el.itertext())) or ""


def _is_heading_text(text: str | None) -> bool:
    if not text:
        return False
    text = text.strip()
    # Cheap length filter first: folding every text node of a page is what
    # made heading detection the slowest part of parsing.
    return 5 <= len(text) <= 50 and fold_key(text) in RELATED_HEADINGS


_HEADING_TEXT_NODES = etree.XPath(
    "//text()[string-length(normalize-space(.)) >= 3 and string-length(normalize-space(.)) <= 50]"
    "[not(ancestor::a) and not(ancestor::script) and not(ancestor::style)]"
)


def related_headings(root: etree._Element) -> list[etree._Element]:
    """The innermost elements whose whole text is a related-news heading."""
    found: list[etree._Element] = []
    seen: set = set()
    # Candidate text nodes are picked in C by XPath; folding every element's
    # text in Python made this the slowest step of parsing a page.
    for text in _HEADING_TEXT_NODES(root.getroottree()):
        el = text.getparent()
        if el is None or el in seen:
            continue
        seen.add(el)
        if _is_heading_text(str(text)) or (
            len(el) and _is_heading_text(_own_text(el))  # "<h3>Các tin <b>khác</b></h3>"
        ):
            found.append(el)
    # The same heading text found at several depths: keep the innermost.
    inner = set(found)
    for el in found:
        for parent in el.iterancestors():
            inner.discard(parent)
    return [el for el in found if el in inner]


def _following_anchors(el: etree._Element, headings: set) -> Iterator[etree._Element]:
    for sib in el.itersiblings():
        if not isinstance(sib.tag, str):
            continue
        if sib in headings or any(d in headings for d in sib.iter()):
            # Another related-news heading starts a new block: stop here.
            break
        if sib.tag == "a":
            yield sib
        yield from sib.iter("a")


def related_links(root: etree._Element, base_url: str) -> tuple[list[Link], list[etree._Element]]:
    """Links of every related-news block, and the block containers (to exclude from bodies)."""
    links: list[Link] = []
    containers: list[etree._Element] = []
    seen: set[str] = set()
    headings = related_headings(root)
    heading_set = set(headings)
    for heading in headings:
        el = heading
        anchors: list[etree._Element] = []
        for _ in range(4):  # the heading may be wrapped: climb until links follow it
            anchors = list(_following_anchors(el, heading_set))
            if anchors or el.getparent() is None:
                break
            el = el.getparent()
        if not anchors:
            continue
        containers.append(el.getparent() if el.getparent() is not None else el)
        for a in anchors:
            link = anchor_link(a, base_url)
            if link and link.url not in seen:
                seen.add(link.url)
                links.append(link)
    return links, containers


def anchor_link(a: etree._Element, base_url: str) -> Link | None:
    url = absolute(base_url, a.get("href"))
    if url is None:
        return None
    text = _own_text(a)
    text, date_raw = split_date_suffix(text)
    if date_raw is None:
        # The date often sits right after the anchor: "<a>..</a> <span>(01/12/2018)</span>".
        after = (a.tail or "").strip()
        nxt = a.getnext()
        if not after and nxt is not None and isinstance(nxt.tag, str):
            after = _own_text(nxt)
        if after:
            _, date_raw = split_date_suffix("x " + after)
    return Link(url=url, text=text, date_raw=date_raw)


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
        if not line or _SOURCE_LINE.match(line) or looks_like_date_line(line):
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
    lines = clean_lines(block_text(el))
    date_line = None
    for i, line in enumerate(lines[:3]):
        if looks_like_date_line(line):
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
        elif _SOURCE_LINE.match(last) and len(last) < 200:
            source = last.strip("()[] ")
            lines.pop()
        else:
            break
    return lines, date_line, source


def images(body: etree._Element, base_url: str) -> list[dict[str, str]]:
    out = []
    for img in body.iter("img"):
        src = absolute(base_url, img.get("src") or img.get("data-src"))
        if not src:
            continue
        caption = ""
        fig = next((p for p in img.iterancestors("figure")), None)
        if fig is not None:
            cap = fig.find(".//figcaption")
            if cap is not None:
                caption = _own_text(cap)
        if not caption:
            caption = _caption_after(img)
        out.append({"url": src, "caption": caption or normalize_inline(img.get("alt") or "") or ""})
    return out


def _caption_after(img: etree._Element) -> str:
    # Word/CKEditor put the caption in the block right after the image's block.
    block = img
    while block.getparent() is not None and block.tag not in ("p", "div", "td", "tr", "table"):
        block = block.getparent()
    if block.tag == "td":
        block = block.getparent()  # caption row follows the image row
    nxt = block.getnext()
    if nxt is None or not isinstance(nxt.tag, str):
        return ""
    text = _own_text(nxt)
    style = (nxt.get("style") or "").replace(" ", "").lower()
    emphasised = nxt.find(".//em") is not None or nxt.find(".//i") is not None
    centred = "text-align:center" in style or (nxt.get("align") or "").lower() == "center"
    if text and len(text) <= 300 and (emphasised or centred or nxt.tag == "tr"):
        return text
    return ""


def attachments(root: etree._Element, base_url: str) -> list[dict[str, str]]:
    out, seen = [], set()
    for a in root.iter("a"):
        url = absolute(base_url, a.get("href"))
        if not url or url in seen:
            continue
        segments = [s for s in urlsplit(url).path.split("/") if s]
        # Liferay serves files as /documents/<group>/<folder>/<name.pdf>/<uuid>.
        named = segments[-1:] + (segments[-2:-1] if "documents" in segments else [])
        if any(_FILE_EXT.search(s) for s in named):
            seen.add(url)
            name = _own_text(a) or next(s for s in named if _FILE_EXT.search(s))
            out.append({"name": name, "url": url})
    return out


def breadcrumb(sel: Selector) -> list[str]:
    for css in (
        ".breadcrumb", ".breadcrumbs", "[class*=breadcrumb]", "[class*=BreadCrumb]",
        "[id*=breadcrumb]", "[class*=duong-dan]", "[class*=path]",
    ):  # fmt: skip
        nodes = sel.css(css)
        if nodes:
            parts = [
                normalize_inline(t) for t in nodes[0].css("a::text, span::text, li::text").getall()
            ]
            parts = [p for p in parts if p and p not in (">", "»", "/", "›", "|")]
            if parts:
                return parts
            text = normalize_inline(" ".join(nodes[0].css("::text").getall())) or ""
            return [p.strip() for p in re.split(r"\s*[>»›/|]\s*", text) if p.strip()]
    return []


def category_from_breadcrumb(parts: list[str], title: str | None) -> str | None:
    parts = [p for p in parts if fold_key(p) not in ("trang chu", "home")]
    if parts and title and parts[-1] == title:
        parts = parts[:-1]
    return parts[-1] if parts else None


def canonical(sel: Selector, base_url: str) -> str | None:
    return absolute(base_url, sel.css("link[rel=canonical]::attr(href)").get())


def meta(sel: Selector, *names: str) -> str | None:
    for name in names:
        value = sel.css(
            f'meta[property="{name}"]::attr(content), meta[name="{name}"]::attr(content)'
        ).get()
        if value and value.strip():
            return normalize_inline(value)
    return None


def parse_fragment(html: str) -> etree._Element:
    return lxml_html.fromstring(html)


# --- listing entries, pagers and metadata dates (added with the SharePoint and table-layout
# ASP.NET families; useful to any family whose listings are plain links with dates beside them)

_MORE_WORDS = ("xem them", "xem tiep", "chi tiet", "doc tiep", "doc them", "read more", "more")
_DATE_HINT = re.compile(r"date|time|ngay|thoigian|thoi-gian|published|capnhat", re.I)
PAGER_WORDS = {
    "sau", "trang sau", "tiep", "trang tiep", "next", "truoc", "trang truoc", "prev",
    "previous", "dau", "trang dau", "cuoi", "trang cuoi", "first", "last",
}  # fmt: skip
_PAGER_SYMBOLS = {"»", "«", ">", "<", ">>", "<<", "›", "‹", "→", "←"}


def date_text(el: etree._Element) -> str | None:
    """The date as printed in a metadata element: its first date-like segment.

    A date area often shares its line with a view count or tools ("1/12/2018 9:7 | Lượt xem:
    396"), so lines are cut at "|" and only the segment holding the date is kept.
    """
    for line in block_text(el).split("\n"):
        for part in line.split("|"):
            part = part.strip()
            if part and looks_like_date_line(part):
                return part
    return None


def nearby_date(a: etree._Element, base_url: str) -> str | None:
    """The date printed in a link's own entry box ("<div><a>..</a><span>Ngày 20/02/2012</span>").

    Climbs from the anchor while the box links nowhere else (so a neighbour entry's date is
    never taken); dates in elements named like a date (class/id "time", "date", "ngay") win,
    other short date-like lines come next. Text inside links (titles) is never read.
    """
    url = absolute(base_url, a.get("href"))
    box = a.getparent()
    for _ in range(3):
        if box is None or not isinstance(box.tag, str) or box.tag in ("body", "html"):
            return None
        others = {absolute(base_url, x.get("href")) for x in box.iter("a")} - {url, None}
        if others:
            return None
        hinted, plain = [], []
        for text in box.xpath(".//text()[not(ancestor::a)]"):
            line = normalize_inline(str(text)) or ""
            if not line or not looks_like_date_line(line):
                continue
            owner = text.getparent()
            if text.is_tail and owner is not None:
                owner = owner.getparent()
            names = f"{owner.get('class', '')} {owner.get('id', '')}" if owner is not None else ""
            if _DATE_HINT.search(names):
                hinted.append(line)
            elif len(line) <= 40:
                plain.append(line)
        if hinted or plain:
            return (hinted or plain)[0].strip("()[] ")
        box = box.getparent()
    return None


def entry_links(anchors: Iterable[etree._Element], base_url: str) -> list[Link]:
    """One Link per distinct URL, in document order, with the date printed beside it.

    A listing entry links its article several times (photo, title, "Xem tiếp"); the first
    anchor whose text is a real title names the entry.
    """
    by_url: dict[str, Link] = {}
    for a in anchors:
        link = anchor_link(a, base_url)
        if link is None:
            continue
        if link.date_raw is None:
            link.date_raw = nearby_date(a, base_url)
        if fold_key(link.text).startswith(_MORE_WORDS):
            link.text = ""
        known = by_url.get(link.url)
        if known is None:
            by_url[link.url] = link
            continue
        if not known.text:
            known.text = link.text
        known.date_raw = known.date_raw or link.date_raw
    return list(by_url.values())


def pager_links(root: etree._Element, base_url: str, page_params: Iterable[str]) -> list[str]:
    """Links of a listing's pager: "Trước"/"Sau"/"»", page numbers, or links to the same
    path that carry a page parameter (``Page=2``, ``trang=3``). Script pagers are skipped."""
    params = {p.lower() for p in page_params}
    base_path = urlsplit(base_url).path.lower()
    out: list[str] = []
    for a in root.iter("a"):
        url = absolute(base_url, a.get("href"))
        if not url or url == base_url:
            continue
        parts = urlsplit(url)
        keys = {p.split("=", 1)[0].lower() for p in parts.query.split("&") if p}
        text = _own_text(a)
        same_path = parts.path.lower() == base_path
        if (
            fold_key(text) in PAGER_WORDS
            or text in _PAGER_SYMBOLS
            or (same_path and keys & params)
            or (same_path and text.isdigit() and len(text) <= 4)
        ):
            out.append(url)
    return list(dict.fromkeys(out))


def related_blocks(root: etree._Element, base_url: str) -> tuple[list[Link], list[etree._Element]]:
    """Like :func:`related_links`, but the blocks returned are tight: each heading and the
    siblings after it that hold its links, never the heading's whole parent (on table layouts
    and SharePoint web parts that parent is the whole article, body included).

    Links carry the date printed beside them, inside their entry box too (:func:`nearby_date`).
    """
    headings = related_headings(root)
    heading_set = set(headings)
    anchors: list[etree._Element] = []
    blocks: list[etree._Element] = []
    for heading in headings:
        el, found = heading, []
        for _ in range(4):  # the heading may be wrapped: climb until links follow it
            found = []
            for sib in el.itersiblings():
                if not isinstance(sib.tag, str):
                    continue
                if sib in heading_set or any(d in heading_set for d in sib.iter()):
                    break  # another related-news heading starts a new block
                if sib.tag == "a" or sib.find(".//a") is not None:
                    found.append(sib)
            if found or el.getparent() is None:
                break
            el = el.getparent()
        if not found:
            continue
        blocks += [el, *found]
        for sib in found:
            anchors += [sib] if sib.tag == "a" else list(sib.iter("a"))
    return entry_links(anchors, base_url), blocks


TAG_LABELS = ("tu khoa", "tags", "tag", "the", "the tag")


def is_tag_label(text: str | None) -> bool:
    """``text`` is a tag label: "Từ khóa:", "Tags:", "Thẻ:"... with its colon.

    Without the colon "Thẻ" and "Tag" are words that open sentences ("Thẻ
    <a>BHYT</a> được cấp..."), and the paragraph would be taken for a tag line.
    """
    raw = (text or "").strip()
    return raw.endswith((":", "：")) and fold_key(raw) in TAG_LABELS
