"""Commands that read (search, stats, runs, export) never write, through the real CLI.

They open the archive with ``civicnews.archive.db.open_readonly``: any file name (URI syntax
characters included), never a byte written to what they open, a one-line refusal of what is
not a civicnews archive, and archives on read-only media.  The read-only cases use real tmpfs
mounts remounted read-only, and permission bits (0444 file, 0555 directory) for a CLI run as
root without the capabilities that let root ignore them.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from civicnews.archive import Archive, SearchError
from tests.conftest import ROOT, portal_toml, rows, run_cli
from tests.test_export_formats import ORDER, small_archive

#: Companions SQLite itself makes beside a WAL archive for any reader (mode=ro included);
#: the archive file is never written.
WAL_FILES = ("-wal", "-shm")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _one_line_error(out, code: int, needle: str) -> None:
    assert out.returncode == code, (out.returncode, out.stderr)
    assert "Traceback" not in out.stderr
    assert out.stderr.startswith("Error: ") and len(out.stderr.splitlines()) == 1, out.stderr
    assert needle in out.stderr, out.stderr


def _names(directory: Path) -> set[str]:
    return {p.name for p in directory.iterdir()}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory, replica):
    """A real crawl of the 60-article replica, with its crawl_runs row."""
    tmp = tmp_path_factory.mktemp("readonly")
    pf = tmp / "portals.toml"
    pf.write_text(portal_toml("replica", replica.start_url), "utf-8")
    db = tmp / "archive.db"
    out = run_cli("crawl", "replica", "--db", str(db), "--portals-file", str(pf), "--json")
    assert out.returncode == 0, out.stderr
    return db


# -- item 4: the archive named, whatever characters its path has --------------------------------


@pytest.mark.parametrize("name", ["x#big.db", "q?a=1.db", "pct%20.db", "sp ace%.db"])
def test_export_reads_the_archive_it_is_given_whatever_its_name(tmp_path, name):
    db = small_archive(tmp_path / name)
    # A decoy where a URI parser would stop reading the name ('#', '?'), or decode '%20'.
    decoy = tmp_path / name.split("#")[0].split("?")[0].replace("%20", " ")
    if decoy != db:
        with Archive(decoy, create=True) as archive:
            archive.store([{"url": "http://decoy.vn/1", "portal": "decoy", "title": "Decoy"}])
    before = _names(tmp_path)
    out = tmp_path / "out.jsonl"
    done = run_cli("export", "jsonl", "--db", str(db), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert [json.loads(line)["url"] for line in out.read_text("utf-8").splitlines()] == ORDER
    made = _names(tmp_path) - before
    assert made - {db.name + s for s in WAL_FILES} == {"out.jsonl", "out.jsonl.manifest.json"}
    stats = run_cli("stats", "--json", "--db", str(db))
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["totals"]["articles"] == len(ORDER)
    found = run_cli("search", "Cổ Nhuế", "--json", "--db", str(db))
    assert found.returncode == 0, found.stderr
    assert [h["url"] for h in json.loads(found.stdout)] == [ORDER[1]]


def test_sqlite_export_to_a_name_with_a_hash_is_that_file_and_nothing_else(tmp_path):
    db = small_archive(tmp_path / "archive.db")
    before = _names(tmp_path)
    out = tmp_path / "o#1.db"
    done = run_cli("export", "sqlite", "--db", str(db), "--out", str(out))
    assert done.returncode == 0, done.stderr
    made = _names(tmp_path) - before
    assert made - {db.name + s for s in WAL_FILES} == {"o#1.db", "o#1.db.manifest.json"}
    assert rows(out, "SELECT url FROM articles ORDER BY portal, published_at, url") == [
        (u,) for u in ORDER
    ]


# -- item 5: nothing that is not an archive is ever written -------------------------------------


READERS = [
    ["stats"],
    ["search", "dong da"],
    ["runs"],
    ["export", "jsonl", "--out", "{dir}/out.jsonl"],
    ["export", "sqlite", "--out", "{dir}/out.db"],
]


def _other_program_db(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    conn.execute("INSERT INTO notes (text) VALUES ('họp tổ dân phố')")
    conn.commit()
    conn.close()
    return path


@pytest.mark.parametrize("args", READERS, ids=lambda a: " ".join(a[:2]))
@pytest.mark.parametrize("kind", ["other-sqlite", "empty-file"])
def test_reading_commands_refuse_a_file_that_is_not_an_archive_and_never_write_it(
    tmp_path, args, kind
):
    if kind == "other-sqlite":
        target, needle = _other_program_db(tmp_path / "other.db"), "is not a civicnews archive"
    else:
        target, needle = tmp_path / "empty.db", "is an empty file, not a civicnews archive"
        target.touch()
    before, files = _digest(target), _names(tmp_path)
    argv = [a.replace("{dir}", str(tmp_path)) for a in args]
    out = run_cli(*argv, "--db", str(target))
    _one_line_error(out, 1, needle)
    assert _digest(target) == before
    assert _names(tmp_path) == files  # no output, no journal, no -wal
    if kind == "other-sqlite":
        assert rows(target, "SELECT name FROM sqlite_master") == [("notes",)]


def test_a_crawl_does_not_turn_another_programs_database_into_an_archive(tmp_path, portals_file):
    target = _other_program_db(tmp_path / "other.db")
    before = _digest(target)
    out = run_cli("crawl", "replica", "--portals-file", str(portals_file), "--db", str(target))
    assert out.returncode == 1, out.stderr
    assert "is not a civicnews archive" in out.stderr and "Traceback" not in out.stderr
    assert _digest(target) == before
    assert rows(target, "SELECT name FROM sqlite_master") == [("notes",)]


def test_reading_commands_leave_a_real_archive_byte_for_byte(crawled, tmp_path):
    before = _digest(crawled)
    for args in READERS:
        argv = [a.replace("{dir}", str(tmp_path)) for a in args]
        out = run_cli(*argv, "--db", str(crawled))
        assert out.returncode == 0, (argv, out.stderr)
    assert _digest(crawled) == before


# -- item 6: read-only media ---------------------------------------------------------------------


# The tmpfs fixture (a real 16 MB file system per test) comes from tests/conftest.py.


def _read_only(mnt: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)


def test_every_reading_command_works_on_a_read_only_mount(crawled, tmpfs, tmp_path):
    db = tmpfs / "archive.db"
    shutil.copy(crawled, db)  # a WAL archive, closed cleanly: no -wal beside it
    _read_only(tmpfs)
    expected = rows(crawled, "SELECT count(*) FROM articles")[0][0]
    stats = run_cli("stats", "--json", "--db", str(db))
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["totals"]["articles"] == expected
    runs = run_cli("runs", "--json", "--db", str(db))
    assert runs.returncode == 0, runs.stderr
    assert [r["status"] for r in json.loads(runs.stdout)] == ["ok"]
    found = run_cli("search", "phuong", "--json", "--limit", "1", "--db", str(db))
    assert found.returncode == 0 and json.loads(found.stdout), found.stderr
    for fmt, name in [("jsonl", "s.jsonl"), ("sqlite", "s.db"), ("wacz", "s.wacz")]:
        out = run_cli("export", fmt, "--db", str(db), "--out", str(tmp_path / name))
        assert out.returncode == 0, (fmt, out.stderr)
        assert f"exported {expected} articles" in out.stdout
        assert run_cli("verify", str(tmp_path / name)).returncode == 0
    assert rows(tmp_path / "s.db", "SELECT count(*) FROM articles") == [(expected,)]


def _without_root_override(*args: str):
    """The real CLI as root without the capabilities that let root ignore permission bits
    (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), so a 0444 file and a 0555 directory stop it
    as they stop any user (setpriv is part of util-linux)."""
    drop = "-dac_override,-dac_read_search"
    return subprocess.run(
        ["setpriv", f"--bounding-set={drop}", sys.executable, "-m", "civicnews", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=180,
    )  # fmt: skip


def test_every_reading_command_works_on_a_read_only_file_in_a_read_only_directory(
    crawled, tmp_path
):
    shelf = tmp_path / "shelf"
    shelf.mkdir()
    db = shelf / "archive.db"
    shutil.copy(crawled, db)
    db.chmod(0o444)
    shelf.chmod(0o555)
    try:
        probe = _without_root_override("--version")
        assert probe.returncode == 0, probe.stderr
        expected = rows(crawled, "SELECT count(*) FROM articles")[0][0]
        stats = _without_root_override("stats", "--json", "--db", str(db))
        assert stats.returncode == 0, stats.stderr
        assert json.loads(stats.stdout)["totals"]["articles"] == expected
        runs = _without_root_override("runs", "--db", str(db))
        assert runs.returncode == 0, runs.stderr
        found = _without_root_override("search", "phuong", "--json", "--db", str(db))
        assert found.returncode == 0 and json.loads(found.stdout), found.stderr
        out = tmp_path / "s.jsonl"
        done = _without_root_override("export", "jsonl", "--db", str(db), "--out", str(out))
        assert done.returncode == 0, done.stderr
        assert len(out.read_text("utf-8").splitlines()) == expected
        refused = _without_root_override(
            "export", "jsonl", "--db", str(db), "--out", str(shelf / "s.jsonl")
        )
        _one_line_error(refused, 1, f"cannot write {shelf / 's.jsonl'}: ")
        assert _names(shelf) == {"archive.db"}
    finally:
        shelf.chmod(0o755)


def test_export_onto_a_read_only_mount_is_one_line_and_exit_1(crawled, tmpfs):
    _read_only(tmpfs)
    for fmt, name in [("jsonl", "s.jsonl"), ("sqlite", "s.db"), ("warc", "s.warc.gz")]:
        out = run_cli("export", fmt, "--db", str(crawled), "--out", str(tmpfs / name))
        _one_line_error(out, 1, f"cannot write {tmpfs / name}")
        assert "read-only" in out.stderr
    assert _names(tmpfs) == set()


def test_a_read_only_archive_left_with_its_wal_says_so_not_cannot_be_upgraded(tmpfs, tmp_path):
    # A crawl killed mid-way leaves its last batches in archive.db-wal; copied without
    # its -shm onto read-only media, those batches cannot be read without writing.
    source = small_archive(tmp_path / "archive.db")
    writer = sqlite3.connect(source, isolation_level=None)
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.execute("UPDATE articles SET title = 'changed' WHERE url = ?", (ORDER[0],))
    shutil.copy(source, tmpfs / "archive.db")
    shutil.copy(source.with_name("archive.db-wal"), tmpfs / "archive.db-wal")
    writer.close()
    _read_only(tmpfs)
    for args in (["stats"], ["search", "dong"], ["runs"], ["export", "jsonl"]):
        argv = [*args, "--db", str(tmpfs / "archive.db")]
        if args[0] == "export":
            argv += ["--out", str(tmp_path / "out.jsonl")]
        out = run_cli(*argv)
        _one_line_error(out, 1, "was not closed cleanly")
        assert "archive.db-wal" in out.stderr and "cannot be upgraded" not in out.stderr


def test_export_onto_a_disk_that_fills_up_is_one_line_and_leaves_nothing(crawled, tmpfs):
    free = os.statvfs(tmpfs).f_bavail * os.statvfs(tmpfs).f_frsize
    (tmpfs / "filler").write_bytes(b"\0" * (free - 64 * 1024))  # room for 64 kB, no more
    for fmt, name in [("jsonl", "s.jsonl"), ("sqlite", "s.db"), ("wacz", "s.wacz")]:
        out = run_cli("export", fmt, "--db", str(crawled), "--out", str(tmpfs / name))
        _one_line_error(out, 1, f"{tmpfs / name}: ")
        assert out.stderr.startswith("Error: cannot write ")
        assert "No space left on device" in out.stderr or "disk is full" in out.stderr
        assert _names(tmpfs) == {"filler"}  # no part file left behind


# -- item 18: output paths and stats --json ------------------------------------------------------


def test_export_to_a_missing_directory_exits_1(crawled, tmp_path):
    target = tmp_path / "nonexistent" / "dir" / "x.jsonl"
    out = run_cli("export", "jsonl", "--db", str(crawled), "--out", str(target))
    _one_line_error(out, 1, "does not exist")
    assert not target.parent.exists()


def test_stats_json_gives_the_last_runs_fields_as_json_not_strings(crawled):
    out = run_cli("stats", "--json", "--db", str(crawled))
    assert out.returncode == 0, out.stderr
    run = json.loads(out.stdout)["last_run"]
    assert run["portals"] == ["replica"]
    assert isinstance(run["argv"], list) and "replica" in run["argv"]
    assert set(run["counts"]) == {"replica"}
    assert run["counts"]["replica"]["articles_new"] == 60
    assert isinstance(run["options"], dict) and isinstance(run["health"], list)
    text = run_cli("stats", "--db", str(crawled))
    assert 'portals=["replica"]' in text.stdout


# -- item 16: the search time bound (the query bounds are in test_search) ------------------------


def test_a_search_running_past_its_time_is_stopped_with_one_line(crawled):
    with Archive(crawled, readonly=True) as archive:
        assert archive.search("phuong", limit=1)
        with pytest.raises(SearchError, match=r"^search stopped after 0 s: use fewer words"):
            archive.search("phuong", timeout=0)
        # the connection works on after an interrupted search
        assert archive.search("phuong", limit=1)
