"""Liferay 6.x family: the 2018 Bắc Từ Liêm district portal, as described in shared/portals.md.

Map of the fake site (all links in pages are root-relative):

``/tin-tuc-su-kien``
    Listing page 1. Further pages use the asset publisher's portlet parameters
    ``?p_p_id=101_INSTANCE_aB3xK9LmQw2Z&p_p_lifecycle=0&_101_INSTANCE_aB3xK9LmQw2Z_cur=N``
    ``&_101_INSTANCE_aB3xK9LmQw2Z_delta=10``. Only the newest 40% of articles are listed (at
    most 50 pages of 10); a page past the end is an empty listing. Each entry is a
    ``div.asset-abstract``:
    ``h3.asset-title a`` (href = article URL + ``?redirect=<url-encoded listing URL>``, text = an
    icon then the title), ``div.asset-metadata span.metadata-publish-date`` ("01/12/2018 - 09:07
    AM", or only "01/12/2018" for articles whose page has no date), ``div.asset-summary`` (the
    first sentence) and a "Xem thêm" link. Pagination: ``div.taglib-page-iterator`` ›
    ``div.lfr-pagination`` › ``ul.lfr-pagination-buttons.pager`` with ``li`` links "← Đầu",
    "Trước", numbered pages (window of 10), "Tiếp", "Cuối →"; disabled ones point to
    ``javascript:;``; ``small.search-results`` says "Hiển thị 1 - 10 của 20 kết quả.".

``/tin-tuc-su-kien/-/asset_publisher/aB3xK9LmQw2Z/content/<urlTitle>``
    An article, whatever the query string (``?redirect=…``, ``?inheritRedirect=true&redirect=…``
    or none: the same article under several URLs). urlTitle is the ASCII slug of the title.
    Inside ``div.asset-full-content``:

    * ``div.taglib-header`` › ``h3.header-title`` › ``span``: the title (a "Quay lại" link before);
    * ``div.asset-metadata`` › ``span.metadata-entry.metadata-publish-date``: the date line
      ``01/12/2018 - 09:07 AM``; absent when the date is pasted into the body instead (first
      ``<p>`` of the body, ~1 article in 6) or when the page has no date (~1 listed article in 9);
    * ``div.asset-content#_101_INSTANCE_aB3xK9LmQw2Z_<articleId>`` ›
      ``div.journal-content-article``: the Word-pasted body (``p.MsoNormal`` with
      ``<span style>`` wrappers, ``<o:p>``, ``&nbsp;``, U+200B, MSO conditional comments,
      ``table.MsoTableGrid``, centred ``<img>`` + italic caption),
      ending with the author line ``<p style="text-align: right;"><strong>Name</strong></p>``
      (or ``text-align:right`` / ``<b>``), sometimes with "(Nguồn: …)" inline or on a next line;
    * boilerplate: ``div.asset-view-count`` "Lượt xem: 396", ``div.article-tools`` with "Aa",
      "Tăng cỡ chữ / Giảm cỡ chữ", "In bài", "Chia sẻ", and an inline ``printDoc.write(...)``
      script.

    Below it, a separate portlet ``div.other-news`` › ``div.title`` "Các tin tức khác" ›
    ``ul li``: ``<a>Title</a> <span class="date">(dd/mm/yyyy)</span>``, the date suffix inside
    the anchor for every third item. Page chrome everywhere: banner, menu, breadcrumb
    ("Trang chủ > Tin tức - Sự kiện > …"), a sidebar with off-site, ``javascript:void(0)`` and
    ``mailto:`` links, a footer.

``/``, ``/trang-chu``: home page, the 5 newest articles. ``/gioi-thieu``, ``/van-ban``,
``/thu-tuc-hanh-chinh``, ``/hoi-dap``, ``/lien-he``: stub pages. ``/documents/…``: a 1x1 GIF.
``/robots.txt``: allow all. Anything else: 404.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import parse_qs, quote, unquote

from civicnews.replica.article import (
    Article,
    ArticleMeta,
    AuthorLine,
    Block,
    Figure,
    Paragraph,
    Table,
)
from civicnews.replica.markup import attr, text
from civicnews.replica.renderer import (
    Renderer,
    Response,
    html_response,
    pixel_response,
    robots_allow_all,
)
from civicnews.replica.titles import slugify

INSTANCE_ID = "aB3xK9LmQw2Z"
PORTLET_ID = f"101_INSTANCE_{INSTANCE_ID}"
NAMESPACE = f"_{PORTLET_ID}_"
LISTING_PATH = "/tin-tuc-su-kien"
ARTICLE_PREFIX = f"{LISTING_PATH}/-/asset_publisher/{INSTANCE_ID}/content/"
DEFAULT_DELTA = 10
SITE_NAME = "Cổng thông tin điện tử quận Bắc Từ Liêm"
GROUP_ID = 10180
FOLDER_ID = 31504

MENU = (
    ("/", "Trang chủ"),
    ("/gioi-thieu", "Giới thiệu"),
    (LISTING_PATH, "Tin tức - Sự kiện"),
    ("/van-ban", "Văn bản"),
    ("/thu-tuc-hanh-chinh", "Thủ tục hành chính"),
    ("/hoi-dap", "Hỏi đáp"),
    ("/lien-he", "Liên hệ"),
)
STUB_PAGES = {path: label for path, label in MENU if path not in ("/", LISTING_PATH)}


# Word-pasted markup pieces.
_SPAN = (
    '<span lang="VI" style="font-size:14.0pt;line-height:115%;'
    'font-family:&quot;Times New Roman&quot;,&quot;serif&quot;">'
)
_MSO_COMMENT = (
    "<!--[if gte mso 9]><xml><w:WordDocument><w:View>Normal</w:View><w:Zoom>0</w:Zoom>"
    "<w:TrackMoves/><w:DoNotOptimizeForBrowser/></w:WordDocument></xml><![endif]-->"
)
_EMPTY_P = '<p class="MsoNormal"><o:p>&nbsp;</o:p></p>'


def format_date(dt: datetime) -> str:
    """Liferay's date line: ``01/12/2018 - 09:07 AM`` (12-hour clock, 12:xx for noon/midnight)."""
    hour = dt.hour % 12 or 12
    return f"{dt:%d/%m/%Y} - {hour:02d}:{dt:%M} {'AM' if dt.hour < 12 else 'PM'}"


def format_day(dt: datetime) -> str:
    return f"{dt:%d/%m/%Y}"


def listing_path(cur: int, delta: int = DEFAULT_DELTA) -> str:
    """Listing page `cur` (1-based) with the asset publisher's portlet parameters."""
    return (
        f"{LISTING_PATH}?p_p_id={PORTLET_ID}&p_p_lifecycle=0"
        f"&{NAMESPACE}cur={cur}&{NAMESPACE}delta={delta}"
    )


class LiferayRenderer(Renderer):
    family = "liferay"
    start_path = LISTING_PATH

    # -- URLs and dates -------------------------------------------------------------------------

    def url_title(self, key: int) -> str:
        # Titles are unique by construction and so are their slugs (tested), so Liferay's "-1"
        # de-duplication suffix is never needed and the slug parses back to its key.
        return slugify(self.corpus.title(key))

    def article_path(self, key: int) -> str:
        return ARTICLE_PREFIX + self.url_title(key)

    def printed_date(self, meta: ArticleMeta) -> str:
        return format_date(meta.published)

    # -- routing --------------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
    ) -> Response:
        path = unquote(path)
        if len(path) > 1:
            path = path.rstrip("/")
        params = parse_qs(query, keep_blank_values=True)
        if path == "/robots.txt":
            return robots_allow_all()
        if path in ("/", "/trang-chu"):
            return html_response(self._home())
        if path == LISTING_PATH:
            return self._listing(params)
        if path.startswith(ARTICLE_PREFIX):
            key = self.corpus.key_for_slug(path[len(ARTICLE_PREFIX) :])
            if key is not None:
                return html_response(self._article_page(self.corpus.article(key), params))
        if path.startswith("/documents/"):
            return pixel_response()
        if path in STUB_PAGES:
            label = STUB_PAGES[path]
            main = _portlet(label, f"<h2>{label}</h2><p>Nội dung đang được cập nhật.</p>")
            return html_response(self._page(label, path, [(path, label)], main))
        return html_response(self._not_found(path), 404)

    # -- pages ----------------------------------------------------------------------------------

    def _home(self) -> str:
        items = []
        for key in range(min(5, self.corpus.listed_count)):
            meta = self.corpus.meta(key)
            items.append(
                f'<li><a href="{attr(self.article_path(key))}">{text(meta.title)}</a>'
                f' <span class="date">({format_day(meta.published)})</span></li>'
            )
        main = (
            '<div class="home-news"><div class="title">Tin mới</div>'
            f"<ul>{''.join(items)}</ul>"
            f'<a class="view-all" href="{LISTING_PATH}">Xem tất cả</a></div>'
        )
        return self._page("Trang chủ", "/", [], main)

    def _listing(self, params: dict[str, list[str]]) -> Response:
        cur = _int_param(params, NAMESPACE + "cur", 1, 1, 10**6)
        delta = _int_param(params, NAMESPACE + "delta", DEFAULT_DELTA, 1, 100)
        total = self.corpus.listed_count
        pages = max(1, math.ceil(total / delta))
        first = (cur - 1) * delta
        keys = range(first, min(first + delta, total))
        here = listing_path(cur, delta) if params else LISTING_PATH
        redirect = quote(here, safe="")
        entries = [self._abstract(self.corpus.meta(key), redirect) for key in keys]
        if not entries:
            entries.append('<div class="portlet-msg-info">Không có kết quả nào.</div>')
        results = (
            f"Hiển thị {first + 1} - {first + len(keys)} của {total} kết quả."
            if keys
            else f"Hiển thị {total} kết quả."
        )
        body = f'<div class="asset-publisher-list">{"".join(entries)}</div>' + _page_iterator(
            cur, pages, delta, results
        )
        main = _portlet("Tin tức - Sự kiện", body)
        crumbs = [(LISTING_PATH, "Tin tức - Sự kiện")]
        return html_response(self._page("Tin tức - Sự kiện", LISTING_PATH, crumbs, main))

    def _abstract(self, meta: ArticleMeta, redirect: str) -> str:
        href = attr(f"{self.article_path(meta.key)}?redirect={redirect}")
        title = text(meta.title)
        when = format_date(meta.published) if meta.date_on_page else format_day(meta.published)
        return (
            '<div class="asset-abstract ">'
            '<div class="lfr-meta-actions asset-actions"></div>'
            f'<h3 class="asset-title"><a href="{href}"><img alt="" '
            'src="/btl-theme/images/file_system/small/article.png" /> '
            f"{title}</a></h3>"
            '<div class="asset-metadata"><span class="metadata-entry metadata-publish-date">'
            f"{when}</span></div>"
            f'<div class="asset-content"><div class="asset-summary">{text(meta.lead)}</div>'
            f'<div class="asset-more"><a href="{href}">Xem thêm <span class="hide-accessible">'
            f"về {title}</span> &raquo; </a></div></div></div>"
        )

    def _article_page(self, article: Article, params: dict[str, list[str]]) -> str:
        meta = article.meta
        rng = random.Random(f"{self.corpus.seed}:{meta.key}:liferay")
        path = self.article_path(meta.key)
        redirect = params.get("redirect", [""])[0]
        # Only site-relative redirects: "//host/…" would turn the back link into an off-site one.
        back = (
            redirect if redirect.startswith("/") and not redirect.startswith("//") else LISTING_PATH
        )
        content_id = f"{NAMESPACE}{meta.article_id}"
        # Editors sometimes trail the title with a no-break space; parsers must strip it.
        title_html = text(meta.title) + ("&nbsp;" if meta.key % 5 == 1 else "")
        metadata = ""
        if meta.date_on_page and not meta.date_in_body:
            metadata = (
                '<div class="asset-metadata"><span class="metadata-entry metadata-publish-date">'
                f"{format_date(meta.published)}</span></div>"
            )
        full = (
            '<div class="asset-full-content default-asset-publisher show-asset-title">'
            '<div class="taglib-header "><span class="header-back-to">'
            f'<a class="icon-circle-arrow-left previous-level" href="{attr(back)}"'
            ' title="Quay lại"><span class="helper-hidden-accessible">Quay lại</span></a></span>'
            f'<h3 class="header-title"><span>{title_html}</span></h3></div>'
            f"{metadata}"
            f'<div class="asset-content" id="{content_id}">'
            f'<div class="journal-content-article">{self._body(article, rng)}</div>'
            '<div class="entry-links"></div></div>'
            f'<div class="asset-view-count">Lượt xem: {meta.views}</div>'
            '<div class="article-tools"><span class="font-size">Aa</span> '
            '<a href="javascript:void(0)" onclick="changeFontSize(1)">Tăng cỡ chữ</a> / '
            '<a href="javascript:void(0)" onclick="changeFontSize(-1)">Giảm cỡ chữ</a> | '
            '<a href="javascript:void(0)" onclick="printContent()">In bài</a> | '
            '<a class="share-facebook" target="_blank" '
            f'href="https://www.facebook.com/sharer/sharer.php?u={quote(path, safe="")}">'
            "Chia sẻ</a></div>"
            '<script type="text/javascript">function printContent(){'
            "var printDoc = window.open('', '', 'height=600,width=800').document;"
            "printDoc.write('<html><head><title>In bài viết</title></head><body>' + "
            f"document.getElementById('{content_id}').innerHTML + '</body></html>');"
            "printDoc.close();}</script>"
            "</div>"
        )
        related = self._related(meta, path)
        main = _portlet("Tin tức - Sự kiện", full) + related
        crumbs = [(LISTING_PATH, "Tin tức - Sự kiện"), (path, meta.title)]
        return self._page(f"{meta.title} - Tin tức - Sự kiện", LISTING_PATH, crumbs, main)

    def _related(self, meta: ArticleMeta, path: str) -> str:
        items = []
        for position, key in enumerate(meta.related):
            other = self.corpus.meta(key)
            variant = (meta.key + position) % 3
            # Liferay links the same article several ways: inherit the redirect, plain, redirect.
            href = self.article_path(key)
            if variant == 0:
                href += f"?inheritRedirect=true&redirect={quote(path, safe='')}"
            elif variant == 2:
                href += f"?redirect={quote(LISTING_PATH, safe='')}"
            date = f'<span class="date">({format_day(other.published)})</span>'
            title = text(other.title)
            if position % 3 == 2:  # the date suffix inside the anchor: not part of the title
                items.append(f'<li><a href="{attr(href)}">{title} {date}</a></li>')
            else:
                items.append(f'<li><a href="{attr(href)}">{title}</a> {date}</li>')
        return (
            '<section class="portlet" id="portlet_othernews_WAR_btlportlet">'
            '<div class="portlet-body"><div class="other-news">'
            '<div class="title">Các tin tức khác</div>'
            f"<ul>{''.join(items)}</ul></div></div></section>"
        )

    # -- body -----------------------------------------------------------------------------------

    def _body(self, article: Article, rng: random.Random) -> str:
        meta = article.meta
        parts: list[str] = []
        if rng.random() < 0.5:
            parts.append(_MSO_COMMENT)
        if meta.date_on_page and meta.date_in_body:
            # Word-pasting editors type the date as the first paragraph of the body.
            parts.append(
                '<p class="MsoNormal"><em><span style="font-size:12.0pt">'
                f"{format_date(meta.published)}</span></em>&nbsp;<o:p></o:p></p>"
            )
        for block in article.blocks:
            parts.append(self._block(block, rng, is_seed=meta.key == self.corpus.seed_key))
            if rng.random() < 0.12 and not isinstance(block, AuthorLine):
                parts.append(_EMPTY_P)
        return "\n".join(parts)

    def _block(self, block: Block, rng: random.Random, is_seed: bool) -> str:
        if isinstance(block, Paragraph):
            return _paragraph(block, rng)
        if isinstance(block, Figure):
            folder = f"/documents/{GROUP_ID}/{FOLDER_ID}"
            src = f"{folder}/{block.name}/{block.uuid}?t={block.file_time_ms}"
            return (
                '<p class="MsoNormal" align="center" style="text-align:center">'
                f'<img alt="" src="{attr(src)}" style="width: 640px; height: 427px;" /></p>\n'
                '<p class="MsoNormal" align="center" style="text-align:center"><em>'
                f'<span style="font-size:12.0pt">{text(block.caption)}</span></em>'
                "<o:p></o:p></p>"
            )
        if isinstance(block, Table):
            return _table(block)
        if isinstance(block, AuthorLine):
            return _author(block, rng, is_seed)
        raise TypeError(f"unknown block {block!r}")

    # -- chrome ---------------------------------------------------------------------------------

    def _page(self, title: str, section: str, crumbs: list[tuple[str, str]], main: str) -> str:
        menu = "".join(
            f'<li class="{"selected" if path == section else ""}" role="presentation">'
            f'<a href="{path}" role="menuitem"><span>{label}</span></a></li>'
            for path, label in MENU
        )
        trail = ['<li class="first"><span><a href="/">Trang chủ</a></span></li>']
        for i, (path, label) in enumerate(crumbs):
            css = ' class="last"' if i == len(crumbs) - 1 else ""
            trail.append(
                f'<li{css}><span class="divider">&gt;</span> '
                f'<span><a href="{attr(path)}">{text(label)}</a></span></li>'
            )
        return f"""<!DOCTYPE html>
<html class="aui ltr" dir="ltr" lang="vi-VN">
<head>
<title>{text(title)} - {SITE_NAME}</title>
<meta content="initial-scale=1.0, width=device-width" name="viewport" />
<meta content="text/html; charset=UTF-8" http-equiv="content-type" />
<link href="/btl-theme/images/favicon.ico" rel="Shortcut Icon" />
<link class="lfr-css-file" rel="stylesheet" type="text/css"
 href="/btl-theme/css/main.css?browserId=other&amp;themeId=btltheme_WAR_btltheme&amp;b=6210" />
<script type="text/javascript">var themeDisplay = Liferay.ThemeDisplay = {{
getLanguageId: function() {{return "vi_VN";}}, getPathMain: function() {{return "/c";}},
getScopeGroupId: function() {{return "{GROUP_ID}";}}}};</script>
</head>
<body class="yui3-skin-sam controls-visible signed-out public-page site">
<a href="#main-content" id="skip-to-content">Bỏ qua nội dung</a>
<div class="container-fluid" id="wrapper">
<header id="banner" role="banner">
<div id="heading"><h1 class="site-title">
<a class="logo custom-logo" href="/" title="Đi tới {SITE_NAME}"><img alt="{SITE_NAME}"
 height="120" src="/image/company_logo?img_id=10197&amp;t=1543630000000" width="1000" /></a>
<span class="site-name" title="Đi tới {SITE_NAME}">CỔNG THÔNG TIN ĐIỆN TỬ QUẬN BẮC TỪ LIÊM</span>
</h1></div>
<nav class="sort-pages modify-pages" id="navigation" role="navigation">
<ul aria-label="Trang web" role="menubar">{menu}</ul></nav>
</header>
<div id="content"><div class="portlet-layout row-fluid">
<div class="portlet-column portlet-column-first span8" id="column-1">
<section class="portlet" id="portlet_73"><div class="portlet-body">
<ul aria-label="Breadcrumb" class="breadcrumb breadcrumb-horizontal">{"".join(trail)}</ul>
</div></section>
{main}
</div>
<div class="portlet-column portlet-column-last span4" id="column-2">
<section class="portlet" id="portlet_3"><div class="portlet-body">
<form action="/tim-kiem" method="get" name="_3_fm">
<input name="_3_keywords" placeholder="Tìm kiếm..." type="text" />
<button type="submit">Tìm</button></form></div></section>
<section class="portlet" id="portlet_weblinks"><header class="portlet-topper">
<h2 class="portlet-title">Liên kết website</h2></header>
<div class="portlet-body"><ul class="web-links">
<li><a href="https://hanoi.gov.vn/" target="_blank">Cổng giao tiếp điện tử thành phố Hà Nội</a></li>
<li><a href="http://chinhphu.vn/" target="_blank">Cổng thông tin điện tử Chính phủ</a></li>
<li><a href="https://www.facebook.com/bactuliem.hanoi" target="_blank">Fanpage quận</a></li>
<li><a href="javascript:void(0)"
 onclick="Liferay.Util.openWindow({{uri: '/c/portal/login'}})">Đăng nhập</a></li>
<li><a href="mailto:bactuliem@hanoi.gov.vn">Gửi thư góp ý</a></li>
</ul></div></section>
<section class="portlet" id="portlet_stats"><div class="portlet-body">
<div class="stats">Đang truy cập: 27<br />Tổng lượt truy cập: 3.481.605</div></div></section>
</div>
</div></div>
<footer id="footer" role="contentinfo"><p>Cơ quan chủ quản: Ủy ban nhân dân quận Bắc Từ Liêm</p>
<p>Chịu trách nhiệm chính: Chánh Văn phòng HĐND và UBND quận</p>
<p>Email: <a href="mailto:bactuliem@hanoi.gov.vn">bactuliem@hanoi.gov.vn</a></p>
<p>Ghi rõ nguồn “{SITE_NAME}” khi phát hành lại thông tin từ website này.</p></footer>
</div>
<script type="text/javascript">Liferay.Portlet.runtimePortletIds = ["73", "3"];
AUI().use("aui-base", "liferay-menu", function(A) {{Liferay.Menu();}});</script>
</body>
</html>
"""

    def _not_found(self, path: str) -> str:
        main = _portlet(
            "Không tìm thấy trang",
            '<div class="portlet-msg-error">Không tìm thấy trang bạn yêu cầu: '
            f"<code>{text(path)}</code></div>",
        )
        return self._page("Không tìm thấy trang", "", [], main)


# --- markup helpers -----------------------------------------------------------------------------


def _int_param(params: dict[str, list[str]], name: str, default: int, low: int, high: int) -> int:
    """Liferay ignores a malformed page number rather than failing; so do we."""
    try:
        value = int(params[name][0])
    except (KeyError, ValueError):
        return default
    return min(max(value, low), high)


def _portlet(title: str, body: str) -> str:
    return (
        f'<section class="portlet" id="portlet_{PORTLET_ID}">'
        '<header class="portlet-topper"><h1 class="portlet-title">'
        f'<span class="portlet-title-text">{text(title)}</span></h1></header>'
        '<div class="portlet-content"><div class="portlet-content-container">'
        f'<div class="portlet-body">{body}</div></div></div></section>'
    )


def _page_iterator(cur: int, pages: int, delta: int, results: str) -> str:
    def button(label: str, target: int, enabled: bool, css: str = "") -> str:
        href = listing_path(target, delta) if enabled else "javascript:;"
        classes = " ".join(c for c in (css, "" if enabled else "disabled") if c)
        return f'<li class="{classes}"><a href="{attr(href)}">{label}</a></li>'

    low = max(1, min(cur - 4, pages - 9))
    numbers = [
        f'<li class="{"active" if n == cur else ""}">'
        f'<a href="{attr(listing_path(n, delta))}">{n}</a></li>'
        for n in range(low, min(pages, low + 9) + 1)
    ]
    return (
        f'<div class="taglib-page-iterator" id="{NAMESPACE}ocerSearchContainerPageIterator">'
        '<div class="clearfix lfr-pagination"><div class="lfr-pagination-config">'
        '<div class="lfr-pagination-page-selector"><div class="btn-group lfr-icon-menu">'
        '<a class="dropdown-toggle direction-down btn" href="javascript:;">'
        f'<span class="lfr-icon-menu-text">Trang {min(cur, pages)} của {pages}</span></a>'
        "</div></div></div>"
        f'<small class="search-results">{results}</small>'
        '<ul class="lfr-pagination-buttons pager">'
        + button("&larr; Đầu", 1, cur > 1, "first")
        + button("Trước", cur - 1, 1 < cur <= pages + 1)
        + "".join(numbers)
        + button("Tiếp", cur + 1, cur < pages)
        + button("Cuối &rarr;", pages, cur != pages, "last")
        + "</ul></div></div>"
    )


def _paragraph(block: Paragraph, rng: random.Random) -> str:
    joined: list[str] = []
    for i, sentence in enumerate(block.sentences):
        if i:
            # Word pastes no-break spaces and zero-width spaces between sentences.
            joined.append(rng.choices((" ", "&nbsp;", " \u200b"), (7, 2, 1))[0])
        joined.append(text(sentence))
    style = rng.choices(("word", "split", "editor"), (5, 3, 2))[0]
    if style == "split" and len(block.sentences) > 1:
        # Two spans cut at a sentence boundary (the space stays inside the first span).
        head = text(block.sentences[0]) + " "
        tail = "".join(joined[2:])
        return (
            '<p class="MsoNormal" style="text-align:justify">'
            f"{_SPAN}{head}</span>{_SPAN}{tail}</span>&nbsp;<o:p></o:p></p>"
        )
    if style == "editor":
        return f'<p style="text-align: justify;">&nbsp;&nbsp;{"".join(joined)}</p>'
    return (
        '<p class="MsoNormal" style="margin-bottom:6.0pt;text-align:justify;text-indent:36.0pt">'
        f"{_SPAN}{''.join(joined)}</span><o:p></o:p></p>"
    )


def _table(block: Table) -> str:
    def cell(value: str, header: bool) -> str:
        inner = f"<b>{text(value)}</b>" if header else text(value)
        return (
            '<td valign="top" style="border:solid windowtext 1.0pt;padding:0cm 5.4pt 0cm 5.4pt">'
            f'<p class="MsoNormal" align="center" style="text-align:center"><span lang="VI">'
            f"{inner}<o:p></o:p></span></p></td>"
        )

    rows = [block.header, *block.rows]
    body = "".join(
        "<tr>" + "".join(cell(v, i == 0) for v in row) + "</tr>" for i, row in enumerate(rows)
    )
    return (
        f'<p class="MsoNormal">{_SPAN}Kết quả cụ thể như sau:</span><o:p></o:p></p>\n'
        '<table class="MsoTableGrid" border="1" cellspacing="0" cellpadding="0" '
        f'style="border-collapse:collapse;border:none"><tbody>{body}</tbody></table>'
    )


def _author(block: AuthorLine, rng: random.Random, is_seed: bool) -> str:
    if is_seed:
        return f'<p style="text-align: right;"><strong>{text(block.author)}</strong></p>'
    # CKEditor writes "text-align: right;", Word "text-align:right"; both are in the wild.
    style = rng.choice(
        ('style="text-align: right;"', 'class="MsoNormal" align="right" style="text-align:right"')
    )
    tag = "strong" if rng.random() < 0.8 else "b"
    name = f"<{tag}>{text(block.author)}</{tag}>"
    if block.source is None:
        return f"<p {style}>{name}</p>"
    source = text(f"(Nguồn: {block.source})")
    if rng.random() < 0.5:
        return f"<p {style}>{name} {source}</p>"
    return f"<p {style}>{name}</p>\n<p {style}><em>{source}</em></p>"
