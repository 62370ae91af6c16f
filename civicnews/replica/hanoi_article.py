"""Hanoi platform article pages: title, date, sapo, the body with its ``VCSortableInPreviewMode``
boxes, tags and related entries, as ``hanoi_platform.py``'s map describes them."""

from __future__ import annotations

import random

from civicnews.replica.article import (
    Article,
    ArticleMeta,
    AuthorLine,
    Block,
    Figure,
    Paragraph,
    Table,
)
from civicnews.replica.hanoi_site import CATEGORY_LABEL, LISTING_PATH, HanoiSite, entry_time
from civicnews.replica.markup import attr, text
from civicnews.replica.titles import slugify


def article_page(site: HanoiSite, article: Article) -> str:
    """The page of `article`, with its related entries in one of three placements (key % 3)."""
    meta = article.meta
    key = meta.key
    rng = random.Random(f"{site.corpus.seed}:{key}:hanoi-body")
    related_keys = list(meta.related)
    near, same = related_keys[:3], related_keys[3:]
    mode = key % 3
    tools = (
        '<div class="detail-tools"><span class="font">Aa</span>'
        ' <a href="javascript:;" class="print">In bài</a>'
        ' <a href="javascript:;" class="share-fb">Chia sẻ</a></div>'
    )
    if not meta.date_on_page:
        info = f'<div class="detail-info">{tools}</div>'
    elif key % 2 == 0:
        info = (
            f'<div class="detail-info"><div class="detail-time">{site.printed_date(meta)}'
            f"</div>{tools}</div>"
        )
    else:
        info = (
            f'<div class="news-info"><span class="time">{site.printed_date(meta)}</span>'
            f' <span class="view">{meta.views} lượt xem</span>{tools}</div>'
        )
    body = _body(site, article, rng, near if mode in (0, 1) else [], mode)
    tags = "".join(
        f'<a href="/tag/{slugify(t)}" title="{attr(t)}">{text(t)}</a>'
        for t in site.tags(meta)
    )
    related_after = ""
    if mode == 2 and near:
        related_after = (
            '<div class="box-related"><h3 class="box-title">Tin liên quan</h3>'
            + "".join(site.entry(k) for k in near)
            + "</div>"
        )
    same_box = ""
    if same:
        same_box = (
            '<div class="box-same-category"><div class="box-heading">'
            '<h3 class="title">Tin cùng chuyên mục</h3></div><ul class="list-news">'
            + "".join(site.entry_line(k) for k in same)
            + "</ul></div>"
        )
    path = site.article_path(key)
    main = (
        f'<div class="detail-container" data-id="{site.article_id(key)}">'
        f'<ul class="breadcrumb"><li><a href="/">Trang chủ</a></li>'
        f'<li><a href="{LISTING_PATH}">{CATEGORY_LABEL}</a></li></ul>'
        f'<h1 class="detail-title" data-role="title">{text(meta.title)}</h1>'
        f"{info}"
        f'<h2 class="detail-sapo" data-role="sapo">{text(site.sapo(meta))}</h2>'
        '<div class="detail-content afcbc-body" data-role="content" itemprop="articleBody">'
        f"{body}</div>"
        f'<div class="detail-tags"><span class="tags-label">Từ khóa:</span> {tags}</div>'
        f"{related_after}{same_box}</div>"
    )
    head = (
        f'<meta property="og:title" content="{attr(meta.title)}">'
        f'<meta property="og:description" content="{attr(site.sapo(meta))}">'
        '<meta property="og:type" content="article">'
        f'<link rel="canonical" href="{attr(path)}">'
    )
    return site.page_frame(meta.title, LISTING_PATH, main, head)


def _body(site: HanoiSite, article: Article, rng: random.Random, near: list[int], mode: int) -> str:
    parts: list[str] = []
    photo = 0
    for i, block in enumerate(article.blocks):
        if isinstance(block, AuthorLine) and mode == 1 and near:
            parts.append(_typed_related(site, near))
        parts.append(_block(block, rng, article.meta, photo))
        if isinstance(block, Figure):
            photo += 1
        if i == 1 and mode == 0 and near:
            parts.append(
                '<div class="VCSortableInPreviewMode" type="RelatedNewsBox">'
                '<div class="kbwscwl-relatedbox"><strong class="title">Tin liên quan</strong>'
                f"<ul>{''.join(site.entry_line(k) for k in near)}</ul></div></div>"
            )
    if mode == 1 and near and not any(isinstance(b, AuthorLine) for b in article.blocks):
        parts.append(_typed_related(site, near))
    return "\n".join(parts)


def _typed_related(site: HanoiSite, near: list[int]) -> str:
    # An editor typing the links into the body: a bold paragraph, then one link per line.
    out = ["<p><strong>Tin liên quan</strong></p>"]
    for key in near:
        meta = site.corpus.meta(key)
        out.append(
            f'<p><a href="{attr(site.article_path(key))}">{text(meta.title)}</a>'
            f" ({entry_time(meta.published)})</p>"
        )
    return "\n".join(out)


def _block(block: Block, rng: random.Random, meta: ArticleMeta, photo: int) -> str:
    if isinstance(block, Paragraph):
        glue = rng.choice((" ", " ", "&nbsp;"))
        style = rng.choice(("", ' style="text-align: justify;"'))
        return f"<p{style}>{glue.join(text(s) for s in block.sentences)}</p>"
    if isinstance(block, Figure):
        src = f"/images/{meta.published:%Y/%m/%d}/{block.name}"
        cap = text(block.caption)
        return (
            '<div class="VCSortableInPreviewMode" type="Photo" style="">'
            f'<div><a href="{src}" data-fancybox-group="img-lightbox"'
            f' title="{attr(block.caption)}"'
            f' target="_blank" class="detail-img-lightbox"><img src="{src}"'
            f' id="img_{block.uuid[:8]}" w="960" h="640" alt="{attr(block.caption)}"'
            f' title="{attr(block.caption)}" rel="lightbox" photoid="{photo}" type="photo"'
            f' data-original="{src}" class="lightbox-content"></a></div>'
            '<div class="PhotoCMS_Caption">'
            f'<p data-placeholder="[nhập chú thích]">{cap}</p></div></div>'
        )
    if isinstance(block, Table):
        head = "".join(f"<td><b>{text(c)}</b></td>" for c in block.header)
        rows = "".join(
            "<tr>" + "".join(f"<td>{text(c)}</td>" for c in row) + "</tr>"
            for row in block.rows
        )
        return (
            "<p>Kết quả cụ thể như sau:</p>"
            '<div class="VCSortableInPreviewMode" type="BoxTable">'
            f'<table class="table-box"><tbody><tr>{head}</tr>{rows}</tbody></table></div>'
        )
    if isinstance(block, AuthorLine):
        name = f'<p style="text-align: right;"><b>{text(block.author)}</b></p>'
        if block.source is None:
            return name
        source = text(f"(Nguồn: {block.source})")
        return f'{name}\n<p style="text-align: right;"><i>{source}</i></p>'
    raise TypeError(f"unknown block {block!r}")
