"""Encoding faults: a page's bytes or its declared charset are not what they should be.

``cp1258``, ``mislabel``, ``mislabel-1258``, ``bom`` and ``bad-bytes`` (one per page: the first
in SPEC order), as legacy Vietnamese editors and misconfigured servers leave them; and
:func:`encode_cp1258`, how windows-1258 writes Vietnamese (tests decode with it too).
"""

from __future__ import annotations

import re
import unicodedata

from civicnews.replica.faults.spec import Fault

#: Faults that re-encode or relabel a page; a page gets only the first of them in SPEC order.
ENCODINGS = ("cp1258", "mislabel", "mislabel-1258", "bom", "bad-bytes")


def encode(fault: Fault, text: str) -> tuple[bytes, str]:
    """The page `text` as `fault` sends it: (body, Content-Type)."""
    content_type = "text/html; charset=utf-8"
    body = text.encode("utf-8")
    if fault.name == "cp1258":
        body = encode_cp1258(set_meta_charset(text, "windows-1258"))
        content_type = "text/html; charset=windows-1258"
    elif fault.name == "mislabel":
        content_type = "text/html; charset=windows-1258"
    elif fault.name == "mislabel-1258":
        body = encode_cp1258(text)
    elif fault.name == "bad-bytes":
        body = stray_bytes(body, int(fault.arg or 0))
    else:  # bom
        body = b"\xef\xbb\xbf" + body
        content_type = "text/html; charset=windows-1258"
    return body, content_type


def declared_charset(content_type: str) -> str:
    """The charset a Content-Type header declares (UTF-8 when it declares none)."""
    m = re.search(r"charset=([\w-]+)", content_type, re.I)
    return m.group(1) if m else "utf-8"


def stray_bytes(body: bytes, count: int) -> bytes:
    """0xFF (never valid in UTF-8) after the first `count` commas of the article's paragraphs."""
    start = body.find(b"<p")
    head, text = (body, b"") if start < 0 else (body[:start], body[start:])
    return head + text.replace(b", ", b",\xff ", count)


def set_meta_charset(text: str, charset: str) -> str:
    pattern = r"(<meta[^>]*charset=)[\"']?[\w-]+"
    return re.sub(pattern, rf"\g<1>{charset}", text, count=1, flags=re.I)


# -- windows-1258 -------------------------------------------------------------------------------

# The five Vietnamese tone marks windows-1258 encodes as combining characters; the other
# diacritics (â ê ô ă ơ ư) exist only precomposed in it.
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")
_CP1258_CACHE: dict[str, bytes] = {}


def _cp1258_char(ch: str) -> bytes:
    try:
        return ch.encode("cp1258")
    except UnicodeEncodeError:
        pass
    parts = unicodedata.normalize("NFD", ch)
    base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
    tones = "".join(c for c in parts if c in _TONES)
    try:
        return (base + tones).encode("cp1258")
    except UnicodeEncodeError:
        return ch.encode("ascii", "xmlcharrefreplace")  # what a legacy CMS writes for the rest


def encode_cp1258(text: str) -> bytes:
    """Encode Vietnamese text as windows-1258 does: base letter + combining tone mark.

    Characters windows-1258 lacks become numeric character references.
    """
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if ch < "\x80":
            out.append(ch.encode("ascii"))
            continue
        encoded = _CP1258_CACHE.get(ch)
        if encoded is None:
            encoded = _CP1258_CACHE[ch] = _cp1258_char(ch)
        out.append(encoded)
    return b"".join(out)
