"""The one spider: crawls a registry portal's listings and related-news blocks.

Usage: ``scrapy crawl portal -a portal=bactuliem [-a portals_file=FILE]`` or
``civicnews crawl bactuliem``.  The portal's registry entry chooses the page
parser family, the allowed domains and the politeness settings (``delay``,
``concurrency``), which are applied to this crawler's settings before they
freeze.

A portal whose family is ``auto`` has it detected (:mod:`civicnews.parsers.detect`)
from the first pages of each run: the first page that answers with confidence, or the
scores of the first ``CIVICNEWS_DETECT_PAGES`` (5) pages together; pages before that
are read with the best guess so far.  The family is logged, kept in the stats
(``civicnews/family``, ``civicnews/family_detection/*``) and announced with
``civicnews.signals.family_detected``.  A portal whose family is given is checked the
same way: when its pages confidently show another family (a portal that moved to
another CMS), a WARNING says so and ``civicnews/family_detection/mismatch`` names it.

Meta keys set on requests: ``civicnews_kind`` ("listing" | "article"),
``listing_date_raw`` (the date printed beside the link that led here) and
``depth`` (Scrapy's own).  Every request's errback is ``on_failure``: a page
that finally failed is announced with ``civicnews.signals.page_failed``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy.http import Response, TextResponse

from civicnews.families import AUTO, GENERIC
from civicnews.items import GONE_STATUSES, NOT_MODIFIED, ArticleItem
from civicnews.parsers import Link, Page, get_parser
from civicnews.parsers.detect import FamilyVote, detect
from civicnews.parsers.model import ApiPager
from civicnews.registry import Portal, RegistryError, load_registry
from civicnews.seen import url_set
from civicnews.signals import family_detected, page_failed
from civicnews.urls import canonical_url, same_site

logger = logging.getLogger(__name__)


class PortalSpider(scrapy.Spider):
    name = "portal"

    def __init__(self, portal: str | None = None, portals_file: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.portal_key = portal
        self.portals_file = portals_file
        # Article URLs seen in listings this run: an API page of only these ends its paging.
        # Both sets hold 8 bytes a URL (civicnews.seen): a long crawl's memory stays flat.
        self._listed = url_set()
        self.portal: Portal | None = None
        self._requested = url_set()
        # The family pages are read with: the registry's, or the one detected ("auto").
        self.family = "generic"
        self._auto = False
        self._vote = FamilyVote()

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> PortalSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        portals_file = spider.portals_file or crawler.settings.get("CIVICNEWS_PORTALS_FILE")
        if not spider.portal_key:
            raise ValueError("the portal spider needs a portal: -a portal=NAME")
        try:
            registry = load_registry(portals_file)
        except RegistryError as exc:
            raise ValueError(str(exc)) from None
        if spider.portal_key not in registry:
            raise ValueError(
                f"unknown portal {spider.portal_key!r}; known: {', '.join(sorted(registry))}"
            )
        spider.portal = portal = registry[spider.portal_key]
        spider.allowed_domains = list(portal.allowed_domains)
        spider._vote = FamilyVote(crawler.settings.getint("CIVICNEWS_DETECT_PAGES", 5))
        spider._auto = portal.family == AUTO
        if not spider._auto:
            spider.family = portal.family
        apply_portal_settings(crawler.settings, portal)
        return spider

    def parse_page(self, url: str, html: str) -> Page:
        """Read a page with the portal's family, detecting it on the first pages of the run."""
        if not self._vote.settled:
            self._detect(url, html, self._vote)
        return get_parser(self.family)(url, html)

    def _detect(self, url: str, html: str, vote: FamilyVote) -> None:
        result = vote.add(detect(url, html))
        stats = self.crawler.stats
        stats.set_value("civicnews/family_detection/pages", vote.seen)
        if not self._auto:
            if (
                result is not None
                and result.confident
                and result.family
                not in (
                    self.family,
                    GENERIC,
                )
            ):
                stats.set_value("civicnews/family_detection/mismatch", result.family)
                stats.set_value("civicnews/family_detection/evidence", result.summary())
                logger.warning(
                    "portal %s is configured as %s but its pages look like %s (%s): "
                    'moved to another CMS? set family = %r or "auto"',
                    self.portal.key,
                    self.family,
                    result.family,
                    result.summary(),
                    result.family,
                )
            return
        self.family = vote.leader
        if result is None:
            return
        stats.set_value("civicnews/family", result.family)
        stats.set_value("civicnews/family_detection/confident", result.confident)
        stats.set_value("civicnews/family_detection/evidence", result.summary())
        stats.set_value("civicnews/family_detection/url", url)
        if result.family == GENERIC:
            logger.warning(
                "portal %s: no CMS family recognised in %d pages; reading it as generic (%s)",
                self.portal.key,
                vote.seen,
                result.summary(),
            )
        else:
            logger.info(
                "portal %s: family %s detected on %s after %d page(s): %s",
                self.portal.key,
                result.family,
                url,
                vote.seen,
                result.summary(),
            )
        self.crawler.signals.send_catch_log(
            signal=family_detected, family=result.family, detection=result, spider=self
        )

    async def start(self) -> Any:
        if not self._auto:
            self.crawler.stats.set_value("civicnews/family", self.family)
        for url in self.portal.start_urls:
            yield scrapy.Request(
                url,
                callback=self.parse,
                errback=self.on_failure,
                meta={"civicnews_kind": "listing"},
            )

    def on_failure(self, failure: Any) -> None:
        """Errback: retries and redirects are over; extensions.failures records the page."""
        self.crawler.signals.send_catch_log(signal=page_failed, failure=failure, spider=self)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        if response.status in GONE_STATUSES or response.status == NOT_MODIFIED:
            # Only article requests let 404/410 through (handle_httpstatus_list):
            # the store marks a known article as gone and keeps its archive.
            # 304 only answers the conditional refetches of known articles.
            yield ArticleItem(
                portal=self.portal.key,
                url=canonical_url(response.url, self.family),
                fetched_url=response.url,
                fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
                status=response.status,
                response_headers=_headers(response.headers),
                response_body=response.body,
                request_headers=_headers(response.request.headers) if response.request else {},
            )
            return
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value("civicnews/pages_not_html")
            return
        page = self.parse_page(response.url, response.text)
        family = self.family
        if page.listing is not None:
            self.crawler.stats.inc_value("civicnews/listing_pages")
            for link in page.listing.entries:
                self._listed.add(canonical_url(link.url, family))
                yield from self._follow_article(response, link)
            for pager in page.listing.api_pagers:
                if same_site(pager.url, self.portal.allowed_domains):
                    yield self._api_request(pager, pager.first_page)
            for url in page.listing.next_pages:
                if same_site(url, self.portal.allowed_domains):
                    yield response.follow(
                        url,
                        callback=self.parse,
                        errback=self.on_failure,
                        meta={"civicnews_kind": "listing"},
                    )
        if page.article is None:
            if response.meta.get("civicnews_kind") == "article":
                # An article link that gave no article: the layout may have changed.
                self.crawler.stats.inc_value("civicnews/article_parse_failed")
                logger.warning("no article found on %s (page layout changed?)", response.url)
            return
        article = page.article
        self.crawler.stats.inc_value("civicnews/article_pages")
        related = []
        for link in article.related:
            if same_site(link.url, self.portal.allowed_domains):
                related.append(
                    {
                        "url": canonical_url(link.url, family),
                        "linked_url": link.url,
                        "title": link.text,
                        "date_raw": link.date_raw,
                    }
                )
                yield from self._follow_article(response, link)
        url = canonical_url(response.url, family)
        if article.canonical_url and same_site(article.canonical_url, self.portal.allowed_domains):
            url = canonical_url(article.canonical_url, family)
        yield ArticleItem(
            portal=self.portal.key,
            url=url,
            fetched_url=response.url,
            fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
            title=article.title,
            published_raw=article.published_raw,
            listing_date_raw=response.meta.get("listing_date_raw"),
            date_order=self.portal.date_order,
            author=article.author,
            body_text=article.body_text,
            sapo=article.sapo,
            category=article.category,
            tags=article.tags,
            images=article.images,
            attachments=article.attachments,
            source=article.source,
            related=related,
            extractor=article.extractor,
            posted_by=article.posted_by,
            rules=article.rules,
            status=response.status,
            response_headers=_headers(response.headers),
            response_body=response.body,
            request_headers=_headers(response.request.headers) if response.request else {},
        )

    def _api_request(self, pager: ApiPager, index: int) -> scrapy.Request:
        formdata = {**pager.formdata, pager.page_field: str(index)}
        return scrapy.FormRequest(
            pager.url,
            method=pager.method,
            formdata=formdata,
            callback=self.parse_api,
            errback=self.on_failure,
            meta={"civicnews_kind": "listing", "civicnews_pager": pager, "page_index": index},
        )

    def parse_api(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        """A listing page answered by a paging API: follow its entries, then ask for the next.

        Such APIs print no page count, so paging stops on an answer without entries or whose
        entries were all listed before in this run (a server repeating its last page).
        """
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value("civicnews/pages_not_html")
            return
        family = self.family
        page = self.parse_page(response.url, response.text)
        entries = page.listing.entries if page.listing is not None else []
        urls = {canonical_url(link.url, family) for link in entries}
        self.crawler.stats.inc_value("civicnews/api_pages")
        if not urls or all(url in self._listed for url in urls):
            reason = "empty" if not urls else "all_known"
            self.crawler.stats.inc_value(f"civicnews/api_paging_stopped/{reason}")
            return
        self.crawler.stats.inc_value("civicnews/listing_pages")
        for link in entries:
            self._listed.add(canonical_url(link.url, family))
            yield from self._follow_article(response, link)
        pager: ApiPager = response.meta["civicnews_pager"]
        yield self._api_request(pager, response.meta["page_index"] + 1)

    def _follow_article(self, response: Response, link: Link) -> Iterator[scrapy.Request]:
        if not same_site(link.url, self.portal.allowed_domains):
            self.crawler.stats.inc_value("civicnews/offsite_links_skipped")
            return
        # Request the canonical URL: the same article linked with different
        # redirect parameters is then fetched once.  Skipping URLs already
        # requested here spares the scheduler and dupefilter most of the
        # links (each article lists ~6 related ones, mostly seen before).
        url = canonical_url(link.url, self.family)
        if not self._requested.add(url):
            return
        yield response.follow(
            url,
            callback=self.parse,
            errback=self.on_failure,
            meta={
                "civicnews_kind": "article",
                "listing_date_raw": link.date_raw,
                "handle_httpstatus_list": list(GONE_STATUSES),
            },
        )


def _headers(headers) -> dict[str, list[str]]:
    return {k.decode("latin-1"): [v.decode("latin-1") for v in vs] for k, vs in headers.items()}


def apply_portal_settings(settings, portal: Portal) -> None:
    """Map the registry's politeness fields onto Scrapy settings for this crawler."""
    settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", portal.concurrency, priority="spider")
    settings.set("CONCURRENT_REQUESTS", max(portal.concurrency, 1) * 2, priority="spider")
    settings.set("DOWNLOAD_DELAY", portal.delay, priority="spider")
    if portal.delay == 0:
        # delay = 0 means "no throttling": only concurrency bounds the crawl.
        settings.set("AUTOTHROTTLE_ENABLED", False, priority="spider")
        settings.set("DOWNLOAD_DELAY_JITTER", 0, priority="spider")
    else:
        settings.set("AUTOTHROTTLE_START_DELAY", portal.delay, priority="spider")
