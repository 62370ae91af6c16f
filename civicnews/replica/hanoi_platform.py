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

This module routes requests, answers the paging API and renders the home page and listings;
article pages are in ``hanoi_article.py``, ids, URLs, dates and the markup every page shares in
``hanoi_site.py`` (:class:`~civicnews.replica.hanoi_site.HanoiSite`, the renderer's base).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import parse_qs, unquote

from civicnews.replica.hanoi_article import article_page
from civicnews.replica.hanoi_site import (
    API_PATH,
    CATEGORY_LABEL,
    CATEGORY_SLUG,
    LANGUAGE_ID,
    LISTING_PATH,
    PAGE_SIZE,
    SITE_CODE,
    STUB_PAGES,
    HanoiSite,
)
from civicnews.replica.renderer import (
    Response,
    html_response,
    pixel_response,
    robots_allow_all,
)

_ARTICLE = re.compile(r"^/[^/]+/[^/]*-(\d{14,19})\.htm$")


class HanoiPlatformRenderer(HanoiSite):
    family = "hanoi-platform"
    start_path = LISTING_PATH
    #: What the API answers past the last page: "empty" or "repeat" (the last page again).
    past_end: ClassVar[str] = "empty"

    def __init__(self, corpus: Any) -> None:
        super().__init__(corpus)
        self.api_calls: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self.past_end = type(self).past_end

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
                return html_response(article_page(self, self.corpus.article(key)))
        if path.startswith("/images/"):
            return pixel_response()
        if path in STUB_PAGES or path.startswith("/tag/"):
            label = STUB_PAGES.get(path) or "Từ khóa"
            main = (
                f'<div class="box-page"><h1>{label}</h1><p>Nội dung đang được cập nhật.</p></div>'
            )
            return html_response(self.page_frame(label, path, main))
        main = '<div class="box-page"><h1>404</h1><p>Không tìm thấy trang yêu cầu.</p></div>'
        return html_response(self.page_frame("Không tìm thấy trang", path, main), 404)

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
        return html_response("\n".join(self.entry(k) for k in keys))

    # -- pages ----------------------------------------------------------------------------------

    def _home(self) -> str:
        items = "".join(self.entry(k) for k in range(min(5, self.corpus.listed_count)))
        main = (
            f'<div class="box-home"><h2 class="box-title">Tin mới</h2>{items}'
            f'<a class="view-all" href="{LISTING_PATH}">Xem tất cả</a></div>'
        )
        return self.page_frame("Trang chủ", "/", main)

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
            f'<div class="box-focus">{self.entry(featured)}</div>'
            f'<div class="list-news" id="ListNewsZone">{"".join(self.entry(k) for k in keys)}</div>'
            '<a class="btn-viewmore" href="javascript:;" data-page="1">Xem thêm</a></div>'
            f"{script}"
            '<script src="/static/js/newszone.min.js?v=2025.07"></script>'
        )
        return self.page_frame(CATEGORY_LABEL, LISTING_PATH, main)
