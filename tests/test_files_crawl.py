"""Real crawls (the CLI in a subprocess) archive the replica's attachments (issue 17).

Digests are compared with the replica's own (``Attachments.expected``), computed from
the bytes it serves, not by civicnews.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import Counter

import pytest

from civicnews.archive.files import read_file_body
from civicnews.replica.server import ReplicaServer
from tests.conftest import portal_toml, rows, run_cli

CAP = "1000000"  # bytes: the replica's big file (3 MiB) is over it, every other file under


def crawl(pf, db, *extra):
    result = run_cli(
        "crawl", "replica", "--db", str(db), "--portals-file", str(pf),
        "--set", f"CIVICNEWS_FILES_MAXSIZE={CAP}", "--json", *extra,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def files_by_url(db):
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return {r["url"]: dict(r) for r in conn.execute("SELECT * FROM files")}
    finally:
        conn.close()


def file_requests(server):
    paths = {e["path"] for e in server.attachments.expected()}
    paths |= {e["final_path"] for e in server.attachments.expected()}
    return [r for r in server.requests if r.path in paths]


@pytest.mark.parametrize("family", ["liferay", "hanoi-platform"])
def test_crawl_archives_every_attachment_once_and_follows_changes(tmp_path, family):
    with ReplicaServer(family, articles=14, seed=2, attachments=True) as server:
        pf = tmp_path / "portals.toml"
        pf.write_text(
            portal_toml("replica", server.start_url, family, file_hosts=["localhost"]), "utf-8"
        )
        db = tmp_path / "archive.db"
        crawl(pf, db)
        expected = server.attachments.expected()
        files = files_by_url(db)
        assert set(files) == {server.url + e["path"] for e in expected}
        conn = sqlite3.connect(db)
        by = {e["behaviour"]: e for e in expected if e["behaviour"] != "plain"}

        # Every file that gives bytes is stored, under the replica's digest, exactly once.
        for e in expected:
            row = files[server.url + e["path"]]
            assert row["digest"] == e["digest"], (e, row)
            if e["digest"]:
                body = read_file_body(conn, e["digest"])
                assert "sha256:" + hashlib.sha256(body).hexdigest() == e["digest"]
                assert row["size"] == e["size"] and row["problem"] is None
        digests = {e["digest"] for e in expected if e["digest"]}
        assert rows(db, "SELECT count(*) FROM file_bodies") == [(len(digests),)]

        # The shared plan: one row, one body, linked from each article that links it.
        shared = next(e for e in expected if e["name"].startswith("Kế hoạch"))
        assert len(shared["keys"]) >= 3
        linking = rows(
            db, "SELECT article_url, name, source FROM article_files WHERE file_url = ?",
            (server.url + shared["path"],),
        )  # fmt: skip
        assert sorted(u for u, _, _ in linking) == sorted(
            server.truth(k)["url"] for k in shared["keys"]
        )
        assert {(n, s) for _, n, s in linking} == {("Kế hoạch số 45/KH-UBND", "attachment")}
        # Each file was asked for once, however many articles link it.
        counts = Counter((r.headers.get("host"), r.path) for r in file_requests(server))
        assert counts[(server.url.split("//")[1], shared["path"])] == 1
        assert max(counts.values()) == 1
        assert len(counts) == len(expected) + 2  # the moved file's new URL, the file host's

        big = files[server.url + by["big"]["path"]]
        assert (big["problem"], big["digest"]) == ("too-large", None)
        assert big["size"] == by["big"]["size"]  # as announced (Content-Length)
        moved = files[server.url + by["moved"]["path"]]
        assert moved["final_url"] == server.url + by["moved"]["final_path"]
        host = files[server.url + by["host"]["path"]]
        assert host["final_url"] == by["host"]["final_url"]
        assert host["final_url"].startswith("http://localhost:")
        offsite = files[server.url + by["offsite"]["path"]]
        assert (offsite["problem"], offsite["digest"]) == ("offsite-redirect", None)
        assert offsite["final_url"].startswith("http://127.0.0.2:")
        login = files[server.url + by["login"]["path"]]
        assert (login["problem"], login["type"], login["digest"]) == ("type", "text/html", None)
        broken = files[server.url + by["broken"]["path"]]
        assert broken["digest"] == by["broken"]["digest"] and broken["type"] == "application/pdf"
        # The articles themselves were all archived: files never stop the crawl.
        assert rows(db, "SELECT count(*) FROM articles") == [(14,)]

        # A later refresh run: the notice is gone, the report changed, the rest asked
        # for conditionally.
        server.attachments.epoch = 2
        server.clear_requests()
        crawl(pf, db, "--refresh-after", "0")
        after = files_by_url(db)
        gone = after[server.url + by["gone"]["path"]]
        assert gone["gone_at"] is not None and gone["status"] == 410
        assert gone["digest"] == by["gone"]["digest"]  # the bytes stay archived
        assert read_file_body(conn, gone["digest"]) is not None
        changing = after[server.url + by["changing"]["path"]]
        new = {e["behaviour"]: e for e in server.attachments.expected()}["changing"]["digest"]
        assert new != by["changing"]["digest"]
        assert (changing["digest"], changing["version_count"]) == (new, 2)
        versions = rows(
            db,
            "SELECT v.digest FROM file_versions v JOIN files f ON f.id = v.file_id "
            "WHERE f.url = ? ORDER BY v.id",
            (server.url + by["changing"]["path"],),
        )
        assert versions == [(by["changing"]["digest"],), (new,)]
        assert read_file_body(conn, by["changing"]["digest"]) is not None
        plan = after[server.url + shared["path"]]
        assert (
            plan["version_count"] == 1
            and plan["last_seen_at"] >= files[plan["url"]]["last_seen_at"]
        )
        asked = [r for r in file_requests(server) if r.path == shared["path"]]
        assert len(asked) == 1 and asked[0].headers.get("if-none-match")
        assert asked[0].status == 304
        conn.close()


def test_files_switched_off_fetches_none(tmp_path):
    with ReplicaServer("liferay", articles=14, seed=2, attachments=True) as server:
        pf = tmp_path / "portals.toml"
        pf.write_text(portal_toml("replica", server.start_url), "utf-8")
        db = tmp_path / "archive.db"
        crawl(pf, db, "--set", "CIVICNEWS_FILES_ENABLED=false")
        assert file_requests(server) == []
        assert rows(db, "SELECT count(*) FROM files") == [(0,)]
        assert rows(db, "SELECT count(*) FROM articles") == [(14,)]


def test_images_are_archived_when_asked(tmp_path):
    with ReplicaServer("liferay", articles=14, seed=2, attachments=True) as server:
        pf = tmp_path / "portals.toml"
        pf.write_text(portal_toml("replica", server.start_url), "utf-8")
        db = tmp_path / "archive.db"
        crawl(pf, db, "--images")
        linked = {
            img["url"]
            for (images,) in rows(db, "SELECT images FROM articles")
            for img in json.loads(images)
        }
        assert len(linked) >= 5
        images = rows(db, "SELECT url, digest, type, problem FROM files WHERE kind = 'image'")
        assert {u for u, _, _, _ in images} == linked
        # The replica serves one 1x1 GIF for every photo: stored once.
        pixel = server.renderer.handle("GET", "/documents/x/y/z.jpg/u", "", {}, b"").body
        digest = "sha256:" + hashlib.sha256(pixel).hexdigest()
        assert {(d, t, p) for _, d, t, p in images} == {(digest, "image/gif", None)}
        assert rows(db, "SELECT count(*) FROM file_bodies WHERE digest = ?", (digest,)) == [(1,)]
        assert rows(db, "SELECT DISTINCT source FROM article_files WHERE file_url IN "
                        "(SELECT url FROM files WHERE kind = 'image')") == [("image",)]  # fmt: skip


def test_without_images_none_are_fetched(tmp_path):
    with ReplicaServer("liferay", articles=14, seed=2, attachments=True) as server:
        pf = tmp_path / "portals.toml"
        pf.write_text(portal_toml("replica", server.start_url), "utf-8")
        db = tmp_path / "archive.db"
        crawl(pf, db)
        assert rows(db, "SELECT count(*) FROM files WHERE kind = 'image'") == [(0,)]
        assert not [r for r in server.requests if r.path.endswith(".jpg")]


@pytest.mark.parametrize(
    "setting",
    ["CIVICNEWS_FILES_MAXSIZE=0", "CIVICNEWS_FILES_ENABLED=maybe", "CIVICNEWS_FILES_MAXSIZE=2e9"],
)
def test_bad_files_settings_are_one_line_and_exit_2(tmp_path, setting):
    result = run_cli("crawl", "--db", str(tmp_path / "a.db"), "--set", setting)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "CIVICNEWS_FILES_" in result.stderr
    assert not (tmp_path / "a.db").exists()


def test_files_keep_the_portals_crawl_delay_and_robots_txt(tmp_path):
    """Files share the pages' throttle (robots.txt Crawl-delay 1 s, concurrency 1) and obey
    its Disallow; a forbidden file is recorded and the crawl goes on."""
    with ReplicaServer("hanoi-platform", articles=14, seed=2, attachments=True) as server:
        shared = next(e for e in server.attachments.expected() if e["name"].startswith("Kế"))
        server.robots_txt = f"User-agent: *\nCrawl-delay: 1\nDisallow: {shared['path']}\n"
        pf = tmp_path / "portals.toml"
        pf.write_text(
            portal_toml("replica", server.start_url, "hanoi-platform", delay=0, concurrency=1),
            "utf-8",
        )
        db = tmp_path / "archive.db"
        crawl(pf, db, "--max-articles", "4")
        log = [r for r in server.requests if r.path != "/robots.txt" and r.method == "GET"]
        fetched = file_requests(server)
        shared_url = server.url + shared["path"]
    assert len(fetched) >= 3 and shared["path"] not in {r.path for r in fetched}
    gaps = [b.time - a.time for a, b in zip(log, log[1:], strict=False)]
    assert min(gaps) >= 0.9  # pages and files alike, one at a time, a second apart
    assert rows(db, "SELECT problem, digest FROM files WHERE url = ?", (shared_url,)) == [
        ("robots", None)
    ]
    assert rows(db, "SELECT count(*) FROM articles") == [(4,)]
