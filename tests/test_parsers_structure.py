"""Structural rules learnt from real pages, on small constructed pages.

Each page here is written for this test (class names invented, so no rule can lean on one
portal's markup) and reproduces one structure met on a real page of
``tests/fixtures/real`` (named in each test), so the rules are checked even where the real
pages are not at hand.
"""

from __future__ import annotations

from civicnews.parsers import parse_page
from civicnews.parsers.blocks import block_text, parse_fragment
from civicnews.parsers.datelines import date_in_line, looks_like_date_line, split_date_suffix
from civicnews.parsers.links import item_key

SITE = "https://so.example.gov.vn"


def _entries(family: str, url: str, html: str) -> list[tuple[str, str, str | None]]:
    page = parse_page(family, url, html)
    assert page.listing is not None, page.kind
    return [(e.text, e.url, e.date_raw) for e in page.listing.entries]


def _item(n: int, extra: str = "") -> str:
    return (
        f"<li class='row'><h3><a href='/docs/Pages/view.aspx?ItemID={n}'>Quyết định {n}/QĐ-UBND"
        f"</a></h3>{extra}<p>[ <a href='/docs/Pages/props.aspx?ItemID={n}'>Thuộc tính</a> ] "
        f"[ <a href='/docs/Pages/print.aspx?ItemID={n}'>Bản in</a> ]</p>"
        f"<p><span>Ngày ban hành:</span>\n   0{n}/03/2020</p>"
        f"<p><span>Ngày có hiệu lực:</span> 1{n}/03/2020</p></li>"
    )


def test_views_of_one_item_are_one_entry_dated_by_its_box():
    # vbpl.vn: each document links its full text, properties and print page (same ItemID);
    # titles are document numbers, short, but every box prints its date.
    html = "<html><body><ul class='docs'>" + "".join(_item(n) for n in (1, 2, 3, 4)) + "</ul>"
    html += "</body></html>"
    for family in ("generic", "sharepoint"):
        got = _entries(family, f"{SITE}/docs/Pages/list.aspx", html)
        assert [(t, u.rsplit("/", 1)[-1], d) for t, u, d in got] == [
            (f"Quyết định {n}/QĐ-UBND", f"view.aspx?ItemID={n}", f"0{n}/03/2020")
            for n in (1, 2, 3, 4)
        ], family


def test_item_key_is_per_folder_and_id():
    assert item_key(f"{SITE}/a/Pages/x.aspx?ItemID=7") == item_key(
        f"{SITE}/A/pages/y.aspx?ItemID=7"
    )
    assert item_key(f"{SITE}/news/x.aspx?id=7") != item_key(f"{SITE}/events/x.aspx?id=7")
    assert (
        item_key(f"{SITE}/p/chi-tiet?dDocName=TAND3685") == "so.example.gov.vn/p?ddocname=tand3685"
    )


def test_slug_links_among_id_named_entries_are_topics_not_entries():
    # baochinhphu.vn: a topic strip (/chu-de/<slug>-276.htm) and a category link inside each
    # entry box, beside entries all named by a long id.
    topics = "".join(
        f"<div class='slide'><a href='/chu-de/chu-de-so-{n}-ve-chinh-sach-moi-{n}.htm'>"
        f"Chủ đề số {n} về chính sách mới</a></div>"
        for n in range(3)
    )
    entries = "".join(
        f"<div class='item'><h2><a href='/tin-so-{n}-1022603051{n}0000.htm'>Tin số {n} về "
        f"chính sách mới</a></h2><a class='cat' href='/chi-dao-quyet-dinh-cua-chinh-phu.htm'>"
        f"Chỉ đạo, quyết định của Chính phủ</a><span class='time'>0{n + 1}/03/2026 15:34</span>"
        "</div>"
        for n in range(5)
    )
    html = f"<html><body><div class='strip'>{topics}</div><div class='list'>{entries}</div>"
    got = _entries("generic", f"{SITE}/chinh-sach.htm", html)
    assert [t for t, _u, _d in got] == [f"Tin số {n} về chính sách mới" for n in range(5)]
    assert got[0][2] == "01/03/2026 15:34"


def test_a_listing_whose_one_entry_prints_a_long_summary_is_a_listing():
    # ncov.moh.gov.vn video category: one entry's summary holds most of the page's text.
    summary = "<p>" + "Nội dung tóm tắt của video về phòng chống dịch bệnh. " * 12 + "</p>"
    rows = "".join(
        f"<div class='r'><div class='media'><video src='/v{n}.mp4'></video></div>"
        f"<div class='txt'><a href='/-/video-so-{n}'>Video số {n} về phòng chống dịch</a><br>"
        f"<small>Friday, 2{n}/02/2021, 15:4{n}</small>{summary if n == 2 else ''}</div></div>"
        for n in range(5)
    )
    html = f"<html><body><div class='portlet'>{rows}</div></body></html>"
    page = parse_page("generic", f"{SITE}/video", html)
    assert page.kind == "listing"
    assert page.listing.entries[2].date_raw == "Friday, 22/02/2021, 15:42"


def test_a_post_whose_title_links_to_itself_is_still_an_article():
    url = f"{SITE}/tin-tuc/mot-bai-viet-co-tieu-de-dai-123456.html"
    boxes = "".join(
        f"<div class='sec'><h2><a href='/tin-tuc/bai-khac-so-{n}-co-tieu-de-dai-99{n}999.html'>"
        f"Bài khác số {n} có tiêu đề dài</a></h2></div>"
        for n in range(3)
    )
    body = "<p>" + "Đoạn văn của bài viết kể về hoạt động của phường trong tháng. " * 10 + "</p>"
    html = (
        f"<html><body><div class='sec'><h1><a href='{url}'>Một bài viết có tiêu đề dài</a></h1>"
        f"<div class='content'>{body}{body}</div></div>{boxes}</body></html>"
    )
    assert parse_page("generic", url, html).kind == "article"


def test_a_timeline_of_documents_linking_their_files():
    # ncov.moh.gov.vn "Chính sách phòng chống dịch": each box a date, the document number in
    # bold, and "Xem chi tiết tại: Link" to a PDF on another portal.
    boxes = "".join(
        f"<ul><li><div class='tl'><p><span class='ngay-xb'>09:2{n} 2{n}/08/2020</span>"
        f"<span class='tinh'>Đà Nẵng</span></p><p><strong>Công văn {n}/UBND-VX</strong></p>"
        f"<p>V/v phòng, chống dịch</p><p><strong>Hiệu lực từ:</strong> 19/08/2020</p>"
        f"<strong>Xem chi tiết tại: </strong><a href='https://tinh{n}.gov.vn/vb/{n}.pdf'>Link</a>"
        "</div></li></ul>"
        for n in range(1, 5)
    )
    html = f"<html><body><div class='widget'>{boxes}</div></body></html>"
    got = _entries("generic", f"{SITE}/chinh-sach", html)
    assert got[0] == ("Công văn 1/UBND-VX", "https://tinh1.gov.vn/vb/1.pdf", "09:21 21/08/2020")
    assert len(got) == 4


def test_breadcrumb_names_a_page_without_heading_and_place_date_line_dates_it():
    # vbpl.vn full text: <title> is the site's section, no heading; the breadcrumb's last item
    # links to the page itself; the date is "Hà Nội, ngày …" above the body, beside an
    # entry-into-force date; the signer closes the document after "(Đã ký)".
    text = "<p>" + "Điều khoản của văn bản quy định về tổ chức bộ máy nhà nước. " * 8 + "</p>"
    html = (
        "<html><head><title>Trung ương</title></head><body>"
        "<div class='map'><ul><li><a href='/'>CSDL</a><span> » </span></li>"
        "<li><a href='/tw'>Trung ương</a><span> » </span></li>"
        "<li><a href=''>Luật Tổ chức 99/2015/QH13</a></li></ul></div>"
        "<ul class='info'><li><span>Ngày có hiệu lực:</span>\n 01/01/2016</li></ul>"
        "<table><tr><td><div><b>QUỐC HỘI</b></div><div>Số: 99/2015/QH13</div></td></tr></table>"
        "<table><tr><td><div><b>CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM</b></div>"
        "<div><i>Hà Nội,\n ngày 19 tháng\n 6 năm 2015</i></div></td></tr></table>"
        f"<div class='vb'><div class='doc'><p><b>LUẬT</b></p>{text}{text}</div>"
        "<div><style>.sig td {text-align:right}</style><table class='sig'>"
        "<tr><td><p>Chủ tịch Quốc hội</p></td></tr><tr><td><p><i>(Đã ký)</i></p></td></tr>"
        "<tr><td><p>Nguyễn Văn A</p></td></tr></table></div></div></body></html>"
    )
    for family in ("generic", "sharepoint"):
        art = parse_page(family, f"{SITE}/tw/Pages/toanvan.aspx?ItemID=9", html).article
        assert art is not None, family
        assert art.title == "Luật Tổ chức 99/2015/QH13"
        assert art.rules["title"] == "common:title-breadcrumb"
        assert art.published_raw == "Hà Nội, ngày 19 tháng 6 năm 2015"
        assert art.author == "Nguyễn Văn A"
        assert "(Đã ký)" not in art.body_text and art.body_text.startswith("LUẬT")


def test_dates_labelled_as_another_event_are_not_publication_dates():
    assert not looks_like_date_line("Ngày có hiệu lực: 01/01/2014")
    assert not looks_like_date_line("Hiệu lực từ: 19/08/2020")
    assert not looks_like_date_line("Hạn chót nộp hồ sơ: 30/09/2020")
    assert looks_like_date_line("Ngày ban hành: 15/04/1992")
    assert looks_like_date_line("Hà Nội, ngày 28 tháng 11 năm 2013")


def test_view_count_after_a_date_is_cut_off():
    assert (
        date_in_line("Ngày đăng: 05/03/2019 08:30 Lượt xem: 1.204") == "Ngày đăng: 05/03/2019 08:30"
    )
    assert date_in_line("13/05/2016 5:05 PM View count: 889") == "13/05/2016 5:05 PM"


def test_a_period_in_a_title_is_not_its_date():
    title = 'Tranh vẽ "Tri ân" nhân dịp 66 năm Ngày Thầy thuốc Việt Nam (27/2/1955 – 27/2/2021)'
    assert split_date_suffix(title) == (title, None)


def test_source_line_breaks_are_spaces_and_one_cell_rows_keep_their_lines():
    el = parse_fragment(
        "<div><p>Trải qua mấy nghìn năm lịch sử, Nhân dân Việt Nam lao động cần cù, anh\n"
        "\t\t dũng.</p><table><tr><td><div>CỘNG HOÀ</div><div>Hà Nội, ngày 1</div></td></tr>"
        "<tr><td>a</td><td>b</td></tr></table><pre>x\ny</pre></div>"
    )
    assert block_text(el).split("\n") == [
        "Trải qua mấy nghìn năm lịch sử, Nhân dân Việt Nam lao động cần cù, anh dũng.",
        "CỘNG HOÀ",
        "Hà Nội, ngày 1",
        "a | b",
        "x",
        "y",
    ]


def _abstract(n: int, title: str, summary: str = "") -> str:
    return (
        f"<div class='entry'><h3 class='ttl'><a href='/-/view_content/73{n}-bai-{n}'>{title}</a>"
        f"</h3><div class='publish-date'>Ngày đăng 06/01/2016 | 10:0{n} AM | View count: 4{n}</div>"
        f"<div class='summary'>{summary}</div></div>"
    )


def test_a_title_ending_in_a_date_keeps_it_when_the_box_prints_its_own():
    # sotttt.hanoi.gov.vn "History": "… Liberation Day (10/10/1954)", posted 06/01/2016.
    html = "<html><body><div class='list'>" + "".join(
        _abstract(n, t)
        for n, t in enumerate(
            ["Developments of the Capital Liberation Day (10/10/1954)", "Hanoi names in history",
             "Thang Long under Ly dynasty (1010-1225)"]
        )
    ) + "</div></body></html>"  # fmt: skip
    got = _entries("generic", f"{SITE}/history", html)
    assert got[0][0] == "Developments of the Capital Liberation Day (10/10/1954)"
    assert got[0][2] == "Ngày đăng 06/01/2016 | 10:00 AM"


def test_two_entries_with_long_summaries_are_a_listing():
    # sotttt.hanoi.gov.vn "Facts and Figure": two entries only, each with a long summary.
    summary = "Hanoi capital of the Socialist Republic of Vietnam is the political centre. " * 6
    html = (
        "<html><body><div class='list'>"
        + _abstract(1, "Information and Data about Hanoi: Administrative Units", summary)
        + _abstract(2, "Information and Data about Hanoi: Geography and Climate", summary)
        + "</div></body></html>"
    )
    page = parse_page("generic", f"{SITE}/facts", html)
    assert page.kind == "listing"
    assert [e.date_raw for e in page.listing.entries] == [
        "Ngày đăng 06/01/2016 | 10:01 AM",
        "Ngày đăng 06/01/2016 | 10:02 AM",
    ]


def test_a_labelled_date_ending_a_link_text_is_its_date():
    # vbpl.vn diagram boxes: "Luật 15/2012/QH13 Ngày ban hành: 20/06/2012" inside the link.
    assert split_date_suffix("Luật 15/2012/QH13 Ngày ban hành: 20/06/2012") == (
        "Luật 15/2012/QH13",
        "Ngày ban hành: 20/06/2012",
    )
    assert split_date_suffix("Ngày hội văn hóa: 20/06/2012") == (
        "Ngày hội văn hóa: 20/06/2012",
        None,
    )
