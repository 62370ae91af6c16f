"""What every page of the Hanoi platform replica shares: ids, URLs, dates, sapos, tags, the
entries of lists and the page frame (:class:`HanoiSite`, the renderer's base class).

``hanoi_platform.py`` (the renderer: routing, the paging API, listings; its docstring maps the
site) and ``hanoi_article.py`` (article pages) build on it.
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from civicnews.replica.article import ArticleMeta
from civicnews.replica.corpus_text import WARDS
from civicnews.replica.markup import attr, text
from civicnews.replica.renderer import Renderer
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


def entry_time(dt: datetime) -> str:
    """How entries print their time in ``span.news-time[title]``: ``15:28, 28/08/2026``."""
    return f"{dt:%H:%M, %d/%m/%Y}"


class HanoiSite(Renderer):
    """Ids, URLs, dates and the markup every page of the site shares; no routing."""

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

    # -- entries and chrome ---------------------------------------------------------------------

    def entry(self, key: int, css: str = "news-item") -> str:
        """A listing entry (``div.news-item``): thumbnail, title, time, sapo."""
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

    def entry_line(self, key: int) -> str:
        """A one-line entry (``li.news-item``): title and time, in related and sidebar lists."""
        meta = self.corpus.meta(key)
        return (
            f'<li class="news-item" data-id="{self.article_id(key)}">'
            f'<a href="{attr(self.article_path(key))}">{text(meta.title)}</a>'
            f' <span class="news-time" title="{entry_time(meta.published)}">'
            f"{meta.published:%d/%m/%Y}</span></li>"
        )

    def page_frame(self, title: str, section: str, main: str, head: str = "") -> str:
        """The whole page around `main`: header, menu (`section` active), sidebar, footer."""
        menu = "".join(
            f'<li class="{"active" if path == section else ""}"><a href="{path}">{label}</a></li>'
            for path, label in MENU
        )
        latest = "".join(self.entry_line(k) for k in range(min(3, self.corpus.listed_count)))
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
