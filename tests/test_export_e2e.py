"""End to end: real crawls of a replica, exports through the real CLI, replay with pywb.

Two crawls of a 30-article replica with one article retitled in between (a revision) give an
archive with responses, revisits and two revisions of one article.

The pywb test needs pywb, which cannot share civicnews' virtualenv (it pins pyOpenSSL<26.2 and
installs ``brotlipy``, whose ``brotli`` module shadows the one Scrapy uses): the fixture makes a
virtualenv of its own at ``$CIVICNEWS_PYWB_VENV`` (default ``~/.cache/civicnews/pywb-2.10``)
with ``pip install "pywb>=2.10,<2.11"`` the first time (about 10 s from a warm pip cache), then
reuses it.  pywb serves only on 127.0.0.1.
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from civicnews.replica import ReplicaServer
from tests.conftest import portal_toml, rows, run_cli

RETITLED = 4
SEED = 7  # the seed article: never overridden


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("export-e2e")
    db = tmp / "archive.db"
    with ReplicaServer("liferay", articles=30, seed=3) as replica:
        pf = tmp / "portals.toml"
        pf.write_text(portal_toml("replica", replica.start_url), "utf-8")
        truth = {a["key"]: a for a in replica.ground_truth()}

        def crawl(*extra: str) -> None:
            args = ["crawl", "replica", "--db", str(db), "--portals-file", str(pf), "--json"]
            out = run_cli(*args, *extra)
            assert out.returncode == 0, out.stderr

        crawl()
        first_crawl_end = rows(db, "SELECT max(fetched_at) FROM captures")[0][0]
        time.sleep(1.1)  # fetch times have one-second resolution: keep the crawls apart
        old = truth[RETITLED]["title"]
        replica.overrides[RETITLED] = {"replace": [(old, old + " (đã sửa)")]}
        crawl("--refresh-after", "0")  # crawls are incremental: ask for every article again
        seed_page = urllib.request.urlopen(truth[SEED]["url"]).read()
        yield {
            "tmp": tmp,
            "db": db,
            "truth": truth,
            "first_crawl_end": first_crawl_end,
            "seed_page": seed_page,
        }


def test_wacz_of_two_crawls_round_trips(crawled):
    tmp, db = crawled["tmp"], crawled["db"]
    out = tmp / "all.wacz"
    result = run_cli("export", "wacz", "--out", str(out), "--db", str(db), "--with-revisions")
    assert result.returncode == 0, result.stderr
    assert run_cli("verify", str(out)).returncode == 0
    kinds = dict(rows(db, "SELECT kind, count(*) FROM captures GROUP BY kind"))
    articles = rows(db, "SELECT count(*) FROM articles")[0][0]
    assert articles == len(crawled["truth"])
    with zipfile.ZipFile(out) as zf:
        warc = zf.read("archive/data.warc.gz")
        pages = zf.read("pages/pages.jsonl").splitlines()[1:]
        manifest = json.loads(zf.read("manifest.json"))
    recs = list(ArchiveIterator(io.BytesIO(warc)))
    types = [r.rec_type for r in recs]
    profiles = [r.rec_headers.get_header("WARC-Profile", "").rsplit("/", 1)[-1] for r in recs]
    # First crawl: a response per article.  Second: a response for the retitled article, and
    # for each unchanged one a revisit record: "identical-payload-digest" when it was fetched
    # again whole (a revisit capture), "server-not-modified" when it answered a conditional
    # request with 304 (a not-modified capture).
    unchanged = kinds.get("revisit", 0) + kinds.get("not-modified", 0)
    assert types.count("response") == kinds["response"] == articles + 1
    assert types.count("revisit") == unchanged == articles - 1
    assert profiles.count("identical-payload-digest") == kinds.get("revisit", 0)
    assert profiles.count("server-not-modified") == kinds.get("not-modified", 0)
    assert types.count("request") == articles * 2
    assert len(pages) == articles and manifest["counts"]["articles"] == articles
    warc_file = tmp / "all.warc.gz"
    warc_file.write_bytes(warc)
    check = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", str(warc_file)], capture_output=True
    )
    assert check.returncode == 0, check.stdout


def test_as_of_between_the_crawls_gives_the_first_title(crawled):
    tmp, db, truth = crawled["tmp"], crawled["db"], crawled["truth"]
    url, title = truth[RETITLED]["url"], truth[RETITLED]["title"]
    for name, as_of, expected in (
        ("before.jsonl", crawled["first_crawl_end"], title),
        ("after.jsonl", None, title + " (đã sửa)"),
    ):
        args = ["export", "jsonl", "--out", str(tmp / name), "--db", str(db)]
        result = run_cli(*args, *(["--as-of", as_of] if as_of else []))
        assert result.returncode == 0, result.stderr
        lines = [json.loads(x) for x in (tmp / name).read_text("utf-8").splitlines()]
        assert len(lines) == len(truth)
        (article,) = [a for a in lines if a["url"] == url]
        assert article["title"] == expected


# -- replay with pywb -----------------------------------------------------------------------------


def pywb_venv() -> Path:
    default = Path.home() / ".cache" / "civicnews" / "pywb-2.10"
    venv = Path(os.environ.get("CIVICNEWS_PYWB_VENV", default))
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(str(venv) + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two test workers must not install at once
        if not (venv / "bin" / "wayback").exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            subprocess.run(
                [str(venv / "bin" / "pip"), "install", "-q", "pywb>=2.10,<2.11"],
                check=True,
                capture_output=True,
                timeout=600,
            )
    return venv


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_pywb_replays_the_exported_page(crawled):
    tmp, db = crawled["tmp"], crawled["db"]
    wacz = tmp / "replay.wacz"
    result = run_cli("export", "wacz", "--out", str(wacz), "--db", str(db))
    assert result.returncode == 0, result.stderr
    venv = pywb_venv()
    work = tmp / "pywb"
    work.mkdir()
    for args in (["init", "civic"], ["add", "--unpack-wacz", "civic", str(wacz)]):
        subprocess.run([str(venv / "bin" / "wb-manager"), *args], cwd=work, check=True,
                       capture_output=True)  # fmt: skip
    port = free_port()
    server = subprocess.Popen(
        [str(venv / "bin" / "wayback"), "-b", "127.0.0.1", "-p", str(port)],
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = crawled["truth"][SEED]["url"]
        # id_: the archived bytes as captured, without pywb's rewriting.
        replay = f"http://127.0.0.1:{port}/civic/2030id_/{url}"
        body = None
        for _ in range(100):
            try:
                body = urllib.request.urlopen(replay, timeout=10).read()
                break
            except OSError:
                time.sleep(0.2)
        assert body == crawled["seed_page"]
    finally:
        server.terminate()
        server.wait(10)


def test_sqlite_snapshot_works_with_civicnews_commands(crawled):
    tmp, db, truth = crawled["tmp"], crawled["db"], crawled["truth"]
    snap = tmp / "snap.db"
    result = run_cli("export", "sqlite", "--out", str(snap), "--db", str(db), "--as-of",
                     crawled["first_crawl_end"])  # fmt: skip
    assert result.returncode == 0, result.stderr
    title = truth[RETITLED]["title"]
    # The copy's full-text index serves `civicnews search` (one word of the title as of then).
    word = title.split()[-2]
    found = run_cli("search", word, "--json", "--limit", "10000", "--db", str(snap))
    assert found.returncode == 0, found.stderr
    hits = {hit["url"]: hit["title"] for hit in json.loads(found.stdout)}
    assert hits[truth[RETITLED]["url"]] == title
    stats = run_cli("stats", "--json", "--db", str(snap))
    assert stats.returncode == 0, stats.stderr
    assert rows(snap, "SELECT count(*) FROM articles")[0][0] == len(truth)
    assert rows(snap, "SELECT count(*) FROM revisions")[0][0] == len(truth)
