"""The civicnews Datasette plugin, through Datasette's own test client, on a crawled archive.

The plugin is loaded the way ``datasette archive.db`` loads it: through the entry point the
package installs.  Expected values are read off the archive with plain SQL and a fold
written here with ``unicodedata`` (not civicnews' own).
"""

from __future__ import annotations

import asyncio
import json
import re
import unicodedata
from collections import Counter

import pytest
from datasette.app import Datasette

from civicnews.datasette import METADATA
from tests.conftest import rows


def strip_marks(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str | None) -> set[str]:
    return set(re.findall(r"\w+", strip_marks(text or "")))


class Client:
    """One Datasette instance over the archive, as `datasette archive.db --metadata ...`."""

    def __init__(self, db):
        self.ds = Datasette([str(db)], metadata=json.loads(METADATA.read_text("utf-8")))
        asyncio.run(self.ds.invoke_startup())

    def get(self, path: str, **params):
        response = asyncio.run(self.ds.client.get(path, params=params or None))
        assert response.status_code == 200, (path, response.text[:500])
        return response

    def json(self, path: str, **params):
        return self.get(path, **params).json()


@pytest.fixture(scope="module")
def client(demo_archive):
    assert demo_archive.stem == "archive"  # the database name the shipped metadata describes
    return Client(demo_archive)


@pytest.fixture(scope="module")
def articles(demo_archive) -> list[dict]:
    names = ("url", "title", "sapo", "body_text", "published_at", "extractor", "portal")
    return [
        dict(zip(names, r, strict=True))
        for r in rows(demo_archive, f"SELECT {', '.join(names)} FROM articles")
    ]


def test_the_plugin_is_installed_through_its_entry_point(client):
    plugins = {p["name"]: p for p in client.json("/-/plugins.json")}
    assert "civicnews" in plugins, plugins
    assert {"prepare_connection", "register_facet_classes"} <= set(plugins["civicnews"]["hooks"])


def test_civicnews_fold_folds_like_the_folded_index(client):
    got = client.json("/archive.json", sql="select civicnews_fold(:t) as f", t="Đống Đa PHÒNG")
    assert got["rows"] == [["dong da phong"]]


@pytest.mark.parametrize("typed", ["Đống Đa", "phòng cháy"])
def test_named_query_search_takes_text_as_typed(client, articles, typed):
    wanted = words(typed)
    expected = {
        a["url"]
        for a in articles
        if wanted <= words(a["title"]) | words(a["sapo"]) | words(a["body_text"])
    }
    assert expected
    found = client.json("/archive/search.json", q=typed, _shape="array", _size="max")
    assert {r["url"] for r in found} == expected
    assert all(set(r) >= {"portal", "published_at", "title", "snippet", "url"} for r in found)


def test_named_query_search_ranks_the_phrase_first(client, articles):
    about = {a["url"] for a in articles if "Đống Đa" in (a["body_text"] or "")}
    found = client.json("/archive/search.json", q="dong da", _shape="array", _size="max")
    assert {r["url"] for r in found[: len(about)]} == about


def test_the_table_search_box_takes_text_as_typed(client, articles):
    # Datasette's box finds every word anywhere (no ranking); without the plugin "Đống Đa"
    # found nothing: the index holds "dong da".
    expected = {
        a["url"]
        for a in articles
        if {"dong", "da"} <= words(a["title"]) | words(a["sapo"]) | words(a["body_text"])
    }
    assert expected
    found = client.json("/archive/articles.json", _search="Đống Đa", _shape="array", _size="max")
    assert {r["url"] for r in found} == expected


def test_articles_table_lists_columns_not_bodies(client, articles):
    page = client.get("/archive/articles").text
    head = re.search(r"<thead>(.*?)</thead>", page, re.S)[1]
    shown = re.findall(r'data-column="([^"]+)"', head)
    assert {"url", "portal", "published_at", "title", "extractor"} <= set(shown)
    assert not {"body_text", "sapo", "images", "tags"} & set(shown)
    first = articles[0]["body_text"].split("\n")[-1]
    assert first not in page
    assert len(page.encode()) < 120_000  # 60 rows with bodies weighed 352 KB, now ~90 KB
    # The row page still shows everything.
    row = client.get("/archive/articles/" + _pk(client, articles[0]["url"])).text
    assert first.split(". ")[0] in row


def _pk(client, url: str) -> str:
    # Datasette's own encoding of a primary key in a row URL.
    from datasette.utils import tilde_encode

    return tilde_encode(url)


def test_facets_on_portal_year_and_extractor(client, articles):
    data = client.json("/archive/articles.json", _size="0")
    facets = data["facet_results"]
    assert {"portal", "published_at", "extractor"} <= set(facets)
    years = {r["value"]: r["count"] for r in facets["published_at"]["results"]}
    assert facets["published_at"]["type"] == "year"
    assert years == Counter(a["published_at"][:4] for a in articles if a["published_at"])
    portals = {r["value"]: r["count"] for r in facets["portal"]["results"]}
    assert portals == Counter(a["portal"] for a in articles)
    extractors = {r["value"]: r["count"] for r in facets["extractor"]["results"]}
    assert extractors == Counter(a["extractor"] for a in articles if a["extractor"])


def test_a_year_facet_value_filters_the_table(client, articles):
    data = client.json("/archive/articles.json", _size="0")
    (value, *_) = data["facet_results"]["published_at"]["results"]
    assert "published_at__startswith=" in value["toggle_url"]
    filtered = client.json(
        "/archive/articles.json", published_at__startswith=value["value"], _size="0"
    )
    assert filtered["filtered_table_rows_count"] == value["count"]


# -- served, in a real browser ---------------------------------------------------------------


@pytest.fixture(scope="module")
def served(demo_archive):
    """``datasette serve`` on 127.0.0.1 with the shipped metadata."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    datasette = Path(sys.executable).with_name("datasette")
    proc = subprocess.Popen(
        [str(datasette), "serve", str(demo_archive), "--metadata", str(METADATA),
         "-h", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=1).read()
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(proc.stderr.read().decode())
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stderr.close()


def test_datasette_pages_render_in_headless_chromium(served, articles):
    from urllib.parse import quote

    from scripts.chromium import Chromium, find_chromium

    assert find_chromium(), "install Debian's chromium package (.ci/run does)"
    about = {a["url"] for a in articles if "Đống Đa" in (a["body_text"] or "")}
    with Chromium() as browser:
        table = browser.open(served + "/archive/articles", width=1100, height=900)
        assert table.errors == []
        shown = table.evaluate(
            "[document.querySelectorAll('table.rows-and-columns tbody tr').length,"
            " Array.from(document.querySelectorAll('table.rows-and-columns th'))"
            "  .map(th => th.dataset.column),"
            " Array.from(document.querySelectorAll('.facet-info')).map(f => f.dataset.column)]"
        )
        assert shown[0] == len(articles)
        assert "title" in shown[1] and "body_text" not in shown[1]
        assert {"portal", "published_at", "extractor"} <= set(shown[2])
        assert table.screenshot(full_page=False)[:4] == b"\x89PNG"
        search = browser.open(served + "/archive/search?q=" + quote("Đống Đa"), width=1100)
        assert search.errors == []
        urls = search.evaluate(
            "Array.from(document.querySelectorAll('td.col-url')).map(td => td.textContent.trim())"
        )
        assert set(urls[: len(about)]) == about
