"""The new Hanoi platform (2025): a ward portal on a former district host, as in shared/portals.md.

After the 2025 reform the Bắc Từ Liêm host carries the portal of a ward ("phường Đông Ngạc");
the archive it inherited still talks about the old wards, so bodies mix old and new names.
The old -> new ward mapping used in sapos is illustrative, not an official list.

Map of the fake site (all links in pages are root-relative):

``/tin-tuc-su-kien`` (``start_path``)
    Listing page 0, rendered server-side: a featured ``div.box-focus`` entry (the newest
    article) and ``div#ListNewsZone`` with the first ``PAGE_SIZE`` of the other listed
    articles. Each entry is ``div.news-item[data-id]``: a thumbnail link, ``<a><h3
    class="news-title">title</h3></a>``, ``span.news-time`` whose ``title`` is the time
    ("15:28, 28/08/2026") and whose text is the day only, ``p.news-sapo``. A "Xem thêm" button
    (``javascript:;``) loads further pages. Its form values are printed as ``data-*``
    attributes of ``div#NewsZone`` (odd seeds) or as an inline ``var NewsZoneConfig = {…}``
    script (even seeds): ``Catname`` "tin-tuc-su-kien", ``Site`` "dongngac", ``LanguageId``
    1, ``PageSize`` "10", ``DataIds`` (the featured entry's id, excluded from the pages).
``POST /api/NewsZone/NewsZone`` (form-urlencoded)
    ``PageIndex`` (0-based), ``PageSize`` (1-50, default 10), ``Catname``, ``Site``,
    ``LanguageId`` (default 1), ``DataIds[]`` (ids left out of the stream). Answers an HTML
    fragment of ``div.news-item`` entries, no page count; past the end an empty body (or, when
    the renderer's ``past_end`` is ``"repeat"``, the last page again, as some servers do).
    Wrong ``Catname``/``Site``/``LanguageId``: an empty body. GET: 405. Every call is logged in
    ``renderer.api_calls`` (a list of dicts: the decoded form, repeated fields as lists).
``/<category>/<slug>-<id>.htm``
    An article, found by its id alone (the slug and category may be anything; ``link
    rel=canonical`` names the real URL). The id is ``SITE_PREFIX`` + ``yyMMddHHmmss`` + 3-digit
    milliseconds of the publish time (seconds and milliseconds are not printed anywhere).
    ``h1.detail-title[data-role=title]``; the date in ``div.detail-info › div.detail-time``
    ("Thứ Bảy, 01/12/2018 09:07", even keys) or ``div.news-info › span.time`` ("01/12/2018
    09:07", odd keys), absent for the ~1 in 9 listed articles whose page prints no date;
    ``h2.detail-sapo[data-role=sapo]``; ``div.detail-content.afcbc-body[data-role=content]``
    with ``<p>`` paragraphs, ``div.VCSortableInPreviewMode[type=Photo]`` (image + caption in
    ``div.PhotoCMS_Caption``), ``[type=BoxTable]`` tables, the author as the last right-aligned
    bold line and "(Nguồn: …)". "Tin liên quan" (the three next older articles) is a
    ``[type=RelatedNewsBox]`` inside the body (key % 3 == 0), editor-typed paragraphs at the end
    of the body (key % 3 == 1) or a ``div.box-related`` after it (key % 3 == 2); then
    ``div.detail-tags`` "Từ khóa:" with tag links and "Tin cùng chuyên mục" (the other related
    articles). Related entries print their time like listing entries. Boilerplate: "Aa", "In
    bài", "Chia sẻ", view counts, a sidebar with off-site and ``javascript:`` links.
``/``: home, the 5 newest entries (no paging). ``/tag/<slug>``, ``/gioi-thieu``, ``/thong-bao``,
``/van-ban``, ``/lien-he``: stub pages. ``/images/…``: a 1x1 GIF. ``/robots.txt``: allow all.
Anything else: 404.
"""

from __future__ import annotations

import random
import re
import threading
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import parse_qs, unquote

from civicnews.replica.article import (
    Article,
    ArticleMeta,
    AuthorLine,
    Block,
    Figure,
    Paragraph,
    Table,
)
from civicnews.replica.corpus_text import WARDS
from civicnews.replica.markup import attr, text
from civicnews.replica.renderer import (
    Renderer,
    Response,
    html_response,
    pixel_response,
    robots_allow_all,
)
from civicnews.replica.titles import slugify

CATEGORY_SLUG = "tin-tuc-su-kien"
CATEGORY_LABEL = "Tin tức - Sự kiện"
LISTING_PATH = "/" + CATEGORY_SLUG
API_PATH = "/api/NewsZone/NewsZone"
SITE_CODE = "dongngac"
SITE_PREFIX = "52"
LANGUAGE_ID = "1"
PAGE_SIZE = 10
NEW_WARD = "Đông Ngạc"
SITE_NAME = f"Cổng thông tin điện tử phường {NEW_WARD}"

#: Old ward (before 2025) -> new ward; illustrative, used only for the text of sapos.
REFORM = {
    "Cổ Nhuế 1": "Xuân Đỉnh", "Cổ Nhuế 2": "Đông Ngạc", "Đông Ngạc": "Đông Ngạc",
    "Đức Thắng": "Đông Ngạc", "Liên Mạc": "Thượng Cát", "Minh Khai": "Tây Tựu",
    "Phú Diễn": "Phú Diễn", "Phúc Diễn": "Phú Diễn", "Tây Tựu": "Tây Tựu",
    "Thượng Cát": "Thượng Cát", "Thụy Phương": "Đông Ngạc", "Xuân Đỉnh": "Xuân Đỉnh",
    "Xuân Tảo": "Xuân Đỉnh",
}  # fmt: skip
_TAG_POOL = (
    "cải cách hành chính", "chính quyền hai cấp", "an sinh xã hội", "đô thị văn minh",
    "chuyển đổi số", "trật tự đô thị", "phong trào thi đua", "sắp xếp đơn vị hành chính",
)  # fmt: skip
_WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")
MENU = (
    ("/", "Trang chủ"),
    ("/gioi-thieu", "Giới thiệu"),
    (LISTING_PATH, CATEGORY_LABEL),
    ("/thong-bao", "Thông báo"),
    ("/van-ban", "Văn bản"),
    ("/lien-he", "Liên hệ"),
)
STUB_PAGES = {path: label for path, label in MENU if path not in ("/", LISTING_PATH)}
_ARTICLE = re.compile(r"^/[^/]+/[^/]*-(\d{14,19})\.htm$")


def entry_time(dt: datetime) -> str:
    """How entries print their time in ``span.news-time[title]``: ``15:28, 28/08/2026``."""
    return f"{dt:%H:%M, %d/%m/%Y}"


class HanoiPlatformRenderer(Renderer):
    family = "hanoi-platform"
    start_path = LISTING_PATH
    #: What the API answers past the last page: "empty" or "repeat" (the last page again).
    past_end: ClassVar[str] = "empty"

    def __init__(self, corpus: Any) -> None:
        super().__init__(corpus)
        self.api_calls: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self.past_end = type(self).past_end

    # -- ids, URLs and dates --------------------------------------------------------------------

    def _extra(self, key: int) -> random.Random:
        return random.Random(f"{self.corpus.seed}:{key}:hanoi")

    def article_id(self, key: int) -> str:
        meta = self.corpus.meta(key)
        rng = self._extra(key)
        seconds, millis = rng.randrange(60), rng.randrange(1000)
        return f"{SITE_PREFIX}{meta.published:%y%m%d%H%M}{seconds:02d}{millis:03d}"

    def article_path(self, key: int) -> str:
        return f"{LISTING_PATH}/{slugify(self.corpus.title(key))}-{self.article_id(key)}.htm"

    def printed_date(self, meta: ArticleMeta) -> str:
        stamp = f"{meta.published:%d/%m/%Y %H:%M}"
        if meta.key % 2 == 0:
            return f"{_WEEKDAYS[meta.published.weekday()]}, {stamp}"
        return stamp

    def key_for_id(self, article_id: str) -> int | None:
        """Binary search over the publish times, which strictly descend with the key."""
        if not article_id.startswith(SITE_PREFIX):
            return None
        stamp = article_id[len(SITE_PREFIX) : len(SITE_PREFIX) + 10]
        try:
            wanted = datetime.strptime(stamp, "%y%m%d%H%M")
        except ValueError:
            return None
        low, high = 0, self.corpus.count - 1
        while low <= high:
            mid = (low + high) // 2
            published = self.corpus.meta(mid).published.replace(tzinfo=None)
            if published == wanted:
                return mid if self.article_id(mid) == article_id else None
            if published > wanted:
                low = mid + 1
            else:
                high = mid - 1
        return None

    def sapo(self, meta: ArticleMeta) -> str:
        title = meta.title.casefold() + " "
        old = next((w for w in WARDS if f"phường {w} ".casefold() in title), None)
        where = f"phường {old} cũ, nay thuộc phường {REFORM[old]}" if old else "quận Bắc Từ Liêm cũ"
        title = meta.title.rstrip(".")
        return f"(Cổng TTĐT phường {NEW_WARD}) - Thông tin từ địa bàn {where}: {title}."

    def tags(self, meta: ArticleMeta) -> list[str]:
        return [f"phường {NEW_WARD}", *self._extra(meta.key).sample(_TAG_POOL, 2)]

    def truth(self, key: int, base_url: str) -> dict[str, Any]:
        row = super().truth(key, base_url)
        meta = self.corpus.meta(key)
        if not meta.date_on_page:
            # Listing and related entries print the time, not only the day.
            row["published_at"] = meta.published.isoformat()
        row.update(
            sapo=self.sapo(meta),
            tags=self.tags(meta),
            category=CATEGORY_LABEL,
            article_id=self.article_id(key),
        )
        return row

    # -- routing --------------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
    ) -> Response:
        path = unquote(path)
        if len(path) > 1:
            path = path.rstrip("/")
        if path == API_PATH:
            if method != "POST":
                return Response(405, {"Allow": "POST", "Content-Type": "text/plain"}, b"POST only")
            return self._api(body)
        if path == "/robots.txt":
            return robots_allow_all()
        if path == "/":
            return html_response(self._home())
        if path == LISTING_PATH:
            return html_response(self._listing())
        match = _ARTICLE.match(path)
        if match:
            key = self.key_for_id(match.group(1))
            if key is not None:
                return html_response(self._article_page(self.corpus.article(key)))
        if path.startswith("/images/"):
            return pixel_response()
        if path in STUB_PAGES or path.startswith("/tag/"):
            label = STUB_PAGES.get(path) or "Từ khóa"
            main = (
                f'<div class="box-page"><h1>{label}</h1><p>Nội dung đang được cập nhật.</p></div>'
            )
            return html_response(self._page(label, path, main))
        main = '<div class="box-page"><h1>404</h1><p>Không tìm thấy trang yêu cầu.</p></div>'
        return html_response(self._page("Không tìm thấy trang", path, main), 404)

    # -- the paging API -------------------------------------------------------------------------

    def _stream(self, excluded: set[str]) -> list[int]:
        return [k for k in range(self.corpus.listed_count) if self.article_id(k) not in excluded]

    def _api(self, body: bytes) -> Response:
        form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        call = {k: (v if k.endswith("[]") else v[0]) for k, v in form.items()}
        with self._lock:
            self.api_calls.append(call)

        def one(name: str, default: str | None = None) -> str | None:
            return form.get(name, [default])[0]

        ok = (
            one("Catname") == CATEGORY_SLUG
            and one("Site") == SITE_CODE
            and one("LanguageId", LANGUAGE_ID) == LANGUAGE_ID
        )
        try:
            index = int(one("PageIndex", "0") or 0)
        except ValueError:
            index = -1
        try:
            size = min(max(int(one("PageSize", str(PAGE_SIZE)) or PAGE_SIZE), 1), 50)
        except ValueError:
            size = PAGE_SIZE
        if not ok or index < 0:
            return html_response("")
        stream = self._stream(set(form.get("DataIds[]", []) + form.get("DataIds", [])))
        keys = stream[index * size : (index + 1) * size]
        if not keys and self.past_end == "repeat" and stream:
            last = (len(stream) - 1) // size
            keys = stream[last * size : (last + 1) * size]
        return html_response("\n".join(self._item(k) for k in keys))

    # -- pages ----------------------------------------------------------------------------------

    def _item(self, key: int, css: str = "news-item") -> str:
        meta = self.corpus.meta(key)
        href = attr(self.article_path(key))
        title = text(meta.title)
        return (
            f'<div class="{css}" data-id="{self.article_id(key)}">'
            f'<a class="news-thumb" href="{href}" title="{attr(meta.title)}">'
            f'<img src="/images/thumb/{self.article_id(key)}.jpg" alt="{attr(meta.title)}"></a>'
            f'<div class="news-content"><a href="{href}" title="{attr(meta.title)}">'
            f'<h3 class="news-title">{title}</h3></a>'
            f'<span class="news-time" title="{entry_time(meta.published)}">'
            f"{meta.published:%d/%m/%Y}</span>"
            f'<p class="news-sapo">{text(self.sapo(meta))}</p></div></div>'
        )

    def _home(self) -> str:
        items = "".join(self._item(k) for k in range(min(5, self.corpus.listed_count)))
        main = (
            f'<div class="box-home"><h2 class="box-title">Tin mới</h2>{items}'
            f'<a class="view-all" href="{LISTING_PATH}">Xem tất cả</a></div>'
        )
        return self._page("Trang chủ", "/", main)

    def _listing(self) -> str:
        featured = 0
        excluded = [self.article_id(featured)]
        keys = self._stream(set(excluded))[:PAGE_SIZE]
        config = {
            "Catname": CATEGORY_SLUG,
            "Site": SITE_CODE,
            "LanguageId": LANGUAGE_ID,
            "PageSize": str(PAGE_SIZE),
        }
        if self.corpus.seed % 2:
            attrs = (
                f' data-catname="{CATEGORY_SLUG}" data-site="{SITE_CODE}"'
                f' data-languageid="{LANGUAGE_ID}" data-pagesize="{PAGE_SIZE}"'
                f' data-ids="{",".join(excluded)}" data-api="{API_PATH}"'
            )
            script = ""
        else:
            attrs = ""
            script = (
                '<script type="text/javascript">\n    var NewsZoneConfig = {\n'
                + "".join(f"        {k}: '{v}',\n" for k, v in config.items())
                + f"        DataIds: [{', '.join(repr(i) for i in excluded)}],\n"
                + f"        Api: '{API_PATH}'\n    }};\n</script>"
            )
        main = (
            f'<div class="box-category" id="NewsZone"{attrs}>'
            f'<h1 class="box-title">{CATEGORY_LABEL}</h1>'
            f'<div class="box-focus">{self._item(featured)}</div>'
            f'<div class="list-news" id="ListNewsZone">{"".join(self._item(k) for k in keys)}</div>'
            '<a class="btn-viewmore" href="javascript:;" data-page="1">Xem thêm</a></div>'
            f"{script}"
            '<script src="/static/js/newszone.min.js?v=2025.07"></script>'
        )
        return self._page(CATEGORY_LABEL, LISTING_PATH, main)

    def _article_page(self, article: Article) -> str:
        meta = article.meta
        key = meta.key
        rng = random.Random(f"{self.corpus.seed}:{key}:hanoi-body")
        related_keys = list(meta.related)
        near, same = related_keys[:3], related_keys[3:]
        mode = key % 3
        tools = (
            '<div class="detail-tools"><span class="font">Aa</span>'
            ' <a href="javascript:;" class="print">In bài</a>'
            ' <a href="javascript:;" class="share-fb">Chia sẻ</a></div>'
        )
        if not meta.date_on_page:
            info = f'<div class="detail-info">{tools}</div>'
        elif key % 2 == 0:
            info = (
                f'<div class="detail-info"><div class="detail-time">{self.printed_date(meta)}'
                f"</div>{tools}</div>"
            )
        else:
            info = (
                f'<div class="news-info"><span class="time">{self.printed_date(meta)}</span>'
                f' <span class="view">{meta.views} lượt xem</span>{tools}</div>'
            )
        body = self._body(article, rng, near if mode in (0, 1) else [], mode)
        tags = "".join(
            f'<a href="/tag/{slugify(t)}" title="{attr(t)}">{text(t)}</a>'
            for t in self.tags(meta)
        )
        related_after = ""
        if mode == 2 and near:
            related_after = (
                '<div class="box-related"><h3 class="box-title">Tin liên quan</h3>'
                + "".join(self._item(k) for k in near)
                + "</div>"
            )
        same_box = ""
        if same:
            same_box = (
                '<div class="box-same-category"><div class="box-heading">'
                '<h3 class="title">Tin cùng chuyên mục</h3></div><ul class="list-news">'
                + "".join(self._li(k) for k in same)
                + "</ul></div>"
            )
        path = self.article_path(key)
        main = (
            f'<div class="detail-container" data-id="{self.article_id(key)}">'
            f'<ul class="breadcrumb"><li><a href="/">Trang chủ</a></li>'
            f'<li><a href="{LISTING_PATH}">{CATEGORY_LABEL}</a></li></ul>'
            f'<h1 class="detail-title" data-role="title">{text(meta.title)}</h1>'
            f"{info}"
            f'<h2 class="detail-sapo" data-role="sapo">{text(self.sapo(meta))}</h2>'
            '<div class="detail-content afcbc-body" data-role="content" itemprop="articleBody">'
            f"{body}</div>"
            f'<div class="detail-tags"><span class="tags-label">Từ khóa:</span> {tags}</div>'
            f"{related_after}{same_box}</div>"
        )
        head = (
            f'<meta property="og:title" content="{attr(meta.title)}">'
            f'<meta property="og:description" content="{attr(self.sapo(meta))}">'
            '<meta property="og:type" content="article">'
            f'<link rel="canonical" href="{attr(path)}">'
        )
        return self._page(meta.title, LISTING_PATH, main, head)

    def _li(self, key: int) -> str:
        meta = self.corpus.meta(key)
        return (
            f'<li class="news-item" data-id="{self.article_id(key)}">'
            f'<a href="{attr(self.article_path(key))}">{text(meta.title)}</a>'
            f' <span class="news-time" title="{entry_time(meta.published)}">'
            f"{meta.published:%d/%m/%Y}</span></li>"
        )

    # -- body -----------------------------------------------------------------------------------

    def _body(self, article: Article, rng: random.Random, near: list[int], mode: int) -> str:
        parts: list[str] = []
        photo = 0
        for i, block in enumerate(article.blocks):
            if isinstance(block, AuthorLine) and mode == 1 and near:
                parts.append(self._typed_related(near))
            parts.append(self._block(block, rng, article.meta, photo))
            if isinstance(block, Figure):
                photo += 1
            if i == 1 and mode == 0 and near:
                parts.append(
                    '<div class="VCSortableInPreviewMode" type="RelatedNewsBox">'
                    '<div class="kbwscwl-relatedbox"><strong class="title">Tin liên quan</strong>'
                    f"<ul>{''.join(self._li(k) for k in near)}</ul></div></div>"
                )
        if mode == 1 and near and not any(isinstance(b, AuthorLine) for b in article.blocks):
            parts.append(self._typed_related(near))
        return "\n".join(parts)

    def _typed_related(self, near: list[int]) -> str:
        # An editor typing the links into the body: a bold paragraph, then one link per line.
        out = ["<p><strong>Tin liên quan</strong></p>"]
        for key in near:
            meta = self.corpus.meta(key)
            out.append(
                f'<p><a href="{attr(self.article_path(key))}">{text(meta.title)}</a>'
                f" ({entry_time(meta.published)})</p>"
            )
        return "\n".join(out)

    def _block(self, block: Block, rng: random.Random, meta: ArticleMeta, photo: int) -> str:
        if isinstance(block, Paragraph):
            glue = rng.choice((" ", " ", "&nbsp;"))
            style = rng.choice(("", ' style="text-align: justify;"'))
            return f"<p{style}>{glue.join(text(s) for s in block.sentences)}</p>"
        if isinstance(block, Figure):
            src = f"/images/{meta.published:%Y/%m/%d}/{block.name}"
            cap = text(block.caption)
            return (
                '<div class="VCSortableInPreviewMode" type="Photo" style="">'
                f'<div><a href="{src}" data-fancybox-group="img-lightbox"'
                f' title="{attr(block.caption)}"'
                f' target="_blank" class="detail-img-lightbox"><img src="{src}"'
                f' id="img_{block.uuid[:8]}" w="960" h="640" alt="{attr(block.caption)}"'
                f' title="{attr(block.caption)}" rel="lightbox" photoid="{photo}" type="photo"'
                f' data-original="{src}" class="lightbox-content"></a></div>'
                '<div class="PhotoCMS_Caption">'
                f'<p data-placeholder="[nhập chú thích]">{cap}</p></div></div>'
            )
        if isinstance(block, Table):
            head = "".join(f"<td><b>{text(c)}</b></td>" for c in block.header)
            rows = "".join(
                "<tr>" + "".join(f"<td>{text(c)}</td>" for c in row) + "</tr>"
                for row in block.rows
            )
            return (
                "<p>Kết quả cụ thể như sau:</p>"
                '<div class="VCSortableInPreviewMode" type="BoxTable">'
                f'<table class="table-box"><tbody><tr>{head}</tr>{rows}</tbody></table></div>'
            )
        if isinstance(block, AuthorLine):
            name = f'<p style="text-align: right;"><b>{text(block.author)}</b></p>'
            if block.source is None:
                return name
            source = text(f"(Nguồn: {block.source})")
            return f'{name}\n<p style="text-align: right;"><i>{source}</i></p>'
        raise TypeError(f"unknown block {block!r}")

    # -- chrome ---------------------------------------------------------------------------------

    def _page(self, title: str, section: str, main: str, head: str = "") -> str:
        menu = "".join(
            f'<li class="{"active" if path == section else ""}"><a href="{path}">{label}</a></li>'
            for path, label in MENU
        )
        latest = "".join(self._li(k) for k in range(min(3, self.corpus.listed_count)))
        return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<title>{text(title)} | {SITE_NAME}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
{head}
<link rel="stylesheet" href="/static/css/main.min.css?v=2025.07">
</head>
<body>
<div class="header"><div class="container">
<a class="logo" href="/"><img src="/images/logo.png" alt="{SITE_NAME}"></a>
<div class="site-name">ỦY BAN NHÂN DÂN PHƯỜNG {NEW_WARD.upper()}</div>
<ul class="menu">{menu}</ul>
</div></div>
<div class="main"><div class="container">
<div class="main-left">{main}</div>
<div class="main-right">
<div class="box-sidebar"><div class="box-heading">Tin mới nhất</div>
<ul class="list-news">{latest}</ul></div>
<div class="box-sidebar"><div class="box-heading">Liên kết</div><ul>
<li><a href="https://hanoi.gov.vn/" target="_blank">Cổng TTĐT thành phố Hà Nội</a></li>
<li><a href="https://chinhphu.vn/" target="_blank">Cổng TTĐT Chính phủ</a></li>
<li><a href="javascript:void(0)" onclick="openChat()">Hỏi đáp trực tuyến</a></li>
<li><a href="mailto:ubnd_dongngac@hanoi.gov.vn">Gửi thư góp ý</a></li>
</ul></div>
</div>
</div></div>
<div class="footer"><div class="container">
<p>Cơ quan chủ quản: Ủy ban nhân dân phường {NEW_WARD}, thành phố Hà Nội</p>
<p>Địa chỉ: trụ sở UBND phường {NEW_WARD} (trước đây là quận Bắc Từ Liêm)</p>
<p>Ghi rõ nguồn “{SITE_NAME}” khi phát hành lại thông tin từ website này.</p>
</div></div>
</body>
</html>
"""
