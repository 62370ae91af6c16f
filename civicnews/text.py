"""Text normalisation shared by parsers, pipelines and search.

Portal text arrives as NFD from Word/macOS pastes, sprinkled with no-break and
zero-width spaces; archive it as NFC with plain spaces so that equality,
hashing and search behave.  Content is never "corrected" beyond that: typos
and old tone placement (hoà/hòa) are kept as published.
"""

from __future__ import annotations

import re
import unicodedata

# Characters that render as nothing; dropped outright.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_BLANK_LINES = re.compile(r"\n{2,}")


_HAS_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def _nfc_visible(text: str) -> str:
    # Both steps are skipped by a C-speed scan when there is nothing to do,
    # which is the common case: parsers already hand over clean text.
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if _HAS_INVISIBLE.search(text):
        text = text.translate(_INVISIBLE)
    return text


def normalize_inline(text: str | None) -> str | None:
    """NFC, invisible characters removed, all whitespace folded to single spaces."""
    if text is None:
        return None
    return " ".join(_nfc_visible(text).split())


def normalize_block(text: str | None) -> str | None:
    """Like :func:`normalize_inline` but keeps one line per paragraph."""
    if text is None:
        return None
    text = _nfc_visible(text)
    if _is_clean_block(text):
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return _BLANK_LINES.sub("\n", "\n".join(line for line in lines if line)).strip()


def _is_clean_block(text: str) -> bool:
    """True when :func:`normalize_block` would return ``text`` unchanged.

    Parsers hand over text that is normalised already, and the pipeline runs
    this on every body: a few C-speed scans instead of splitting every line.
    ``isprintable`` is False for every whitespace character but the space
    (tabs, CR, no-break and other Unicode spaces, line separators).
    """
    return (
        text == text.strip()
        and "  " not in text
        and " \n" not in text
        and "\n " not in text
        and "\n\n" not in text
        and text.replace("\n", " ").isprintable()
    )


def _fold_table() -> dict[int, str | None]:
    # One str.translate instead of NFD + a per-character combining check:
    # folding runs on every heading candidate and every FTS row.
    table: dict[int, str | None] = dict.fromkeys(range(0x300, 0x370), None)
    for start, end in ((0xC0, 0x250), (0x1E00, 0x1F00)):
        for cp in range(start, end):
            base = "".join(
                c for c in unicodedata.normalize("NFD", chr(cp)) if not unicodedata.combining(c)
            )
            if base != chr(cp):
                table[cp] = base
    # đ/Đ have no Unicode decomposition, so stripping combining marks alone
    # leaves them: "dong da" would not find "Đống Đa".
    table.update({ord("đ"): "d", ord("Đ"): "D", ord("ð"): "d", ord("Ð"): "D"})
    return table


_FOLD = _fold_table()


def fold(text: str) -> str:
    """Lower-case and remove every Vietnamese diacritic, including đ -> d."""
    return text.translate(_FOLD).casefold()


def fold_key(text: str) -> str:
    """Folded text with punctuation dropped and spaces collapsed, for heading matches."""
    return " ".join(re.sub(r"[^\w\s]", " ", fold(text)).split())
