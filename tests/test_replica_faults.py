"""The replica misbehaves on request: each fault, seen from a plain HTTP client.

Every test fetches over a real socket (http.client or a raw socket) and checks the status,
headers and bytes the server really sent; "plain" bytes come from the family renderer itself.
"""

from __future__ import annotations

import html
import http.client
import re
import socket
import subprocess
import sys
import unicodedata
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner
from parsel import Selector

from civicnews.commands.replica import replica
from civicnews.htmlfix import repair_html
from civicnews.replica import ReplicaServer
from civicnews.replica.faults.encodings import encode_cp1258
from civicnews.replica.faults.spec import CATALOGUE, Fault, FaultSpecError, parse_spec
from civicnews.replica.faults.wrapper import FaultyRenderer
from civicnews.replica.liferay_site import LISTING_PATH
from tests.conftest import ROOT


@contextmanager
def faulty(spec: str, articles: int = 20, seed: int = 1) -> Iterator[ReplicaServer]:
    with ReplicaServer("liferay", articles=articles, seed=seed, faults=spec) as server:
        yield server


def get(
    server: ReplicaServer, path: str, timeout: float = 5, host: str | None = None
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": host} if host else {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def plain(server: ReplicaServer, path: str) -> bytes:
    """The page exactly as the family renderer makes it, without faults."""
    renderer = server.renderer
    assert isinstance(renderer, FaultyRenderer)
    base, _, query = path.partition("?")
    return renderer.inner.handle("GET", base, query, {}, b"").body


def article(server: ReplicaServer, key: int) -> str:
    return server.renderer.article_path(key)


def visible_text(markup: str) -> str:
    """Text as a browser reads it: entities resolved, NFC, the charset declaration ignored."""
    markup = re.sub(r"charset=[\w-]+", "charset=X", markup, count=1)
    return unicodedata.normalize("NFC", html.unescape(markup))


# -- the SPEC -------------------------------------------------------------------------------------


def test_spec_grammar() -> None:
    faults = parse_spec("503=2*3:0.5@article,slow@article/3,huge=1M@listing,trap,500*all@/van")
    assert faults == [
        Fault("503", 2, 3, 0.5, "article"),
        Fault("slow", 0.5, None, 1.0, "article/3"),
        Fault("huge", 1024 * 1024, None, 1.0, "listing"),
        Fault("trap", None, None, 1.0, None),
        Fault("500", None, None, 1.0, "/van"),
    ]
    assert ",".join(map(str, faults)) == (
        "503=2*3:0.5@article,slow@article/3,huge=1048576@listing,trap,500*all@/van"
    )
    assert parse_spec("drop")[0].times == 1  # transient faults fail one attempt by default


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("nope", "unknown fault 'nope'"),
        ("503,,drop", "empty fault"),
        ("slow*2", "permanent"),
        ("drop=3", "takes no =ARG"),
        ("503=1.5", "whole seconds"),
        ("truncate=2", "0 < ARG < 1"),
        ("500:1.5", "RATE"),
        ("500:0", "RATE"),
        ("500*0", "*TIMES"),
        ("500@articles", "unknown selector"),
        ("500 @article", "cannot read fault"),
    ],
)
def test_bad_spec_is_a_one_line_error(spec: str, says: str) -> None:
    with pytest.raises(FaultSpecError) as info:
        parse_spec(spec)
    assert says in str(info.value)
    assert "\n" not in str(info.value)


def test_unknown_article_key_is_rejected_before_serving() -> None:
    with pytest.raises(FaultSpecError, match="no article 20"):
        ReplicaServer("liferay", articles=20, faults="500@article/20")


def test_catalogue_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("### Faults on request", 1)[1].split("\n## ", 1)[0]
    for name in CATALOGUE:
        assert f"`{name}`" in section, name


def test_rate_picks_a_seeded_share_of_pages() -> None:
    def chosen(seed: int) -> set[int]:
        server = ReplicaServer("liferay", articles=200, seed=1, faults="500:0.3@article")
        server.renderer.seed = seed  # the hash seed alone; content stays the same
        return {k for k in range(200) if server.renderer.faults_for(article(server, k))}

    first, again, other = chosen(1), chosen(1), chosen(2)
    assert first == again
    assert first != other
    assert 40 < len(first) < 80  # 30% of 200, give or take
    server = ReplicaServer("liferay", articles=20, faults="500:0.3@article")
    assert server.renderer.faults_for(LISTING_PATH) == []
    # The same article is hit whatever query string it is asked with.
    key = next(k for k in range(20) if server.renderer.faults_for(article(server, k)))
    assert server.renderer.faults_for(article(server, key) + "?redirect=%2Ftin-tuc-su-kien")


# -- transient faults -----------------------------------------------------------------------------


def test_5xx_fail_the_first_attempts_of_a_page_then_serve_it() -> None:
    with faulty("500*2@article/3,503=2@article/4,429@article/5") as server:
        path = article(server, 3)
        assert get(server, path)[0] == 500
        assert get(server, path)[0] == 500
        status, _, body = get(server, path)
        assert status == 200 and body == plain(server, path)
        status, headers, _ = get(server, article(server, 4))
        assert (status, headers["Retry-After"]) == (503, "2")
        assert get(server, article(server, 4))[0] == 200
        status, headers, _ = get(server, article(server, 5))
        assert (status, headers["Retry-After"]) == (429, "1")
        assert get(server, article(server, 6))[0] == 200  # other pages untouched
        assert [r.status for r in server.requests if r.path == path] == [500, 500, 200]


def test_500_all_never_recovers_and_robots_txt_is_never_hit() -> None:
    with faulty("500*all") as server:
        for _ in range(5):
            assert get(server, article(server, 3))[0] == 500
        assert get(server, LISTING_PATH)[0] == 500
        status, _, body = get(server, "/robots.txt")
        assert status == 200 and b"User-agent" in body


def test_drop_closes_the_connection_without_a_byte() -> None:
    with faulty("drop@article/3") as server:
        with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
            get(server, article(server, 3))
        assert get(server, article(server, 3))[0] == 200
        assert [r.status for r in server.requests] == [0, 200]


def raw_get(server: ReplicaServer, path: str) -> tuple[bytes, bytes]:
    """(head, body) as sent before the server closed the connection."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return head, body


def test_truncate_announces_more_than_it_sends() -> None:
    with faulty("truncate=0.3@article") as server:
        path = article(server, 3)
        head, body = raw_get(server, path)
        length = int(re.search(rb"Content-Length: (\d+)", head).group(1))
        assert length == len(plain(server, path))
        assert len(body) == int(length * 0.3)
        assert plain(server, path).startswith(body)
        assert get(server, path)[2] == plain(server, path)  # second attempt: whole
        with pytest.raises(http.client.IncompleteRead):
            get(server, article(server, 4))


def test_timeout_sends_nothing_and_slow_answers_late() -> None:
    with faulty("timeout=30@article/3,slow=1@article/4") as server:
        with pytest.raises(TimeoutError):
            get(server, article(server, 3), timeout=0.3)
        assert get(server, article(server, 3))[0] == 200  # the second attempt is answered
        for _ in range(2):  # slow is permanent, and not a failure for a patient client
            with pytest.raises(TimeoutError):
                get(server, article(server, 4), timeout=0.3)
        status, _, body = get(server, article(server, 4), timeout=5)
        assert status == 200 and body == plain(server, article(server, 4))


# -- encodings ------------------------------------------------------------------------------------


def test_cp1258_page_is_windows_1258_with_a_correct_header() -> None:
    with faulty("cp1258@article/7") as server:
        path = article(server, 7)
        _, headers, body = get(server, path)
        assert headers["Content-Type"] == "text/html; charset=windows-1258"
        assert b'charset=windows-1258"' in body[:2000]
        with pytest.raises(UnicodeDecodeError):
            body.decode("utf-8")
        text = body.decode("cp1258")
        # Legacy encoding: tone marks as separate combining characters.
        assert "\u0323" in text or "\u0300" in text
        assert visible_text(text) == visible_text(plain(server, path).decode("utf-8"))


def test_mislabelled_pages() -> None:
    with faulty("mislabel@article/3,mislabel-1258@article/4,bom@article/5") as server:
        utf8_path, legacy_path, bom_path = (article(server, k) for k in (3, 4, 5))
        _, headers, body = get(server, utf8_path)
        assert headers["Content-Type"] == "text/html; charset=windows-1258"
        assert body == plain(server, utf8_path)  # really UTF-8

        _, headers, body = get(server, legacy_path)
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert b'charset=UTF-8"' in body[:2000]  # the page lies too
        with pytest.raises(UnicodeDecodeError):
            body.decode("utf-8")
        assert visible_text(body.decode("cp1258")) == visible_text(
            plain(server, legacy_path).decode("utf-8")
        )

        _, headers, body = get(server, bom_path)
        assert headers["Content-Type"] == "text/html; charset=windows-1258"
        assert body == b"\xef\xbb\xbf" + plain(server, bom_path)


def test_encode_cp1258_keeps_every_vietnamese_letter() -> None:
    text = "Đồng chí Nguyễn Kim Vịnh – “Hàng Việt” ở phường Thụy Phương, quận Bắc Từ Liêm → ✓"
    encoded = encode_cp1258(text)
    decoded = html.unescape(encoded.decode("cp1258"))
    assert unicodedata.normalize("NFC", decoded) == text
    assert b"&#8594;" in encoded  # "→" is not in windows-1258


def test_nfd_page() -> None:
    with faulty("nfd@article/7") as server:
        path = article(server, 7)
        body = get(server, path)[2].decode("utf-8")
        assert unicodedata.normalize("NFD", body) == body
        assert body != plain(server, path).decode("utf-8")
        assert unicodedata.normalize("NFC", body) == plain(server, path).decode("utf-8")


# -- markup ---------------------------------------------------------------------------------------


def test_broken_html_hides_the_article_from_lxml_until_repaired() -> None:
    with faulty("broken-html@article/7") as server:
        path = article(server, 7)
        body = get(server, path)[2].decode("utf-8")
        assert "</p>" in plain(server, path).decode("utf-8")
        assert "</p>" not in body and "</li>" not in body and "</td>" not in body
        assert re.search(r"<body[^>]*></body></html>", body)
        assert body.rstrip().endswith("</html>\n</div></span></html>")
        # libxml2 stops at the stray end of document; the crawler's repair undoes that.
        assert not Selector(text=body).css(".journal-content-article")
        assert Selector(text=repair_html(body)).css(".journal-content-article")


def test_huge_page_is_over_the_download_limit() -> None:
    with faulty("huge@article/7,huge=200k@article/8") as server:
        _, headers, body = get(server, article(server, 7))
        assert int(headers["Content-Length"]) == len(body) == 9 * 1024 * 1024
        assert len(body) > 8 * 1024 * 1024  # settings.DOWNLOAD_MAXSIZE
        assert body.startswith(plain(server, article(server, 7))[:5000])
        assert len(get(server, article(server, 8))[2]) == 200 * 1024


def test_redirect_loop_and_chain() -> None:
    with faulty("redirect-loop@article/3,redirect-chain@article/4") as server:
        path = article(server, 3)
        status, headers, _ = get(server, path)
        assert (status, headers["Location"]) == (302, path + "?_loop=1")
        status, headers, _ = get(server, path + "?_loop=1")
        assert (status, headers["Location"]) == (302, path)  # back to the start: a loop
        location = article(server, 4)
        seen = set()
        for hop in range(1, 30):
            status, headers, _ = get(server, location)
            assert status == 302
            location = headers["Location"]
            assert location.endswith(f"_hop={hop}") and location not in seen
            seen.add(location)


def test_trap_is_an_endless_calendar_of_listing_pages() -> None:
    with faulty("trap@listing") as server:
        first = Selector(text=get(server, LISTING_PATH)[2].decode("utf-8"))
        entries = first.css(".asset-abstract .asset-title a::attr(href)").getall()
        assert entries
        url, days = LISTING_PATH, []
        for _ in range(40):
            page = Selector(text=get(server, url)[2].decode("utf-8"))
            assert page.css(".asset-abstract .asset-title a::attr(href)").getall() == entries
            url = page.css('.calendar-news a[rel="next"]::attr(href)').get()
            assert page.css('.calendar-news a[rel="next"]::text').get() == "Sau"
            days.append(parse_qs(urlsplit(url).query)["ngay"][0])
        assert days[0] == "2018-12-02" and days[-1] == "2019-01-10"
        assert len(set(days)) == 40
        assert not Selector(text=get(server, article(server, 3))[2].decode()).css(".calendar-news")


def test_listing_faults_reach_a_listing_whose_start_page_has_a_query() -> None:
    # SharePoint lists live at ".../danh-sach.aspx?CateID=14"; the trap's next day keeps
    # the list's own parameter and the server answers it with the list's first page.
    with ReplicaServer("sharepoint", articles=20, seed=1, faults="trap@listing") as server:
        start = server.renderer.start_path
        assert "?" in start
        first = Selector(text=get(server, start)[2].decode("utf-8"))
        entries = first.css('a[href*="ItemID="]::attr(href)').getall()
        assert entries
        url = first.css('.calendar-news a[rel="next"]::attr(href)').get()
        assert parse_qs(urlsplit(url).query) == {"CateID": ["14"], "ngay": ["2018-12-02"]}
        day = Selector(text=get(server, url)[2].decode("utf-8"))
        assert day.css('a[href*="ItemID="]::attr(href)').getall() == entries
        article_path = server.renderer.article_path(3)
        assert server.renderer.faults_for(article_path) == []
        assert server.renderer.faults_for(start) == ["trap"]


def test_tracking_links_carry_a_new_session_on_every_response() -> None:
    with faulty("tracking") as server:
        hrefs = []
        for _ in range(2):
            page = Selector(text=get(server, LISTING_PATH)[2].decode("utf-8"))
            hrefs.append(page.css(".asset-title a::attr(href)").getall())
        first, second = hrefs
        assert all(";jsessionid=" in h and "utm_source=zalo" in h and "fbclid=" in h for h in first)
        assert first != second  # a cookie-less server: a new session id each time
        assert "redirect=" in first[0]  # the page's own parameters are kept
        # The server accepts what it added: same page, same bytes.
        status, _, body = get(server, first[0])
        path = urlsplit(first[0]).path.split(";")[0]
        assert status == 200
        assert Selector(text=body.decode()).css("h3.header-title span::text").get() == (
            Selector(text=plain(server, path).decode()).css("h3.header-title span::text").get()
        )


def test_offsite_links_point_to_other_hosts() -> None:
    with faulty("offsite") as server:
        page = Selector(text=get(server, article(server, 3))[2].decode("utf-8"))
        links = page.css(".lien-ket-ngoai a::attr(href)").getall()
        assert page.css(".lien-ket-ngoai .title::text").get() == "Tin liên quan"
        assert f"http://localhost:{server.port}{article(server, 0)}" in links
        assert any(".invalid/" in link for link in links)
        assert not page.css(".pager-other")  # the off-site pager is on listings only
        listing = Selector(text=get(server, LISTING_PATH)[2].decode("utf-8"))
        assert listing.css(".pager-other a::text").get() == "Trang sau"
        # Asked as localhost, the page links 127.0.0.1 instead: always another host.
        other = Selector(
            text=get(server, LISTING_PATH, host=f"localhost:{server.port}")[2].decode()
        )
        assert other.css(".pager-other a::attr(href)").get().startswith("http://127.0.0.1:")


# -- command line ---------------------------------------------------------------------------------


def test_cli_rejects_a_bad_spec_in_one_line() -> None:
    result = CliRunner().invoke(replica, ["serve", "--faults", "503:2"])
    assert result.exit_code == 2
    assert "Invalid value for --faults: RATE must be in (0, 1]" in result.output
    assert "Traceback" not in result.output


def test_cli_serves_with_faults() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "civicnews", "replica", "serve", "--port", "0", "--articles", "20",
         "--faults", "503=3*all@listing"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        banner = proc.stdout.readline()
        faults = proc.stdout.readline()
        assert faults.strip() == "Faults: 503=3*all@listing"
        start_url = banner.split(" at ")[1].strip()
        parts = urlsplit(start_url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
        conn.request("GET", parts.path)
        response = conn.getresponse()
        assert (response.status, response.getheader("Retry-After")) == (503, "3")
        conn.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == 0


def test_pages_no_crawler_can_keep() -> None:
    """redirect-offsite leaves the host, deep-nesting nests the page 1,200 deep, gzip-bomb
    sends a small body that inflates far past DOWNLOAD_MAXSIZE."""
    spec = "redirect-offsite@article/3,deep-nesting@article/4,gzip-bomb=20M@article/5"
    with faulty(spec) as server:
        status, headers, _ = get(server, article(server, 3), host=f"127.0.0.1:{server.port}")
        assert status == 302
        assert headers["Location"] == f"http://localhost:{server.port}{article(server, 3)}"
        status, _, body = get(server, article(server, 4))
        page = body.decode("utf-8")
        assert status == 200
        assert page.count("<font") == 1200 and "</font>" not in page
        assert page.replace('<font face="Times New Roman">', "") == plain(
            server, article(server, 4)
        ).decode("utf-8")
        status, headers, body = get(server, article(server, 5))
        assert (status, headers["Content-Encoding"]) == (200, "gzip")
        assert len(body) < 100_000
        assert zlib.decompress(body, 31) == b" " * (20 * 1024 * 1024)
