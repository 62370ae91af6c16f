"""Canonical URLs: every variant of one article gives one key; listings keep their pages."""

from __future__ import annotations

import pytest

from civicnews.urls import article_identity, canonical_url

BTL = "https://bactuliem.hanoi.gov.vn"
ART = f"{BTL}/tin-tuc-su-kien/-/asset_publisher/aB3xK9LmQw2Z/content/quan-bac-tu-liem-so-ket"
LISTING = f"{BTL}/tin-tuc-su-kien"
NS = "_101_INSTANCE_aB3xK9LmQw2Z_"

# (family, variant as linked, expected canonical key); expectations written by hand.
VARIANTS = [
    # Liferay article: back-links, portlet state, tracking, case, port, fragment.
    ("liferay", ART, ART),
    ("liferay", f"{ART}?redirect=%2Ftin-tuc-su-kien", ART),
    ("liferay", f"{ART}?inheritRedirect=true&redirect=%2Ftin-tuc-su-kien%3Fp_p_id%3D1", ART),
    ("liferay", f"{ART}?p_p_id=101_INSTANCE_aB3xK9LmQw2Z&p_p_lifecycle=0&{NS}cur=3", ART),
    ("liferay", f"{ART}?{NS}redirect=%2F&p_p_state=normal", ART),
    ("liferay", f"{ART}?utm_source=zalo&fbclid=IwAR0xyz#comments", ART),
    ("liferay", ART.replace("https://bactuliem", "HTTPS://BacTuLiem") + "?backURL=%2F", ART),
    ("liferay", ART.replace(".gov.vn/", ".gov.vn:443/"), ART),
    ("liferay", f"{ART};jsessionid=0A1B2C3D4E?redirect=%2F", ART),
    # Liferay listing pages: the portlet parameters select the page and stay (sorted).
    (
        "liferay",
        f"{LISTING}?p_p_id=101_INSTANCE_aB3xK9LmQw2Z&p_p_lifecycle=0&{NS}cur=2&{NS}delta=10",
        f"{LISTING}?{NS}cur=2&{NS}delta=10&p_p_id=101_INSTANCE_aB3xK9LmQw2Z&p_p_lifecycle=0",
    ),
    (
        "liferay",
        f"{LISTING}?{NS}delta=10&{NS}cur=2&p_p_lifecycle=0&p_p_id=101_INSTANCE_aB3xK9LmQw2Z"
        "&redirect=%2F&utm_medium=x",
        f"{LISTING}?{NS}cur=2&{NS}delta=10&p_p_id=101_INSTANCE_aB3xK9LmQw2Z&p_p_lifecycle=0",
    ),
    # Liferay file: the ?t= is a file time and selects a version: kept.
    (
        "liferay",
        f"{BTL}/documents/10180/31504/anh.jpg/1f2e?t=1543630000000",
        f"{BTL}/documents/10180/31504/anh.jpg/1f2e?t=1543630000000",
    ),
    # SharePoint articles keep ItemID / NewsId only, whatever the key's case.
    (
        "sharepoint",
        "http://hadong.hanoi.gov.vn/tin-tuc/Pages/tin-tuc-su-kien.aspx?ItemID=1234",
        "http://hadong.hanoi.gov.vn/tin-tuc/Pages/tin-tuc-su-kien.aspx?ItemID=1234",
    ),
    (
        "sharepoint",
        "http://hadong.hanoi.gov.vn/tin-tuc/Pages/tin-tuc-su-kien.aspx?CateID=52&itemid=1234"
        "&Source=http%3A%2F%2Fhadong.hanoi.gov.vn%2F#top",
        "http://hadong.hanoi.gov.vn/tin-tuc/Pages/tin-tuc-su-kien.aspx?ItemID=1234",
    ),
    (
        "sharepoint",
        "https://www.quangninh.gov.vn/DetailNews.aspx?newsid=77&CateID=5&utm_campaign=a",
        "https://www.quangninh.gov.vn/DetailNews.aspx?NewsId=77",
    ),
    # SharePoint listings keep CateID and Page: pagination must survive.
    (
        "sharepoint",
        "http://hadong.hanoi.gov.vn/tin-tuc/Pages/danh-sach.aspx?Page=3&CateID=52",
        "http://hadong.hanoi.gov.vn/tin-tuc/Pages/danh-sach.aspx?CateID=52&Page=3",
    ),
    (
        "sharepoint",
        "http://hadong.hanoi.gov.vn/tin-tuc/Pages/danh-sach.aspx?CateID=52&Page=4&fbclid=q",
        "http://hadong.hanoi.gov.vn/tin-tuc/Pages/danh-sach.aspx?CateID=52&Page=4",
    ),
    # Hanoi platform: path kept, query gone.
    (
        "hanoi-platform",
        "https://hanoi.gov.vn/tin-tuc-su-kien/ha-noi-ra-quan-3250828152817735.htm?gidzl=abc#x",
        "https://hanoi.gov.vn/tin-tuc-su-kien/ha-noi-ra-quan-3250828152817735.htm",
    ),
    (
        "hanoi-platform",
        "https://CauGiay.Hanoi.gov.vn/tin-tuc/slug-moi-3250828152817735.htm",
        "https://caugiay.hanoi.gov.vn/tin-tuc/slug-moi-3250828152817735.htm",
    ),
    # Hanoi platform listings keep their parameters.
    (
        "hanoi-platform",
        "https://hanoi.gov.vn/tin-tuc-su-kien?page=2",
        "https://hanoi.gov.vn/tin-tuc-su-kien?page=2",
    ),
    # Generic: tracking and sessions out, the rest sorted, encoding normalised.
    (
        "generic",
        "HTTP://Example.VN:80/tin-t%e1%bb%a9c/bai?b=2&a=1&PHPSESSID=9&utm_term=x#f",
        "http://example.vn/tin-t%E1%BB%A9c/bai?a=1&b=2",
    ),
    (
        "generic",
        "http://example.vn/tin-tức/bài?id=5&sid=abc",
        "http://example.vn/tin-t%E1%BB%A9c/b%C3%A0i?id=5",
    ),
    ("generic", "http://example.vn", "http://example.vn/"),
    ("generic", "http://example.vn:8080/a?", "http://example.vn:8080/a"),
]


@pytest.mark.parametrize("family, variant, expected", VARIANTS)
def test_canonical_url(family, variant, expected):
    assert canonical_url(variant, family) == expected


@pytest.mark.parametrize("family, variant, expected", VARIANTS)
def test_canonical_url_is_idempotent(family, variant, expected):
    assert canonical_url(expected, family) == expected


def test_generic_family_keeps_liferay_portlet_parameters():
    # Only a portal known to be Liferay loses them: on other CMSs they may select content.
    url = f"{ART}?p_p_id=x&redirect=%2F"
    assert canonical_url(url, "generic") == f"{ART}?p_p_id=x&redirect=%2F"


def test_hanoi_identity_is_host_and_id():
    a = "https://hanoi.gov.vn/tin-tuc-su-kien/ha-noi-ra-quan-3250828152817735.htm"
    b = "https://Hanoi.gov.vn/thoi-su/ha-noi-ra-quan-dong-loat-3250828152817735.htm?x=1"
    assert article_identity(a) == article_identity(b) == "hanoi.gov.vn/3250828152817735"
    assert article_identity("https://hanoi.gov.vn/tin-tuc-su-kien") is None
    assert article_identity(ART) is None
    # Too short to be a platform id (a year, a page number).
    assert article_identity("https://hanoi.gov.vn/bao-cao-2024.htm") is None
