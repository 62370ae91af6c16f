"""The new Hanoi platform: its replica, its paging API, and crawls of it through the real CLI."""

from __future__ import annotations

import json
import math
import re
import urllib.error
import urllib.request
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import pytest
from parsel import Selector

from civicnews.parsers import parse_page
from civicnews.replica import ReplicaServer
from civicnews.replica.hanoi_site import (
    API_PATH,
    CATEGORY_SLUG,
    LANGUAGE_ID,
    PAGE_SIZE,
    SITE_CODE,
    SITE_PREFIX,
)
from tests.conftest import portal_toml, rows, run_cli, saved_page


def fetch(url: str, data: bytes | None = None) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=10) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def post(server: ReplicaServer, **form: str | list[str]) -> str:
    pairs = [(k, x) for k, v in form.items() for x in (v if isinstance(v, list) else [v])]
    body = "&".join(f"{k}={urllib.request.quote(x)}" for k, x in pairs).encode()
    status, text = fetch(server.url + API_PATH, body)
    assert status == 200
    return text


def listed_pages(truth: list[dict]) -> int:
    """API pages with entries: the listed articles but the featured one (it is on the page)."""
    stream = sum(1 for a in truth if a["listed"]) - 1
    return math.ceil(stream / PAGE_SIZE)


# --- the replica --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server():
    with ReplicaServer("hanoi-platform", articles=40, seed=1) as running:
        yield running


def test_article_ids_are_site_prefix_and_publish_time(server):
    for art in server.ground_truth():
        match = re.search(r"/tin-tuc-su-kien/[a-z0-9-]+-(\d{14,19})\.htm$", art["url"])
        assert match, art["url"]
        article_id = match.group(1)
        published = datetime.fromisoformat(art["published_at"])
        assert article_id.startswith(SITE_PREFIX + published.strftime("%y%m%d%H%M"))
        assert len(article_id) == len(SITE_PREFIX) + 15  # yyMMddHHmmss + milliseconds


def test_an_article_is_found_by_its_id_whatever_the_slug(server):
    art = server.truth(3)
    other_slug = re.sub(r"/[a-z0-9-]+-(\d+\.htm)$", r"/bat-ky-\1", art["url"])
    status, html = fetch(other_slug)
    assert status == 200
    page = Selector(text=html)
    assert page.css("h1::text").get() == art["title"]
    assert page.css("link[rel=canonical]::attr(href)").get() == art["url"][len(server.url) :]
    status, _ = fetch(re.sub(r"\d{6}\.htm$", "000000.htm", art["url"]))
    assert status == 404


def test_listing_page_shows_page_zero_only(server):
    status, html = fetch(server.start_url)
    assert status == 200
    ids = Selector(text=html).css("div.news-item::attr(data-id)").getall()
    # The featured entry, then one page; nothing on the page links further pages.
    assert len(ids) == 1 + PAGE_SIZE
    assert not Selector(text=html).css(f"a[href*='{CATEGORY_SLUG}?'], a[href*='page=']")


def test_api_pages_until_empty(server):
    truth = server.ground_truth()
    form = {"Catname": CATEGORY_SLUG, "Site": SITE_CODE, "LanguageId": LANGUAGE_ID}
    first_page = set(
        Selector(text=fetch(server.start_url)[1]).css(".news-item::attr(data-id)").getall()
    )
    # Without DataIds[] the stream is every listed article, the featured one included.
    pages = math.ceil(sum(1 for a in truth if a["listed"]) / PAGE_SIZE)
    seen: list[str] = []
    for index in range(pages):
        fragment = post(server, PageIndex=str(index), PageSize=str(PAGE_SIZE), **form)
        assert "<html" not in fragment and "<body" not in fragment
        seen += Selector(text=fragment).css(".news-item::attr(data-id)").getall()
    assert post(server, PageIndex=str(pages), **form).strip() == ""
    listed_ids = [server.renderer.article_id(a["key"]) for a in truth if a["listed"]]
    assert seen == listed_ids
    assert first_page <= set(seen)


def test_api_answers_nothing_to_a_wrong_zone_or_get(server):
    assert post(server, PageIndex="1", Catname="khac", Site=SITE_CODE).strip() == ""
    assert post(server, PageIndex="1", Catname=CATEGORY_SLUG, Site="hanoi").strip() == ""
    status, _ = fetch(server.url + API_PATH)
    assert status == 405


def test_data_ids_are_left_out_of_the_stream(server):
    featured = server.renderer.article_id(0)
    form = {"Catname": CATEGORY_SLUG, "Site": SITE_CODE, "PageIndex": "0"}
    with_ids = Selector(text=post(server, **form, **{"DataIds[]": [featured]}))
    without = Selector(text=post(server, **form))
    assert featured not in with_ids.css(".news-item::attr(data-id)").getall()
    assert without.css(".news-item::attr(data-id)").get() == featured


def test_replica_articles_parse_to_their_ground_truth(server):
    for art in server.ground_truth():
        status, html = fetch(art["url"])
        assert status == 200
        parsed = parse_page("hanoi-platform", art["url"], html).article
        assert parsed is not None, art["url"]
        assert parsed.title == art["title"]
        assert parsed.published_raw == art["published_raw"]
        assert parsed.author == art["author"]
        assert parsed.sapo == art["sapo"] and parsed.sapo not in parsed.body_text
        assert parsed.tags == art["tags"] and parsed.category == art["category"]
        for snippet in art["body_snippets"]:
            assert snippet in parsed.body_text
        for furniture in ("Tin liên quan", "Tin cùng chuyên mục", "Từ khóa", "Chia sẻ", "In bài"):
            assert furniture not in parsed.body_text, art["url"]
        related = {link.url for link in parsed.related}
        assert {server.url + server.renderer.article_path(k) for k in art["related"]} <= related
        assert all(link.text and link.date_raw for link in parsed.related), art["url"]


# --- the API pager the parser reads from listing pages ------------------------------------------


@pytest.mark.parametrize("case", ["ward-listing", "city-listing-script", "api-fragment"])
def test_listing_fixture_api_pagers(case):
    saved = saved_page(f"hanoi-platform/{case}")
    page = parse_page("hanoi-platform", saved.url, saved.html)
    assert [asdict(p) for p in page.listing.api_pagers] == saved.expected["api_pagers"]


@pytest.mark.parametrize(
    "markup,expected",
    [
        (
            '<input type="hidden" name="Catname" value="kinh-te">'
            '<input type="hidden" name="Site" value="soyte">'
            '<input type="hidden" id="pagesize" value="9">',
            {"Catname": "kinh-te", "Site": "soyte", "PageSize": "9"},
        ),
        (
            '<input type="hidden" id="hdCatname" value="kinh-te">'
            '<input type="hidden" name="ctl00$hdSite" value="soyte">',
            {"Catname": "kinh-te", "Site": "soyte"},
        ),
        (
            '<div id="zone" data-config=\'{"Catname":"kinh-te","Site":"soyte",'
            '"LanguageId":"1"}\'></div>',
            {"Catname": "kinh-te", "Site": "soyte", "LanguageId": "1"},
        ),
    ],
    ids=["inputs", "prefixed-inputs", "json-attribute"],
)
def test_form_values_from_inputs_and_attributes(markup, expected):
    html = (
        '<div class="news-item" data-id="3260828090000101"><a href="/x/y-3260828090000101.htm">'
        '<h3 class="news-title">Một tiêu đề</h3></a></div>' + markup
    )
    page = parse_page("hanoi-platform", "https://soyte.hanoi.gov.vn/kinh-te", html)
    (pager,) = page.listing.api_pagers
    assert pager.formdata == expected
    assert pager.url == "https://soyte.hanoi.gov.vn/api/NewsZone/NewsZone"


def test_home_page_boxes_do_not_page():
    html = '<div class="news-item" data-id="1"><a href="/a/b-3260828090000101.htm">Tin</a></div>'
    page = parse_page("hanoi-platform", "https://hanoi.gov.vn/", html)
    assert page.listing.entries and page.listing.api_pagers == []


# --- crawls -------------------------------------------------------------------------------------


def crawl(tmp: Path, server: ReplicaServer, family: str = "hanoi-platform"):
    pf = tmp / "portals.toml"
    pf.write_text(portal_toml("ward", server.start_url, family=family), "utf-8")
    db = tmp / "archive.db"
    proc = run_cli("crawl", "ward", "--db", str(db), "--portals-file", str(pf), "--json")
    assert proc.returncode == 0, proc.stderr
    return db, json.loads(proc.stdout)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    # Seed 1 prints the API's form values as data-* attributes of the listing.
    with ReplicaServer("hanoi-platform", articles=60, seed=1) as replica:
        db, summary = crawl(tmp_path_factory.mktemp("hanoi"), replica)
        yield replica, db, summary


def test_crawl_archives_every_article_as_the_replica_has_it(crawled):
    replica, db, summary = crawled
    truth = replica.ground_truth()
    assert summary["portals"][0]["articles_new"] == len(truth)
    stored = {
        r[0]: r
        for r in rows(
            db,
            "SELECT url, title, published_at, published_raw, date_source, author, body_text, "
            "sapo, tags, category, extractor FROM articles",
        )
    }
    assert set(stored) == {a["url"] for a in truth}
    for art in truth:
        url, title, published_at, raw, source, author, body, sapo, tags, category, ex = stored[
            art["url"]
        ]
        assert (title, published_at, source, author) == (
            art["title"],
            art["published_at"],
            art["date_source"],
            art["author"],
        ), url
        if art["published_raw"] is not None:
            assert raw == art["published_raw"]
        assert sapo == art["sapo"] and sapo not in body
        assert json.loads(tags) == art["tags"] and category == art["category"]
        assert ex == "hanoi-platform"
        for snippet in art["body_snippets"]:
            assert snippet in body, url


def test_crawl_pages_through_the_post_api_until_an_empty_page(crawled):
    replica, _, _ = crawled
    calls = replica.renderer.api_calls
    pages = listed_pages(replica.ground_truth())
    assert pages >= 2, "the replica must need the API for more than one page"
    # PageIndex 1.. in order of need, each once, ending with the first empty page.
    assert sorted(int(c["PageIndex"]) for c in calls) == list(range(1, pages + 1))
    featured = replica.renderer.article_id(0)
    for call in calls:
        assert call["Catname"] == CATEGORY_SLUG and call["Site"] == SITE_CODE
        assert call["LanguageId"] == LANGUAGE_ID and call["PageSize"] == str(PAGE_SIZE)
        assert call["DataIds[]"] == [featured]


def test_crawl_stops_on_a_page_of_known_articles(tmp_path):
    # Seed 2 keeps the form values in an inline script; this server repeats its last page.
    with ReplicaServer("hanoi-platform", articles=50, seed=2) as replica:
        replica.renderer.past_end = "repeat"
        db, summary = crawl(tmp_path, replica)
        truth = replica.ground_truth()
        calls = [int(c["PageIndex"]) for c in replica.renderer.api_calls]
    assert summary["portals"][0]["articles_new"] == len(truth)
    assert rows(db, "SELECT count(*) FROM articles")[0][0] == len(truth)
    # The page past the end repeats known articles: asked once, then paging stops.
    assert sorted(calls) == list(range(1, listed_pages(truth) + 1))
