"""Structure helpers shared by the family parsers."""

from __future__ import annotations

import unicodedata

import pytest

from civicnews.parsers import parse_page
from civicnews.parsers.blocks import is_boilerplate_line, parse_fragment
from civicnews.parsers.datelines import looks_like_date_line, split_date_suffix
from civicnews.parsers.related import related_links
from tests.conftest import saved_page


@pytest.mark.parametrize(
    "line", ["In bài", "Chia sẻ", "Aa", "Tăng cỡ chữ / Giảm cỡ chữ", "Lượt xem: 1.204",
             "396 | 23/09/2026", "Trở lại"],
)  # fmt: skip
def test_furniture_lines(line):
    assert is_boilerplate_line(line)


@pytest.mark.parametrize(
    "line", ["1 | Giao thông | 7.500", "12 | 34", "Chia sẻ kinh nghiệm của phường Cổ Nhuế 1",
             "In bài phát biểu của đồng chí Chủ tịch"],
)  # fmt: skip
def test_article_lines_are_not_furniture(line):
    assert not is_boilerplate_line(line)


def test_split_date_suffix():
    assert split_date_suffix("Tin A (01/12/2018)") == ("Tin A", "01/12/2018")
    assert split_date_suffix("Tin B (Ngày 20 - 03 - 2012)") == ("Tin B", "Ngày 20 - 03 - 2012")
    assert split_date_suffix("Năm 2018 (kỳ 2)") == ("Năm 2018 (kỳ 2)", None)
    assert split_date_suffix("Tin C - 12/03/2021") == ("Tin C", "12/03/2021")
    assert split_date_suffix("Tin D | 12/3/2021 9:07") == ("Tin D", "12/3/2021 9:07")
    # A number in the title is not a date, nor is a date that is not at the end.
    assert split_date_suffix("Thông báo số 12/2021 - lịch tiếp dân") == (
        "Thông báo số 12/2021 - lịch tiếp dân",
        None,
    )
    assert split_date_suffix("Kỳ họp thứ 4 - 31/02/2021") == ("Kỳ họp thứ 4 - 31/02/2021", None)


@pytest.mark.parametrize(
    "heading",
    ["Các tin tức khác", "CÁC TIN ĐÃ ĐƯA", "Tin liên quan:", "tin cùng chuyên mục",
     unicodedata.normalize("NFD", "Các bài khác")],
)  # fmt: skip
def test_related_block_found_by_heading_in_any_case_and_form(heading):
    root = parse_fragment(
        f"<div><p>Body <a href='/x'>not related</a></p><div class='box'><div><span>{heading}"
        "</span></div><ul><li><a href='/a'>Tin A</a> (01/12/2018)</li>"
        "<li><a href='javascript:void(0)'>js</a></li><li><a href='mailto:x@y.vn'>m</a></li>"
        "<li><a href='/b'>Tin B (02/12/2018)</a></li></ul></div></div>"
    )
    links, containers = related_links(root, "https://p.gov.vn/tin/1")
    assert [(link.url, link.text, link.date_raw) for link in links] == [
        ("https://p.gov.vn/a", "Tin A", "01/12/2018"),
        ("https://p.gov.vn/b", "Tin B", "02/12/2018"),
    ]
    assert containers and containers[0].get("class") == "box"


def test_stray_end_tags_do_not_hide_the_article():
    from civicnews.parsers import parse_page

    html = (
        "<html><body><div class='asset-full-content'><h3 class='header-title'>Tiêu đề</h3>"
        "<div class='widget'>quảng cáo</body></html></div>"
        "<div class='journal-content-article'><p>Nội dung chính của bài viết sau thẻ lạc.</p>"
        "</div></div></body></html>"
    )
    page = parse_page("liferay", "https://p.gov.vn/-/a", html)
    assert page.article is not None
    assert page.article.body_text == "Nội dung chính của bài viết sau thẻ lạc."


def test_liferay_listing_intro_content_is_not_an_article():
    from civicnews.parsers import parse_page

    html = (
        "<html><body><div class='journal-content-article'><p>Chuyên mục đăng tải tin hoạt động "
        "của các phường trên địa bàn quận.</p></div>"
        "<div class='asset-abstract'><h3 class='asset-title'><a href='/-/asset_publisher/x/"
        "content/tin-a'>Tin A</a></h3></div></body></html>"
    )
    page = parse_page("liferay", "https://p.gov.vn/tin-tuc", html)
    assert page.article is None
    assert [e.text for e in page.listing.entries] == ["Tin A"]


@pytest.mark.parametrize(
    "line", ["01/12/2018 - 09:07 AM", "Ngày đăng: 05/03/2019 08:30", "Cập nhật: 09:30 12/06/2019",
             "Thứ Sáu, 28/08/2026 - 15:28", "(Ngày 20 - 03 - 2012)",
             "Thứ hai, 15 Tháng 3 2021 08:15",
             "Cập nhật lúc 09:07, ngày 01/12/2018", "Tác giả: Minh Anh - Ngày đăng: 05/03/2019",
             "15 giờ 20 phút, ngày 03/12/2018", "Thứ Ba, 4/12/2018 | 10:20 GMT+7"],
)  # fmt: skip
def test_date_lines(line):
    assert looks_like_date_line(line)


@pytest.mark.parametrize(
    "line", ["Ngày 15/3/2024, UBND phường tổ chức hội nghị tổng kết công tác năm.",
             "Chiều 14/3/2024, Đoàn kiểm tra của thành phố làm việc tại phường.",
             "Sáng 15/3, tại trụ sở UBND phường Cầu Giấy."],
)  # fmt: skip
def test_sentences_opening_with_a_date_are_not_date_lines(line):
    assert not looks_like_date_line(line)


LEDE = "Ngày 15/3/2024, UBND phường tổ chức hội nghị tổng kết công tác năm."


@pytest.mark.parametrize(
    "case", ["liferay/replica-seed", "liferay/phuxuyen-article", "sharepoint/hadong-article",
             "sharepoint/quangninh-detailnews", "hanoi-platform/city-article",
             "hanoi-platform/ward-article-2025", "generic/wordpress-article",
             "generic/joomla-table-article"],
)  # fmt: skip
def test_a_short_lede_opening_with_a_date_stays_in_the_body(case):
    # Vietnamese news opens with the day ("Ngày 15/3/2024, ..."); a short first paragraph
    # like that is article text, not the page's date line.
    url, family, html, expected = saved_page(case)
    first = html.rfind("<", 0, html.index(expected["body_starts_with"][:25]))
    changed = html[:first] + f"<p>{LEDE}</p>" + html[first:]
    for parser in (family, "generic"):
        before = parse_page(parser, url, html).article
        after = parse_page(parser, url, changed).article
        assert after.body_text.startswith(LEDE + "\n"), parser
        assert after.body_text.endswith(before.body_text), parser
        assert after.published_raw == before.published_raw, parser
