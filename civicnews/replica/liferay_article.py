"""Liferay article pages: the asset publisher's full content, the "Các tin tức khác" portlet
and the Word-pasted body, as ``liferay.py``'s map describes them."""

from __future__ import annotations

import random
from urllib.parse import quote

from civicnews.replica.article import (
    Article,
    ArticleMeta,
    AuthorLine,
    Block,
    Figure,
    Paragraph,
    Table,
)
from civicnews.replica.liferay_site import (
    FOLDER_ID,
    GROUP_ID,
    LISTING_PATH,
    NAMESPACE,
    format_date,
    format_day,
    page_frame,
    portlet,
)
from civicnews.replica.markup import attr, text
from civicnews.replica.renderer import Renderer

# Word-pasted markup pieces.
_SPAN = (
    '<span lang="VI" style="font-size:14.0pt;line-height:115%;'
    'font-family:&quot;Times New Roman&quot;,&quot;serif&quot;">'
)
_MSO_COMMENT = (
    "<!--[if gte mso 9]><xml><w:WordDocument><w:View>Normal</w:View><w:Zoom>0</w:Zoom>"
    "<w:TrackMoves/><w:DoNotOptimizeForBrowser/></w:WordDocument></xml><![endif]-->"
)
_EMPTY_P = '<p class="MsoNormal"><o:p>&nbsp;</o:p></p>'


def article_page(renderer: Renderer, article: Article, params: dict[str, list[str]]) -> str:
    """The page of `article`; `params` is the query (its ``redirect`` becomes the back link)."""
    meta = article.meta
    rng = random.Random(f"{renderer.corpus.seed}:{meta.key}:liferay")
    is_seed = meta.key == renderer.corpus.seed_key
    path = renderer.article_path(meta.key)
    redirect = params.get("redirect", [""])[0]
    # Only site-relative redirects: "//host/…" would turn the back link into an off-site one.
    back = (
        redirect if redirect.startswith("/") and not redirect.startswith("//") else LISTING_PATH
    )
    content_id = f"{NAMESPACE}{meta.article_id}"
    # Editors sometimes trail the title with a no-break space; parsers must strip it.
    title_html = text(meta.title) + ("&nbsp;" if meta.key % 5 == 1 else "")
    metadata = ""
    if meta.date_on_page and not meta.date_in_body:
        metadata = (
            '<div class="asset-metadata"><span class="metadata-entry metadata-publish-date">'
            f"{format_date(meta.published)}</span></div>"
        )
    full = (
        '<div class="asset-full-content default-asset-publisher show-asset-title">'
        '<div class="taglib-header "><span class="header-back-to">'
        f'<a class="icon-circle-arrow-left previous-level" href="{attr(back)}"'
        ' title="Quay lại"><span class="helper-hidden-accessible">Quay lại</span></a></span>'
        f'<h3 class="header-title"><span>{title_html}</span></h3></div>'
        f"{metadata}"
        f'<div class="asset-content" id="{content_id}">'
        f'<div class="journal-content-article">{_body(article, rng, is_seed)}</div>'
        '<div class="entry-links"></div></div>'
        f'<div class="asset-view-count">Lượt xem: {meta.views}</div>'
        '<div class="article-tools"><span class="font-size">Aa</span> '
        '<a href="javascript:void(0)" onclick="changeFontSize(1)">Tăng cỡ chữ</a> / '
        '<a href="javascript:void(0)" onclick="changeFontSize(-1)">Giảm cỡ chữ</a> | '
        '<a href="javascript:void(0)" onclick="printContent()">In bài</a> | '
        '<a class="share-facebook" target="_blank" '
        f'href="https://www.facebook.com/sharer/sharer.php?u={quote(path, safe="")}">'
        "Chia sẻ</a></div>"
        '<script type="text/javascript">function printContent(){'
        "var printDoc = window.open('', '', 'height=600,width=800').document;"
        "printDoc.write('<html><head><title>In bài viết</title></head><body>' + "
        f"document.getElementById('{content_id}').innerHTML + '</body></html>');"
        "printDoc.close();}</script>"
        "</div>"
    )
    related = _related(renderer, meta, path)
    main = portlet("Tin tức - Sự kiện", full) + related
    crumbs = [(LISTING_PATH, "Tin tức - Sự kiện"), (path, meta.title)]
    return page_frame(f"{meta.title} - Tin tức - Sự kiện", LISTING_PATH, crumbs, main)


def _related(renderer: Renderer, meta: ArticleMeta, path: str) -> str:
    items = []
    for position, key in enumerate(meta.related):
        other = renderer.corpus.meta(key)
        variant = (meta.key + position) % 3
        # Liferay links the same article several ways: inherit the redirect, plain, redirect.
        href = renderer.article_path(key)
        if variant == 0:
            href += f"?inheritRedirect=true&redirect={quote(path, safe='')}"
        elif variant == 2:
            href += f"?redirect={quote(LISTING_PATH, safe='')}"
        date = f'<span class="date">({format_day(other.published)})</span>'
        title = text(other.title)
        if position % 3 == 2:  # the date suffix inside the anchor: not part of the title
            items.append(f'<li><a href="{attr(href)}">{title} {date}</a></li>')
        else:
            items.append(f'<li><a href="{attr(href)}">{title}</a> {date}</li>')
    return (
        '<section class="portlet" id="portlet_othernews_WAR_btlportlet">'
        '<div class="portlet-body"><div class="other-news">'
        '<div class="title">Các tin tức khác</div>'
        f"<ul>{''.join(items)}</ul></div></div></section>"
    )


def _body(article: Article, rng: random.Random, is_seed: bool) -> str:
    meta = article.meta
    parts: list[str] = []
    if rng.random() < 0.5:
        parts.append(_MSO_COMMENT)
    if meta.date_on_page and meta.date_in_body:
        # Word-pasting editors type the date as the first paragraph of the body.
        parts.append(
            '<p class="MsoNormal"><em><span style="font-size:12.0pt">'
            f"{format_date(meta.published)}</span></em>&nbsp;<o:p></o:p></p>"
        )
    for block in article.blocks:
        parts.append(_block(block, rng, is_seed))
        if rng.random() < 0.12 and not isinstance(block, AuthorLine):
            parts.append(_EMPTY_P)
    return "\n".join(parts)


def _block(block: Block, rng: random.Random, is_seed: bool) -> str:
    if isinstance(block, Paragraph):
        return _paragraph(block, rng)
    if isinstance(block, Figure):
        folder = f"/documents/{GROUP_ID}/{FOLDER_ID}"
        src = f"{folder}/{block.name}/{block.uuid}?t={block.file_time_ms}"
        return (
            '<p class="MsoNormal" align="center" style="text-align:center">'
            f'<img alt="" src="{attr(src)}" style="width: 640px; height: 427px;" /></p>\n'
            '<p class="MsoNormal" align="center" style="text-align:center"><em>'
            f'<span style="font-size:12.0pt">{text(block.caption)}</span></em>'
            "<o:p></o:p></p>"
        )
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, AuthorLine):
        return _author(block, rng, is_seed)
    raise TypeError(f"unknown block {block!r}")


def _paragraph(block: Paragraph, rng: random.Random) -> str:
    joined: list[str] = []
    for i, sentence in enumerate(block.sentences):
        if i:
            # Word pastes no-break spaces and zero-width spaces between sentences.
            joined.append(rng.choices((" ", "&nbsp;", " \u200b"), (7, 2, 1))[0])
        joined.append(text(sentence))
    style = rng.choices(("word", "split", "editor"), (5, 3, 2))[0]
    if style == "split" and len(block.sentences) > 1:
        # Two spans cut at a sentence boundary (the space stays inside the first span).
        head = text(block.sentences[0]) + " "
        tail = "".join(joined[2:])
        return (
            '<p class="MsoNormal" style="text-align:justify">'
            f"{_SPAN}{head}</span>{_SPAN}{tail}</span>&nbsp;<o:p></o:p></p>"
        )
    if style == "editor":
        return f'<p style="text-align: justify;">&nbsp;&nbsp;{"".join(joined)}</p>'
    return (
        '<p class="MsoNormal" style="margin-bottom:6.0pt;text-align:justify;text-indent:36.0pt">'
        f"{_SPAN}{''.join(joined)}</span><o:p></o:p></p>"
    )


def _table(block: Table) -> str:
    def cell(value: str, header: bool) -> str:
        inner = f"<b>{text(value)}</b>" if header else text(value)
        return (
            '<td valign="top" style="border:solid windowtext 1.0pt;padding:0cm 5.4pt 0cm 5.4pt">'
            f'<p class="MsoNormal" align="center" style="text-align:center"><span lang="VI">'
            f"{inner}<o:p></o:p></span></p></td>"
        )

    rows = [block.header, *block.rows]
    body = "".join(
        "<tr>" + "".join(cell(v, i == 0) for v in row) + "</tr>" for i, row in enumerate(rows)
    )
    return (
        f'<p class="MsoNormal">{_SPAN}Kết quả cụ thể như sau:</span><o:p></o:p></p>\n'
        '<table class="MsoTableGrid" border="1" cellspacing="0" cellpadding="0" '
        f'style="border-collapse:collapse;border:none"><tbody>{body}</tbody></table>'
    )


def _author(block: AuthorLine, rng: random.Random, is_seed: bool) -> str:
    if is_seed:
        return f'<p style="text-align: right;"><strong>{text(block.author)}</strong></p>'
    # CKEditor writes "text-align: right;", Word "text-align:right"; both are in the wild.
    style = rng.choice(
        ('style="text-align: right;"', 'class="MsoNormal" align="right" style="text-align:right"')
    )
    tag = "strong" if rng.random() < 0.8 else "b"
    name = f"<{tag}>{text(block.author)}</{tag}>"
    if block.source is None:
        return f"<p {style}>{name}</p>"
    source = text(f"(Nguồn: {block.source})")
    if rng.random() < 0.5:
        return f"<p {style}>{name} {source}</p>"
    return f"<p {style}>{name}</p>\n<p {style}><em>{source}</em></p>"
