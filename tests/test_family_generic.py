"""The generic parser: it must archive the replica of every CMS family, marked as generic."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from civicnews.parsers import parse_page
from civicnews.parsers.links import article_like, clean_url
from civicnews.replica import FAMILIES, ReplicaServer
from tests.conftest import PAGES, portal_toml, rows, run_cli, saved_page

# Every family the replica serves: a new family's replica is covered as soon as it is registered.
REPLICA_FAMILIES = sorted(FAMILIES)
ARTICLES = 40


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """One run of the real CLI: a portal with ``family = "generic"`` per replica family."""
    tmp = tmp_path_factory.mktemp("generic")
    servers = {f: ReplicaServer(f, articles=ARTICLES, seed=4).start() for f in REPLICA_FAMILIES}
    try:
        pf = tmp / "portals.toml"
        pf.write_text(
            "".join(
                portal_toml(_key(f), s.start_url, family="generic") for f, s in servers.items()
            ),
            "utf-8",
        )
        db = tmp / "archive.db"
        keys = [_key(f) for f in REPLICA_FAMILIES]
        proc = run_cli("crawl", *keys, "--db", str(db), "--portals-file", str(pf), "--json")
        assert proc.returncode == 0, proc.stderr
        truth = {f: s.ground_truth() for f, s in servers.items()}
    finally:
        for server in servers.values():
            server.stop()
    yield db, json.loads(proc.stdout), truth


def _key(family: str) -> str:
    return "g_" + family.replace("-", "_")


@pytest.mark.parametrize("family", REPLICA_FAMILIES)
def test_generic_archives_every_article_of_the_family(crawled, family):
    db, summary, truth = crawled
    (result,) = [p for p in summary["portals"] if p["portal"] == _key(family)]
    assert result["finish_reason"] == "finished"
    assert result["articles_new"] == len(truth[family])
    urls = [u for (u,) in rows(db, "SELECT url FROM articles WHERE portal = ?", (_key(family),))]
    assert Counter(urls).most_common(1)[0][1] == 1
    assert set(urls) == {a["url"] for a in truth[family]}


@pytest.mark.parametrize("family", REPLICA_FAMILIES)
def test_generic_rows_match_the_ground_truth(crawled, family):
    db, _, truth = crawled
    stored = {
        r[0]: r
        for r in rows(
            db,
            "SELECT url, title, published_at, body_text, extractor, rules FROM articles "
            "WHERE portal = ?",
            (_key(family),),
        )
    }
    for art in truth[family]:
        url, title, published_at, body, extractor, rules = stored[art["url"]]
        assert extractor == "generic"
        # Each stored field names the rule that read it (the shared rules: common:/meta:).
        rules = json.loads(rules)
        assert rules["title"].startswith(("common:", "meta:")), rules
        assert rules["body"] == "common:main-block"
        assert title == art["title"], url
        assert published_at == art["published_at"], url
        for snippet in art["body_snippets"]:
            assert snippet in body, url
        assert title not in body.split("\n")  # the title is not repeated as body text


# --- pieces ---------------------------------------------------------------------------------------


def test_every_article_is_marked_generic():
    html = (
        "<html><head><title>Tin A - Cổng</title></head><body><h1>Tin A về hội nghị</h1>"
        "<p>13/05/2024 08:00</p><div><p>" + "Nội dung bài viết, có dấu phẩy. " * 10 + "</p>"
        "<p>" + "Đoạn thứ hai của bài. " * 8 + "</p></div></body></html>"
    )
    article = parse_page("generic", "https://a.gov.vn/tin/tin-a-ve-hoi-nghi-123456.html", html)
    assert article.article is not None
    assert article.article.extractor == "generic"
    assert article.article.published_raw == "13/05/2024 08:00"
    assert article.article.title == "Tin A về hội nghị"


@pytest.mark.parametrize(
    "url,expected",
    [
        (
            "https://x.gov.vn/tin/-/asset_publisher/Ab1/content/slug?redirect=%2Ftin&p_p_id=101",
            "https://x.gov.vn/tin/-/asset_publisher/Ab1/content/slug",
        ),
        (
            "https://x.gov.vn/Pages/chi-tiet.aspx?ItemID=42&CateID=14&Source=%2FPages%2Fds.aspx",
            "https://x.gov.vn/Pages/chi-tiet.aspx?ItemID=42",
        ),
        (
            "https://x.gov.vn/list.aspx?CateID=14&Page=2",
            "https://x.gov.vn/list.aspx?CateID=14&Page=2",
        ),
        ("https://x.gov.vn/a/b-3260828152812345.htm", "https://x.gov.vn/a/b-3260828152812345.htm"),
    ],
)
def test_clean_url_drops_only_navigation_parameters(url, expected):
    assert clean_url(url) == expected


@pytest.mark.parametrize(
    "url,expected",
    [
        ("https://x.gov.vn/tin-tuc/ubnd-phuong-hop-giao-ban-thang-3-2024.html", True),
        ("https://x.gov.vn/tin-tuc/bai-viet-123456.htm", True),
        ("https://x.gov.vn/Pages/chi-tiet.aspx?ItemID=42", True),
        ("https://x.gov.vn/tin-tuc-su-kien", False),
        ("https://x.gov.vn/lien-he.html", False),
        ("https://x.gov.vn/uploads/bao-cao-tong-ket-nam-2023-ubnd.pdf", False),
        ("https://x.gov.vn/", False),
    ],
)
def test_article_like_urls(url, expected):
    assert article_like(url) is expected


def test_short_pages_and_listings_are_not_articles():
    stub = "<html><body><h1>Giới thiệu</h1><p>Nội dung đang được cập nhật.</p></body></html>"
    assert parse_page("generic", "https://x.gov.vn/gioi-thieu", stub).article is None
    entries = "".join(
        f'<div class="row"><h3><a href="/tin/tin-so-{i}-ve-hoat-dong-cua-phuong-{i}0000.html">'
        f"Tin số {i} về hoạt động của phường</a></h3><p>{'Tóm tắt nội dung bài viết. ' * 5}</p>"
        "</div>"
        for i in range(8)
    )
    page = parse_page(
        "generic", "https://x.gov.vn/tin", f"<html><body><h1>Tin tức</h1>{entries}</body></html>"
    )
    assert page.article is None
    assert len(page.listing.entries) == 8


FAMILY_ARTICLES = [
    case.parent
    for case in sorted(PAGES.glob("*/*/meta.json"))
    if saved_page(case.parent).expected["kind"] == "article"
]


@pytest.mark.parametrize("case", FAMILY_ARTICLES, ids=lambda c: f"{c.parent.name}/{c.name}")
def test_generic_reads_the_tags_a_family_parser_reads(case):
    saved = saved_page(case)
    family = parse_page(saved.family, saved.url, saved.html).article
    generic = parse_page("generic", saved.url, saved.html).article
    assert generic is not None
    assert generic.tags == family.tags


def _page(main: str, aside: str = "") -> str:
    body = "".join(f"<p>{f'Nội dung đoạn văn số {i} của bài viết. ' * 6}</p>" for i in range(4))
    return (
        "<html><head><title>Tin A về hội nghị</title></head><body>"
        f'<div class="main"><h1>Tin A về hội nghị</h1><p>13/05/2024 08:00</p>'
        f'<div class="content">{body}{main}</div></div>{aside}</body></html>'
    )


def test_generic_tags_never_come_from_a_sidebar():
    cloud = (
        '<div class="sidebar"><h3>Thẻ:</h3><a href="/tag/covid">covid</a> '
        '<a href="/tag/giao-thong">giao thông</a></div>'
    )
    url = "https://x.gov.vn/tin/tin-a-ve-hoi-nghi-123456.html"
    assert parse_page("generic", url, _page("", aside=cloud)).article.tags == []
    line = '<p><b>Từ khóa:</b> <a href="/tk/hn">hội nghị</a>, <a href="/tk/a">phường A</a></p>'
    article = parse_page("generic", url, _page(line, aside=cloud)).article
    assert article.tags == ["hội nghị", "phường A"]
    assert "Từ khóa" not in article.body_text
    assert "phường A" not in article.body_text


@pytest.mark.parametrize(
    "case",
    [
        "sharepoint/quangninh-detailnews",
        "generic/portal-article-tukhoa",
        "hanoi-platform/city-article",
    ],
)
def test_a_sentence_opening_with_the_word_for_tag_is_not_a_tag_line(case):
    # "Thẻ" (card; also "tag") opens sentences: only "Thẻ:" with its colon labels tags.
    url, family, html, _ = saved_page(case)
    sentence = "Thẻ BHYT được cấp miễn phí cho người cao tuổi theo quy định mới."
    first = html.find("<p>", html.find("<body"))
    linked = sentence.replace("BHYT", '<a href="/bhyt">BHYT</a>')
    changed = html[:first] + f"<p>{linked}</p>" + html[first:]
    for parser in (family, "generic"):
        before = parse_page(parser, url, html).article
        after = parse_page(parser, url, changed).article
        assert after.tags == before.tags and after.tags, parser
        assert sentence in after.body_text, parser
