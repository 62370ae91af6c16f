"""The replica portal: a real HTTP server on 127.0.0.1, fetched with urllib/http.client."""

from __future__ import annotations

import http.client
import random
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from urllib.parse import urljoin, urlsplit

import pytest
from click.testing import CliRunner
from parsel import Selector

from civicnews.commands.replica import replica
from civicnews.replica import PortInUseError, ReplicaError, ReplicaServer
from civicnews.replica.content import Corpus
from civicnews.replica.corpus_text import RELATED_TITLE, SEED_CAPTION
from civicnews.replica.liferay_site import LISTING_PATH, NAMESPACE
from civicnews.replica.titles import slugify

SEED_TITLE = (
    "Quận Bắc Từ Liêm sơ kết 05 năm về đẩy mạnh phong trào bảo vệ an ninh Tổ quốc trong tình hình"
    " mới."
)


@pytest.fixture(scope="module")
def server() -> Iterator[ReplicaServer]:
    with ReplicaServer("liferay", articles=50, seed=1) as running:
        yield running


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def page(url: str) -> Selector:
    status, body = fetch(url)
    assert status == 200, url
    return Selector(text=body.decode("utf-8"))


def clean(text: str) -> str:
    """What a careful extractor does: drop U+200B, fold no-break spaces, collapse whitespace."""
    return " ".join(text.replace("\u200b", "").replace("\xa0", " ").split())


def strip_query(url: str) -> str:
    return url.split("?", 1)[0]


def listing_pages(server: ReplicaServer) -> list[Selector]:
    """Follow "Tiếp" from the start URL until it is disabled."""
    pages, url = [], server.start_url
    while True:
        sel = page(url)
        pages.append(sel)
        nxt = sel.xpath('//ul[contains(@class,"pager")]/li/a[normalize-space()="Tiếp"]/@href').get()
        if nxt is None or nxt.startswith("javascript:"):
            return pages
        url = urljoin(server.url, nxt)
        assert len(pages) < 100


def listing_links(server: ReplicaServer) -> list[str]:
    return [
        urljoin(server.url, href)
        for sel in listing_pages(server)
        for href in sel.css("div.asset-abstract h3.asset-title a::attr(href)").getall()
    ]


# --- determinism --------------------------------------------------------------------------------


def test_same_seed_same_bytes_other_seed_other_content(server: ReplicaServer) -> None:
    paths = [
        LISTING_PATH,
        f"{LISTING_PATH}?p_p_id=101_INSTANCE_aB3xK9LmQw2Z&p_p_lifecycle=0"
        f"&{NAMESPACE}cur=2&{NAMESPACE}delta=10",
        urlsplit(server.truth(7)["url"]).path,
        urlsplit(server.truth(30)["url"]).path + "?redirect=%2Ftin-tuc-su-kien",
    ]
    with ReplicaServer(articles=50, seed=1) as twin, ReplicaServer(articles=50, seed=2) as other:
        assert twin.port != server.port
        for path in paths:
            assert fetch(server.url + path) == fetch(twin.url + path), path
        strip = [{k: v for k, v in row.items() if k != "url"} for row in server.ground_truth()]
        assert strip == [{k: v for k, v in r.items() if k != "url"} for r in twin.ground_truth()]
        titles = {row["title"] for row in server.ground_truth()}
        other_titles = {row["title"] for row in other.ground_truth()}
        # The seed article and its related neighbour are fixed; everything else changes.
        assert titles & other_titles == {SEED_TITLE, RELATED_TITLE}
        assert fetch(server.start_url)[1] != fetch(other.start_url)[1]


# --- listing ------------------------------------------------------------------------------------


def test_listing_pagination_and_links(server: ReplicaServer) -> None:
    truth = server.ground_truth()
    pages = listing_pages(server)
    assert len(pages) == 2  # ceil(40% of 50) = 20 listed articles, 10 per page
    first = pages[0]
    assert first.css("div.taglib-page-iterator small.search-results::text").get() == (
        "Hiển thị 1 - 10 của 20 kết quả."
    )
    labels = [clean(t) for t in first.css("ul.pager li a::text").getall()]
    assert labels == ["← Đầu", "Trước", "1", "2", "Tiếp", "Cuối →"]
    last = first.xpath('//ul[contains(@class,"pager")]/li[@class="last"]/a/@href').get()
    assert f"{NAMESPACE}cur=2&{NAMESPACE}delta=10" in last

    links = listing_links(server)
    assert all("?redirect=%2Ftin-tuc-su-kien" in link for link in links)
    listed = [row["url"] for row in truth if row["listed"]]
    assert [strip_query(link) for link in links] == listed  # newest first, no duplicates
    assert len(listed) == 20

    entries = first.css("div.asset-abstract")
    assert len(entries) == 10
    for entry, row in zip(entries, truth, strict=False):
        assert clean(entry.css("h3.asset-title a").xpath("string()").get()) == row["title"]
        day = datetime.fromisoformat(row["published_at"]).strftime("%d/%m/%Y")
        printed = entry.css("span.metadata-publish-date::text").get()
        assert printed == (row["published_raw"] or day)
        assert entry.css("div.asset-summary::text").get() == row["body_snippets"][0]

    status, body = fetch(
        f"{server.url}{LISTING_PATH}?p_p_id=101_INSTANCE_aB3xK9LmQw2Z&p_p_lifecycle=0"
        f"&{NAMESPACE}cur=3&{NAMESPACE}delta=10"
    )
    assert status == 200 and b"asset-abstract" not in body  # past the end: empty listing


def test_listing_capped_at_50_pages() -> None:
    with ReplicaServer(articles=2000, seed=3) as big:
        first = page(big.start_url)
        last = first.xpath('//ul[contains(@class,"pager")]/li[contains(@class,"last")]/a/@href')
        assert f"{NAMESPACE}cur=50&" in last.get()
        page50 = page(urljoin(big.url, last.get()))
        assert len(page50.css("div.asset-abstract")) == 10
        assert sum(row["listed"] for row in big.ground_truth(range(490, 510))) == 10


# --- the seed article ---------------------------------------------------------------------------


def test_seed_article_page(server: ReplicaServer) -> None:
    row = server.truth(7)
    sel = page(row["url"])
    full = sel.css("div.asset-full-content")
    assert clean(full.css("div.taglib-header h3.header-title").xpath("string()").get()) == (
        SEED_TITLE
    )
    assert full.css("div.asset-metadata span.metadata-publish-date::text").get() == (
        "01/12/2018 - 09:07 AM"
    )
    content = full.css("div.asset-content")
    assert content.attrib["id"].startswith(NAMESPACE)
    body = content.css("div.journal-content-article")
    text = clean(body.xpath("string()").get())
    assert "163/181 tổ dân phố không phát sinh tội phamh" in text
    assert "Nguyễn Kim Vịnh" in text and "Nguyễn Kim Vinh" in text  # as published
    seed_file = Corpus(50, 1)
    for block in seed_file.article(7).blocks:
        for sentence in getattr(block, "sentences", ()):
            assert sentence in text
    # The caption sits under the photo, in its own centred paragraph.
    caption = body.xpath("//p[img]/following-sibling::p[1]").xpath("string()").get()
    assert clean(caption) == SEED_CAPTION
    last = body.xpath("./p[last()]")
    assert last.attrib["style"] == "text-align: right;"
    assert last.css("strong::text").get() == "Minh Vịnh"
    assert "Lượt xem: 396" in sel.get() and "printDoc.write(" in sel.get()

    other = sel.css("div.other-news")
    assert other.css("div.title::text").get() == "Các tin tức khác"
    first = other.css("ul li a")[0]
    assert first.xpath("string()").get() == RELATED_TITLE
    assert strip_query(urljoin(server.url, first.attrib["href"])) == server.truth(8)["url"]

    assert row == {
        "key": 7,
        "url": row["url"],
        "title": SEED_TITLE,
        "published_at": "2018-12-01T09:07:00+07:00",
        "published_raw": "01/12/2018 - 09:07 AM",
        "date_source": "page",
        "author": "Minh Vịnh",
        "source": None,
        "body_snippets": row["body_snippets"],
        "listed": True,
        "related": row["related"],
    }
    assert row["url"].endswith(
        "/content/quan-bac-tu-liem-so-ket-05-nam-ve-day-manh-phong-trao-bao-ve-an-ninh-to-quoc"
        "-trong-tinh-hinh-moi"
    )
    assert row["related"][:3] == [8, 9, 10]
    assert any("tội phamh" in snippet for snippet in row["body_snippets"])


def test_same_article_under_several_urls(server: ReplicaServer) -> None:
    url = server.truth(12)["url"]
    variants = [
        url,
        url + "?redirect=%2Ftin-tuc-su-kien",
        url + "?inheritRedirect=true&redirect=%2Ftin-tuc-su-kien%2F-%2Fasset_publisher",
        url + "?utm_source=facebook&x=1",
    ]
    articles = {page(v).css("div.asset-full-content div.asset-content").get() for v in variants}
    assert len(articles) == 1


# --- graph --------------------------------------------------------------------------------------


def test_unlisted_articles_only_reachable_through_related(server: ReplicaServer) -> None:
    truth = server.ground_truth()
    by_url = {row["url"]: row for row in truth}
    on_listings = {strip_query(link) for link in listing_links(server)}
    assert on_listings == {row["url"] for row in truth if row["listed"]}

    seen, queue, related_of = set(on_listings), list(on_listings), {}
    while queue:
        url = queue.pop()
        sel = page(url)
        hrefs = sel.css("div.other-news ul li a::attr(href)").getall()
        related_of[url] = [strip_query(urljoin(server.url, href)) for href in hrefs]
        for target in related_of[url]:
            assert target in by_url
            if target not in seen:
                seen.add(target)
                queue.append(target)
    assert seen == set(by_url)  # every article, listed or not
    for url, targets in related_of.items():
        assert targets == [truth[key]["url"] for key in by_url[url]["related"]]
    # Related links come in several shapes: inheritRedirect, redirect, plain.
    shapes = {
        "inherit" if "inheritRedirect=true" in h else "redirect" if "redirect=" in h else "plain"
        for h in page(truth[0]["url"]).css("div.other-news a::attr(href)").getall()
    }
    assert shapes == {"inherit", "redirect", "plain"}


# --- ground truth vs pages ----------------------------------------------------------------------


def test_ground_truth_matches_pages(server: ReplicaServer) -> None:
    truth = server.ground_truth()
    assert [row["key"] for row in truth] == list(range(50))
    assert len({row["title"] for row in truth}) == 50
    stamps = [
        datetime.fromisoformat(row["published_at"])
        for row in truth
        if len(row["published_at"]) > 10
    ]
    assert all(a > b for a, b in zip(stamps, stamps[1:], strict=False))
    assert all(s.utcoffset().total_seconds() == 7 * 3600 for s in stamps)
    raws = [row["published_raw"] for row in truth if row["published_raw"]]
    assert any(" 12:" in r and r.endswith("PM") for r in raws)
    assert any(" 12:" in r and r.endswith("AM") for r in raws)
    assert any(" 0" in r and r.endswith("PM") for r in raws)

    no_date = [row for row in truth if row["date_source"] == "listing"]
    assert [row["key"] for row in no_date] == [4, 13]
    for row in no_date:
        assert row["listed"] and row["published_raw"] is None
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["published_at"])

    kinds = {"table": 0, "figure": 0, "no_author": 0, "source": 0, "date_in_body": 0}
    for row in truth:
        sel = page(row["url"])
        full = sel.css("div.asset-full-content")
        body = full.css("div.journal-content-article")
        text = clean(body.xpath("string()").get())
        for snippet in row["body_snippets"]:
            assert snippet in text, (row["key"], snippet)
        assert clean(full.css("h3.header-title").xpath("string()").get()) == row["title"]
        meta_date = full.css("div.asset-metadata span.metadata-publish-date::text").get()
        first_p = clean(body.xpath("./p[1]").xpath("string()").get())
        if row["published_raw"] is None:
            assert meta_date is None and not re.match(r"\d\d/\d\d/\d{4}", first_p)
        elif meta_date is None:
            assert first_p == row["published_raw"]
            kinds["date_in_body"] += 1
        else:
            assert meta_date == row["published_raw"]
        if row["published_raw"]:
            parsed = datetime.strptime(row["published_raw"], "%d/%m/%Y - %I:%M %p")
            assert parsed.isoformat() + "+07:00" == row["published_at"]
        right_bold = body.xpath(
            './p[contains(translate(@style, " ", ""), "text-align:right")][.//strong or .//b]'
        )
        if row["author"] is None:
            assert not right_bold
            kinds["no_author"] += 1
        else:
            assert clean(right_bold[-1].css("strong, b").xpath("string()").get()) == row["author"]
        kinds["table"] += bool(body.css("table.MsoTableGrid"))
        kinds["figure"] += bool(body.css("img"))
        kinds["source"] += row["source"] is not None and f"(Nguồn: {row['source']})" in text
    assert all(count > 0 for count in kinds.values()), kinds


def test_titles_unique_and_slugs_parse_back_at_100k() -> None:
    corpus = Corpus(100_000, seed=5)
    titles = [corpus.title(key) for key in range(corpus.count)]
    assert len(set(titles)) == len(titles)
    for key in random.Random(0).sample(range(corpus.count), 2000):
        assert corpus.key_for_slug(slugify(titles[key])) == key
    assert corpus.key_for_slug("phuong-xuan-dinh-trao-99999-suat-qua") is None
    assert datetime.fromisoformat(corpus.truth(99_999)["published_at"]).year >= 2008


def test_large_portal_starts_fast_and_serves_last_article() -> None:
    started = time.monotonic()
    with ReplicaServer(articles=100_000, seed=1) as big:
        assert time.monotonic() - started < 1.0
        row = big.truth(99_999)
        assert not row["listed"]
        sel = page(row["url"])
        assert clean(sel.css("h3.header-title").xpath("string()").get()) == row["title"]
        assert fetch(big.url + LISTING_PATH)[0] == 200


# --- HTTP behaviour -----------------------------------------------------------------------------


def test_request_log(server: ReplicaServer) -> None:
    server.clear_requests()
    assert server.requests == []
    urls = [server.start_url, server.truth(1)["url"] + "?redirect=%2Fx", server.url + "/nope"]
    for url in urls:
        fetch(url, headers={"User-Agent": "civicnews-test/1.0", "Referer": server.start_url})
    records = server.requests
    assert [r.path for r in records] == [url.removeprefix(server.url) for url in urls]
    assert [r.status for r in records] == [200, 200, 404]
    assert all(r.method == "GET" for r in records)
    assert records[0].headers["user-agent"] == "civicnews-test/1.0"
    assert records[0].headers["referer"] == server.start_url
    assert records[0].time <= records[1].time <= records[2].time
    server.clear_requests()
    assert server.requests == []


def test_concurrent_crawl_is_not_dropped() -> None:
    with ReplicaServer(articles=300, seed=4) as busy:
        urls = [row["url"] for row in busy.ground_truth()]
        with ThreadPoolExecutor(max_workers=48) as pool:
            statuses = list(pool.map(lambda url: fetch(url)[0], urls))
        assert statuses == [200] * 300
        assert len(busy.requests) == 300
    quiet = ReplicaServer(articles=10, log_requests=False).start()
    try:
        fetch(quiet.start_url)
        assert quiet.requests == []
    finally:
        quiet.stop()


def test_head_keepalive_robots_and_404(server: ReplicaServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", LISTING_PATH)
    get = conn.getresponse()
    body = get.read()
    assert get.getheader("Content-Type") == "text/html; charset=utf-8"
    assert int(get.getheader("Content-Length")) == len(body)
    conn.request("HEAD", LISTING_PATH)  # same connection: keep-alive works
    head = conn.getresponse()
    assert head.read() == b"" and int(head.getheader("Content-Length")) == len(body)
    conn.request("GET", "/robots.txt")
    robots = conn.getresponse()
    assert robots.read() == b"User-agent: *\nDisallow:\n"
    conn.request("GET", LISTING_PATH + "/-/asset_publisher/aB3xK9LmQw2Z/content/khong-co-bai-nay")
    missing = conn.getresponse()
    assert missing.status == 404 and b"asset-full-content" not in missing.read()
    conn.close()
    assert fetch(server.url + "/no/such/page")[0] == 404


def test_stop_cuts_keepalive_connections() -> None:
    replica_server = ReplicaServer(articles=10).start()
    conn = http.client.HTTPConnection("127.0.0.1", replica_server.port, timeout=5)
    conn.request("GET", "/")
    conn.getresponse().read()
    replica_server.stop()
    with pytest.raises((OSError, http.client.HTTPException)):
        conn.request("GET", "/")
        conn.getresponse()
    conn.close()


@pytest.fixture
def busy_port() -> Iterator[int]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    yield sock.getsockname()[1]
    sock.close()


def test_port_in_use_raises_clear_error(busy_port: int) -> None:
    with pytest.raises(PortInUseError) as info:
        ReplicaServer(port=busy_port).start()
    assert isinstance(info.value, OSError) and isinstance(info.value, ReplicaError)
    assert str(info.value) == f"port {busy_port} on 127.0.0.1 is already in use"


def test_unknown_family_and_size_are_rejected() -> None:
    with pytest.raises(ReplicaError, match="unknown portal family 'joomla'"):
        ReplicaServer(family="joomla")
    with pytest.raises(ValueError, match="10..100000"):
        ReplicaServer(articles=9)


# --- CLI ----------------------------------------------------------------------------------------


def test_cli_port_in_use_is_one_line_error(busy_port: int) -> None:
    result = CliRunner().invoke(replica, ["serve", "--port", str(busy_port)])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: port {busy_port} on 127.0.0.1 is already in use: choose another --port,"
        " or --port 0 for a free one\n"
    )


def test_cli_rejects_article_count_out_of_range() -> None:
    result = CliRunner().invoke(replica, ["serve", "--articles", "5"])
    assert result.exit_code == 2 and "--articles" in result.output


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_cli_serves_until_signalled(stop_signal: int) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "civicnews", "replica", "serve", "--port", "0", "--articles", "20"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        match = re.fullmatch(r"Replica liferay portal serving 20 articles at (http://\S+)\n", line)
        assert match, line
        assert match[1].endswith(LISTING_PATH)
        assert page(match[1]).css("div.asset-abstract")
        proc.send_signal(stop_signal)
        assert proc.wait(timeout=10) == 0
        assert "Traceback" not in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
