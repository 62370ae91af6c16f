"""Links: resolving and cleaning URLs, article-like URLs, listing entries with the date printed
beside each, pager links.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, unquote, urlencode, urljoin, urlsplit, urlunsplit

from lxml import etree

from civicnews.parsers import blocks, datelines
from civicnews.parsers.model import Link
from civicnews.text import fold_key, normalize_inline

_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "#", "about:", "callto:", "sms:")


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


def anchor_link(a: etree._Element, base_url: str) -> Link | None:
    url = absolute(base_url, a.get("href"))
    if url is None:
        return None
    text = blocks.text_of(a)
    text, date_raw = datelines.split_date_suffix(text)
    if date_raw is None:
        # The date often sits right after the anchor: "<a>..</a> <span>(01/12/2018)</span>".
        after = (a.tail or "").strip()
        nxt = a.getnext()
        if not after and nxt is not None and isinstance(nxt.tag, str):
            after = blocks.text_of(nxt)
        if after:
            _, date_raw = datelines.split_date_suffix("x " + after)
    return Link(url=url, text=text, date_raw=date_raw)


_MORE_WORDS = ("xem them", "xem tiep", "chi tiet", "doc tiep", "doc them", "read more", "more")


#: What a pager's links say (folded), forwards and backwards: following a page already seen
#: costs nothing, missing one loses its entries.
PAGER_WORDS = {
    "sau", "trang sau", "tiep", "trang tiep", "tiep theo", "next", "truoc", "trang truoc", "prev",
    "previous", "dau", "trang dau", "cuoi", "trang cuoi", "first", "last",
}  # fmt: skip


PAGER_SYMBOLS = {"»", "«", ">", "<", ">>", "<<", "›", "‹", "→", "←", "...", "…"}


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
        text = blocks.text_of(a)
        same_path = parts.path.lower() == base_path
        if (
            is_pager_word(text)
            or (same_path and keys & params)
            or (same_path and text.isdigit() and len(text) <= 4)
        ):
            out.append(url)
    return list(dict.fromkeys(out))


_NAV_PARAMS = re.compile(r"^(redirect|inheritredirect|backurl|returnurl|return_url|source)$", re.I)


# Beside an item id, these only say which listing led to the item (SharePoint "&CateID=14").
_ITEM_PARAM = re.compile(r"^(item_?id|news_?id|article_?id|post_?id|tin_?id|id)$", re.I)


_CONTEXT_PARAMS = re.compile(
    r"^(cate_?id|cat_?id|category_?id|cid|zone_?id|menu_?id|parent_?id|page|trang|tab)$", re.I
)


_LIFERAY_PARAMS = re.compile(r"^(p_p_\w+|p_r_p_\w+|_\w+_INSTANCE_\w+|_\d+_\w+)$")


_ID_PARAMS = re.compile(
    r"(?:^|&)(?:itemid|newsid|news_id|articleid|article_id|id|tinid|postid|p|nid)=\d+"
    # Content-server document names: a short prefix and a number (Oracle WebCenter's
    # ``dDocName=TAND368661``, ``docid=VB1234``).
    r"|(?:^|&)(?:d?doc_?name|doc_?id|content_?id)=[A-Za-z]{0,8}\d{3,}(?:&|$)",
    re.I,
)


def url_shape(url: str) -> str:
    """How a URL names its page: ``"id"`` (a number of 5+ digits in its last segment, an id
    parameter, a Liferay ``/-/`` path) or ``"slug"`` (words alone)."""
    parts = urlsplit(url)
    last = parts.path.rstrip("/").rsplit("/", 1)[-1]
    if re.search(r"\d{5,}", re.sub(r"\.\w{2,5}$", "", last)) or "/-/" in parts.path:
        return "id"
    return "id" if _ID_PARAMS.search(parts.query) else "slug"


def item_key(url: str) -> str:
    """What names one item: its host, folder and id parameter value when the URL has one, so
    the views of one document (``/tw/Pages/vbpq-toanvan.aspx?ItemID=7``, ``…/vbpq-thuoctinh.aspx
    ?ItemID=7``, its print page) are one entry; else the cleaned URL."""
    parts = urlsplit(url)
    m = _ID_PARAMS.search(parts.query)
    if m:
        folder = parts.path.rsplit("/", 1)[0].lower()
        return f"{(parts.hostname or '').lower()}{folder}?{m.group(0).strip('&').lower()}"
    return clean_url(url)


_NOT_PAGES = re.compile(
    r"\.(jpe?g|png|gif|bmp|webp|svg|ico|css|js|pdf|docx?|xlsx?|pptx?|zip|rar|7z|mp[34]|avi)$",
    re.I,
)


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


def is_pager_word(text: str) -> bool:
    """A pager link's word or symbol ("Sau", "Trang tiếp", "»"), page numbers aside."""
    text = text.strip()
    return len(text) <= 20 and (text in PAGER_SYMBOLS or fold_key(text) in PAGER_WORDS)


_PAGE_PARAM = re.compile(r"(?:^|_)(?:cur|page|paged|pageindex|pagenum|page_?no|trang)$", re.I)


def is_pager_url(url: str) -> bool:
    """A link to a page of a listing by its parameters: ``_101_cur=3``, ``Page=2``,
    ``trang=4`` (not ``p=123``: WordPress names a post so)."""
    return any(
        _PAGE_PARAM.search(k) and v.isdigit() and len(v) <= 5
        for k, v in parse_qsl(urlsplit(url).query)
    )


def is_pager_text(text: str) -> bool:
    """A pager link's text: a page number, a word or a symbol."""
    return (text.isdigit() and len(text) <= 4) or is_pager_word(text)


def fill_dates(root: etree._Element, url: str, found: list[Link]) -> None:
    missing = {link.url: link for link in found if link.date_raw is None}
    if not missing:
        return
    for a in root.iter("a"):
        href = absolute(url, a.get("href"))
        link = missing.get(clean_url(href)) if href else None
        if link is not None and link.date_raw is None:
            link.date_raw = nearby_date(a, url)


def fill_titles(root: etree._Element, url: str, found: list[Link]) -> None:
    """A related entry whose first anchor is a thumbnail gets its title from another anchor."""
    untitled = {link.url: link for link in found if not link.text}
    if not untitled:
        return
    for a in root.iter("a"):
        href = absolute(url, a.get("href"))
        link = untitled.get(clean_url(href)) if href else None
        if link is not None and not link.text:
            text = normalize_inline(" ".join(a.itertext())) or normalize_inline(a.get("title"))
            link.text = datelines.split_date_suffix(text or "")[0]


def _target(base_url: str, href: str | None) -> str | None:
    url = absolute(base_url, href)
    return clean_url(url) if url else None


def entry_box(a: etree._Element, base_url: str, limit: int = 8) -> etree._Element:
    """The largest element around ``a`` that links to no other article: the entry's own box
    (photo, title, date, summary, its category link), never reaching a neighbour entry."""
    url = _target(base_url, a.get("href"))
    key = item_key(url) if url else None
    # An entry named by an id ends at the next link named by an id; a link named by words
    # beside it is its category ("/chi-dao-quyet-dinh-cua-chinh-phu.htm").
    by_id = url is not None and url_shape(url) == "id"
    box = a
    for _ in range(limit):
        parent = box.getparent()
        if parent is None or not isinstance(parent.tag, str) or parent.tag in ("body", "html"):
            break
        # A link to another article ends the box; a category or tag link inside it does not,
        # nor another view of the same item (its properties or print page).
        if any(
            (t := _target(base_url, x.get("href"))) is not None
            and t != url
            and item_key(t) != key
            and article_like(t)
            and (not by_id or url_shape(t) == "id")
            for x in parent.iter("a")
        ):
            break
        box = parent
    return box


_DATE_TEXT_MAX = 120  # longer text around an entry is its summary, not its date line


def box_date(box: etree._Element, *, named_only: bool = False) -> str | None:
    """The date printed in an entry's box, preferring one with a time of day: elements named
    like a date or ``<time>`` (their text, else a ``datetime``/``title`` attribute: a theme may
    print the day and keep the time in the tooltip), then short date lines outside links
    (``named_only``: not those)."""
    named: list[tuple[etree._Element, str]] = []
    attrs: list[str] = []
    plain: list[str] = []
    for el in box.iter():
        if not isinstance(el.tag, str) or el.tag == "a":
            continue
        names = f"{el.get('class') or ''} {el.get('id') or ''}"
        if el.tag == "time" or (names.strip() and datelines.DATE_HINT.search(names)):
            text = blocks.text_of(el)
            if text and len(text) <= _DATE_TEXT_MAX and (found := datelines.date_in_line(text)):
                named.append((el, found))
        for attr in ("datetime", "title"):
            value = normalize_inline(el.get(attr))
            if value and len(value) <= 40 and datelines.looks_like_date_line(value):
                attrs.append(value)
    # The innermost date-named element: "timeline-head" around "ngay-xuat-ban" holds the
    # province printed beside the date too.
    inner = [
        f for el, f in named if not any(o is not el and blocks.inside(o, el) for o, _ in named)
    ]
    hinted = inner + attrs
    if named_only and not hinted:
        return None
    if not hinted:
        for text in box.xpath(".//text()[not(ancestor::a)]"):
            line = normalize_inline(str(text)) or ""
            if line and len(line) <= _DATE_TEXT_MAX and (found := datelines.date_in_line(line)):
                plain.append(found.strip("()[] "))
    found = hinted or plain
    if not found:
        return None
    timed = [f for f in found if datelines.timed(f)]
    return (timed or found)[0]


def nearby_date(a: etree._Element, base_url: str) -> str | None:
    """The date printed in a link's own entry box (:func:`entry_box`), preferring one with a
    time of day; never a neighbour entry's date."""
    box = entry_box(a, base_url)
    return box_date(box) if box is not a else None
