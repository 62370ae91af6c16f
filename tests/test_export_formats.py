"""Each export format read back with its standard reader, against a small hand-made archive.

The archive (``small_archive``) is written by the real ArchiveWriter from six fetches; every
expectation below is derived from those fetches, never from a previous export.

Export order is (portal, published_at, url): alpha/a2 (2024-01-15), alpha/a1 (2024-03-02),
beta/b1 (2023-12-31), beta/b2 (2024-02-01).  a1 was refetched unchanged on 04-10 (a revisit)
and changed on 04-20 (second revision, new title); b2 was first seen on 05-01.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sqlite3
import zipfile
from hashlib import sha256
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from civicnews.export import export, make_filters
from tests.archives import fetch, refetch, write_archive

A1 = "http://alpha.example.vn/tin/a1"
A2 = "http://alpha.example.vn/tin/a2"
B1 = "http://beta.example.vn/b1"
B2 = "http://beta.example.vn/b2"
A1_ALIAS = "http://alpha.example.vn/tin/a1?redirect=%2Ftin"
ORDER = [A2, A1, B1, B2]
T0 = "2024-04-01T00:00:00+00:00"
H1 = "<html><head><title>A1</title></head><body><p>Phường Cổ Nhuế 1 trao quà</p></body></html>"
H1B = H1.replace("trao quà", "trao 50 suất quà")
H2 = "<html><body><p>Tin A2: đường Phạm Văn Đồng</p></body></html>"
H3 = "<html><body><p>Tin B1</p></body></html>"
H4 = "<html><body><p>Tin B2</p></body></html>"
TITLE_OLD = "Phường Cổ Nhuế 1 trao quà"
TITLE_NEW = "Phường Cổ Nhuế 1 trao 50 suất quà"


def small_archive(path: Path) -> Path:
    a1 = fetch(
        "alpha", A1, T0, H1.encode(),
        title=TITLE_OLD, published_at="2024-03-02T08:00:00+07:00",
        published_raw="02/03/2024 08:00", author="Minh Vịnh", body_text="Phường trao quà.",
        tags=["an sinh", "Cổ Nhuế"], related=[(A2, "Tin A2", "15/01/2024")],
    )  # fmt: skip
    a2 = fetch(
        "alpha", A2, T0, H2.encode(), title="Tin A2", published_at="2024-01-15",
        body_text="Đường Phạm Văn Đồng.",
        response_headers={
            "Content-Type": ["text/html; charset=utf-8"],
            "Transfer-Encoding": ["chunked"],
            "Content-Length": ["9999"],
        },
    )  # fmt: skip
    # b1 links to a1 through a redirect URL: the archive files it as an alias of a1.
    b1 = fetch(
        "beta", B1, "2024-04-05T00:00:00+00:00", H3.encode(), title="Tin B1",
        published_at="2023-12-31T23:00:00+07:00", body_text="B1.",
        related=[(A1, TITLE_OLD, None, A1_ALIAS)],
    )  # fmt: skip
    b2 = fetch(
        "beta", B2, "2024-05-01T00:00:00+00:00", H4.encode(), title="Tin B2",
        published_at="2024-02-01T00:00:00+07:00", body_text="B2.",
    )  # fmt: skip
    return write_archive(path, [
        a1, a2, b1,
        refetch(a1, "2024-04-10T00:00:00+00:00", H1.encode()),
        b2,
        refetch(a1, "2024-04-20T00:00:00+00:00", H1B.encode(), title=TITLE_NEW),
    ], batch=1)  # fmt: skip


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    return small_archive(tmp_path_factory.mktemp("archive") / "archive.db")


def run(archive: Path, out: Path, fmt: str, **filters) -> dict:
    excel = filters.pop("excel", False)
    return export(fmt, archive, out, make_filters(**filters), excel=excel)


def jsonl_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


# -- JSONL ----------------------------------------------------------------------------------------


def test_jsonl_one_article_per_line_in_export_order(archive, tmp_path):
    out = tmp_path / "s.jsonl"
    manifest = run(archive, out, "jsonl")
    rows = jsonl_rows(out)
    assert [r["url"] for r in rows] == ORDER
    a1 = rows[1]
    assert a1["title"] == TITLE_NEW and a1["revision_count"] == 2
    assert a1["tags"] == ["an sinh", "Cổ Nhuế"]
    assert a1["urls"] == [A1, A1_ALIAS]
    assert a1["related"] == [{"url": A2, "title": "Tin A2", "date_raw": "15/01/2024"}]
    assert "revisions" not in a1
    # Stable key order: the article columns as the table defines them, then the extras.
    columns = [r[1] for r in sqlite3.connect(archive).execute("PRAGMA table_info(articles)")]
    assert list(a1) == [*columns, "urls", "related", "files"]
    assert a1["files"] == []  # no file linked
    assert "Cổ Nhuế" in out.read_text("utf-8")  # UTF-8, not \u escapes
    assert manifest["counts"]["per_portal"] == {"alpha": 2, "beta": 2}
    assert manifest["date_range"] == {
        "first_published": "2023-12-31T23:00:00+07:00",
        "last_published": "2024-03-02T08:00:00+07:00",
    }


def test_jsonl_with_revisions_lists_every_revision(archive, tmp_path):
    out = tmp_path / "s.jsonl"
    run(archive, out, "jsonl", with_revisions=True)
    a1 = jsonl_rows(out)[1]
    assert [(r["revision"], r["title"], r["fetched_at"]) for r in a1["revisions"]] == [
        (1, TITLE_OLD, T0),
        (2, TITLE_NEW, "2024-04-20T00:00:00+00:00"),
    ]


def test_as_of_before_and_after_the_revision(archive, tmp_path):
    before, after = tmp_path / "before.jsonl", tmp_path / "after.jsonl"
    run(archive, before, "jsonl", as_of="2024-04-15T00:00:00Z")
    run(archive, after, "jsonl", as_of="2024-04-25")
    old, new = jsonl_rows(before), jsonl_rows(after)
    assert [r["url"] for r in old] == [A2, A1, B1]  # b2 was first seen on 05-01
    assert old[1]["title"] == TITLE_OLD and old[1]["revision_count"] == 1
    assert old[1]["last_seen_at"] == "2024-04-10T00:00:00+00:00"  # the revisit
    assert [r["url"] for r in new] == [A2, A1, B1]
    assert new[1]["title"] == TITLE_NEW and new[1]["revision_count"] == 2


def test_portal_and_date_filters(archive, tmp_path):
    out = tmp_path / "s.jsonl"
    run(archive, out, "jsonl", since="2024-01-01", until="2024-02-29")
    assert [r["url"] for r in jsonl_rows(out)] == [A2, B2]
    out2 = tmp_path / "beta.jsonl"
    manifest = run(archive, out2, "jsonl", portals=["beta"])
    assert [r["url"] for r in jsonl_rows(out2)] == [B1, B2]
    assert manifest["filters"]["portals"] == ["beta"]


# -- CSV ------------------------------------------------------------------------------------------


def test_csv_round_trips_with_joined_multi_values(archive, tmp_path):
    out = tmp_path / "s.csv"
    run(archive, out, "csv")
    raw = out.read_bytes()
    assert raw.startswith(b"url,portal,") and b"\r\n" in raw
    with open(out, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["url"] for r in rows] == ORDER
    a1 = rows[1]
    assert a1["tags"] == "an sinh | Cổ Nhuế"
    assert a1["urls"] == f"{A1} | {A1_ALIAS}"
    assert json.loads(a1["related"]) == [{"url": A2, "title": "Tin A2", "date_raw": "15/01/2024"}]
    assert a1["images"] == "" and a1["gone_at"] == ""


def test_csv_excel_bom_and_one_row_per_revision(archive, tmp_path):
    out = tmp_path / "s.csv"
    run(archive, out, "csv", with_revisions=True, excel=True)
    assert out.read_bytes().startswith(b"\xef\xbb\xbfurl,")
    with open(out, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert [(r["url"], r["revision"], r["title"]) for r in rows if r["url"] == A1] == [
        (A1, "1", TITLE_OLD),
        (A1, "2", TITLE_NEW),
    ]
    assert len(rows) == 5  # four articles, a1 twice


# -- SQLite ---------------------------------------------------------------------------------------


def schema(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return sorted(conn.execute("SELECT type, name, sql FROM sqlite_master"))
    finally:
        conn.close()


def test_sqlite_copy_has_the_same_schema_and_the_filtered_rows(archive, tmp_path):
    out = tmp_path / "s.db"
    run(archive, out, "sqlite", portals=["alpha"], as_of="2024-04-15T00:00:00Z")
    assert schema(out) == schema(archive)
    conn = sqlite3.connect(out)
    assert (
        conn.execute("PRAGMA user_version").fetchone()
        == sqlite3.connect(archive).execute("PRAGMA user_version").fetchone()
    )
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert sorted(r[0] for r in conn.execute("SELECT url FROM articles")) == [A1, A2]
    assert conn.execute("SELECT title FROM articles WHERE url = ?", (A1,)).fetchone() == (
        TITLE_OLD,
    )
    # Without --with-revisions: one revision per article, the one in force at as_of.
    assert conn.execute("SELECT count(*), max(title) FROM revisions WHERE article_url = ?", (A1,)
    ).fetchone() == (1, TITLE_OLD)  # fmt: skip
    # Its capture (the first fetch) and the latest capture with a body (the revisit) are kept.
    kinds = conn.execute("SELECT kind FROM captures WHERE article_url = ? ORDER BY fetched_at",
                         (A1,)).fetchall()  # fmt: skip
    assert kinds == [("response",), ("revisit",)]
    digests = {r[0] for r in conn.execute("SELECT digest FROM raw_bodies")}
    assert digests == {"sha256:" + sha256(h.encode()).hexdigest() for h in (H1, H2)}
    assert conn.execute("SELECT count(*) FROM related_links").fetchone() == (1,)
    assert conn.execute("SELECT count(*) FROM article_urls").fetchone() == (3,)
    # The full-text index follows the copied rows (the search command relies on it).
    hits = conn.execute(
        "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'nhue'"
    ).fetchone()
    assert hits == (1,)
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()


def test_sqlite_with_revisions_keeps_all_history(archive, tmp_path):
    out = tmp_path / "s.db"
    run(archive, out, "sqlite", with_revisions=True)
    conn = sqlite3.connect(out)
    assert conn.execute("SELECT count(*) FROM revisions").fetchone() == (5,)
    assert conn.execute("SELECT count(*) FROM captures").fetchone() == (6,)
    conn.close()


# -- WARC -----------------------------------------------------------------------------------------


def records(path: Path) -> list[tuple]:
    out = []
    with open(path, "rb") as f:
        for rec in ArchiveIterator(f):
            h = rec.rec_headers
            out.append((h.get_header("WARC-Type"), h.get_header("WARC-Target-URI"),
                        h.get_header("WARC-Date"), rec, rec.content_stream().read()))  # fmt: skip
    return out


def warc_check(path: Path) -> int:
    from warcio.checker import Checker

    class Cmd:
        inputs = [str(path)]
        verbose = False

    return Checker(Cmd).process_all()


def test_warc_records_from_the_stored_bytes(archive, tmp_path):
    out = tmp_path / "s.warc.gz"
    manifest = run(archive, out, "warc")
    recs = records(out)
    assert [(t, u) for t, u, *_ in recs] == [
        ("warcinfo", None),
        *[(kind, url) for url in ORDER for kind in ("response", "request")],
    ]
    info = recs[0][4].decode()
    assert "software: civicnews/" in info and '"with_revisions": false' in info
    by_url = {u: (d, rec, body) for t, u, d, rec, body in recs if t == "response"}
    date, rec, body = by_url[A1]
    assert body == H1B.encode() and date == "2024-04-20T00:00:00Z"  # latest capture with a body
    assert rec.rec_headers.get_header("WARC-Payload-Digest").startswith("sha256:")
    assert rec.rec_headers.get_header("WARC-Block-Digest").startswith("sha256:")
    # Stored de-chunked, with a stale length: headers renamed so replay does not decode twice.
    _, a2, body2 = by_url[A2]
    assert body2 == H2.encode()
    assert a2.http_headers.get_header("Transfer-Encoding") is None
    assert a2.http_headers.get_header("X-Archive-Orig-Transfer-Encoding") == "chunked"
    assert a2.http_headers.get_header("Content-Length") == str(len(H2.encode()))
    assert warc_check(out) == 0
    assert [f["path"] for f in manifest["files"]] == ["s.warc.gz", "s.cdxj"]
    # Each record is its own gzip member: the first member decompresses alone to the warcinfo.
    first = gzip.GzipFile(fileobj=io.BytesIO(out.read_bytes())).read(9)
    assert first == b"WARC/1.1\r"


def test_warc_with_revisions_writes_revisit_records(archive, tmp_path):
    out = tmp_path / "s.warc.gz"
    run(archive, out, "warc", with_revisions=True, portals=["alpha"])
    recs = [(t, u, d, rec) for t, u, d, rec, _ in records(out) if t != "request"]
    a1 = [(t, d) for t, u, d, _ in recs if u == A1]
    assert a1 == [
        ("response", "2024-04-01T00:00:00Z"),
        ("revisit", "2024-04-10T00:00:00Z"),
        ("response", "2024-04-20T00:00:00Z"),
    ]
    first = next(rec for t, u, _, rec in recs if u == A1 and t == "response")
    revisit = next(rec for t, _, _, rec in recs if t == "revisit").rec_headers
    assert revisit.get_header("WARC-Profile").endswith("/revisit/identical-payload-digest")
    assert revisit.get_header("WARC-Refers-To") == first.rec_headers.get_header("WARC-Record-ID")
    assert revisit.get_header("WARC-Refers-To-Target-URI") == A1
    assert revisit.get_header("WARC-Refers-To-Date") == "2024-04-01T00:00:00Z"
    assert revisit.get_header("WARC-Payload-Digest") == first.rec_headers.get_header(
        "WARC-Payload-Digest"
    )
    assert warc_check(out) == 0


def test_cdxj_is_sorted_and_points_at_the_records(archive, tmp_path):
    out = tmp_path / "s.warc.gz"
    run(archive, out, "warc", with_revisions=True)
    lines = (tmp_path / "s.cdxj").read_bytes().splitlines()
    assert lines == sorted(lines) and len(lines) == 6  # responses and revisits, not requests
    data = out.read_bytes()
    for line in lines:
        key, ts, block = line.decode().split(" ", 2)
        entry = json.loads(block)
        member = data[int(entry["offset"]) : int(entry["offset"]) + int(entry["length"])]
        rec = next(iter(ArchiveIterator(io.BytesIO(member))))
        assert rec.rec_headers.get_header("WARC-Target-URI") == entry["url"]
        assert (
            ts
            == rec.rec_headers.get_header("WARC-Date")
            .replace("-", "")
            .replace(":", "")
            .replace("T", "")[:14]
        )
    assert lines[0].startswith(b"vn,example,alpha)/tin/a1 20240401000000 ")


# -- WACZ -----------------------------------------------------------------------------------------


def test_wacz_layout_and_datapackage_hashes(archive, tmp_path):
    out = tmp_path / "s.wacz"
    run(archive, out, "wacz")
    with zipfile.ZipFile(out) as zf:
        assert zf.namelist() == [
            "archive/data.warc.gz",
            "indexes/index.cdx",
            "pages/pages.jsonl",
            "manifest.json",
            "datapackage.json",
            "datapackage-digest.json",
        ]
        assert zf.getinfo("archive/data.warc.gz").compress_type == zipfile.ZIP_STORED
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        package = json.loads(zf.read("datapackage.json"))
        assert package["profile"] == "data-package" and package["wacz_version"] == "1.1.1"
        for res in package["resources"]:
            content = zf.read(res["path"])
            assert res["hash"] == "sha256:" + sha256(content).hexdigest()
            assert res["bytes"] == len(content)
        assert {r["path"] for r in package["resources"]} == set(zf.namelist()) - {
            "datapackage.json",
            "datapackage-digest.json",
        }
        digest = json.loads(zf.read("datapackage-digest.json"))
        assert digest == {
            "path": "datapackage.json",
            "hash": "sha256:" + sha256(zf.read("datapackage.json")).hexdigest(),
        }
        pages = [json.loads(x) for x in zf.read("pages/pages.jsonl").splitlines()]
        assert pages[0]["format"] == "json-pages-1.0"
        assert [(p["url"], p["title"]) for p in pages[1:]] == [
            (A2, "Tin A2"), (A1, TITLE_NEW), (B1, "Tin B1"), (B2, "Tin B2"),
        ]  # fmt: skip
        inner = json.loads(zf.read("manifest.json"))
        assert inner["format"] == "wacz" and inner["counts"]["articles"] == 4
        recs = list(ArchiveIterator(io.BytesIO(zf.read("archive/data.warc.gz"))))
        assert len(recs) == 9


# -- guarantees -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fmt,name", [("jsonl", "s.jsonl"), ("csv", "s.csv"), ("sqlite", "s.db"),
                 ("warc", "s.warc.gz"), ("wacz", "s.wacz")],
)  # fmt: skip
def test_two_exports_are_byte_identical(archive, tmp_path, fmt, name):
    from civicnews.export import output_paths

    first, second = tmp_path / "1", tmp_path / "2"
    first.mkdir()
    second.mkdir()
    run(archive, first / name, fmt, with_revisions=True)
    run(archive, second / name, fmt, with_revisions=True)
    for path in output_paths(fmt, first / name):
        assert path.read_bytes() == (second / path.name).read_bytes(), path.name


def test_empty_selection_writes_nothing(archive, tmp_path):
    from civicnews.export import EmptySelection

    for fmt, name in (("jsonl", "e.jsonl"), ("sqlite", "e.db"), ("wacz", "e.wacz")):
        with pytest.raises(EmptySelection):
            run(archive, tmp_path / name, fmt, since="2030-01-01")
    assert list(tmp_path.iterdir()) == []


def test_existing_output_is_kept_without_force(archive, tmp_path):
    from civicnews.export import UsageError

    out = tmp_path / "s.jsonl"
    out.write_text("keep me")
    with pytest.raises(UsageError, match="--force"):
        run(archive, out, "jsonl")
    assert out.read_text() == "keep me"
    export("jsonl", archive, out, make_filters(), force=True)
    assert len(jsonl_rows(out)) == 4


@pytest.mark.parametrize("fmt,name", [("jsonl", "s.jsonl"), ("sqlite", "s.db"),
                                      ("warc", "s.warc.gz"), ("wacz", "s.wacz")])  # fmt: skip
def test_an_interrupted_export_leaves_no_file(archive, tmp_path, fmt, name):
    def interrupt(count: int) -> None:
        if count == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        export(fmt, archive, tmp_path / name, make_filters(), progress=interrupt)
    assert list(tmp_path.iterdir()) == []  # neither the output nor a temp file or directory
