"""Files in the archive (migration m009) through the real writer, without a crawl."""

from __future__ import annotations

import hashlib
import os
import sqlite3

from civicnews.archive.files import read_file_body
from tests.test_archive_store import item, store

PDF = b"%PDF-1.4\n" + "Quyết định số 123/QĐ-UBND\n".encode() * 50
PDF2 = PDF + b"% corrected\n"
FILE = "https://caugiay.hanoi.gov.vn/files/qd-123.pdf"


def entry(body=PDF, status=200, problem=None, at="2025-03-21T00:00:00+00:00", **kw):
    fetch = {
        "final_url": FILE,
        "status": status,
        "headers": {"Content-Type": ["application/pdf"], "ETag": ['"v1"']},
        "body": body,
        "size": len(body) if body is not None else kw.pop("size", None),
        "type": "application/pdf",
        "fetched_at": at,
        "problem": problem,
        "etag": '"v1"',
        "last_modified": None,
    }
    return {
        "url": kw.get("url", FILE),
        "linked_url": kw.get("linked", "/files/qd-123.pdf"),
        "name": "Quyết định số 123/QĐ-UBND",
        "source": "attachment",
        "kind": "document",
        "fetch": fetch,
    }


def linked_only(url=FILE):
    return {"url": url, "linked_url": url, "name": "QĐ 123", "source": "attachment",
            "kind": "document", "fetch": None}  # fmt: skip


def db(path):
    return sqlite3.connect(path)


def test_shared_file_is_stored_once_and_linked_from_each_article(tmp_path):
    path = tmp_path / "a.db"
    store(path, [item(1, files=[entry()]), item(2, files=[linked_only()]),
                 item(3, files=[entry()])])  # fmt: skip
    conn = db(path)
    digest = "sha256:" + hashlib.sha256(PDF).hexdigest()
    assert conn.execute("SELECT digest, size FROM file_bodies").fetchall() == [(digest, len(PDF))]
    assert conn.execute("SELECT url, digest, version_count, problem FROM files").fetchall() == [
        (FILE, digest, 1, None)
    ]
    links = conn.execute(
        "SELECT article_url, file_url, name, source FROM article_files ORDER BY article_url"
    ).fetchall()
    assert [link[0].rsplit("/", 1)[1] for link in links] == ["1", "2", "3"]
    assert {link[1] for link in links} == {FILE}
    # Each article keeps the name it linked the file under.
    assert [link[2] for link in links] == ["Quyết định số 123/QĐ-UBND", "QĐ 123"] + [
        "Quyết định số 123/QĐ-UBND"
    ]
    assert read_file_body(conn, digest) == PDF


def test_changed_file_is_a_new_version_and_the_old_one_stays(tmp_path):
    path = tmp_path / "a.db"
    store(path, [item(1, files=[entry()])])
    store(path, [item(1, files=[entry(PDF2, at="2025-04-01T00:00:00+00:00")])])
    conn = db(path)
    versions = conn.execute(
        "SELECT digest, fetched_at FROM file_versions ORDER BY id"
    ).fetchall()
    assert [v[1] for v in versions] == ["2025-03-21T00:00:00+00:00", "2025-04-01T00:00:00+00:00"]
    assert [read_file_body(conn, v[0]) for v in versions] == [PDF, PDF2]
    assert conn.execute("SELECT version_count, digest FROM files").fetchone() == (2, versions[1][0])


def test_304_touches_and_404_marks_gone_keeping_the_bytes(tmp_path):
    path = tmp_path / "a.db"
    store(path, [item(1, files=[entry()])])
    store(path, [item(1, files=[entry(None, status=304, at="2025-04-01T00:00:00+00:00")])])
    conn = db(path)
    assert conn.execute("SELECT last_seen_at, gone_at, status FROM files").fetchone() == (
        "2025-04-01T00:00:00+00:00", None, 200)
    store(path, [item(1, files=[entry(None, status=410, at="2025-05-01T00:00:00+00:00")])])
    store(path, [item(1, files=[entry(None, status=404, at="2025-06-01T00:00:00+00:00")])])
    row = conn.execute("SELECT gone_at, status, digest, version_count FROM files").fetchone()
    assert row[:2] == ("2025-05-01T00:00:00+00:00", 404)
    assert read_file_body(conn, row[2]) == PDF and row[3] == 1
    store(path, [item(1, files=[entry(at="2025-07-01T00:00:00+00:00")])])
    assert conn.execute("SELECT gone_at, version_count FROM files").fetchone() == (None, 1)


def test_over_the_cap_is_recorded_not_stored(tmp_path):
    path = tmp_path / "a.db"
    big = entry(None, problem="too-large", size=60_000_000)
    store(path, [item(1, files=[big])])
    conn = db(path)
    assert conn.execute("SELECT digest, size, problem, status FROM files").fetchone() == (
        None, 60_000_000, "too-large", 200)
    assert conn.execute("SELECT count(*) FROM file_bodies").fetchone() == (0,)
    assert conn.execute("SELECT count(*) FROM article_files").fetchone() == (1,)


def test_compressible_files_are_compressed_incompressible_ones_kept_as_they_are(tmp_path):
    path = tmp_path / "a.db"
    noise = os.urandom(200_000)
    store(path, [item(1, files=[entry(), entry(noise, url=FILE + "?x", linked="x")])])
    conn = db(path)
    got = dict(conn.execute("SELECT size, compression FROM file_bodies").fetchall())
    assert got == {len(PDF): "zlib", len(noise): "none"}
    for (digest,) in conn.execute("SELECT digest FROM file_bodies"):
        body = read_file_body(conn, digest)
        assert "sha256:" + hashlib.sha256(body).hexdigest() == digest


def test_a_batch_is_written_early_once_it_holds_enough_file_bytes(tmp_path, monkeypatch):
    from scrapy.utils.test import get_crawler

    from civicnews.pipelines import store as store_module

    monkeypatch.setattr(store_module, "BATCH_FILE_BYTES", 2 * len(PDF))
    crawler = get_crawler(settings_dict={"CIVICNEWS_DB": str(tmp_path / "a.db")})
    pipe = store_module.StorePipeline.from_crawler(crawler)
    assert pipe.batch_size == 500
    assert pipe.add(item(1, files=[entry()])) is None
    assert pipe.add(item(2, files=[linked_only()])) is None  # a link carries no bytes
    batch = pipe.add(item(3, files=[entry()]))
    assert [i.url[-1] for i in batch] == ["1", "2", "3"]
    assert pipe.add(item(4, files=[entry()])) is None  # the count starts again
