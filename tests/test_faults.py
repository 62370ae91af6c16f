"""Behaviour under faults: the real CLI crawls a misbehaving replica into a real archive.

Three crawls cover every fault of ``civicnews.replica.faults`` (transient failures, encodings
and markup, structure: loops, traps, tracking, off-site links and pages that cannot be had), plus
one control crawl with the encoding fix switched off.  Expectations come from the replica's
ground truth; the components are also tested alone, built without a crawler.
"""

from __future__ import annotations

import json
import sqlite3
import unicodedata
import zlib
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from parsel import Selector
from scrapy import Request, Spider
from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import HtmlResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler

from civicnews.extensions.failurekinds import attempts, classify
from civicnews.htmlfix import repair_html
from civicnews.middlewares.encoding import EncodingMiddleware, true_encoding
from civicnews.middlewares.listingdepth import ListingDepthMiddleware
from civicnews.middlewares.retry import BackoffRetryMiddleware, backoff_delay, retry_after_seconds
from civicnews.middlewares.urlcleanup import without_tracking
from civicnews.replica import ReplicaServer
from civicnews.replica.faults.encodings import encode_cp1258
from tests.conftest import portal_toml, rows, run_cli

ARTICLES = 30
# Transient faults fail 1 or 2 attempts of a page; RETRY_TIMES (3) retries get every page.
TRANSIENT = (
    "503*2@article/3,500*2@article/5,500:0.3,503:0.2,429:0.15,drop:0.2,truncate:0.2,"
    "timeout=30:0.1@article,slow=0.2:0.2"
)
CONTENT = "cp1258:0.25,mislabel:0.3,mislabel-1258:0.3,bom:0.4,nfd:0.3,broken-html:0.4"
# Pages 2, 4, 5, 6 and 8 can never be had; the rest of the site is booby-trapped.
STRUCTURE = (
    "redirect-loop@article/2,redirect-chain@article/4,huge@article/5,500*all@article/6,"
    "503=600@article/8,trap@listing,tracking,offsite"
)
LISTING_DEPTH_LIMIT = 5


def crawl(
    tmp: Path, server: ReplicaServer, *settings: str, family: str = "liferay"
) -> tuple[Any, Path]:
    portals = tmp / "portals.toml"
    portals.write_text(portal_toml("replica", server.start_url, family=family), "utf-8")
    db = tmp / "archive.db"
    sets = [arg for setting in settings for arg in ("--set", setting)]
    result = run_cli(
        "crawl", "replica", "--db", str(db), "--portals-file", str(portals), "--json", *sets
    )
    return result, db


def archived(db: Path) -> dict[str, tuple]:
    return {
        r[0]: r
        for r in rows(db, "SELECT url, title, published_at, author, body_text FROM articles")
    }


def assert_matches_truth(db: Path, server: ReplicaServer, keys: set[int]) -> None:
    stored = archived(db)
    assert set(stored) == {server.truth(k)["url"] for k in keys}
    for key in keys:
        truth = server.truth(key)
        url, title, published_at, author, body = stored[truth["url"]]
        assert title == truth["title"], url
        assert published_at == truth["published_at"], url
        assert author == truth["author"], url
        for snippet in truth["body_snippets"]:
            assert snippet in body, url
        assert "\ufffd" not in body and "\ufeff" not in body


def hit(server: ReplicaServer, name: str) -> set[str]:
    """Pages the fault `name` changed during the crawl."""
    return {page for fault, page in server.renderer.hits if fault == name}


def requests_for(server: ReplicaServer, path: str) -> list:
    return [r for r in server.requests if r.path.split("?")[0] == path and r.method == "GET"]


# -- transient failures ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def transient(tmp_path_factory):
    with ReplicaServer("liferay", articles=ARTICLES, seed=1, faults=TRANSIENT) as server:
        result, db = crawl(
            tmp_path_factory.mktemp("transient"),
            server,
            "DOWNLOAD_TIMEOUT=2",
            "CIVICNEWS_RETRY_BACKOFF_BASE=0.25",
        )
        yield server, result, db


def test_transient_faults_cost_no_article(transient) -> None:
    server, result, db = transient
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads(result.stdout)
    assert summary["portals"][0]["finish_reason"] == "finished"
    assert_matches_truth(db, server, set(range(ARTICLES)))
    assert rows(db, "SELECT count(*) FROM failed_pages") == [(0,)]


def test_every_transient_fault_was_met_and_retried(transient) -> None:
    server, _, _ = transient
    for name in ("500", "503", "429", "drop", "truncate", "timeout", "slow"):
        pages = hit(server, name)
        assert pages, f"no page met {name}: raise its rate"
        if name == "slow":
            continue
        for page in pages:
            if server.renderer.article_key(page, {}) is not None:
                # A failed attempt, then at least one more.
                assert len(requests_for(server, page)) >= 2, page


def test_retry_after_is_honoured(transient) -> None:
    server, _, _ = transient
    path = server.renderer.article_path(3)
    attempts = requests_for(server, path)
    assert [r.status for r in attempts] == [503, 503, 200]
    # Retry-After: 1 on both 503 answers; the backoff alone would wait 0.25 s, then 0.5 s.
    assert attempts[1].time - attempts[0].time >= 0.9
    assert attempts[2].time - attempts[1].time >= 0.9


def test_backoff_doubles(transient) -> None:
    server, _, _ = transient
    attempts = requests_for(server, server.renderer.article_path(5))
    assert [r.status for r in attempts] == [500, 500, 200]
    assert attempts[1].time - attempts[0].time >= 0.25 * 0.9
    assert attempts[2].time - attempts[1].time >= 0.5 * 0.9


# -- encodings and markup -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def content(tmp_path_factory):
    with ReplicaServer("liferay", articles=ARTICLES, seed=1, faults=CONTENT) as server:
        result, db = crawl(tmp_path_factory.mktemp("content"), server)
        yield server, result, db


def test_pages_in_any_encoding_and_broken_markup_are_read_right(content) -> None:
    server, result, db = content
    assert result.returncode == 0, result.stderr[-3000:]
    for name in ("cp1258", "mislabel", "mislabel-1258", "bom", "nfd", "broken-html"):
        assert any(server.renderer.article_key(page, {}) is not None for page in hit(server, name))
    assert_matches_truth(db, server, set(range(ARTICLES)))
    assert rows(db, "SELECT count(*) FROM failed_pages") == [(0,)]


def test_raw_captures_keep_the_bytes_as_sent(content) -> None:
    server, _, db = content
    bom_pages = [p for p in hit(server, "bom") if server.renderer.article_key(p, {}) is not None]
    url = server.url + bom_pages[0]
    ((data,),) = rows(
        db,
        "SELECT r.data FROM captures c JOIN raw_bodies r ON r.digest = c.body_digest "
        "WHERE c.article_url = ?",
        (url,),
    )
    assert zlib.decompress(data).startswith(b"\xef\xbb\xbf<!DOCTYPE html>")


@pytest.fixture(scope="module")
def content_unfixed(tmp_path_factory):
    spec = "mislabel@article/3,mislabel-1258@article/4"
    with ReplicaServer("liferay", articles=ARTICLES, seed=1, faults=spec) as server:
        result, db = crawl(
            tmp_path_factory.mktemp("unfixed"), server, "CIVICNEWS_ENCODING_FIX=false"
        )
        yield server, result, db


def test_control_without_the_encoding_fix_the_text_is_garbled(content_unfixed) -> None:
    """The faults bite: without EncodingMiddleware, Scrapy believes the headers."""
    server, _, db = content_unfixed
    stored = archived(db)
    for key in (3, 4):
        truth = server.truth(key)
        title = stored[truth["url"]][1] if truth["url"] in stored else None
        assert title != truth["title"]
    assert stored[server.truth(5)["url"]][1] == server.truth(5)["title"]


# -- loops, traps, tracking, off-site links, pages that cannot be had -----------------------------


@pytest.fixture(scope="module")
def structure(tmp_path_factory):
    with ReplicaServer("liferay", articles=ARTICLES, seed=1, faults=STRUCTURE) as server:
        result, db = crawl(
            tmp_path_factory.mktemp("structure"),
            server,
            f"CIVICNEWS_LISTING_DEPTH_LIMIT={LISTING_DEPTH_LIMIT}",
            "CIVICNEWS_RETRY_BACKOFF_BASE=0.1",
        )
        yield server, result, db


FAILED = {2: "redirect-loop", 4: "too-many-redirects", 5: "too-large", 6: "http", 8: "http"}


def reachable(server: ReplicaServer, failed: set[int]) -> set[int]:
    """Articles a crawler can get: listed ones, then related links of those it got."""
    truth = {a["key"]: a for a in server.ground_truth()}
    todo = [k for k, a in truth.items() if a["listed"] and k not in failed]
    got: set[int] = set()
    while todo:
        key = todo.pop()
        if key in got:
            continue
        got.add(key)
        todo.extend(k for k in truth[key]["related"] if k not in failed)
    return got


def test_everything_fetchable_is_archived_and_the_crawl_finishes(structure) -> None:
    server, result, db = structure
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout)["portals"][0]["finish_reason"] == "finished"
    expected = reachable(server, set(FAILED))
    assert len(expected) >= ARTICLES - len(FAILED) - 2
    assert_matches_truth(db, server, expected)
    # Never loops: about one request per page, retries and redirects included.
    assert len(server.requests) < 2 * ARTICLES + 30


def test_each_page_that_failed_is_recorded(structure) -> None:
    server, _, db = structure
    recorded = {
        url: (kind, page, status, attempts, error, referer, run)
        for url, kind, page, status, attempts, error, referer, run in rows(
            db,
            "SELECT url, kind, page, status, attempts, error, referer, run_started_at "
            "FROM failed_pages WHERE portal = 'replica'",
        )
    }
    assert set(recorded) == {server.truth(k)["url"] for k in FAILED}
    by_key = {k: recorded[server.truth(k)["url"]] for k in FAILED}
    assert {k: v[0] for k, v in by_key.items()} == FAILED
    assert all(v[1] == "article" and v[5].startswith(server.url) for v in by_key.values())
    assert by_key[2][3] == 3 and "redirect loop" in by_key[2][4]  # A -> A?_loop=1 -> A
    assert by_key[4][3] == 6  # REDIRECT_MAX_TIMES (5) redirects, then given up
    assert by_key[5][3] == 1 and "max size" in by_key[5][4]  # over DOWNLOAD_MAXSIZE
    assert (by_key[6][2], by_key[6][3]) == (500, 4)  # RETRY_TIMES (3) retries
    assert (by_key[8][2], by_key[8][3]) == (503, 1)  # Retry-After 600 s: not worth waiting
    assert len({v[6] for v in by_key.values()}) == 1  # one run
    datetime.fromisoformat(by_key[2][6])
    # The server saw exactly that: a loop of 2 URLs, a chain of 6, one huge answer.
    loop = [r.path for r in server.requests if r.path.startswith(server.renderer.article_path(2))]
    assert len(loop) == 2
    chain = [r.path for r in server.requests if r.path.startswith(server.renderer.article_path(4))]
    assert len(chain) == 6


def test_the_trap_is_followed_only_to_the_listing_depth_limit(structure) -> None:
    server, _, _ = structure
    days = {r.path for r in server.requests if "ngay=" in r.path}
    assert len(days) == LISTING_DEPTH_LIMIT
    assert hit(server, "trap")


def test_tracking_parameters_and_session_ids_are_dropped(structure) -> None:
    server, _, db = structure
    assert hit(server, "tracking")
    paths = [r.path for r in server.requests]
    assert not [p for p in paths if "jsessionid" in p.lower() or "utm_" in p or "fbclid" in p]
    # Every page fetched once (the failing ones aside), however many session ids linked it.
    counts = Counter(p for p in paths if p != "/robots.txt")
    failing = tuple(server.renderer.article_path(k) for k in FAILED)
    assert {p: n for p, n in counts.items() if n > 1 and not p.startswith(failing)} == {}
    assert all("jsessionid" not in url and "utm_" not in url for url in archived(db))


def test_offsite_links_are_never_followed(structure) -> None:
    server, _, _ = structure
    assert hit(server, "offsite")
    hosts = {r.headers.get("host", "") for r in server.requests}
    assert hosts == {f"127.0.0.1:{server.port}"}


@pytest.mark.parametrize(
    "family,trap_days",
    # The new platform pages its listings through a form-posting API only: its parser
    # never takes a "Sau" link, so the trap's calendar is not followed at all.
    [
        ("aspnet-table", LISTING_DEPTH_LIMIT),
        ("sharepoint", LISTING_DEPTH_LIMIT),
        ("hanoi-platform", 0),
    ],
)
def test_every_family_survives_traps_tracking_and_offsite_links(
    tmp_path, family, trap_days
) -> None:
    # The structure faults above, on the other families' markup and pagination.
    faults = "trap@listing,tracking,offsite"
    with ReplicaServer(family, articles=ARTICLES, seed=2, faults=faults) as server:
        depth = f"CIVICNEWS_LISTING_DEPTH_LIMIT={LISTING_DEPTH_LIMIT}"
        result, db = crawl(tmp_path, server, depth, family=family)
        assert result.returncode == 0, result.stderr[-3000:]
        assert json.loads(result.stdout)["portals"][0]["finish_reason"] == "finished"
        assert_matches_truth(db, server, reachable(server, set()))
        assert {"trap", "tracking", "offsite"} <= {fault for fault, _ in server.renderer.hits}
        days = {r.path for r in server.requests if "ngay=" in r.path}
        assert len(days) == trap_days
        paths = [r.path for r in server.requests]
        assert not [p for p in paths if "jsessionid" in p.lower() or "utm_" in p]
        assert {r.headers.get("host", "") for r in server.requests} == {f"127.0.0.1:{server.port}"}


# -- components alone -----------------------------------------------------------------------------


def test_retry_after_values() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds(b"7") == 7.0
    assert retry_after_seconds("Thu, 01 Jan 2026 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Thu, 01 Jan 2026 11:00:00 GMT", now) == 0.0
    assert retry_after_seconds(b"soon") is None
    assert retry_after_seconds(None) is None
    assert [backoff_delay(n, 1.0, 30.0) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]
    assert backoff_delay(3, 0, 30) == 0


def test_retry_middleware_delays_retries_and_gives_up_on_long_retry_after() -> None:
    crawler = get_crawler(Spider, {"RETRY_TIMES": 2})
    crawler.spider = Spider.from_crawler(crawler, name="s")
    mw = BackoffRetryMiddleware(crawler.settings, 0.5, backoff_max=30, retry_after_max=60)
    mw.crawler = crawler
    request = Request("http://127.0.0.1/a")
    busy = HtmlResponse(request.url, status=503, headers={"Retry-After": "3"}, request=request)
    retry = mw.process_response(request, busy)
    assert isinstance(retry, Request) and retry.meta["civicnews_retry_delay"] == 3
    again = mw.process_response(retry, HtmlResponse(request.url, status=500, request=retry))
    assert again.meta["civicnews_retry_delay"] == 1.0  # second retry: 2 x 0.5
    assert mw.process_response(again, HtmlResponse(request.url, status=500)).status == 500
    late = HtmlResponse(request.url, status=429, headers={"Retry-After": "3600"}, request=request)
    assert mw.process_response(request, late) is late
    assert crawler.stats.get_value("civicnews/retry/retry_after_too_long") == 1


PAGE = "<html><head><meta charset='utf-8'></head><body><p>Phường Đông Ngạc</p></body></html>"


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (PAGE.encode("utf-8"), "text/html; charset=windows-1258", "utf-8"),  # mislabelled
        (PAGE.encode("utf-8"), "text/html; charset=iso-8859-1", "utf-8"),  # server default
        (b"\xef\xbb\xbf" + PAGE.encode("utf-8"), "text/html; charset=windows-1258", "utf-8"),
        (encode_cp1258(PAGE), "text/html; charset=utf-8", "cp1258"),  # the other way round
        (encode_cp1258(PAGE), "text/html", "cp1258"),  # nothing credible declared
        (encode_cp1258(PAGE), "text/html; charset=windows-1258", None),  # correct
        (PAGE.encode("utf-8"), "text/html; charset=utf-8", None),  # correct
    ],
)
def test_encoding_middleware(body: bytes, content_type: str, expected: str | None) -> None:
    request = Request("http://127.0.0.1/")
    headers = {"Content-Type": content_type}
    response = HtmlResponse(request.url, body=body, headers=headers, request=request)
    fixed = EncodingMiddleware().process_response(request, response)
    if expected is None:
        assert fixed is response
    else:
        assert fixed.encoding.replace("-", "").lower() == expected.replace("-", "").lower()
    assert fixed.body == body  # the archive keeps the bytes as sent
    assert unicodedata.normalize("NFC", fixed.css("p::text").get()) == "Phường Đông Ngạc"


def test_true_encoding_prefers_a_credible_meta_over_a_server_default() -> None:
    body = encode_cp1258(PAGE.replace("utf-8", "windows-1258"))
    assert true_encoding(body, "iso-8859-1", "windows-1258") == "windows-1258"
    assert true_encoding(b"<p>ascii</p>", "windows-1258", None) is None


def test_urls_lose_tracking_parameters_and_sessions_only() -> None:
    listing = "http://h/tin?p_p_id=101&_101_cur=2"
    assert without_tracking(listing) == listing
    assert (
        without_tracking("http://h/tin;jsessionid=ABC?_101_cur=2&utm_source=zalo&fbclid=x")
        == "http://h/tin?_101_cur=2"
    )


def test_failures_are_classified() -> None:
    request = Request("http://h/a", meta={"retry_times": 3})
    response = HtmlResponse("http://h/a", status=503, request=request)
    assert classify(HttpError(response)) == ("http", 503, "503 Service Unavailable")
    assert classify(DownloadTimeoutError("took longer"))[0] == "timeout"
    assert classify(ResponseDataLossError())[0] == "truncated"
    assert classify(DownloadCancelledError("larger than download max size (8)"))[0] == "too-large"
    assert classify(IgnoreRequest("max redirections reached"))[0] == "too-many-redirects"
    assert classify(IgnoreRequest("Forbidden by robots.txt"))[0] == "robots"
    assert attempts(request) == 4
    assert attempts(Request("http://h/b", meta={"redirect_urls": ["http://h/x"] * 5})) == 6


def test_listing_depth_middleware() -> None:
    mw = ListingDepthMiddleware(limit=2)
    start = Request("http://h/l", meta={"civicnews_kind": "listing"})
    assert mw.get_processed_request(start, None).meta["civicnews_listing_depth"] == 0
    response = HtmlResponse("http://h/l", request=start)
    for depth in (1, 2):
        nxt = Request(f"http://h/l?d={depth}", meta={"civicnews_kind": "listing"})
        nxt = mw.get_processed_request(nxt, response)
        assert nxt.meta["civicnews_listing_depth"] == depth
        response = HtmlResponse(nxt.url, request=nxt)
    too_deep = Request("http://h/l?d=3", meta={"civicnews_kind": "listing"})
    assert mw.get_processed_request(too_deep, response) is None
    story = Request("http://h/a", meta={"civicnews_kind": "article"})
    assert mw.get_processed_request(story, response) is story  # articles are never cut


def test_repair_html_lets_lxml_read_past_a_stray_end_of_document() -> None:
    page = "<html><body></body></html><div id=main><p>Nội dung</p></div></body></html>"
    assert Selector(text=page).css("#main p::text").get() is None
    assert Selector(text=repair_html(page)).css("#main p::text").get() == "Nội dung"


def test_failed_pages_table_survives_a_reopen(tmp_path: Path) -> None:
    from civicnews.archive import connect

    db = connect(tmp_path / "a.db")
    columns = [c.name for c in db["failed_pages"].columns]
    assert columns[:4] == ["id", "portal", "url", "kind"]
    db.conn.close()
    conn = sqlite3.connect(tmp_path / "a.db")
    assert conn.execute("SELECT count(*) FROM failed_pages").fetchone() == (0,)
    conn.close()
