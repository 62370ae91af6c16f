"""Page parsers, one module per CMS family: ``parse(url, html) -> Page``.

Parsers are pure functions of the URL and the HTML text; they know nothing of
Scrapy, so they are tested on constructed pages (``tests/fixtures/constructed``) and on
real pages saved by others (``tests/real_pages.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from civicnews.families import FAMILIES
from civicnews.parsers.model import Article, Link, Listing, Page

__all__ = ["Article", "Link", "Listing", "Page", "get_parser", "parse_page"]


def get_parser(family: str) -> Callable[[str, str], Page]:
    try:
        module = FAMILIES[family].parser
    except KeyError:
        raise ValueError(f"no page parser for family {family!r}") from None
    return import_module(module).parse


def parse_page(family: str, url: str, html: str) -> Page:
    return get_parser(family)(url, html)
