"""Markup more than one replica family writes: escaping, and Word-pasted paragraphs and tables
as SharePoint and ASP.NET portals carry them (Liferay pastes its own variant, in
liferay_article.py)."""

from __future__ import annotations

import random
from html import escape

from civicnews.replica.article import Table

_SPAN = '<span lang="VI" style="font-size:14.0pt;font-family:&quot;Times New Roman&quot;">'


def text(value: str) -> str:
    return escape(value, quote=False)


def attr(value: str) -> str:
    return escape(value, quote=True)


def word_paragraph(sentences: tuple[str, ...], rng: random.Random) -> str:
    """A Word-pasted paragraph: no-break and zero-width spaces between some sentences."""
    joined = []
    for i, sentence in enumerate(sentences):
        if i:
            joined.append(rng.choices((" ", "&nbsp;", " \u200b"), (7, 2, 1))[0])
        joined.append(text(sentence))
    inner = "".join(joined)
    style = rng.choices(("word", "div", "plain"), (5, 2, 3))[0]
    if style == "word":
        return (
            '<p class="MsoNormal" style="text-align:justify;text-indent:36.0pt">'
            f"{_SPAN}{inner}</span><o:p></o:p></p>"
        )
    if style == "div":
        return f'<div style="text-align: justify;">{inner}</div>'
    return f"<p>&nbsp;{inner}</p>"


def word_table(block: Table) -> str:
    rows = [block.header, *block.rows]
    body = "".join(
        "<tr>"
        + "".join(
            '<td valign="top" style="border:solid windowtext 1.0pt;padding:0cm 5.4pt">'
            f'<p class="MsoNormal" align="center">{"<b>" if i == 0 else ""}{text(cell)}'
            f"{'</b>' if i == 0 else ''}</p></td>"
            for cell in row
        )
        + "</tr>"
        for i, row in enumerate(rows)
    )
    return (
        '<p class="MsoNormal">Kết quả cụ thể như sau:</p>\n'
        '<table class="MsoTableGrid" border="1" cellspacing="0" cellpadding="0" '
        f'style="border-collapse:collapse"><tbody>{body}</tbody></table>'
    )
