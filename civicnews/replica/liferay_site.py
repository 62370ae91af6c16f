"""What every page of the Liferay replica shares: URL scheme, date formats and the page frame.

``liferay.py`` (the renderer: routing, home, listings; its docstring maps the site) and
``liferay_article.py`` (article pages) build on it.
"""

from __future__ import annotations

from datetime import datetime

from civicnews.replica.markup import attr, text

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


def page_frame(title: str, section: str, crumbs: list[tuple[str, str]], main: str) -> str:
    """The whole page around `main`: banner, menu (`section` selected), breadcrumb `crumbs`,
    sidebar and footer."""
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


def portlet(title: str, body: str) -> str:
    return (
        f'<section class="portlet" id="portlet_{PORTLET_ID}">'
        '<header class="portlet-topper"><h1 class="portlet-title">'
        f'<span class="portlet-title-text">{text(title)}</span></h1></header>'
        '<div class="portlet-content"><div class="portlet-content-container">'
        f'<div class="portlet-body">{body}</div></div></div></section>'
    )
