"""Table-layout ASP.NET family ("FITC" template): the same district portal, nested tables.

Map of the fake site (all links in pages are root-relative):

``/tin-tuc/tin-hoat-dong.aspx`` (``start_path``), ``…?trang=N``
    The "Tin hoạt động" category page, 10 articles per page (a page past the end lists nothing:
    "Chưa có bài viết."). Inside ``div.TMCD2_Vien``, between ``<!-- FitcBatDauDocTin -->`` and
    ``<!-- FitcKetThucDocTin -->``: ``div.TMCD2_DongTruongMuc`` "Tin tức >> Tin hoạt động"; the
    first 4 articles as table rows with ``div.TMCD2_DongAnhMinhHoa`` (a photo link, every other
    entry), ``div.TMCD2_DongTieuDe`` › ``a.TMCD2_TieuDe`` + ``span.TMCD2_ThoiGian`` " (01/12/2018)"
    and ``div.TMCD2_DongNoiDung`` (the lead); then ``td.TMCD2_TieuDeLienQuan`` "Các bài khác" and
    the next 6 as ``a.TMCD2_TinLienQuan`` + ``span.TMCD2_ThoiGian``; then ``div.TMCD2_PhanTrang``
    "Trang: 1 2 3 Trang sau »" (the current page is a ``span``).

``/tin-tuc/tin-hoat-dong/<slug>-<id>.aspx``
    An article (``id`` is the corpus' numeric id; the slug must match). The page is a
    ``table.Table_Main`` with a banner row, a menu row (``table.MenuNgang``), a left menu column
    (``table.MenuDoc``), the content column and a right column ("Tin mới" links, "Thống kê truy
    cập"). In the content column, ``div.TT_TinChiTiet_Vien`` holds ``div.TMCD2_DongTruongMuc``,
    ``div.TT_TinChiTiet_TieuDe`` (the title), ``div.TT_TinChiTiet_NgayCapNhat`` (font-size icons,
    then "Ngày cập nhật <span>01/12/2018 09:07</span>"; absent when the page prints no date),
    ``div.TT_TinChiTiet_DocTin`` (the body: paragraphs, photos as a two-row table with an italic
    caption row, ``table.MsoTableGrid``, the author as the last right-aligned bold line, as
    ``p[align=right] b``, ``div[style*=text-align: right] strong`` or ``td[align=right] b``, with
    "(Nguồn: …)" inline or on the next line), ``div.TT_TinChiTiet_DongChucNang`` (share, "Gửi tin
    qua email", "In ấn"), ``div.TT_TinChiTiet_TinLienQuanTieuDe`` "Các tin khác" ("CÁC TIN ĐÃ ĐƯA"
    on 1 article in 4) and ``a.TT_TinChiTiet_TinLienQuan`` with
    ``span.TT_TinChiTiet_TinLienQuan_ThoiGian`` " (01/12/2018)" inside the link (after it on every
    third). The Fitc comments wrap the whole ``TT_TinChiTiet_Vien``, except on 1 article in 5
    where they sit inside ``DocTin`` around the text only, with "Lượt xem: N" and a "Trở về | In
    bài" row inside ``DocTin`` after the end comment.

``/``, ``/Default.aspx``: home page, the 5 newest articles. ``/gioi-thieu.aspx``,
``/van-ban.aspx``, ``/lien-he.aspx``: stubs. ``/Portals/0/Images/…``: a 1x1 GIF.
``/robots.txt``: allow all. Anything else: 404.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, unquote

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
from civicnews.replica.titles import slugify

SITE_NAME = "Cổng thông tin điện tử quận Bắc Từ Liêm"
CATEGORY = "Tin hoạt động"
CATEGORY_PATH = "/tin-tuc/tin-hoat-dong.aspx"
ARTICLE_PREFIX = "/tin-tuc/tin-hoat-dong/"
IMAGE_PREFIX = "/Portals/0/Images/"
SKIN = "/Portals/_default/Skins/Fitc/images/"
PER_PAGE = 10
TOP_ENTRIES = 4  # shown with photo and summary; the rest go to "Các bài khác"

MENU = (
    ("/Default.aspx", "Trang chủ"),
    ("/gioi-thieu.aspx", "Giới thiệu"),
    (CATEGORY_PATH, "Tin tức"),
    ("/van-ban.aspx", "Văn bản"),
    ("/lien-he.aspx", "Liên hệ"),
)
STUB_PAGES = {path: label for path, label in MENU if path not in ("/Default.aspx", CATEGORY_PATH)}

_TRUONG_MUC = (
    f'<div class="TMCD2_DongTruongMuc"><div>Tin tức &gt;&gt; {CATEGORY}</div>'
    '<div class="Right"></div></div>'
)
_ARTICLE = re.compile(r"^(?P<slug>[a-z0-9-]+)-(?P<id>\d+)\.aspx$")


def format_date(dt: datetime) -> str:
    """The detail page's date line: ``Ngày cập nhật 01/12/2018 09:07`` (24-hour clock)."""
    return f"Ngày cập nhật {dt:%d/%m/%Y %H:%M}"


def format_day(dt: datetime) -> str:
    return f"{dt:%d/%m/%Y}"


def category_path(page: int = 1) -> str:
    return CATEGORY_PATH + (f"?trang={page}" if page > 1 else "")


class AspNetTableRenderer(Renderer):
    family = "aspnet-table"
    start_path = CATEGORY_PATH

    # -- URLs, dates, ground truth --------------------------------------------------------------

    def article_path(self, key: int) -> str:
        meta = self.corpus.meta(key)
        return f"{ARTICLE_PREFIX}{slugify(meta.title)[:80].strip('-')}-{meta.article_id}.aspx"

    def printed_date(self, meta: ArticleMeta) -> str:
        # The whole line as printed: the label belongs to the date text of this template.
        return format_date(meta.published)

    def truth(self, key: int, base_url: str) -> dict[str, Any]:
        row = super().truth(key, base_url)
        row["sapo"] = None  # the template has no sapo: the lead is the body's first sentence
        row["category"] = CATEGORY
        return row

    # -- routing --------------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
    ) -> Response:
        path = unquote(path)
        params = {k.lower(): v for k, v in parse_qsl(query, keep_blank_values=True)}
        if path == "/robots.txt":
            return robots_allow_all("text/plain")
        if path in ("/", "/Default.aspx"):
            return html_response(self._home())
        if path.lower() == CATEGORY_PATH.lower():
            return html_response(self._category(params))
        if path.startswith(ARTICLE_PREFIX):
            match = _ARTICLE.match(path[len(ARTICLE_PREFIX) :])
            key = self.corpus.key_for_article_id(match["id"]) if match else None
            if key is not None and self.article_path(key) == path:
                return html_response(self._article_page(self.corpus.article(key)))
        if path.startswith((IMAGE_PREFIX, SKIN)):
            return pixel_response()
        if path in STUB_PAGES:
            label = STUB_PAGES[path]
            return html_response(self._page(label, f"<h2>{label}</h2><p>Đang cập nhật.</p>"))
        main = f"<h2>Không tìm thấy trang</h2><p>Trang <code>{text(path)}</code> không tồn tại.</p>"
        return html_response(self._page("Không tìm thấy trang", main), 404)

    # -- pages ----------------------------------------------------------------------------------

    def _home(self) -> str:
        rows = "".join(
            f'<tr><td><a href="{attr(self.article_path(k))}">{text(self.corpus.title(k))}</a>'
            "</td></tr>"
            for k in range(min(5, self.corpus.listed_count))
        )
        main = (
            f'<table width="100%"><tr><td class="KhoiGiua_TieuDe">Tin mới</td></tr>{rows}'
            f'<tr><td><a href="{CATEGORY_PATH}">Xem tất cả</a></td></tr></table>'
        )
        return self._page("Trang chủ", main)

    def _category(self, params: dict[str, str]) -> str:
        try:
            page = max(1, int(params.get("trang", "1")))
        except ValueError:
            page = 1
        total = self.corpus.listed_count
        pages = max(1, math.ceil(total / PER_PAGE))
        keys = list(range((page - 1) * PER_PAGE, min(page * PER_PAGE, total)))
        top = "".join(self._top_entry(self.corpus.meta(k)) for k in keys[:TOP_ENTRIES])
        others = "".join(
            '<div class="TMCD2_DongTinLienQuan">'
            f'<a href="{attr(self.article_path(k))}" class="TMCD2_TinLienQuan">'
            f"{text(self.corpus.title(k))}</a>"
            f'<span class="TMCD2_ThoiGian"> ({format_day(self.corpus.meta(k).published)})</span>'
            "</div>"
            for k in keys[TOP_ENTRIES:]
        )
        if not keys:
            top = '<tr><td class="TMCD2_KhongCoTin">Chưa có bài viết.</td></tr>'
        more = ""
        if others:
            more = (
                '<table border="0" cellpadding="0" cellspacing="0" width="100%"><tbody>'
                '<tr><td colspan="1" class="TMCD2_TieuDeLienQuan">Các bài khác</td></tr>'
                f'<tr><td colspan="1"><div class="TMCD2_KhoiTinLienQuan">{others}</div></td></tr>'
                "</tbody></table>"
            )
        numbers = " ".join(
            f'<span class="TrangHienTai">{n}</span>'
            if n == page
            else f'<a href="{attr(category_path(n))}">{n}</a>'
            for n in range(1, pages + 1)
        )
        after = (
            f' <a href="{attr(category_path(page + 1))}">Trang sau »</a>' if page < pages else ""
        )
        main = f"""<div id="ctl16_ctl00_divTM" class="TMCD2_Vien">
<!-- FitcBatDauDocTin -->
{_TRUONG_MUC}
<div class="TMCD2_Nen">
<table border="0" cellpadding="0" cellspacing="0" width="100%"><tbody>{top}</tbody></table>
{more}
<div class="TMCD2_PhanTrang">Trang: {numbers}{after}</div>
</div><!-- FitcKetThucDocTin -->
</div>"""
        return self._page(CATEGORY, main)

    def _top_entry(self, meta: ArticleMeta) -> str:
        href = attr(self.article_path(meta.key))
        photo = ""
        if meta.key % 2 == 0:
            photo = (
                f'<div class="TMCD2_DongAnhMinhHoa"><a href="{href}"><img class="TMCD2_AnhMinhHoa"'
                f' src="{IMAGE_PREFIX}thumb/{meta.article_id}.jpg" /></a></div>'
            )
        return (
            f'<tr><td rowspan="1" colspan="1">{photo}'
            f'<div class=" TMCD2_DongTieuDe"><a href="{href}" class="TMCD2_TieuDe">'
            f"{text(meta.title)}</a>"
            f'<span class="TMCD2_ThoiGian"> ({format_day(meta.published)})</span></div>'
            f'<div class="TMCD2_DongNoiDung">{text(meta.lead)}</div></td></tr>'
        )

    def _article_page(self, article: Article) -> str:
        meta = article.meta
        rng = random.Random(f"{self.corpus.seed}:{meta.key}:aspnet-table")
        date = ""
        if meta.date_on_page:
            date = (
                '<div class="TT_TinChiTiet_NgayCapNhat">'
                f'<a class="Font_Tang" href="#" title="Tăng font" onclick="Tang();return false;">'
                f'<img border="0" src="{SKIN}fonttang.png" alt="" /></a>'
                f'<a class="Font_Giam" href="#" title="Giảm font" onclick="Giam();return false;">'
                f'<img border="0" src="{SKIN}fontgiam.png" alt="" /></a>'
                f"<span>Ngày cập nhật <span>{meta.published:%d/%m/%Y %H:%M}</span></span></div>"
            )
        body = self._body(article, rng)
        inner_comments = meta.key % 5 == 2
        if inner_comments:
            # Older skins mark only the text as the reading region, inside the body box.
            doctin = (
                '<div class="TT_TinChiTiet_DocTin">\n<!-- FitcBatDauDocTin -->\n'
                f"{body}\n<!-- FitcKetThucDocTin -->\n"
                f'<div class="LuotXem">Lượt xem: {meta.views}</div>'
                '<div><a href="javascript:history.back()">Trở về</a> | '
                '<a href="javascript:window.print()">In bài</a></div></div>'
            )
        else:
            doctin = f'<div class="TT_TinChiTiet_DocTin">\n<span>\n{body}\n</span>\n</div>'
        heading = "CÁC TIN ĐÃ ĐƯA" if meta.key % 4 == 3 else "Các tin khác"
        related = "".join(self._related_item(k, i) for i, k in enumerate(meta.related))
        share = f"http://www.facebook.com/sharer/sharer.php?u={meta.article_id}"
        vien = f"""<div class="TT_TinChiTiet_Vien" id="Tm40">
{_TRUONG_MUC}
<div class="TT_TinChiTiet_Nen">
<div class="TT_TinChiTiet_DeMuc"></div>
<div class="TT_TinChiTiet_TieuDe">{text(meta.title)}</div>
{date}
{doctin}
<div class="TT_TinChiTiet_DongChucNang"><a href="{attr(share)}" target="_blank" class="f1">\
<img border="0" src="{SKIN}facebook.gif" alt="" /></a>&nbsp;<a href="" \
onclick="return windowPopup('{meta.article_id}',550,500);" class="Mail"><img border="0" \
src="{SKIN}mail.gif" alt="" /> Gửi tin qua email</a>&nbsp;&nbsp;<a href="" \
onclick="return windowPopup('{meta.article_id}',750,500);" class="Print"><img border="0" \
src="{SKIN}print.gif" alt="" />&nbsp;In ấn</a></div>
<div class="TT_TinChiTiet_TinLienQuanTieuDe">{heading}</div>
<div id="divPhanTrang1">{related}</div>
</div>
</div>"""
        if inner_comments:
            main = f'<div id="ctl16_ctl00_divTM" class="HT_Dang2">\n{vien}\n</div>'
        else:
            main = (
                '<div id="ctl16_ctl00_divTM" class="HT_Dang2">\n<!-- FitcBatDauDocTin -->\n'
                f"{vien}<!-- FitcKetThucDocTin -->\n</div>"
            )
        return self._page(meta.title, main)

    def _related_item(self, key: int, position: int) -> str:
        other = self.corpus.meta(key)
        href = attr(self.article_path(key))
        when = (
            f'<span class="TT_TinChiTiet_TinLienQuan_ThoiGian"> ({format_day(other.published)})'
            "</span>"
        )
        if position % 3 == 2:  # the date after the link rather than inside it
            link = (
                f'<a class="TT_TinChiTiet_TinLienQuan" href="{href}">{text(other.title)}</a>{when}'
            )
        else:
            link = (
                f'<a class="TT_TinChiTiet_TinLienQuan" href="{href}">{text(other.title)}{when}</a>'
            )
        return f'<div class="TT_TinChiTiet_DongTinLienQuan">{link}</div>'

    # -- body -----------------------------------------------------------------------------------

    def _body(self, article: Article, rng: random.Random) -> str:
        return "\n".join(self._block(block, rng) for block in article.blocks)

    def _block(self, block: Block, rng: random.Random) -> str:
        if isinstance(block, Paragraph):
            return word_paragraph(block.sentences, rng)
        if isinstance(block, Figure):
            src = f"{IMAGE_PREFIX}{block.name[:4]}/{block.name[4:6]}/{block.name}"
            return (
                '<table align="center" border="0" cellpadding="3" cellspacing="0"><tbody>'
                f'<tr><td><img src="{attr(src)}" width="500" alt="" /></td></tr>'
                f'<tr><td style="text-align:center"><em>{text(block.caption)}</em></td></tr>'
                "</tbody></table>"
            )
        if isinstance(block, Table):
            return word_table(block)
        if isinstance(block, AuthorLine):
            return _author(block, rng)
        raise TypeError(f"unknown block {block!r}")

    # -- chrome ---------------------------------------------------------------------------------

    def _page(self, title: str, main: str) -> str:
        menu = "".join(f'<td><a href="{attr(p)}">{label}</a></td>' for p, label in MENU)
        news = "".join(
            f'<tr><td><a href="{attr(self.article_path(k))}">{text(self.corpus.title(k))}</a>'
            "</td></tr>"
            for k in range(min(3, self.corpus.count))
        )
        return f"""\ufeff<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" \
"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head><title>
	{SITE_NAME} - {text(title)}
</title><meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<link href="/Portals/_default/Skins/Fitc/skin.css" rel="stylesheet" type="text/css" />
<script type="text/javascript">function Tang(){{}} function Giam(){{}}</script>
</head>
<body>
<form name="Form" method="post" action="#" id="Form">
<div><input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE"
 value="/wEPDwUKLTc1NjE0MjAxOGRk" /></div>
<table class="Table_Main" cellpadding="0" cellspacing="0" width="1000" align="center"><tbody>
<tr><td class="Cell_Banner" colspan="3"><img src="{IMAGE_PREFIX}banner.jpg"
 alt="{SITE_NAME}" /></td></tr>
<tr><td class="Cell_Menu" colspan="3">
<table class="MenuNgang" cellpadding="0" cellspacing="0"><tr>{menu}</tr></table></td></tr>
<tr>
<td class="Cell56_1" valign="top" style="width:200px;">
<table class="MenuDoc" cellpadding="0" cellspacing="0">
<tr><td class="MenuDoc_TieuDe">Chuyên mục</td></tr>
<tr><td><a href="{CATEGORY_PATH}">{CATEGORY}</a></td></tr>
<tr><td><a href="/tin-tuc/thong-bao.aspx">Thông báo</a></td></tr>
<tr><td><a href="/thu-tuc-hanh-chinh.aspx">Thủ tục hành chính</a></td></tr>
</table>
</td>
<td class="Cell56_5" valign="top" style="width:570px;">
<table class="Table_MainCon" cellpadding="0" cellspacing="0"><tbody><tr>
<td class="Cell59_1" valign="top">
{main}
</td></tr></tbody></table>
</td>
<td class="Cell56_3" valign="top" style="width:230px;">
<table class="KhoiBen" cellpadding="0" cellspacing="0">
<tr><td class="KhoiBen_TieuDe">Tin mới</td></tr>
{news}
<tr><td class="KhoiBen_TieuDe">Thống kê truy cập</td></tr>
<tr><td>Đang truy cập: 15<br />Tổng lượt truy cập: 1.204.332</td></tr>
</table>
</td>
</tr>
<tr><td class="Cell_Footer" colspan="3">Bản quyền thuộc {SITE_NAME}.
 Ghi rõ nguồn khi phát hành lại.</td></tr>
</tbody></table>
</form>
</body>
</html>
"""


def _author(block: AuthorLine, rng: random.Random) -> str:
    """The author as this template's editors write it: right-aligned and bold, three ways."""
    style = rng.randrange(3)
    name = text(block.author)
    source = text(f"(Nguồn: {block.source})") if block.source else ""
    if style == 0:
        line = f'<p align="right"><b>{name}</b>{" " + source if source else ""}</p>'
        return line
    if style == 1:
        line = f'<div style="text-align: right;"><strong>{name}</strong></div>'
        if source:
            line += f'\n<div style="text-align: right;"><em>{source}</em></div>'
        return line
    cells = f'<tr><td align="right"><b>{name}</b></td></tr>'
    if source:
        cells += f'<tr><td align="right"><i>{source}</i></td></tr>'
    return f'<table width="100%" border="0">{cells}</table>'
