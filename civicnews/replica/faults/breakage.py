"""Faults that damage a page's markup: ``broken-html``, ``deep-nesting``, ``huge``.

(``nfd`` is a one-liner in the wrapper: ``unicodedata.normalize("NFD", text)``.)
"""

from __future__ import annotations

import re


def inject(text: str, markup: str) -> str:
    """Insert `markup` before the last </body>, or at the end of a page without one."""
    at = text.lower().rfind("</body>")
    return text + markup if at < 0 else text[:at] + markup + text[at:]


def break_html(text: str) -> str:
    # Paragraphs, items and cells left open: browsers and lxml close them implicitly.
    text = re.sub(r"</(p|li|td|tr)\s*>", "", text, flags=re.I)
    # A stray end of document right after <body>: browsers ignore it, lxml stops parsing there.
    text = re.sub(r"(<body[^>]*>)", r"\1</body></html>", text, count=1, flags=re.I)
    text = inject(text, '<div class="clear"><span>\n')
    return text + "</div></span></html>\n"


def nest(text: str, depth: int) -> str:
    """Open ``depth`` <font> tags right after <body>, never closed (as old WYSIWYG editors
    left them): a parser that walks the tree recursively meets ``depth`` levels."""
    opening = '<font face="Times New Roman">' * depth
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + opening, text, count=1, flags=re.I)


def pad(body: bytes, size: int) -> bytes:
    """`body` padded to `size` bytes with a comment before </body> (9: the comment's own
    ``<!-- `` and `` -->``)."""
    missing = size - len(body) - 9
    if missing <= 0:
        return body
    filler = b"<!-- " + b"x" * missing + b" -->"
    at = body.lower().rfind(b"</body>")
    return body + filler if at < 0 else body[:at] + filler + body[at:]
