"""Fetch one page the way a crawl would: Scrapy's engine, the crawl's settings, robots.txt.

``civicnews probe URL`` uses :func:`fetch_page`, so what it shows an operator is what a crawl
of that portal would get: the same User-Agent, robots.txt obeyed, the same redirects, retries
(fewer) and charset repair (``EncodingMiddleware``).  Nothing is stored: no pipelines, no spider
middlewares, no extensions, so no archive is opened.  A Twisted reactor cannot be restarted:
call it once per process (the CLI does).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.exceptions import IgnoreRequest
from scrapy.http import TextResponse


class FetchError(Exception):
    """The page could not be fetched; the message is one line saying why."""


@dataclass
class FetchedPage:
    url: str  # the URL asked for
    final_url: str  # after redirects
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    text: str | None = None  # None: not a text response
    encoding: str | None = None


# Only the downloader side of a crawl: nothing here may open or write an archive.
_OVERRIDES: dict[str, Any] = {
    "ITEM_PIPELINES": {},
    "SPIDER_MIDDLEWARES": {},
    "EXTENSIONS": {},
    "RETRY_TIMES": 1,
    # The command reports what went wrong in one line; Scrapy's log would only repeat it.
    "LOG_ENABLED": False,
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
}


class _OnePage(scrapy.Spider):
    name = "civicnews-fetch"

    def __init__(self, url: str, result: dict[str, Any], **kwargs: Any):
        super().__init__(**kwargs)
        self.url = url
        self.result = result

    async def start(self) -> Any:
        # Every status reaches the callback: a 404 is an answer to report, not a silent drop.
        yield scrapy.Request(
            self.url,
            callback=self.got,
            errback=self.failed,
            meta={"handle_httpstatus_all": True},
            dont_filter=True,
        )

    def got(self, response: Any) -> None:
        self.result["response"] = response

    def failed(self, failure: Any) -> None:
        self.result["failure"] = failure


def _reason(url: str, failure: Any) -> str:
    exc = failure.value
    if failure.check(IgnoreRequest) and "robots" in str(exc).lower():
        return f"robots.txt forbids fetching {url} for the crawl's User-Agent"
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"cannot fetch {url}: {type(exc).__name__}: {text}"[:400]


def fetch_page(url: str, settings: Any) -> FetchedPage:
    """Fetch ``url`` with the crawl's ``settings`` (a Scrapy ``Settings``); raises FetchError."""
    settings = settings.copy()
    settings.setdict(_OVERRIDES, priority="cmdline")
    result: dict[str, Any] = {}
    process = CrawlerProcess(settings)
    process.crawl(_OnePage, url=url, result=result)
    process.start()
    response = result.get("response")
    if response is None:
        failure = result.get("failure")
        if failure is None:
            raise FetchError(f"cannot fetch {url}: the crawl ended without an answer")
        raise FetchError(_reason(url, failure))
    headers = {
        k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()
    }
    page = FetchedPage(url, response.url, response.status, headers, response.body)
    if isinstance(response, TextResponse):
        page.text = response.text
        page.encoding = response.encoding
    return page
