"""Listings walked one page at a time, newest first, stopping where the archive picks up.

Used by :class:`civicnews.middlewares.incremental.IncrementalMiddleware` when listings may
stop early.  Each start URL and the listing pages reached from it form a chain; the
chain's pages are requested one at a time, in natural URL order (page 2 before page 10),
and a chain stops after ``stop_after`` consecutive entries already archived, or at the
first entry dated before the ``since`` day.  A listing page that fails does not end the
walk: the next one is requested after the page's own errback ran.

A distributed worker's walk (:mod:`civicnews.distributed.incremental`) subclasses
:class:`Chain` and :class:`ListingWalk`: its chains travel in the next page's request, and
:meth:`ListingWalk.walked` and :meth:`ListingWalk.chain` are the two places it changes.

Meta keys set: ``civicnews_chain`` (which listing a page belongs to),
``civicnews_walked``, ``civicnews_walk_continued``.  Stats:
``civicnews/listing_entries``, ``civicnews/incremental/listing_stopped/<why>``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import scrapy
from scrapy.http import Response

from civicnews.middlewares.archived import KnownArticles, count
from civicnews.seen import SeenSet, url_set
from civicnews.urls import canonical_url

_NUMBER = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple:
    """Sort key comparing digit runs as numbers: page 2 before page 10."""
    return tuple(int(p) if p.isdigit() else p for p in _NUMBER.split(text))


def listing_key(request: scrapy.Request) -> tuple:
    body = request.body.decode("latin-1") if request.body else ""
    return natural_key(request.url + "\x00" + body)


def request_key(request: scrapy.Request) -> str:
    """What makes two listing page requests the same page (POST pagers differ by body)."""
    return f"{request.method} {request.url} {request.body!r}"


@dataclass
class Chain:
    """One listing (a start URL and the pages reached from it), walked page by page."""

    queue: list[scrapy.Request] = field(default_factory=list)
    seen: SeenSet = field(default_factory=url_set)  # request_key of pages met, 8 bytes each
    known_run: int = 0  # archived entries in a row, up to the last page read
    stopped: str | None = None  # why the walk stopped: "known", "since"

    def push(self, request: scrapy.Request) -> None:
        if self.seen.add(request_key(request)):
            self.queue.append(request)

    def pop(self) -> scrapy.Request | None:
        if not self.queue:
            return None
        nxt = min(self.queue, key=listing_key)
        self.queue.remove(nxt)
        return nxt


class ListingWalk:
    """The chains of one run: what a listing page's output becomes, what comes after it.

    ``articles`` answers whether an entry is archived and what an article request becomes;
    ``stop_after``: archived entries in a row that stop a listing (0: never).
    """

    def __init__(self, articles: KnownArticles, *, stop_after: int, stats: Any = None) -> None:
        self.articles = articles
        self.stop_after = stop_after
        self.stats = stats
        self.chains: dict[str, Chain] = {}  # civicnews_chain (the start URL) -> its chain
        self._entries = url_set()  # listing entries met this run, 8 bytes each

    def chain(self, response: Response) -> Chain:
        """The chain a listing page belongs to (the page counts as met in it)."""
        key = response.meta.get("civicnews_chain") or response.url
        chain = self.chains.get(key)
        if chain is None:
            chain = self.chains[key] = Chain()
        if response.request is not None:
            chain.seen.add(request_key(response.request))
        return chain

    def output(self, response: Response, chain: Chain, out: Any) -> Iterator[Any]:
        """One object a listing page's callback yielded."""
        if not isinstance(out, scrapy.Request) or out.meta.get("civicnews_walked"):
            yield out
            return
        kind = out.meta.get("civicnews_kind")
        if kind == "listing":
            out.meta["civicnews_chain"] = response.meta.get("civicnews_chain") or response.url
            chain.push(out)
            return
        if kind != "article":
            yield out
            return
        if self.stats is not None:
            self.stats.inc_value("civicnews/listing_entries")
        if self.articles.older_than_since(out):
            chain.stopped = chain.stopped or "since"
            return
        # An entry seen earlier in this run (a page listed twice) counts neither way.
        key = canonical_url(out.url, self.articles.snapshot.family)
        if self._entries.add(key):
            chain.known_run = chain.known_run + 1 if self.articles.is_archived(key) else 0
        yield from self.articles.article(out)

    def after(self, response: Response) -> Iterator[scrapy.Request]:
        """The listing page is read: request the chain's next page, unless it stops here."""
        if response.meta.get("civicnews_walk_continued"):
            return  # an error page: the errback already asked for the next one
        chain = self.chain(response)
        if self.stop_after and chain.known_run >= self.stop_after:
            chain.stopped = chain.stopped or "known"
        if chain.stopped:
            if chain.queue:
                count(self.stats, f"listing_stopped/{chain.stopped}")
                chain.queue.clear()
            return
        nxt = chain.pop()
        if nxt is not None:
            yield self.walked(nxt)

    def walked(self, request: scrapy.Request) -> scrapy.Request:
        """``request`` (a chain's next page) as it is sent."""
        request.meta["civicnews_walked"] = True
        # A listing page that fails must not end the walk: go on with the next one
        # (after the request's own errback, which records the failure).
        errback = partial(self._listing_failed, request.errback)
        return request.replace(errback=errback)

    def _listing_failed(self, errback: Any, failure: Any) -> list[Any]:
        out = list(errback(failure) or []) if errback is not None else []
        return out + self.continue_after(failure)

    def continue_after(self, failure: Any) -> list[scrapy.Request]:
        """A walked listing page finally failed: its chain's next page, if the walk goes on."""
        request = getattr(failure, "request", None)
        chain = self.chains.get(request.meta.get("civicnews_chain")) if request else None
        if chain is None or chain.stopped:
            return []
        request.meta["civicnews_walk_continued"] = True
        nxt = chain.pop()
        return [self.walked(nxt)] if nxt is not None else []
