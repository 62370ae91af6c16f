"""``civicnews probe``: through the real CLI, against replicas on 127.0.0.1 and saved pages.

Expected values come from the replicas' ground truth and the saved pages' hand-written
``expected.json``, never from the code under test.
"""

from __future__ import annotations

import json
import socket

import pytest

from civicnews.replica import ReplicaServer
from tests.conftest import PAGES, run_cli, saved_page


def _one_line_error(proc) -> str:
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


@pytest.fixture(scope="module")
def liferay():
    with ReplicaServer("liferay", articles=60, seed=2) as server:
        yield server


def test_an_article_url_field_by_field(liferay):
    truth = liferay.ground_truth()[0]
    liferay.clear_requests()
    proc = run_cli("probe", truth["url"], "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["detected"]["family"] == "liferay"
    assert report["detected"]["confident"] is True
    markers = {e["marker"] for e in report["detected"]["evidence"]}
    assert {"asset_publisher URL", "journal-content-article"} <= markers
    assert report["family"] == "liferay" and report["family_from"] == "detected"
    # The family's parser and the generic parser, both.
    assert [r["family"] for r in report["readings"]] == ["liferay", "generic"]
    for reading in report["readings"]:
        fields = reading["article"]["fields"]
        assert fields["title"]["value"] == truth["title"]
        assert fields["published_raw"]["value"] == truth["published_raw"]
        assert fields["published_raw"]["parsed"] == truth["published_at"]
        assert fields["author"]["value"] == truth["author"]
        assert truth["body_snippets"][0] in fields["body_text"]["value"]
        assert "rule" in fields["title"]
    # Fetched as a crawl fetches: robots.txt first, the crawl's User-Agent on both requests.
    paths = [r.path for r in liferay.requests]
    assert paths[0] == "/robots.txt" and len(paths) == 2
    agents = {r.headers.get("user-agent") for r in liferay.requests}
    assert len(agents) == 1 and agents.pop().startswith("civicnews/")


def test_text_output_names_each_field_and_both_parsers(liferay):
    truth = liferay.ground_truth()[1]
    proc = run_cli("probe", truth["url"])
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "detected  liferay (" in out and "confident)" in out
    for name in ("title", "published_raw", "author", "body_text", "related"):
        assert f"\n{name}\n" in out, name
    # Each value follows the rule that read it.
    assert f"  liferay  [liferay:.header-title] {truth['title']}" in out
    assert f"  generic  [common:title-heading] {truth['title']}" in out
    assert f"->  {truth['published_at']}" in out


def test_a_listing_url_gives_entries_with_dates_and_next_pages(liferay):
    truth = {a["url"]: a for a in liferay.ground_truth() if a["listed"]}
    proc = run_cli("probe", liferay.start_url, "--family", "liferay", "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["family_from"] == "option"
    listing = report["readings"][0]["listing"]
    entries = listing["entries"]
    assert entries
    for entry in entries:
        assert entry["date"] == truth[entry["url"].split("?")[0]]["published_at"]
    assert any("_cur=2" in url for url in listing["next_pages"])
    text = run_cli("probe", liferay.start_url).stdout
    assert f"LISTING (liferay parser): {len(entries)} entries" in text
    assert "next page: " in text


def test_a_saved_file_is_read_directly():
    case = "sharepoint/hadong-article"
    page = saved_page(case)
    path = PAGES / case / "input.html"
    proc = run_cli("probe", str(path), "--url", page.url, "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["source"] == {"file": str(path), "url_from": "--url"}
    assert report["detected"]["family"] == "sharepoint"
    fields = report["readings"][0]["article"]["fields"]
    assert fields["title"]["value"] == page.expected["title"]
    assert fields["published_raw"]["value"] == page.expected["published_raw"]
    assert fields["author"]["value"] == page.expected["author"]


def test_a_saved_listing_without_its_url_still_detects_by_markup():
    path = PAGES / "aspnet-table" / "fitc-category" / "input.html"
    proc = run_cli("probe", str(path))
    assert proc.returncode == 0, proc.stderr
    assert "detected  aspnet-table (" in proc.stdout
    assert "LISTING (aspnet-table parser): " in proc.stdout
    assert "read as http://saved-page.invalid/input.html (address from placeholder)" in proc.stdout


def test_a_saved_page_without_url_is_read_at_its_canonical_address():
    path = PAGES / "sharepoint" / "quangninh-detailnews" / "input.html"
    report = json.loads(run_cli("probe", str(path), "--json").stdout)
    assert report["url"] == "http://www.quangninh.gov.vn/vi-VN/DetailNews.aspx?NewsId=812"
    assert report["source"]["url_from"] == "canonical"


def test_a_generic_page_is_read_once():
    path = PAGES / "generic" / "wordpress-article" / "input.html"
    proc = run_cli("probe", str(path), "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["family"] == "generic"
    assert [r["family"] for r in report["readings"]] == ["generic"]


# -- errors: one line, non-zero exit -------------------------------------------------------------


def test_robots_txt_forbidding_the_page(tmp_path):
    with ReplicaServer("sharepoint", articles=10, seed=1) as server:
        server.robots_txt = "User-agent: *\nDisallow: /tin-tuc/\n"
        proc = run_cli("probe", server.start_url)
        fetched = [r.path for r in server.requests]
    assert proc.returncode == 1
    assert "robots.txt forbids fetching" in _one_line_error(proc)
    assert fetched == ["/robots.txt"]


def test_unreachable_host():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = run_cli("probe", f"http://127.0.0.1:{port}/tin-tuc")
    assert proc.returncode == 1
    line = _one_line_error(proc)
    assert line.startswith("Error: cannot fetch http://127.0.0.1:") and "Connection" in line


def test_an_http_error_status(liferay):
    proc = run_cli("probe", liferay.url + "/khong-co-trang-nay")
    assert proc.returncode == 1
    assert "answered HTTP 404" in _one_line_error(proc)


@pytest.mark.parametrize(
    "args,message",
    [
        (["--family", "joomla"], "--family: unknown family 'joomla'"),
        (["--url", "ftp://x/"], "--url: expected an http:// or https:// address"),
    ],
)
def test_bad_options_exit_2(args, message):
    path = PAGES / "generic" / "wordpress-article" / "input.html"
    proc = run_cli("probe", str(path), *args)
    assert proc.returncode == 2
    assert message in _one_line_error(proc)


def test_bad_files_exit_2(tmp_path):
    proc = run_cli("probe", str(tmp_path / "missing.html"))
    assert proc.returncode == 2
    assert "cannot read" in _one_line_error(proc)
    proc = run_cli("probe", str(tmp_path))
    assert proc.returncode == 2
    assert "is a directory" in _one_line_error(proc)
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    proc = run_cli("probe", str(empty))
    assert proc.returncode == 2
    assert "is empty" in _one_line_error(proc)
    binary = tmp_path / "photo.html"
    binary.write_bytes(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;" * 10)
    proc = run_cli("probe", str(binary))
    assert proc.returncode == 2
    assert "not an HTML page" in _one_line_error(proc)


def test_a_url_that_is_not_html(liferay):
    proc = run_cli("probe", liferay.url + "/documents/10180/31504/anh.jpg/3d18c0f8?t=1")
    assert proc.returncode == 1
    assert "is not an HTML page (image/gif)" in _one_line_error(proc)
