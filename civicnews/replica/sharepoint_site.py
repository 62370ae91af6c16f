"""What every page of the SharePoint replica shares: URL scheme, date formats, the page frame.

``sharepoint.py`` (the renderer; its docstring maps the site) builds on it.
"""

from __future__ import annotations

from datetime import datetime

from civicnews.replica.markup import attr, text

SITE_NAME = "Cổng thông tin điện tử quận Bắc Từ Liêm"
CATE_ID = 14
CATEGORY = "Tin hoạt động"
LISTING_PATH = "/tin-tuc/Pages/danh-sach.aspx"
ARTICLE_PATH = "/tin-tuc/Pages/chi-tiet.aspx"
IMAGE_PREFIX = "/tin-tuc/PublishingImages/"
PER_PAGE = 10
WEBPART = "ctl00_SPWebPartManager1_g_5c3d1e2a_7f41_4b8e_9a6d_0e2f3b4c5d6e"
OTHER_WEBPART = "ctl00_SPWebPartManager1_g_9a8b7c6d_1e2f_4a3b_8c9d_112233445566"
LIST_WEBPART = "ctl00_SPWebPartManager1_g_0f1e2d3c_4b5a_4697_8877_665544332211"

MENU = (
    ("/Pages/default.aspx", "Trang chủ"),
    ("/gioi-thieu/Pages/default.aspx", "Giới thiệu"),
    (f"{LISTING_PATH}?CateID={CATE_ID}", "Tin tức - Sự kiện"),
    ("/van-ban/Pages/default.aspx", "Văn bản"),
    ("/lien-he/Pages/default.aspx", "Liên hệ"),
)
STUB_PAGES = {path: label for path, label in MENU[1:] if "?" not in path}


def format_date(dt: datetime) -> str:
    """SharePoint's date, built from its parts without padding: ``1/12/2018 9:7``."""
    return f"{dt.day}/{dt.month}/{dt.year} {dt.hour}:{dt.minute}"


def format_day_spaced(dt: datetime) -> str:
    """``Ngày 01 - 12 - 2018`` (listings and the related panel)."""
    return f"Ngày {dt:%d - %m - %Y}"


def format_day_short(dt: datetime) -> str:
    """``Ngày 1/12/2018`` (the "Các tin khác" web part)."""
    return f"Ngày {dt.day}/{dt.month}/{dt.year}"


def listing_path(page: int = 1) -> str:
    return f"{LISTING_PATH}?CateID={CATE_ID}" + (f"&Page={page}" if page > 1 else "")


def page_frame(title: str, crumbs: list[tuple[str, str]], main: str) -> str:
    """The whole page around `main`: banner, menu, breadcrumb `crumbs`, side columns, footer."""
    menu = "".join(f'<li><a href="{attr(p)}">{label}</a></li>' for p, label in MENU)
    trail = '<span><a href="/Pages/default.aspx">Trang chủ</a></span>' + "".join(
        f'<span> &gt; </span><span><a href="{attr(p)}">{text(label)}</a></span>'
        for p, label in crumbs
    )
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" \
"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html dir="ltr" lang="vi-VN">
<head><meta name="GENERATOR" content="Microsoft SharePoint" />
<meta http-equiv="Content-type" content="text/html; charset=utf-8" />
<title>
	{text(title)}
</title>
<link rel="stylesheet" type="text/css" href="/_layouts/1066/styles/Themable/corev4.css" />
<script type="text/javascript">var _spPageContextInfo = {{webServerRelativeUrl: "\\u002ftin-tuc",
webLanguage: 1066, currentLanguage: 1066}};</script>
</head>
<body scroll="no" onload="javascript:_spBodyOnLoadWrapper();" class="v4master">
<form name="aspnetForm" method="post" action="#" id="aspnetForm">
<div><input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE"
 value="/wEPDwUBMA9kFgJmD2QWAgIBD2QWBAIBD2QWAgIFD2QWAmYPZBYCAgEPFgIeE1ByZXZpb3Vz" /></div>
<div id="s4-workspace"><div id="s4-bodyContainer">
<div class="header"><a href="/Pages/default.aspx"><img src="{IMAGE_PREFIX}banner.jpg"
 alt="{SITE_NAME}" /></a></div>
<div class="menu-horizontal"><ul>{menu}</ul></div>
<div class="path"><span id="ctl00_PlaceHolderMain_SiteMapPath1">{trail}</span></div>
<table width="100%" cellpadding="0" cellspacing="0"><tr>
<td valign="top" class="left-col" width="210">
<div class="ms-WPBody"><div class="top_L">Chuyên mục</div><ul>
<li><a href="{attr(listing_path())}">{CATEGORY}</a></li>
<li><a href="{LISTING_PATH}?CateID=15">Thông báo</a></li></ul></div>
</td>
<td valign="top" id="MSO_ContentTable">
{main}
</td>
<td valign="top" class="right-col" width="230">
<div class="ms-WPBody"><div class="top_R">Liên kết website</div>
<ul><li><a href="https://hanoi.gov.vn/" target="_blank">Cổng giao tiếp điện tử Hà Nội</a></li>
<li><a href="javascript:void(0)" onclick="window.open('/_layouts/Authenticate.aspx')"
>Đăng nhập</a></li>
<li><a href="mailto:bactuliem@hanoi.gov.vn">Liên hệ</a></li></ul>
<div class="counter">Đang truy cập: 27<br />Tổng lượt truy cập: 3.481.605</div></div>
</td></tr></table>
<div class="footer">Cơ quan chủ quản: {SITE_NAME}. Ghi rõ nguồn khi phát hành lại thông tin.</div>
</div></div>
</form>
</body>
</html>
"""


def not_found(path: str) -> str:
    return (
        '<div class="ms-WPBody"><h2>Không tìm thấy trang</h2>'
        f"<p>Trang <code>{text(path)}</code> không tồn tại hoặc đã bị xóa.</p></div>"
    )
