"""SharePoint 2010 family: the same district portal as a Hà Đông-style SharePoint site.

Map of the fake site (links in pages are root-relative, except image sources: see below):

``/tin-tuc/Pages/danh-sach.aspx?CateID=14`` (``start_path``), ``…&Page=N``
    The "Tin hoạt động" listing, 10 per page (query keys are case-insensitive, as in ASP.NET; a
    page past the end, or another CateID, lists nothing: "Chưa có tin trong chuyên mục này.").
    Each entry is a ``div.cont_artical``: ``div.name_artical`` › ``a`` (the title) and
    ``span.time_update`` "(Ngày 01 - 12 - 2018)", a thumbnail link and ``div.short_content``
    (the lead). Entry links are ``chi-tiet.aspx?ItemID=<n>&CateID=14&Source=<encoded listing
    URL>``. Pager ``div.paging``: "Trước", page numbers, "Sau" (plain text when disabled).

``/tin-tuc/Pages/chi-tiet.aspx?ItemID=<n>`` (any further parameters are ignored)
    An article; ``n`` is the corpus' numeric id. The canonical URL keeps ``?ItemID=n`` only.
    Web part ``ctl00_SPWebPartManager1_g_<guid>`` holds:

    * ``#divArticleDescription3`` › ``h1``: the title (a trailing no-break space on some);
    * ``…_ctl00_pnHide``: the date ``1/12/2018 9:7`` (unpadded day, month, hour, minute), with
      "| Lượt xem: N" beside it on some pages; absent when the page prints no date;
    * a tools row ("Quay lại" to ``Source``, "In bài", "Gửi email", "Aa");
    * ``#divArticleDescription1``: the sapo (the lead sentence; empty on 1 article in 5 and on
      the seed, whose lead stays in the body);
    * ``#divArticleDescription2``: the Word-pasted body (``p.MsoNormal`` / ``div``, no-break and
      zero-width spaces, ``table.MsoTableGrid``, centred photos whose ``src`` is written
      ``http&#58;//<Host header>/tin-tuc/PublishingImages/…`` with an italic caption below);
    * ``…_ctl00_pnNguontin``: the author (``p[align=right] font b``) and a "Nguồn: …" line, on
      ~3 articles in 5; otherwise the author is the body's last right-aligned bold line, with
      "(Nguồn: …)" inline or on the next line, and the panel is empty;
    * related news, by ``key % 3``: all in ``…_ctl00_pnTinLienQuan`` ("Tin liên quan", dates
      "(Ngày 01 - 12 - 2018)"), all in a separate web part ``div.top_F`` "Các tin khác" ›
      ``ul li a`` + ``span.time_update`` "(Ngày 1/12/2018)", or the three older articles in the
      panel and the others in "Các tin khác". Related links add ``&CateID=14`` on every other
      item.

``/``, ``/Pages/default.aspx``: home page, the 5 newest articles.
``/gioi-thieu/Pages/default.aspx``, ``/van-ban/Pages/default.aspx``,
``/lien-he/Pages/default.aspx``: stubs.
``/tin-tuc/PublishingImages/…``: a 1x1 GIF. ``/robots.txt``: allow all. Anything else: 404.

The URL scheme, date formats and the page frame every page shares are in ``sharepoint_site.py``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

from civicnews.replica.article import (
    Article,
    ArticleMeta,
    AuthorLine,
    Block,
    Figure,
    Paragraph,
    Table,
)
from civicnews.replica.markup import attr, text, word_paragraph, word_table
from civicnews.replica.renderer import (
    Renderer,
    Response,
    html_response,
    pixel_response,
    robots_allow_all,
)
from civicnews.replica.sharepoint_site import (
    ARTICLE_PATH,
    CATE_ID,
    CATEGORY,
    IMAGE_PREFIX,
    LIST_WEBPART,
    LISTING_PATH,
    OTHER_WEBPART,
    PER_PAGE,
    STUB_PAGES,
    WEBPART,
    format_date,
    format_day_short,
    format_day_spaced,
    listing_path,
    not_found,
    page_frame,
)


class SharePointRenderer(Renderer):
    family = "sharepoint"
    start_path = listing_path(1)

    # -- URLs, dates, ground truth --------------------------------------------------------------

    def article_path(self, key: int) -> str:
        # SharePoint's canonical article URL keeps its ItemID: the path alone names the list page.
        return f"{ARTICLE_PATH}?ItemID={self.corpus.meta(key).article_id}"

    def printed_date(self, meta: ArticleMeta) -> str:
        return format_date(meta.published)

    def has_sapo(self, meta: ArticleMeta) -> bool:
        return meta.key != self.corpus.seed_key and meta.key % 5 != 0

    def truth(self, key: int, base_url: str) -> dict[str, Any]:
        row = super().truth(key, base_url)
        meta = self.corpus.meta(key)
        # The lead is printed as the sapo (its own field), not in the body.
        row["sapo"] = meta.lead if self.has_sapo(meta) else None
        if row["sapo"]:
            row["body_snippets"] = [s for s in row["body_snippets"] if s != meta.lead]
        row["category"] = CATEGORY
        return row

    # -- routing --------------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
    ) -> Response:
        path = unquote(path)
        # ASP.NET reads query keys without regard to case.
        params = {k.lower(): v for k, v in parse_qsl(query, keep_blank_values=True)}
        if path == "/robots.txt":
            return robots_allow_all("text/plain")
        if path in ("/", "/Pages/default.aspx"):
            return html_response(self._home())
        if path.lower() == LISTING_PATH.lower():
            return html_response(self._listing(params))
        if path.lower() == ARTICLE_PATH.lower():
            key = self.corpus.key_for_article_id(params.get("itemid", ""))
            if key is not None:
                host = headers.get("Host") or ""
                return html_response(self._article_page(self.corpus.article(key), params, host))
        if path.startswith(IMAGE_PREFIX):
            return pixel_response()
        if path in STUB_PAGES:
            label = STUB_PAGES[path]
            return html_response(page_frame(label, [], f"<h2>{label}</h2><p>Đang cập nhật.</p>"))
        return html_response(page_frame("Không tìm thấy trang", [], not_found(path)), 404)

    # -- pages ----------------------------------------------------------------------------------

    def _home(self) -> str:
        items = "".join(
            f'<li><a href="{attr(self.article_path(k))}">{text(self.corpus.title(k))}</a></li>'
            for k in range(min(5, self.corpus.listed_count))
        )
        main = (
            '<div class="ms-WPBody"><div class="top_F">Tin mới</div>'
            f'<ul>{items}</ul><a href="{attr(listing_path())}">Xem tất cả</a></div>'
        )
        return page_frame("Trang chủ", [], main)

    def _listing(self, params: dict[str, str]) -> str:
        try:
            page = max(1, int(params.get("page", "1")))
        except ValueError:
            page = 1  # SharePoint shows the first page for a malformed number
        total = self.corpus.listed_count if params.get("cateid") == str(CATE_ID) else 0
        pages = max(1, math.ceil(total / PER_PAGE))
        keys = range((page - 1) * PER_PAGE, min(page * PER_PAGE, total))
        source = quote(listing_path(page), safe="")
        entries = "".join(self._entry(self.corpus.meta(k), source) for k in keys)
        if not entries:
            entries = '<div class="ms-vb">Chưa có tin trong chuyên mục này.</div>'

        def pager_link(label: str, target: int, enabled: bool) -> str:
            if not enabled:
                return f'<span class="disabled">{label}</span>'
            return f'<a href="{attr(listing_path(target))}">{label}</a>'

        numbers = " ".join(
            f'<span class="current">{n}</span>' if n == page else pager_link(str(n), n, True)
            for n in range(1, pages + 1)
        )
        pager = (
            '<div class="paging">'
            + pager_link("Trước", page - 1, 1 < page <= pages + 1)
            + f" {numbers} "
            + pager_link("Sau", page + 1, page < pages)
            + "</div>"
        )
        main = (
            f'<div class="ms-WPBody"><div id="{LIST_WEBPART}">'
            f'<div class="inner_content_subpage">{entries}</div>{pager}</div></div>'
        )
        crumbs = [(listing_path(), CATEGORY)]
        return page_frame(CATEGORY, crumbs, main)

    def _entry(self, meta: ArticleMeta, source: str) -> str:
        href = attr(f"{self.article_path(meta.key)}&CateID={CATE_ID}&Source={source}")
        thumb = ""
        if meta.key % 2 == 0:
            thumb = (
                f'<div class="img_thumb"><a href="{href}"><img src="{IMAGE_PREFIX}thumb/'
                f'{meta.article_id}.jpg" alt="" /></a></div>'
            )
        return (
            '<div class="cont_artical"><div class="name_artical">'
            f'<a href="{href}">{text(meta.title)}</a> '
            f'<span class="time_update">({format_day_spaced(meta.published)})</span></div>'
            f'<div class="interpre">{thumb}<div class="short_content">{text(meta.lead)}</div>'
            '<div class="cleaner"></div></div></div>'
        )

    def _article_page(self, article: Article, params: dict[str, str], host: str) -> str:
        meta = article.meta
        rng = random.Random(f"{self.corpus.seed}:{meta.key}:sharepoint")
        in_panel = meta.author is not None and (
            meta.key == self.corpus.seed_key or rng.random() < 0.6
        )
        title = text(meta.title) + ("&nbsp;" if meta.key % 4 == 1 else "")
        date = ""
        if meta.date_on_page:
            views = f" | Lượt xem: {meta.views}" if meta.key % 2 else ""
            date = (
                f'<div id="{WEBPART}_ctl00_pnHide" class="date_news">'
                f'<span id="{WEBPART}_ctl00_lblNgayDang">{format_date(meta.published)}</span>'
                f"{views}</div>"
            )
        back = params.get("source", "")
        back = back if back.startswith("/") and not back.startswith("//") else listing_path()
        sapo = f"<p><strong>{text(meta.lead)}</strong></p>" if self.has_sapo(meta) else ""
        body = self._body(article, rng, host, author_in_body=not in_panel)
        nguontin = ""
        if in_panel:
            nguontin = (
                f'<p align="right"><font color="#003399"><b>{text(meta.author)}</b></font></p>'
            )
            if meta.source:
                nguontin += (
                    '<p align="right"><font color="#003399"><i>Nguồn: '
                    f"{text(meta.source)}</i></font></p>"
                )
        panel, other = self._related(meta)
        main = f"""<div class="ms-WPBody" id="WebPartWPQ2"><div id="{WEBPART}">
<div class="news-detail">
<div id="divArticleDescription3" class="title_news"><h1>{title}</h1></div>
{date}
<div class="tools"><a href="{attr(back)}">Quay lại</a>
 | <a href="javascript:window.print()">In bài</a>
 | <a href="javascript:void(0)" onclick="sendMail()">Gửi email</a>
 | <a href="javascript:void(0)" onclick="changeSize(1)">Aa</a></div>
<div id="divArticleDescription1" class="sapo">{sapo}</div>
<div id="divArticleDescription2" class="ms-rtestate-field">{body}</div>
<div id="{WEBPART}_ctl00_pnNguontin" class="nguontin">{nguontin}</div>
{panel}
</div></div></div>
{other}"""
        crumbs = [(listing_path(), CATEGORY)]
        return page_frame(meta.title, crumbs, main)

    def _related(self, meta: ArticleMeta) -> tuple[str, str]:
        """(the pnTinLienQuan panel, the "Các tin khác" web part), either possibly empty."""
        mode = meta.key % 3
        older = [k for k in meta.related if meta.key < k <= meta.key + 3]
        if mode == 0:
            in_panel = older
        elif mode == 1:
            in_panel = []
        else:
            in_panel = list(meta.related)
        in_other = [k for k in meta.related if k not in in_panel]

        def href(key: int, position: int) -> str:
            suffix = f"&CateID={CATE_ID}" if position % 2 else ""
            return attr(self.article_path(key) + suffix)

        panel = other = ""
        if in_panel:
            items = "".join(
                f'<li><a href="{href(k, i)}">{text(self.corpus.title(k))}</a> '
                f'<span class="time_update">'
                f"({format_day_spaced(self.corpus.meta(k).published)})</span></li>"
                for i, k in enumerate(in_panel)
            )
            panel = (
                f'<div id="{WEBPART}_ctl00_pnTinLienQuan" class="tinlienquan">'
                f'<div class="title_tlq">Tin liên quan</div><ul>{items}</ul></div>'
            )
        if in_other:
            items = "".join(
                f'<li><a href="{href(k, i + 1)}">{text(self.corpus.title(k))}</a>'
                f'<span class="time_update">'
                f"({format_day_short(self.corpus.meta(k).published)})</span></li>"
                for i, k in enumerate(in_other)
            )
            other = (
                f'<div class="ms-WPBody" id="WebPartWPQ3"><div id="{OTHER_WEBPART}">'
                '<div class="other_News"><div class="top_F">Các tin khác</div>'
                f'<div class="inner_F_otherNew"><ul>{items}</ul>'
                f'<a class="xemthem" href="{attr(listing_path())}">Xem thêm</a>'
                "</div></div></div></div>"
            )
        return panel, other

    # -- body -----------------------------------------------------------------------------------

    def _body(self, article: Article, rng: random.Random, host: str, author_in_body: bool) -> str:
        meta = article.meta
        parts: list[str] = []
        for i, block in enumerate(article.blocks):
            if i == 0 and isinstance(block, Paragraph) and self.has_sapo(meta):
                # The lead went to the sapo; the rest of the first paragraph stays.
                rest = tuple(s for s in block.sentences if s != meta.lead)
                if rest:
                    parts.append(word_paragraph(rest, rng))
                continue
            if isinstance(block, AuthorLine) and not author_in_body:
                continue
            parts.append(self._block(block, rng, host))
        return "\n".join(parts)

    def _block(self, block: Block, rng: random.Random, host: str) -> str:
        if isinstance(block, Paragraph):
            return word_paragraph(block.sentences, rng)
        if isinstance(block, Figure):
            path = f"{IMAGE_PREFIX}{block.name[:4]}/{block.name[4:6]}/{block.name}"
            # SharePoint's rich-text field stores absolute URLs with the colon escaped.
            src = f"http&#58;//{attr(host)}{path}" if host else path
            return (
                f'<div style="text-align:center"><img alt="" src="{src}" width="600" /></div>\n'
                f'<div style="text-align:center"><em>{text(block.caption)}</em></div>'
            )
        if isinstance(block, Table):
            return word_table(block)
        if isinstance(block, AuthorLine):
            name = f"<strong>{text(block.author)}</strong>"
            if block.source is None:
                return f'<p style="text-align: right;">{name}</p>'
            source = text(f"(Nguồn: {block.source})")
            if rng.random() < 0.5:
                return f'<p style="text-align: right;">{name} {source}</p>'
            return (
                f'<p style="text-align: right;">{name}</p>\n'
                f'<p style="text-align: right;"><em>{source}</em></p>'
            )
        raise TypeError(f"unknown block {block!r}")
