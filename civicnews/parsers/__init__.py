"""Page parsers, one module per CMS family: ``parse(url, html) -> Page``.

Parsers are pure functions of the URL and the HTML text; they know nothing of
Scrapy, so they are tested on saved pages (``tests/fixtures/pages``).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from civicnews.parsers.model import Article, Link, Listing, Page

__all__ = ["Article", "Link", "Listing", "Page", "get_parser", "parse_page"]

_MODULES = {
    "liferay": "civicnews.parsers.liferay",
    "hanoi-platform": "civicnews.parsers.hanoi_platform",
    "generic": "civicnews.parsers.generic",
    "sharepoint": "civicnews.parsers.sharepoint",
    "aspnet-table": "civicnews.parsers.aspnet_table",
}


def get_parser(family: str) -> Callable[[str, str], Page]:
    try:
        module = _MODULES[family]
    except KeyError:
        raise ValueError(f"no page parser for family {family!r}") from None
    return import_module(module).parse


def parse_page(family: str, url: str, html: str) -> Page:
    return get_parser(family)(url, html)
