"""Schema upgrades: an older archive is upgraded by a writer (a crawl, the library) with its
data kept, refused by the commands that only read; a newer one is refused by all."""

from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest

from civicnews.archive import Archive, ArchiveError
from civicnews.archive.schema import SCHEMA_VERSION
from tests.conftest import rows, run_cli

# The v1 schema exactly as civicnews 0.1 (the foundation) shipped it; copied, not imported,
# so a later edit of the migration cannot make this test pass by accident.
V1_SQL = """
CREATE TABLE articles (
    url TEXT PRIMARY KEY,
    portal TEXT NOT NULL,
    title TEXT,
    published_at TEXT,
    published_raw TEXT,
    date_source TEXT,
    author TEXT,
    body_text TEXT,
    sapo TEXT,
    category TEXT,
    tags TEXT,
    images TEXT,
    attachments TEXT,
    source TEXT,
    extractor TEXT,
    fetched_url TEXT,
    content_hash TEXT,
    first_seen_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
CREATE INDEX articles_portal_published ON articles (portal, published_at);
PRAGMA user_version = 1;
"""

BODY = "Sáng 5/3, quận Đống Đa tổ chức ra quân tổng vệ sinh môi trường trên địa bàn."
V1_ROWS = [
    (
        "https://dongda.hanoi.gov.vn/tin/1", "dongda", "Quận Đống Đa ra quân",
        "2018-03-05T08:00:00+07:00", "05/03/2018 08:00", "page", "Thu Hà", BODY, None, None,
        '["môi trường"]', "[]", "[]", None, "liferay",
        "https://dongda.hanoi.gov.vn/tin/1?redirect=%2F", "h1",
        "2018-03-06T00:00:00+00:00", "2018-03-07T00:00:00+00:00",
    ),
    (
        "https://dongda.hanoi.gov.vn/tin/2", "dongda", "Phường Láng Hạ trao quà", None, None,
        None, None, "Phường Láng Hạ trao 50 suất quà cho hộ nghèo trên địa bàn phường.", None,
        None, "[]", "[]", "[]", None, "liferay", "https://dongda.hanoi.gov.vn/tin/2", "h2",
        "2018-03-06T00:00:00+00:00", "2018-03-06T00:00:00+00:00",
    ),
]  # fmt: skip


@pytest.fixture
def v1_archive(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(V1_SQL)
    conn.executemany(f"INSERT INTO articles VALUES ({','.join('?' * 19)})", V1_ROWS)
    conn.commit()
    conn.close()
    return path


def test_v1_archive_is_upgraded_on_open_with_its_data(v1_archive):
    Archive(v1_archive).close()  # the library's read-write open upgrades
    out = run_cli("stats", "--json", "--db", str(v1_archive))
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["totals"]["articles"] == 2
    conn = sqlite3.connect(v1_archive)
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    assert version >= 5
    # every v1 column kept as it was
    assert (
        conn.execute(f"SELECT {', '.join(_V1_COLUMNS)} FROM articles ORDER BY url").fetchall()
        == V1_ROWS
    )
    # each old row became one revision, and its fetched URL one of its URLs
    assert rows(
        v1_archive, "SELECT article_url, fetched_at, title FROM revisions ORDER BY article_url"
    ) == [
        (V1_ROWS[0][0], V1_ROWS[0][17], V1_ROWS[0][2]),
        (V1_ROWS[1][0], V1_ROWS[1][17], V1_ROWS[1][2]),
    ]
    assert (V1_ROWS[0][15], V1_ROWS[0][0]) in rows(
        v1_archive, "SELECT url, article_url FROM article_urls"
    )
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_the_crawls_health_check_reads_an_index_not_the_articles(v1_archive):
    # Every crawl ends by counting each portal's articles and their first/last
    # first_seen_at; read from the rows, that took 2.2 s at 16,000 articles and filled
    # the reading connection's cache (m011, issue 15).
    from civicnews.health import archive_activity

    Archive(v1_archive).close()  # upgrades
    conn = sqlite3.connect(v1_archive)
    plan = " ".join(
        str(row[-1])
        for row in conn.execute(
            "EXPLAIN QUERY PLAN SELECT count(*), min(first_seen_at), max(first_seen_at) "
            "FROM articles WHERE portal = ?",
            ("dongda",),
        )
    )
    assert "COVERING INDEX articles_portal_first_seen" in plan
    activity = archive_activity(conn, "dongda")
    assert (activity.articles, activity.oldest_first_seen, activity.newest_first_seen) == (
        2, "2018-03-06T00:00:00+00:00", "2018-03-06T00:00:00+00:00",
    )  # fmt: skip


@pytest.mark.parametrize(
    "args",
    [["stats"], ["search", "dong da"], ["runs"], ["export", "jsonl", "--out", "{out}"]],
)
def test_commands_that_read_refuse_an_old_archive_and_leave_it_alone(v1_archive, args):
    before = v1_archive.read_bytes()
    out = run_cli(*[a.replace("{out}", str(v1_archive.parent / "x.jsonl")) for a in args],
                  "--db", str(v1_archive))  # fmt: skip
    assert out.returncode == 1
    assert out.stderr.startswith("Error: ") and len(out.stderr.splitlines()) == 1
    assert "schema version 1 and must be upgraded to" in out.stderr
    assert f"civicnews upgrade --db {v1_archive}" in out.stderr
    assert v1_archive.read_bytes() == before
    assert sorted(p.name for p in v1_archive.parent.iterdir()) == ["old.db"]


def test_upgrade_brings_an_old_archive_up_without_a_crawl_and_keeps_its_rows(v1_archive):
    out = run_cli("upgrade", "--db", str(v1_archive))
    assert out.returncode == 0, out.stderr
    assert f"upgraded from schema version 1 to {SCHEMA_VERSION}" in out.stdout
    conn = sqlite3.connect(v1_archive)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    rows = conn.execute(f"SELECT {', '.join(_V1_COLUMNS)} FROM articles ORDER BY url").fetchall()
    assert rows == V1_ROWS
    conn.close()
    # Now the reading commands work, and a second upgrade changes nothing.
    assert run_cli("stats", "--db", str(v1_archive)).returncode == 0
    before = v1_archive.read_bytes()
    again = run_cli("upgrade", "--db", str(v1_archive))
    assert again.returncode == 0 and "already at schema version" in again.stdout
    assert v1_archive.read_bytes() == before


@pytest.mark.parametrize("what", ["missing", "empty", "foreign", "text"])
def test_upgrade_refuses_what_is_no_archive_in_one_line_and_leaves_it(tmp_path, what):
    path = tmp_path / "x.db"
    if what == "empty":
        path.write_bytes(b"")
    elif what == "foreign":
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE t (a)")
        conn.commit()
        conn.close()
    elif what == "text":
        path.write_text("not a database\n" * 100)
    before = path.read_bytes() if path.exists() else None
    out = run_cli("upgrade", "--db", str(path))
    assert out.returncode == 1
    assert out.stderr.startswith("Error: ") and len(out.stderr.splitlines()) == 1
    assert "Traceback" not in out.stderr
    assert (path.read_bytes() if path.exists() else None) == before


def test_upgrade_waits_for_no_crawl_it_exits_75_while_one_holds_the_lock(v1_archive):
    from civicnews.lock import ArchiveLock

    before = v1_archive.read_bytes()
    with ArchiveLock(v1_archive):
        out = run_cli("upgrade", "--db", str(v1_archive))
    assert out.returncode == 75, out.stderr
    assert len(out.stderr.splitlines()) == 1
    assert v1_archive.read_bytes() == before


def test_a_crawl_upgrades_an_old_archive(v1_archive, portals_file):
    out = run_cli("crawl", "replica", "--portals-file", str(portals_file), "--db", str(v1_archive))
    assert out.returncode == 0, out.stderr
    conn = sqlite3.connect(v1_archive)
    assert conn.execute("PRAGMA user_version").fetchone()[0] >= 5
    urls = tuple(r[0] for r in V1_ROWS)
    assert (
        conn.execute(
            f"SELECT {', '.join(_V1_COLUMNS)} FROM articles WHERE url IN (?, ?) ORDER BY url", urls
        ).fetchall()
        == V1_ROWS
    )
    conn.close()


def test_old_rows_are_searchable_after_the_upgrade(v1_archive):
    Archive(v1_archive).close()
    out = run_cli("search", "dong da", "--json", "--db", str(v1_archive))
    assert out.returncode == 0, out.stderr
    assert [h["url"] for h in json.loads(out.stdout)] == [V1_ROWS[0][0]]
    out = run_cli("search", "Láng Hạ", "--exact", "--json", "--db", str(v1_archive))
    assert [h["url"] for h in json.loads(out.stdout)] == [V1_ROWS[1][0]]


def test_upgraded_archive_takes_new_revisions(v1_archive):
    with Archive(v1_archive) as archive:
        result = archive.store(
            [
                {
                    "url": V1_ROWS[1][0],
                    "portal": "dongda",
                    "title": "Phường Láng Hạ trao quà Tết",
                    "body_text": V1_ROWS[1][7],
                    "fetched_at": "2019-01-01T00:00:00+00:00",
                }
            ]
        )
        assert (result.known, result.changed) == (1, 1)
        assert [r["title"] for r in archive.revisions(V1_ROWS[1][0])] == [
            "Phường Láng Hạ trao quà",
            "Phường Láng Hạ trao quà Tết",
        ]
        assert archive.get(V1_ROWS[1][0])["revision_count"] == 2


@pytest.fixture
def future_archive(tmp_path):
    path = tmp_path / "future.db"
    Archive(path, create=True).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    return path


@pytest.mark.parametrize(
    "args",
    [["stats"], ["search", "dong da"], ["crawl", "replica", "--portals-file", "{pf}"]],
)
def test_archive_from_a_newer_civicnews_is_refused(future_archive, portals_file, args):
    before = hashlib.sha256(future_archive.read_bytes()).hexdigest()
    args = [a.replace("{pf}", str(portals_file)) for a in args]
    out = run_cli(*args, "--db", str(future_archive))
    assert out.returncode != 0
    assert "newer than this civicnews" in out.stderr or "from a newer civicnews" in out.stderr
    assert "upgrade civicnews" in out.stderr
    assert "Traceback" not in out.stderr
    assert hashlib.sha256(future_archive.read_bytes()).hexdigest() == before


def test_library_refuses_newer_archive_and_old_readonly(future_archive, v1_archive):
    with pytest.raises(ArchiveError, match="upgrade civicnews"):
        Archive(future_archive)
    with pytest.raises(ArchiveError, match="must be upgraded"):
        Archive(v1_archive, readonly=True)


_V1_COLUMNS = (
    "url", "portal", "title", "published_at", "published_raw", "date_source", "author",
    "body_text", "sapo", "category", "tags", "images", "attachments", "source", "extractor",
    "fetched_url", "content_hash", "first_seen_at", "last_seen_at",
)  # fmt: skip
