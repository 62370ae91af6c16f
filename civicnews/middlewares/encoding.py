"""Decode pages by what their bytes are, not by what their headers claim.

Vietnamese portals send UTF-8 pages labelled ``windows-1258`` or
``iso-8859-1`` (a server default), windows-1258 pages labelled UTF-8, and
UTF-8 pages with a byte-order mark behind a header naming another charset.
Scrapy decodes by the first declaration it finds and turns such pages into
mojibake or U+FFFD, which would then be archived as the article's text.
"""

from __future__ import annotations

import codecs
import unicodedata
from collections import Counter
from typing import Any

from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response, TextResponse
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

# Labels a server sends by default rather than by knowledge of the page: on a Vietnamese
# portal they never describe a body that is not UTF-8.
_DEFAULT_LABELS = frozenset({"ascii", "iso8859_1", "cp1252", "utf_8"})


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        return codecs.lookup(label).name.replace("-", "_")
    except LookupError:
        return None


def true_encoding(
    body: bytes, header: str | None, meta: str | None, legacy: str = "cp1258"
) -> str | None:
    """The encoding `body` is really in, or None when its declarations can be trusted.

    `header` and `meta` are the charsets the Content-Type header and the page's
    ``<meta>`` declare.  In order: a byte-order mark decides; a body that is
    valid UTF-8 (and not plain ASCII) is UTF-8, since legacy Vietnamese text
    practically never is.  Otherwise the candidates are UTF-8 with its few bad
    bytes replaced, and a legacy 8-bit encoding (the first declaration that names
    one, other than a server default such as latin-1, else `legacy`): the one
    that reads as more Vietnamese wins (:func:`vietnamese_share`).  A UTF-8 page
    with three stray bytes stays UTF-8 (three U+FFFD) instead of turning into
    cp1258 mojibake from its first letter on.
    """
    bom_encoding, _ = read_bom(body)
    if bom_encoding:
        return bom_encoding
    if body.isascii():
        return None
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    candidate = legacy
    for declared in (header, meta):
        codec = _codec(declared)
        if codec and codec not in _DEFAULT_LABELS:
            candidate = declared
            break
    sample = body[:_SAMPLE_BYTES]
    as_utf8 = vietnamese_share(sample.decode("utf-8", "replace"))
    as_legacy = vietnamese_share(sample.decode(_codec(candidate) or legacy, "replace"))
    return candidate if as_legacy > as_utf8 else "utf-8"


# Enough text to tell the encodings apart; the whole of an 8 MiB page would cost 100x more.
_SAMPLE_BYTES = 256 * 1024
_VIETNAMESE = frozenset(
    "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
    "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
)


def vietnamese_share(text: str) -> float:
    """The share of Vietnamese letters among the non-ASCII characters of `text`.

    Vietnamese text is nearly all of them (a few quotes and dashes aside).  The
    wrong decoding of the same bytes is not: UTF-8 read as cp1258 gives runs such
    as ``á»‡`` (one letter in three), cp1258 read as UTF-8 gives U+FFFD.  cp1258
    writes tone marks as combining characters, hence NFC first.
    """
    counts = Counter(unicodedata.normalize("NFC", text))
    non_ascii = sum(n for ch, n in counts.items() if ch >= "\x80")
    if not non_ascii:
        return 0.0
    return sum(n for ch, n in counts.items() if ch in _VIETNAMESE) / non_ascii


class EncodingMiddleware:
    """Re-decodes text responses whose declared charset does not match their bytes.

    The body bytes stay as received (the archive keeps them raw); only the
    encoding Scrapy decodes ``response.text`` with changes.  Order 585: after
    decompression (590), before meta-refresh (580), retry and the spider.

    Settings: ``CIVICNEWS_ENCODING_FIX`` (default True; False raises
    NotConfigured), ``CIVICNEWS_LEGACY_ENCODING`` (for non-UTF-8 bodies without a
    usable declaration; default ``cp1258``).
    Stats: ``civicnews/encoding/bom``, ``civicnews/encoding/utf8_mislabelled``,
    ``civicnews/encoding/legacy_mislabelled``, ``civicnews/encoding/undeclared``,
    ``civicnews/encoding/utf8_invalid_bytes`` (UTF-8 pages with bytes replaced by U+FFFD).
    """

    def __init__(self, legacy: str = "cp1258", stats: Any = None) -> None:
        if _codec(legacy) is None:
            raise NotConfigured(f"CIVICNEWS_LEGACY_ENCODING {legacy!r} is not a known encoding")
        self.legacy = legacy
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> EncodingMiddleware:
        settings = crawler.settings
        if not settings.getbool("CIVICNEWS_ENCODING_FIX", True):
            raise NotConfigured("CIVICNEWS_ENCODING_FIX is off")
        return cls(settings.get("CIVICNEWS_LEGACY_ENCODING", "cp1258"), crawler.stats)

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Response:
        if not isinstance(response, TextResponse) or not response.body:
            return response
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        header = http_content_type_encoding(content_type)
        meta = html_body_declared_encoding(response.body)
        actual = true_encoding(response.body, header, meta, self.legacy)
        if actual is None:
            return response
        if self.stats and _codec(actual) == "utf_8" and not read_bom(response.body)[0]:
            try:
                response.body.decode("utf-8")
            except UnicodeDecodeError:
                # Decoded as UTF-8 all the same: the bad bytes become U+FFFD.
                self.stats.inc_value("civicnews/encoding/utf8_invalid_bytes")
        # What Scrapy would decode with: the BOM, else the header, else the <meta>.
        scrapy_choice = read_bom(response.body)[0] or header or meta
        if _codec(actual) == _codec(scrapy_choice):
            return response
        if self.stats:
            if read_bom(response.body)[0]:
                key = "bom"
            elif scrapy_choice is None:
                key = "undeclared"
            elif _codec(actual) == "utf_8":
                key = "utf8_mislabelled"
            else:
                key = "legacy_mislabelled"
            self.stats.inc_value(f"civicnews/encoding/{key}")
        return response.replace(encoding=actual)
