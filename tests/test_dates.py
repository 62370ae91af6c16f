"""Tests for civicnews.dates: the shared corpus, held-out-style families, robustness."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civicnews.dates import VN_TZ, parse_date, parse_date_traced, to_iso

CORPUS = Path(__file__).parent / "data" / "vi-dates.tsv"
NOW = datetime(2018, 12, 1, 12, 0)  # naive: Asia/Ho_Chi_Minh
SEVEN_HOURS = timedelta(hours=7)


def _corpus() -> list:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    rows = [line.split("\t") for line in lines if line and not line.startswith("#")]
    assert rows[0] == ["text", "expected", "date_order", "now", "note"]
    return [
        pytest.param(text, expected, order or "DMY", now, id=f"{i:02d}-{note or text}")
        for i, (text, expected, order, now, note) in enumerate(rows[1:], start=1)
    ]


CORPUS_ROWS = _corpus()


def _check_value(value: object) -> None:
    """Every answer is None, a plain date, or an aware datetime in Asia/Ho_Chi_Minh."""
    assert value is None or type(value) in (date, datetime), repr(value)
    if isinstance(value, datetime):
        assert value.tzinfo is not None
        assert value.utcoffset() == VN_TZ.utcoffset(value.replace(tzinfo=None))
        if value.year >= 1976:  # the zone has been +07:00 since mid-1975
            assert value.utcoffset() == SEVEN_HOURS
            assert value.isoformat().endswith("+07:00")
        assert value.microsecond == 0


def _expect(value: object, expected: str) -> None:
    _check_value(value)
    if expected == "None":
        assert value is None
    elif len(expected) == 10:  # YYYY-MM-DD: a day without a time must stay a date
        assert type(value) is date, repr(value)
        assert value.isoformat() == expected
    else:
        assert isinstance(value, datetime), repr(value)
        assert value.isoformat() == expected


# ---------------------------------------------------------------- the shared corpus


def test_corpus_is_complete():
    assert len(CORPUS_ROWS) == 61


@pytest.mark.parametrize(("text", "expected", "order", "now"), CORPUS_ROWS)
def test_corpus(text, expected, order, now):
    value, path = parse_date_traced(
        text, now=datetime.fromisoformat(now) if now else None, date_order=order
    )
    _expect(value, expected)
    # Every corpus shape is a fast-path shape: dateparser is only the fallback.
    assert path != "dateparser"


# ---------------------------------------------------------------- held-out-style families

ABSOLUTE = [
    # separators, orders, clock styles
    ("01/12/2018 - 09:07 a.m.", "2018-12-01T09:07:00+07:00"),
    ("01/12/2018 - 9:07 p.m.", "2018-12-01T21:07:00+07:00"),
    ("01/12/2018 09:07 pm", "2018-12-01T21:07:00+07:00"),
    ("01/12/2018 12:00 AM", "2018-12-01T00:00:00+07:00"),
    ("01/12/2018 12:00 PM", "2018-12-01T12:00:00+07:00"),
    ("30/11/2018 12:45 sa", "2018-11-30T00:45:00+07:00"),
    ("30/11/2018 12:45 ch", "2018-11-30T12:45:00+07:00"),
    ("30/11/2018 3:05 CH", "2018-11-30T15:05:00+07:00"),
    ("01/12/2018 23:05 PM", "2018-12-01T23:05:00+07:00"),
    ("01/12/2018 9 AM", "2018-12-01T09:00:00+07:00"),
    ("02.12.2018, 17:45", "2018-12-02T17:45:00+07:00"),
    ("2018/12/02 17:45:30", "2018-12-02T17:45:30+07:00"),
    ("2018-12-2 7:45", "2018-12-02T07:45:00+07:00"),
    ("17:45:30 | 2/12/2018", "2018-12-02T17:45:30+07:00"),
    ("2/12/2018 - 17h45", "2018-12-02T17:45:00+07:00"),
    ("2/12/2018 8h", "2018-12-02T08:00:00+07:00"),
    ("07g30 ngày 2/12/2018", "2018-12-02T07:30:00+07:00"),
    ("8h sáng 2/12/2018", "2018-12-02T08:00:00+07:00"),
    ("8 giờ tối ngày 2/12/2018", "2018-12-02T20:00:00+07:00"),
    ("lúc 14 giờ 30 phút ngày 2/12/2018", "2018-12-02T14:30:00+07:00"),
    ("17:45' 02/12/2018", "2018-12-02T17:45:00+07:00"),
    ("02/12/2018  17:45", "2018-12-02T17:45:00+07:00"),
    # weekday prefixes (the numbers win when they disagree) and labels
    ("Thứ hai, 03/12/2018 07:30", "2018-12-03T07:30:00+07:00"),
    ("Thứ 5, 03/12/2018", "2018-12-03"),
    ("T2, 03/12/2018 07:30", "2018-12-03T07:30:00+07:00"),
    ("CN, 02/12/2018", "2018-12-02"),
    ("Chủ Nhật, 02/12/2018 - 08:00", "2018-12-02T08:00:00+07:00"),
    ("Thứ 2 - 03-12-2018", "2018-12-03"),
    ("Ngày đăng: 03/12/2018", "2018-12-03"),
    ("Ngày cập nhật 03/12/2018 10:15", "2018-12-03T10:15:00+07:00"),
    ("Cập nhật: 10:15 ngày 03/12/2018", "2018-12-03T10:15:00+07:00"),
    ("Đăng ngày 03/12/2018", "2018-12-03"),
    ("Thời gian: 10:15 - 03/12/2018", "2018-12-03T10:15:00+07:00"),
    ("Lượt xem: 1.234 | 03/12/2018", "2018-12-03"),
    # long forms and month words
    ("ngày 5 tháng 3 năm 2019", "2019-03-05"),
    ("NGÀY 05 THÁNG 03, 2019 | 16:20", "2019-03-05T16:20:00+07:00"),
    ("Thứ Ba, 05 tháng 3, 2019", "2019-03-05"),
    ("lúc 16:20 Thứ Ba, 5 tháng 3, 2019", "2019-03-05T16:20:00+07:00"),
    ("05 Tháng Ba 2019", "2019-03-05"),
    ("15 tháng Giêng năm 2019", "2019-01-15"),
    ("20 tháng Mười Một năm 2019", "2019-11-20"),
    ("20 tháng Chạp 2019", "2019-12-20"),
    ("5 thg 3, 2019", "2019-03-05"),
    ("tháng 12/2018", "None"),
    ("Tháng 12 năm 2018", "None"),
    # parentheses, spaced separators
    ("(05/03/2019)", "2019-03-05"),
    ("(Ngày 20 - 03 - 2012)", "2012-03-20"),
    ("Ngày 20-3-2012", "2012-03-20"),
    ("(Ngày 20 - 03 - 2012) 10:00", "2012-03-20T10:00:00+07:00"),
    # two-digit years
    ("05/03/19", "2019-03-05"),
    ("05/03/19 16:20", "2019-03-05T16:20:00+07:00"),
    ("05/03/99", "1999-03-05"),
    # ISO 8601, RFC 822, English month names
    ("2019-03-05", "2019-03-05"),
    ("2019-03-05T16:20:00.250+07:00", "2019-03-05T16:20:00+07:00"),
    ("2019-03-05T09:20:00+00:00", "2019-03-05T16:20:00+07:00"),
    ("2019-03-05T04:20:00-05:00", "2019-03-05T16:20:00+07:00"),
    ("2019-03-05T09:20:00Z", "2019-03-05T16:20:00+07:00"),
    ("2019-03-05T16:20:00", "2019-03-05T16:20:00+07:00"),
    ("Tue, 05 Mar 2019 09:20:00 GMT", "2019-03-05T16:20:00+07:00"),
    ("Tue, 5 Mar 2019 16:20:00 +0700", "2019-03-05T16:20:00+07:00"),
    ("Mon, 04 Mar 2019 21:20:00 -0500", "2019-03-05T09:20:00+07:00"),
    ("Mar 5, 2019", "2019-03-05"),
    ("March 5, 2019 4:20 PM", "2019-03-05T16:20:00+07:00"),
    ("5 March 2019", "2019-03-05"),
    ("Tuesday, 5th March 2019", "2019-03-05"),
    # zone suffixes
    ("05/03/2019 16:20 (GMT+7)", "2019-03-05T16:20:00+07:00"),
    ("05/03/2019 16:20 GMT+07:00", "2019-03-05T16:20:00+07:00"),
    ("16:20 05/03/2019 (GMT+7)", "2019-03-05T16:20:00+07:00"),
    ("05/03/2019 09:20 UTC", "2019-03-05T16:20:00+07:00"),
    # Unicode: NFD, no-break / zero-width / other spaces, BOM, full-width digits
    ("Thu\u031b\u0301 ba\u0309y, 05/03/2019 16:20", "2019-03-05T16:20:00+07:00"),
    ("nga\u0300y 5 tha\u0301ng 3 na\u0306m 2019", "2019-03-05"),
    ("05/03/2019\u00a0-\u00a016:20", "2019-03-05T16:20:00+07:00"),
    ("\ufeff\u200b05/03/2019\u2009\u200b16:20\u202f", "2019-03-05T16:20:00+07:00"),
    ("\u3000０５/０３/２０１９", "2019-03-05"),
    ("\n\t   05/03/2019 \n 16:20\n", "2019-03-05T16:20:00+07:00"),
    # impossible values and non-dates
    ("29/02/2019", "None"),
    ("29/02/2020", "2020-02-29"),
    ("31/04/2019", "None"),
    ("00/03/2019", "None"),
    ("05/13/2019", "None"),
    ("05/03/2019 24:00", "None"),
    ("05/03/2019 25:07", "None"),
    ("05/03/2019 16:61", "None"),
    ("05/03/2019 16:20:75", "None"),
    ("05/03/2019 16:20 (GMT+15)", "None"),
    ("ngày 31 tháng 2 năm 2019", "None"),
    ("05/03/1850", "None"),
    ("05/03/2150", "None"),
    ("Không rõ", "None"),
    ("Tin tức khác", "None"),
    ("Xem thêm", "None"),
    ("396", "None"),
    ("2019", "None"),
    ("03/2019", "None"),
    ("16:20", "None"),
    ("192.168.1.1", "None"),
    ("0243.3823.456", "None"),
    ("1.2.3", "None"),
    ("", "None"),
    ("   \u00a0\u200b ", "None"),
    # "24h" is also a news site: a date with it keeps its day and invents no time
    ("05/03/2019 | 24h", "2019-03-05"),
]


@pytest.mark.parametrize(("text", "expected"), ABSOLUTE)
def test_absolute_families(text, expected):
    _expect(parse_date(text), expected)
    # absolute texts do not depend on the crawl time
    _expect(parse_date(text, now=NOW), expected)


ORDERS = [
    ("12/1/2018 9:07:00 AM", "MDY", "2018-12-01T09:07:00+07:00"),
    ("12/1/2018 9:07:00 AM", "DMY", "2018-01-12T09:07:00+07:00"),
    ("12/25/2018", "MDY", "2018-12-25"),
    ("12/25/2018", "DMY", "None"),  # strict: a day-first portal has no month 25
    ("25/12/2018", "MDY", "None"),
    ("12/1/18 9:07 PM", "MDY", "2018-12-01T21:07:00+07:00"),
    ("2018-12-01", "MDY", "2018-12-01"),  # year first is unambiguous
    ("2018/12/01", "DMY", "2018-12-01"),
    ("18/12/01", "YMD", "2018-12-01"),
    ("01/12/2018", "YMD", "2018-12-01"),  # a 4-digit year last falls back to DMY
    ("Dec 1, 2018", "DMY", "2018-12-01"),
    ("1 December 2018", "MDY", "2018-12-01"),
    ("12/1/2018", "mdy", "2018-12-01"),
]


@pytest.mark.parametrize(("text", "order", "expected"), ORDERS)
def test_date_order(text, order, expected):
    _expect(parse_date(text, date_order=order), expected)


@pytest.mark.parametrize("order", ["DM", "DYM", "", "ISO", None, 3])
def test_invalid_date_order_raises(order):
    with pytest.raises(ValueError):
        parse_date("01/12/2018", date_order=order)


# ---------------------------------------------------------------- relative expressions

RELATIVE = [
    ("2 giờ trước", "2018-12-01T10:00:00+07:00"),
    ("15 phút trước", "2018-12-01T11:45:00+07:00"),
    ("30 giây trước", "2018-12-01T11:59:30+07:00"),
    ("1 giờ 30 phút trước", "2018-12-01T10:30:00+07:00"),
    ("khoảng 3 tiếng trước", "2018-12-01T09:00:00+07:00"),
    ("Cập nhật 5 phút trước", "2018-12-01T11:55:00+07:00"),
    ("mười lăm phút trước", "2018-12-01T11:45:00+07:00"),
    ("vừa xong", "2018-12-01T12:00:00+07:00"),
    ("3 ngày trước", "2018-11-28"),
    ("cách đây 3 ngày", "2018-11-28"),
    ("hai ngày trước", "2018-11-29"),
    ("hôm qua", "2018-11-30"),
    ("Hôm nay", "2018-12-01"),
    ("hôm kia", "2018-11-29"),
    ("hôm qua 09:07", "2018-11-30T09:07:00+07:00"),
    ("Hôm nay, 9:07 CH", "2018-12-01T21:07:00+07:00"),
    ("hôm qua lúc 25:00", "None"),
    ("tuần trước", "2018-11-24"),
    ("2 tuần trước", "2018-11-17"),
    ("3 tháng trước", "2018-09-01"),
    ("tháng trước", "2018-11-01"),
    ("5 năm trước", "2013-12-01"),
    ("2 hours ago", "2018-12-01T10:00:00+07:00"),
    ("yesterday", "2018-11-30"),
    ("3 ngày", "None"),  # a duration, not a date
    ("99999999 ngày trước", "None"),
    ("vài phút trước", "None"),  # "a few": no real moment
]


@pytest.mark.parametrize(("text", "expected"), RELATIVE)
def test_relative_with_now(text, expected):
    _expect(parse_date(text, now=NOW), expected)


@pytest.mark.parametrize("text", [text for text, _ in RELATIVE])
def test_relative_without_now_is_none(text):
    # never the wall clock silently, and never dateparser's own "now"
    assert parse_date_traced(text) == (None, "none")


def test_relative_months_clamp_to_month_end():
    assert parse_date("1 tháng trước", now=datetime(2019, 3, 31, 8)) == date(2019, 2, 28)


def test_naive_and_aware_now_agree():
    naive = parse_date("2 giờ trước", now=NOW)
    utc = parse_date("2 giờ trước", now=datetime(2018, 12, 1, 5, 0, tzinfo=UTC))
    tokyo = datetime(2018, 12, 1, 14, 0, tzinfo=timezone(timedelta(hours=9)))
    assert naive == utc == parse_date("2 giờ trước", now=tokyo)
    assert to_iso(naive) == "2018-12-01T10:00:00+07:00"


def test_aware_now_is_converted_before_taking_the_day():
    # 23:30 UTC is already the next day in Hanoi
    late_utc = datetime(2018, 11, 30, 23, 30, tzinfo=UTC)
    assert parse_date("hôm nay", now=late_utc) == date(2018, 12, 1)
    assert parse_date("hôm nay", now=datetime(2018, 11, 30, 23, 30)) == date(2018, 11, 30)


def test_now_must_be_a_datetime():
    with pytest.raises(TypeError):
        parse_date("hôm qua", now=date(2018, 12, 1))


# ---------------------------------------------------------------- dateparser fallback


def test_fallback_reads_what_the_fast_path_does_not():
    value, path = parse_date_traced("Chủ nhật 2 12 2018 lúc 8:00")
    assert path == "dateparser"
    _expect(value, "2018-12-02T08:00:00+07:00")


@pytest.mark.parametrize(
    "text",
    [
        "2018 giờ",  # dateparser reads it as "2018 hours ago"
        "tháng này",  # a month, not a day
        "phút",
        "Tin tức khác",
        "12 2018",
    ],
)
def test_fallback_results_are_validated(text):
    assert parse_date(text) is None
    assert parse_date(text, now=NOW) is None


# ---------------------------------------------------------------- robustness

ADVERSARIAL = {
    "digits": ("1" * 10_000, None),
    "digit-slash runs": ("1/" * 5_000, None),
    "repeated date": ("01/12/2018 " * 1000, date(2018, 12, 1)),
    "repeated impossible date": ("30/02/2018 " * 900, None),
    "repeated times": ("09:07 " * 1600, None),
    "repeated weekday": ("Thứ " * 2500, None),
    "repeated long-form start": ("ngày 1 tháng " * 800, None),
    "repeated relative without trước": ("2 giờ " * 1600, None),
    "dashes and ones": ("- 1 - 1 " * 1250, None),
    "month-name runs": ("Dec 1, " * 1400, None),
    "zero-width and NFD": (("\u200b" + "Thu\u031b\u0301 ") * 1500, None),
    "indentation then a date": (" " * 9_990 + "01/12/2018", date(2018, 12, 1)),
    "date then 10 kB of text": ("01/12/2018 09:07 " + "Tin tức khác " * 800, "time"),
    "lone surrogates and controls": ("\ud800\x00\x1b\udfff" * 2500, None),
}


@pytest.mark.parametrize("name", list(ADVERSARIAL))
def test_long_adversarial_inputs_are_sane(name):
    text, expected = ADVERSARIAL[name]
    assert len(text) >= 9_000
    for now in (None, NOW):
        value = parse_date(text, now=now)
        _check_value(value)
        if expected == "time":
            assert value == datetime(2018, 12, 1, 9, 7, tzinfo=VN_TZ)
        else:
            assert value == expected


_DATEY_TOKENS = (
    list("0123456789/-.:,|()'+ ")
    + ["\u00a0", "\u200b", "\ufeff", "\u0301", "\u0309", "\ud800", "T", "Z", "h", "g"]
    + "ngày tháng năm Ngày Tháng NGÀY giờ phút giây trước hôm qua nay kia tuần lúc "
    "Thứ Hai Bảy CN Chủ nhật Mười Giêng Chạp SA CH AM PM a.m. sáng chiều GMT UTC "
    "Dec December Sun 2018 1975 12 01 31 29 02 68 69 24h 09:07 +0700 -05:00".split()
)


@settings(max_examples=2000, deadline=None)
@given(
    text=st.one_of(
        st.text(max_size=200),
        st.lists(st.sampled_from(_DATEY_TOKENS), max_size=25).map("".join),
        st.lists(st.sampled_from(_DATEY_TOKENS), max_size=25).map(" ".join),
    ),
    now=st.one_of(
        st.none(),
        st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1)),
        st.datetimes(
            min_value=datetime(1990, 1, 1),
            max_value=datetime(2090, 1, 1),
            timezones=st.sampled_from([UTC, VN_TZ, timezone(timedelta(hours=-5))]),
        ),
    ),
    order=st.sampled_from(["DMY", "MDY", "YMD"]),
)
def test_never_raises_and_returns_sane_types(text, now, order):
    value, path = parse_date_traced(text, now=now, date_order=order)
    _check_value(value)
    assert path in ("fast", "relative", "dateparser", "none")
    assert (value is None) == (path == "none")
    if now is None:
        assert path != "relative"
    iso = to_iso(value)
    assert iso is None or iso == value.isoformat()


# ---------------------------------------------------------------- to_iso


def test_to_iso():
    assert to_iso(None) is None
    assert to_iso(date(2018, 12, 1)) == "2018-12-01"
    assert to_iso(datetime(2018, 12, 1, 9, 7, tzinfo=VN_TZ)) == "2018-12-01T09:07:00+07:00"
    assert to_iso(datetime(2018, 12, 1, 9, 7)) == "2018-12-01T09:07:00+07:00"  # naive = local
    utc = datetime(2018, 12, 1, 2, 7, tzinfo=UTC)
    assert to_iso(utc) == "2018-12-01T09:07:00+07:00"


def test_none_text_is_none():
    assert parse_date(None) is None
