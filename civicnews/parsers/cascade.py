"""The end of every family parser: what the family's own selectors left empty.

Each field is read by a cascade: the family's selectors, then the structural rules shared by
all families (those of the generic parser: the title-like element nearest above the body, the
first date line between title and body, elements named like a date), then the page's
metadata (``og:title``, ``<title>`` without the site name, ``article:published_time``...). A
family parser that finds no title or date with its own selectors therefore never returns less
than the generic parser would. The shared rules are only run when a field is missing, so a page
the family reads fully costs nothing more.
"""

from __future__ import annotations

from lxml import etree
from parsel import Selector

from civicnews.parsers import headline, mainblock, published
from civicnews.parsers.model import Article
from civicnews.text import normalize_inline

#: Article fields and their names in ``Article.rules``.
_FIELDS = {
    "title": "title", "published_raw": "published", "author": "author", "body_text": "body",
    "sapo": "sapo", "source": "source", "category": "category", "tags": "tags",
    "related": "related", "attachments": "attachments", "posted_by": "posted_by",
}  # fmt: skip


def complete(article: Article, sel: Selector, body: etree._Element, family: str) -> Article:
    """Fill ``article``'s empty title and date from the shared rules, around ``body``; name the
    rule of every field read (``<family>:selectors`` where the family parser named none)."""
    if not (article.title and article.published_raw):
        _fill(article, sel, body)
    for attr, name in _FIELDS.items():
        if getattr(article, attr) and name not in article.rules:
            article.rules[name] = f"{family}:selectors"
    return article


def _fill(article: Article, sel: Selector, body: etree._Element) -> None:
    root = sel.root
    stats = mainblock.Stats(root)
    title, title_el, rule = headline.find_title(sel, root, body, stats)
    if not article.title:
        article.title = title
        _rule(article, "title", rule)
    elif title != article.title:
        title_el = _element_with_text(root, article.title)
    if not article.published_raw:
        raw, rule = published.find_date(sel, root, body, title_el, stats)
        article.published_raw = raw
        _rule(article, "published", rule)


def _rule(article: Article, field: str, rule: str | None) -> None:
    if rule:
        article.rules[field] = rule
    else:
        article.rules.pop(field, None)


def _element_with_text(root: etree._Element, text: str | None) -> etree._Element | None:
    """The innermost element whose whole text is ``text`` (the title the family found)."""
    if not text:
        return None
    found = None
    for el in root.iter("h1", "h2", "h3", "h4", "div", "span", "p", "td", "a"):
        if normalize_inline(" ".join(el.itertext())) == text:
            found = el  # keep looking: a deeper element may hold it too
            if not len(el):
                break
    return found
