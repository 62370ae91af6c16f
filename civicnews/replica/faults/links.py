"""Link faults: ``tracking``, ``offsite`` and the ``trap`` calendar, links no crawler should
follow blindly; and what the wrapper strips from requests so that their pages still answer.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta
from html import escape
from typing import TYPE_CHECKING
from urllib.parse import urlencode

if TYPE_CHECKING:
    from civicnews.replica.renderer import Renderer

# Parameters the faults add to links; the wrapper drops them from requests.
TRACKING_PARAMS = ("utm_source", "utm_medium", "utm_campaign", "fbclid")
SESSION_PATH = re.compile(r";jsessionid=[^/?#]*", re.I)
TRAP_PARAM = "ngay"
TRAP_START = date(2018, 12, 1)  # the seed article's day


def tracking(text: str, seed: int, n: int) -> str:
    """Every site link of `text` with a session id and tracking parameters; `n` numbers the
    response: a cookie-less Tomcat gives every response a new session, so links change each
    time."""
    token = hashlib.sha1(f"{seed}:{n}".encode()).hexdigest().upper()
    sid, click = token[:32], token[8:30]
    extra = (
        f"utm_source=zalo&amp;utm_medium=social&amp;utm_campaign=tin-tuc&amp;fbclid=IwAR{click}"
    )

    def rewrite(m: re.Match[str]) -> str:
        value = m.group(2)
        if not value.startswith("/") or value.startswith("//"):
            return m.group(0)
        value, _, _ = value.partition("#")
        link_path, sep, link_query = value.partition("?")
        query = f"{link_query}&amp;{extra}" if sep and link_query else extra
        return f'{m.group(1)}"{link_path};jsessionid={sid}?{query}"'

    return re.sub(r'(\bhref=)"([^"]*)"', rewrite, text)


def offsite(inner: Renderer, host_header: str, listing: bool) -> str:
    """The "Tin liên quan" block of off-site links (and a "Trang sau" one on listings)."""
    # The same server under another host name: a crawler that follows it shows in the log.
    host, _, port = host_header.rpartition(":") if ":" in host_header else (host_header, "", "")
    other = "127.0.0.1" if host == "localhost" else "localhost"
    base = f"http://{other}:{port}" if port else f"http://{other}"
    items = []
    for key in range(min(2, inner.corpus.count)):
        title = escape(inner.corpus.title(key), quote=False)
        items.append(f'<li><a href="{base}{inner.article_path(key)}">{title}</a></li>')
    items.append(
        '<li><a href="http://congthongtin.invalid/tin-tuc/bai-viet-1.html">'
        "Bài viết trên cổng thông tin khác</a></li>"
    )
    next_page = escape(start_with(inner.start_path, "trang", "2"))
    pager = (
        f'<div class="pager-other"><a href="{base}{next_page}">Trang sau</a></div>'
        if listing
        else ""
    )
    return (
        '<div class="lien-ket-ngoai"><div class="title">Tin liên quan</div>'
        f"<ul>{''.join(items)}</ul>{pager}</div>"
    )


def calendar(start_path: str, day_text: str | None) -> str:
    """The trap's calendar for the day `day_text` (the ``ngay`` parameter, if any)."""
    try:
        day = date.fromisoformat(day_text) if day_text else TRAP_START
    except ValueError:
        day = TRAP_START
    after = day + timedelta(days=1) if day < date.max else day
    before = day - timedelta(days=1) if day > date.min else day
    prev = escape(start_with(start_path, TRAP_PARAM, before.isoformat()))
    after_link = escape(start_with(start_path, TRAP_PARAM, after.isoformat()))
    return (
        '<div class="calendar-news"><span class="calendar-title">Xem tin theo ngày '
        f"{day:%d/%m/%Y}</span> "
        f'<a class="prev" href="{prev}">Ngày trước</a> '
        f'<a class="next" rel="next" href="{after_link}">Sau</a>'
        "</div>"
    )


def start_with(start: str, name: str, value: str) -> str:
    """The start page's URL path with one more query parameter."""
    return f"{start}{'&' if '?' in start else '?'}{urlencode([(name, value)])}"
