from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civicnews import text
from civicnews.text import fold, normalize_block, normalize_inline
from civicnews.urls import canonical_url, same_site

BASE = (
    "https://bactuliem.hanoi.gov.vn/tin-tuc-su-kien/-/asset_publisher/aB3x/content/quan-bac-tu-liem"
)


@pytest.mark.parametrize(
    "variant",
    [
        BASE,
        BASE + "?redirect=https%3A%2F%2Fbactuliem.hanoi.gov.vn%2Ftin-tuc-su-kien",
        BASE + "?inheritRedirect=true&redirect=%2Ftin-tuc-su-kien",
        BASE + "?p_p_id=101_INSTANCE_aB3x&p_p_lifecycle=0&_101_INSTANCE_aB3x_cur=2",
        BASE + "?utm_source=fb&fbclid=abc#comments",
        BASE.replace("bactuliem.hanoi", "BacTuLiem.Hanoi"),
        BASE.replace("/content/", ";jsessionid=0A1B2C/content/"),
    ],
)
def test_liferay_variants_share_one_canonical_url(variant):
    assert canonical_url(variant, "liferay") == BASE


def test_listing_pagination_parameters_survive_outside_liferay_article_rule():
    url = "https://x.gov.vn/list.aspx?Page=2&CateID=5&utm_medium=a"
    assert canonical_url(url, "sharepoint") == "https://x.gov.vn/list.aspx?CateID=5&Page=2"


def test_same_site():
    assert same_site("https://a.hanoi.gov.vn/x", ["a.hanoi.gov.vn"])
    assert same_site("https://www.a.hanoi.gov.vn/x", ["a.hanoi.gov.vn"])
    assert not same_site("https://hanoi.gov.vn/x", ["a.hanoi.gov.vn"])
    assert same_site("https://www.hanoi.gov.vn/x", ["hanoi.gov.vn"])
    assert not same_site("https://caugiay.hanoi.gov.vn/x", ["hanoi.gov.vn"])
    assert not same_site("https://evila.hanoi.gov.vn/x", ["a.hanoi.gov.vn"])


def test_normalize_inline_and_block():
    nfd = unicodedata.normalize("NFD", "Thứ bảy")
    assert normalize_inline(f"\u200b{nfd}\u00a0 ,\u2009x ") == "Thứ bảy , x"
    assert normalize_block("a\u00a0 b\n\n\n  c \r\nd") == "a b\nc\nd"
    assert normalize_inline(None) is None


def _normalize_block_slowly(value: str) -> str:
    value = text._nfc_visible(value).replace("\r\n", "\n").replace("\r", "\n")
    lines = (" ".join(line.split()) for line in value.split("\n"))
    return "\n".join(line for line in lines if line)


# Text made of the characters that matter: letters, every kind of space and line break.
_BLOCKS = st.text(
    alphabet=st.sampled_from(list("aăbđ ế\n\r\t\u00a0\u2009\u3000\u2028\x1f\u200b\u0301")),
    max_size=40,
)


@settings(max_examples=1500, deadline=None)
@given(_BLOCKS)
def test_normalize_block_fast_path_changes_nothing_the_slow_path_would(value):
    assert normalize_block(value) == _normalize_block_slowly(value)


def test_normalize_block_keeps_clean_text_as_it_is():
    clean = "Dòng một có dấu.\nDòng hai: 163/181 tổ dân phố."
    assert text._is_clean_block(clean)
    assert normalize_block(clean) is clean
    for dirty in (" a", "a ", "a  b", "a \nb", "a\n b", "a\n\nb", "a\tb", "a\u00a0b", "a\rb"):
        assert not text._is_clean_block(dirty), repr(dirty)


def test_fold_handles_d_stroke_and_tones():
    assert fold("Đống Đa") == "dong da"
    assert fold("phòng cháy chữa cháy") == "phong chay chua chay"
    assert fold(unicodedata.normalize("NFD", "Hoà Bình")) == "hoa binh"
