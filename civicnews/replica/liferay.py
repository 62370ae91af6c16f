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

This module routes requests and renders the home page and listings; article pages are in
``liferay_article.py``, the URL scheme, dates and page frame every page shares in
``liferay_site.py``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from urllib.parse import parse_qs, quote, unquote

from civicnews.replica.article import ArticleMeta
from civicnews.replica.liferay_article import article_page
from civicnews.replica.liferay_site import (
    ARTICLE_PREFIX,
    DEFAULT_DELTA,
    LISTING_PATH,
    NAMESPACE,
    STUB_PAGES,
    format_date,
    format_day,
    listing_path,
    page_frame,
    portlet,
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
                return html_response(article_page(self, self.corpus.article(key), params))
        if path.startswith("/documents/"):
            return pixel_response()
        if path in STUB_PAGES:
            label = STUB_PAGES[path]
            main = portlet(label, f"<h2>{label}</h2><p>Nội dung đang được cập nhật.</p>")
            return html_response(page_frame(label, path, [(path, label)], main))
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
        return page_frame("Trang chủ", "/", [], main)

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
        main = portlet("Tin tức - Sự kiện", body)
        crumbs = [(LISTING_PATH, "Tin tức - Sự kiện")]
        return html_response(page_frame("Tin tức - Sự kiện", LISTING_PATH, crumbs, main))

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

    def _not_found(self, path: str) -> str:
        main = portlet(
            "Không tìm thấy trang",
            '<div class="portlet-msg-error">Không tìm thấy trang bạn yêu cầu: '
            f"<code>{text(path)}</code></div>",
        )
        return page_frame("Không tìm thấy trang", "", [], main)


# --- markup helpers -----------------------------------------------------------------------------


def _int_param(params: dict[str, list[str]], name: str, default: int, low: int, high: int) -> int:
    """Liferay ignores a malformed page number rather than failing; so do we."""
    try:
        value = int(params[name][0])
    except (KeyError, ValueError):
        return default
    return min(max(value, low), high)


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
