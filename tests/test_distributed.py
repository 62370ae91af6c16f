"""Distributed crawling against a real redis-server: workers, the ingester, kills, politeness.

Every test here runs the real CLI in subprocesses (workers, ``enqueue``, ``ingest``)
against replica portals served from this process and a redis-server started for
the session (``redis_url``).  Jobs have unique names, so tests share the server.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest

from civicnews.replica import ReplicaServer
from tests.conftest import ROOT, portal_toml, rows, run_cli

REDIS_SERVER = "redis-server"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A real redis-server on 127.0.0.1 at a free port, without persistence."""
    port = _free_port()
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    import redis

    client = redis.Redis(port=port)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start") from None
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    proc.kill()
    proc.wait()


def _client(url: str):
    import redis

    return redis.Redis.from_url(url)


def _job() -> str:
    return "t" + uuid.uuid4().hex[:10]


def _start(*args: str, cwd: Path, log: Path) -> subprocess.Popen:
    """A CLI process in the background, its output in ``log``."""
    # The child writes to its own copy of the file descriptor: ours closes at once.
    with open(log, "wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "civicnews", *args],
            cwd=cwd,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _worker(redis_url, job, pf, name, cwd, *, lease=3, idle=2, extra=()) -> subprocess.Popen:
    return _start(
        "crawl", "--redis", redis_url, "--job", job, "--portals-file", str(pf),
        "--set", f"CIVICNEWS_REDIS_WORKER={name}", "--set", f"CIVICNEWS_REDIS_LEASE={lease}",
        "--set", f"CIVICNEWS_REDIS_IDLE_STOP={idle}", "--log-file", str(cwd / f"{name}.log"),
        *extra, cwd=cwd, log=cwd / f"{name}.out",
    )  # fmt: skip


def _wait(proc: subprocess.Popen, log: Path, timeout: float = 120) -> int:
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError(f"{log.name} did not finish: {log.read_text()[-2000:]}") from None


def _page_requests(server: ReplicaServer) -> list:
    return [r for r in server.requests if not r.path.startswith("/robots.txt")]


# -- two workers, one ingester, two families ---------------------------------------------------

DELAY = 1.0  # seconds between two requests to one portal, whichever worker sends them
ARTICLES = 12


@pytest.fixture(scope="module")
def crawled(tmp_path_factory, redis_url):
    """Two workers and one ingester crawl a Liferay and a SharePoint replica into one archive."""
    tmp = tmp_path_factory.mktemp("two-workers")
    job = _job()
    servers = {
        "lf": ReplicaServer("liferay", articles=ARTICLES, seed=3).start(),
        "sp": ReplicaServer("sharepoint", articles=ARTICLES, seed=4).start(),
    }
    try:
        pf = tmp / "portals.toml"
        pf.write_text(
            portal_toml("lf", servers["lf"].start_url, delay=DELAY, concurrency=2)
            + portal_toml("sp", servers["sp"].start_url, "sharepoint", delay=DELAY, concurrency=2),
            "utf-8",
        )
        db = tmp / "archive.db"
        seeded = run_cli(
            "enqueue", "lf", "sp", "--redis", redis_url, "--job", job, "--portals-file", str(pf)
        )
        assert seeded.returncode == 0, seeded.stderr
        workers = [_worker(redis_url, job, pf, name, tmp) for name in ("wa", "wb")]
        ingester = _start(
            "ingest", "--redis", redis_url, "--job", job, "--db", str(db), "--batch-size", "5",
            cwd=tmp, log=tmp / "ingest.out",
        )  # fmt: skip
        codes = [_wait(w, tmp / "w.out") for w in workers]
        code = _wait(ingester, tmp / "ingest.out")
        truth = {key: server.ground_truth() for key, server in servers.items()}
        requests = {key: server.requests for key, server in servers.items()}
    finally:
        for server in servers.values():
            server.stop()
    assert codes == [0, 0], [(tmp / f"{n}.out").read_text() for n in ("wa", "wb")]
    assert code == 0, (tmp / "ingest.out").read_text()
    return {"db": db, "job": job, "truth": truth, "requests": requests, "tmp": tmp}


def test_every_article_is_stored_once(crawled):
    db = crawled["db"]
    for portal, truth in crawled["truth"].items():
        stored = rows(db, "SELECT url FROM articles WHERE portal = ?", (portal,))
        assert sorted(url for (url,) in stored) == sorted(a["url"] for a in truth), portal
    assert rows(db, "SELECT count(*) FROM captures")[0][0] == 2 * ARTICLES
    assert rows(db, "SELECT count(*) FROM revisions")[0][0] == 2 * ARTICLES
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]


def test_no_url_is_fetched_twice(crawled):
    for portal, requests in crawled["requests"].items():
        pages = Counter(
            (r.method, r.path, r.body) for r in requests if not r.path.startswith("/robots.txt")
        )
        assert len(pages) >= ARTICLES + 1, portal
        assert [p for p, n in pages.items() if n > 1] == [], portal


def test_both_workers_crawled_and_runs_shows_each(crawled):
    proc = run_cli("runs", "--db", str(crawled["db"]), "--json")
    assert proc.returncode == 0, proc.stderr
    (run,) = json.loads(proc.stdout)
    assert run["status"] == "ok"
    assert run["options"]["job"] == crawled["job"]
    assert run["totals"]["articles_new"] == 2 * ARTICLES
    pages = Counter()
    for portal in ("lf", "sp"):
        for worker, counts in run["counts"][portal]["workers"].items():
            pages[worker] += counts["pages"]
            assert counts["finish_reason"] == "finished"
    assert set(pages) == {"wa", "wb"}
    assert all(n > 0 for n in pages.values()), pages
    text = run_cli("runs", "--db", str(crawled["db"]))
    assert "wa" in text.stdout and "wb" in text.stdout


def test_shared_rate_limit_holds_each_portal_delay(crawled):
    # Every request to a portal, robots.txt included, whichever worker sent it.
    for portal, requests in crawled["requests"].items():
        times = sorted(r.time for r in requests)
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        assert len(gaps) > ARTICLES
        assert min(gaps) >= DELAY * 0.9, (portal, sorted(gaps)[:5])


def test_robots_crawl_delay_holds_across_workers(tmp_path, redis_url):
    # The registry asks for no delay; the portal's robots.txt asks for 1 s. Two workers
    # together must keep it, as one would (each learns it from its own robots.txt fetch).
    job = _job()
    with ReplicaServer("liferay", articles=10, seed=7) as server:
        server.robots_txt = "User-agent: *\nAllow: /\nCrawl-delay: 1\n"
        pf = tmp_path / "portals.toml"
        pf.write_text(portal_toml("cd", server.start_url, delay=0, concurrency=4), "utf-8")
        seeded = run_cli("enqueue", "cd", "--redis", redis_url, "--job", job,
                         "--portals-file", str(pf))  # fmt: skip
        assert seeded.returncode == 0, seeded.stderr
        workers = [_worker(redis_url, job, pf, name, tmp_path) for name in ("ca", "cb")]
        codes = [_wait(workers[0], tmp_path / "ca.out"), _wait(workers[1], tmp_path / "cb.out")]
        pages = _page_requests(server)
    assert codes == [0, 0], [(tmp_path / f"{n}.out").read_text() for n in ("ca", "cb")]
    times = sorted(r.time for r in pages)
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert len(gaps) >= 6
    assert min(gaps) >= 1.0 * 0.9, sorted(gaps)[:5]


def test_a_complete_job_leaves_no_dupefilter_in_redis(crawled, redis_url):
    client = _client(redis_url)
    names = {k.decode() for k in client.scan_iter(match=f"civicnews:{crawled['job']}:*")}
    assert names, "the job record stays until dropped"
    assert not [n for n in names if n.endswith(":dupefilter") or ":processing:" in n]
    again = run_cli("enqueue", "lf", "--redis", redis_url, "--job", crawled["job"],
                    "--portals-file", str(crawled["tmp"] / "portals.toml"))  # fmt: skip
    assert again.returncode == 1 and "--drop" in _one_line(again)
    dropped = run_cli("jobs", "--redis", redis_url, "--drop", crawled["job"])
    assert dropped.returncode == 0, dropped.stderr
    assert not list(client.scan_iter(match=f"civicnews:{crawled['job']}:*"))


# -- a worker killed mid-crawl --------------------------------------------------------------


def test_a_killed_workers_requests_are_crawled_by_another(tmp_path, redis_url):
    job = _job()
    with ReplicaServer("liferay", articles=ARTICLES, seed=5) as server:
        pf = tmp_path / "portals.toml"
        pf.write_text(portal_toml("lf", server.start_url, delay=0.3, concurrency=2), "utf-8")
        db = tmp_path / "archive.db"
        assert run_cli("enqueue", "lf", "--redis", redis_url, "--job", job, "--portals-file",
                       str(pf)).returncode == 0  # fmt: skip
        first = _worker(redis_url, job, pf, "doomed", tmp_path, lease=2)
        deadline = time.monotonic() + 60
        while len([r for r in _page_requests(server) if "/content/" in r.path]) < 4:
            assert time.monotonic() < deadline and first.poll() is None, "no crawl"
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        first.wait()
        leased = _client(redis_url).hlen(f"civicnews:{job}:lf:processing:doomed")
        assert leased > 0, "the killed worker held no request: the test proves nothing"
        second = _worker(redis_url, job, pf, "survivor", tmp_path, lease=2)
        log = tmp_path / "survivor.out"
        assert _wait(second, log) == 0, log.read_text()
        ingest = run_cli("ingest", "--redis", redis_url, "--job", job, "--db", str(db))
        truth = server.ground_truth()
    assert ingest.returncode == 0, ingest.stderr + ingest.stdout
    stored = sorted(url for (url,) in rows(db, "SELECT url FROM articles"))
    assert stored == sorted(a["url"] for a in truth)
    assert rows(db, "SELECT count(*) FROM captures")[0][0] == ARTICLES
    stats = json.loads(_client(redis_url).hget(f"civicnews:{job}:stats", "survivor|lf"))
    assert stats["civicnews/redis/reaped"] >= leased


# -- the ingester killed and restarted -----------------------------------------------------


def test_a_killed_ingester_restarts_without_losing_or_doubling(tmp_path, redis_url):
    job = _job()
    size = 150
    with ReplicaServer("liferay", articles=size, seed=6) as server:
        pf = tmp_path / "portals.toml"
        pf.write_text(portal_toml("lf", server.start_url, concurrency=8), "utf-8")
        assert run_cli("enqueue", "lf", "--redis", redis_url, "--job", job, "--portals-file",
                       str(pf)).returncode == 0  # fmt: skip
        worker = _worker(redis_url, job, pf, "w", tmp_path, idle=0)
        assert _wait(worker, tmp_path / "w.out") == 0, (tmp_path / "w.out").read_text()
        truth = server.ground_truth()
    assert _client(redis_url).xlen(f"civicnews:{job}:items") == size
    db = tmp_path / "archive.db"
    args = ("ingest", "--redis", redis_url, "--job", job, "--db", str(db), "--batch-size", "3")
    kills = 0
    for target in (20, 60):  # kill it twice, once it has stored that many items
        ingester = _start(*args, cwd=tmp_path, log=tmp_path / "ingest.out")
        deadline = time.monotonic() + 60
        while _ingested(db, job) < target and ingester.poll() is None:
            assert time.monotonic() < deadline, "the ingester made no progress"
            time.sleep(0.01)
        if ingester.poll() is None:
            ingester.send_signal(signal.SIGKILL)
            kills += 1
        ingester.wait()
    assert kills >= 1, "the ingester finished before it could be killed"
    final = run_cli(*args)
    assert final.returncode == 0, final.stderr + final.stdout
    stored = sorted(url for (url,) in rows(db, "SELECT url FROM articles"))
    assert stored == sorted(a["url"] for a in truth)
    assert rows(db, "SELECT count(*) FROM captures")[0][0] == size
    assert rows(db, "SELECT count(*) FROM revisions")[0][0] == size
    assert rows(db, "SELECT items FROM ingest_progress WHERE job = ?", (job,)) == [(size,)]
    assert _client(redis_url).xlen(f"civicnews:{job}:items") == 0


def _ingested(db: Path, job: str) -> int:
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            found = conn.execute("SELECT items FROM ingest_progress WHERE job = ?", (job,))
            row = found.fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return 0
    return row[0] if row else 0


def test_an_entry_committed_but_not_acknowledged_is_not_stored_again(tmp_path, redis_url):
    """The kill between a batch's commit and its XACK: the progress row decides."""
    from civicnews.archive import connect
    from civicnews.distributed.ingest import Ingester, LedgerWriter
    from civicnews.distributed.itemqueue import decode, encode
    from civicnews.distributed.jobs import job_record
    from civicnews.distributed.keys import JobKeys
    from civicnews.items import ArticleItem

    job = _job()
    client = _client(redis_url)
    keys = JobKeys(job)
    client.hset(keys.record, mapping={"created_at": "2020-01-01T00:00:00+00:00", "portals": "[]"})
    items = [
        ArticleItem(portal="p", url=f"http://x.test/a{n}", fetched_url=f"http://x.test/a{n}",
                    fetched_at="2026-01-01T00:00:00+00:00", title=f"Bài {n}",
                    body_text="Nội dung bài viết " * 5, response_body=b"<html>%d</html>" % n)
        for n in range(4)
    ]  # fmt: skip
    ids = [client.xadd(keys.items, encode(item, "w")) for item in items]
    db = tmp_path / "archive.db"
    archive = connect(db)
    writer = LedgerWriter(archive)
    created = job_record(client, keys)["created_at"]
    # Entries 0-1 committed by an ingester that died before acknowledging them.
    entries = client.xrange(keys.items)
    committed = {"p": [decode(fields) for _, fields in entries[:2]]}
    writer.write_entries(job, created, ids[1].decode(), committed, 2)
    writer.close()
    archive.conn.close()
    # The same page fetched again by a second worker: a redelivered item.
    client.xadd(keys.items, encode(items[3], "other"))
    summary = Ingester(client, job, db).run(once=True)
    assert (summary.already, summary.stored, summary.duplicates) == (2, 2, 1)
    assert rows(db, "SELECT count(*) FROM articles") == [(4,)]
    assert rows(db, "SELECT count(*) FROM captures") == [(4,)]
    assert client.xlen(keys.items) == 0


# -- a local crawl needs no Redis -----------------------------------------------------------

BLOCK_REDIS = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('scrapy_redis', 'redis'):
            raise ImportError(f'No module named {name!r} (blocked by the test)')
sys.meta_path.insert(0, Block())
from civicnews.cli import main
sys.argv = ['civicnews'] + sys.argv[1:]
main()
"""


def _without_redis(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", BLOCK_REDIS, *args],
        cwd=cwd, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
        timeout=180,
    )  # fmt: skip


def test_a_local_crawl_works_without_scrapy_redis(tmp_path, replica, portals_file):
    db = tmp_path / "archive.db"
    proc = _without_redis("crawl", "replica", "--db", str(db), "--portals-file",
                          str(portals_file), "--json", cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["totals"]["articles_new"] == len(replica.ground_truth())
    worker = _without_redis("crawl", "--redis", "redis://127.0.0.1:1/0", cwd=tmp_path)
    assert worker.returncode == 1
    assert worker.stderr.strip().count("\n") == 0
    assert 'pip install -e ".[distributed]"' in worker.stderr


# -- errors are one line with the documented exit codes -------------------------------------


def _one_line(proc: subprocess.CompletedProcess) -> str:
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    return lines[0]


def test_bad_redis_url_and_job_name_are_usage_errors(tmp_path, redis_url):
    proc = run_cli("crawl", "--redis", "localhost:6379", cwd=tmp_path)
    assert proc.returncode == 2 and "redis://HOST" in _one_line(proc)
    proc = run_cli("enqueue", "--redis", redis_url, "--job", "a b", cwd=tmp_path)
    assert proc.returncode == 2 and "--job" in _one_line(proc)


def test_unreachable_redis_and_unknown_job_exit_1(tmp_path, redis_url):
    proc = run_cli("jobs", "--redis", f"redis://127.0.0.1:{_free_port()}/0", cwd=tmp_path)
    assert proc.returncode == 1 and "cannot reach Redis" in _one_line(proc)
    job = _job()
    proc = run_cli("crawl", "--redis", redis_url, "--job", job, cwd=tmp_path)
    assert proc.returncode == 1 and "civicnews enqueue" in _one_line(proc)
    proc = run_cli("ingest", "--redis", redis_url, "--job", job, "--db",
                   str(tmp_path / "a.db"), cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 1 and "civicnews enqueue" in _one_line(proc)


def test_a_job_with_items_waiting_is_not_dropped(tmp_path, redis_url):
    from civicnews.distributed.itemqueue import encode
    from civicnews.distributed.keys import JobKeys

    job = _job()
    keys = JobKeys(job)
    client = _client(redis_url)
    client.hset(keys.record, mapping={"created_at": "2020-01-01T00:00:00+00:00", "portals": "[]"})
    client.xadd(keys.items, encode({"portal": "p", "url": "http://x.test/a"}, "w"))
    proc = run_cli("jobs", "--redis", redis_url, "--drop", job, cwd=tmp_path)
    assert proc.returncode == 1 and "civicnews ingest" in _one_line(proc)
    assert client.xlen(keys.items) == 1
    proc = run_cli("jobs", "--redis", redis_url, "--drop", job, "--force", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert not client.exists(keys.items, keys.record)


def test_an_ingester_waits_for_the_archive_lock(tmp_path, redis_url):
    from civicnews.lock import ArchiveLock

    job = _job()
    pf = tmp_path / "portals.toml"
    pf.write_text(portal_toml("lf", "http://127.0.0.1:9/x"), "utf-8")
    assert run_cli("enqueue", "lf", "--redis", redis_url, "--job", job, "--portals-file",
                   str(pf)).returncode == 0  # fmt: skip
    db = tmp_path / "archive.db"
    with ArchiveLock(db, argv=["civicnews", "crawl"]):
        proc = run_cli("ingest", "--redis", redis_url, "--job", job, "--db", str(db), "--once")
    assert proc.returncode == 75, proc.stderr
    _one_line(proc)


# -- incremental crawls: the archive decides, as locally -------------------------------------
#
# The replica (60 articles, 10 per listing page) lists the newest 24 on pages 1-3; the others
# are reachable only through "related" blocks (see test_unattended_incremental.py, whose
# local expectations these repeat with two workers).

INC_ARTICLES = 60


def _listing_pages(requests) -> set[int]:
    pages = set()
    for r in requests:
        if r.path.startswith("/tin-tuc-su-kien") and "/content/" not in r.path:
            cur = [p for p in r.path.split("&") if "_cur=" in p]
            pages.add(int(cur[0].split("=")[1]) if cur else 1)
    return pages


def _article_paths(requests) -> list[str]:
    return [r.path for r in requests if "/content/" in r.path]


def _forget(db: Path, urls: list[str]) -> None:
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.executemany("DELETE FROM articles WHERE url = ?", [(u,) for u in urls])
        conn.commit()
    finally:
        conn.close()


def _run_job(redis_url, pf, db, tmp, *enqueue_args, workers=("wa", "wb"), worker_args=()):
    """Seed a job of portal ``replica`` (reading ``db``), crawl it with ``workers`` and one
    ingester; returns (job, the workers' exit codes, the ingester's, the ingester's output)."""
    job = _job()
    seeded = run_cli("enqueue", "replica", "--redis", redis_url, "--job", job,
                     "--portals-file", str(pf), "--db", str(db), *enqueue_args)  # fmt: skip
    assert seeded.returncode == 0, seeded.stderr
    procs = [_worker(redis_url, job, pf, f"{job}-{n}", tmp, idle=1, extra=worker_args)
             for n in workers]  # fmt: skip
    ingester = _start("ingest", "--redis", redis_url, "--job", job, "--db", str(db),
                      cwd=tmp, log=tmp / f"{job}-ingest.out")  # fmt: skip
    codes = [_wait(p, tmp / f"{job}-{n}.out") for p, n in zip(procs, workers, strict=True)]
    code = _wait(ingester, tmp / f"{job}-ingest.out")
    return job, codes, code, (tmp / f"{job}-ingest.out").read_text()


@pytest.fixture(scope="module")
def first_job(tmp_path_factory, redis_url):
    """A replica and the archive a first two-worker job filled (copied by each test)."""
    tmp = tmp_path_factory.mktemp("first-job")
    with ReplicaServer("liferay", articles=INC_ARTICLES, seed=11) as replica:
        replica.conditional = True
        pf = tmp / "portals.toml"
        pf.write_text(portal_toml("replica", replica.start_url), "utf-8")
        db = tmp / "archive.db"
        _, codes, code, out = _run_job(redis_url, pf, db, tmp)
        assert codes == [0, 0] and code == 0, out
        assert rows(db, "SELECT count(*) FROM articles") == [(INC_ARTICLES,)]
        yield replica, pf, db


@pytest.fixture
def site(first_job, tmp_path):
    """The first job's replica (its request log cleared), portals file and a copy of its
    archive."""
    replica, pf, db = first_job
    copy = tmp_path / "archive.db"
    source = sqlite3.connect(db)
    target = sqlite3.connect(copy)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    replica.clear_requests()
    return replica, pf, copy


def test_a_job_skips_what_the_archive_holds_and_stops_listings_early(site, redis_url, tmp_path):
    replica, pf, db = site
    truth = replica.ground_truth()
    newest = [a["url"] for a in truth[:5]]
    _forget(db, newest)  # five articles "published" since the last job
    job, codes, code, out = _run_job(redis_url, pf, db, tmp_path)
    assert codes == [0, 0] and code == 0, out
    # Page 1: 5 new and 5 archived entries; page 2 ten archived in a row ends the walk.
    assert _listing_pages(replica.requests) == {1, 2}
    assert sorted(_article_paths(replica.requests)) == sorted(u[len(replica.url) :] for u in newest)
    assert rows(db, "SELECT count(*) FROM articles") == [(INC_ARTICLES,)]
    (run,) = [r for r in json.loads(run_cli("runs", "--db", str(db), "--json").stdout)
              if r["options"].get("job") == job]  # fmt: skip
    assert run["totals"]["articles_new"] == 5
    # The published state is one job's: gone once the job is complete.
    assert not list(_client(redis_url).scan_iter(match=f"civicnews:{job}:*:archive"))


def test_a_job_reaches_unlisted_articles_through_stored_links(site, redis_url, tmp_path):
    replica, pf, db = site
    unlisted = [a["url"] for a in replica.ground_truth() if not a["listed"]][10:20]
    _forget(db, unlisted)
    _, codes, code, out = _run_job(redis_url, pf, db, tmp_path)
    assert codes == [0, 0] and code == 0, out
    assert sorted(_article_paths(replica.requests)) == sorted(
        u[len(replica.url) :] for u in unlisted
    )
    assert _listing_pages(replica.requests) == {1}
    assert rows(db, "SELECT count(*) FROM articles") == [(INC_ARTICLES,)]


def test_a_jobs_refresh_after_revalidates_old_articles(site, redis_url, tmp_path):
    replica, pf, db = site
    stored = dict(rows(db, "SELECT url, etag FROM articles"))
    old = {a["url"] for a in replica.ground_truth()[::2]}
    with sqlite3.connect(db) as conn:
        conn.executemany(
            "UPDATE articles SET last_seen_at = '2020-01-01T00:00:00+00:00' WHERE url = ?",
            [(u,) for u in old],
        )
    _, codes, code, out = _run_job(redis_url, pf, db, tmp_path, "--refresh-after", "30")
    assert codes == [0, 0] and code == 0, out
    fetched = [r for r in replica.requests if "/content/" in r.path]
    assert sorted(r.path for r in fetched) == sorted(u[len(replica.url) :] for u in old)
    assert all(r.headers["if-none-match"] == stored[replica.url + r.path] for r in fetched)
    assert Counter(r.status for r in fetched) == {304: len(old)}
    assert rows(db, "SELECT count(*) FROM articles WHERE last_seen_at LIKE '2020%'") == [(0,)]


def test_a_jobs_since_stops_every_workers_walk(tmp_path, redis_url):
    with ReplicaServer("liferay", articles=INC_ARTICLES, seed=11) as replica:
        pf = tmp_path / "portals.toml"
        # One request at a time, so the walk's pages go to both workers in turn.
        pf.write_text(portal_toml("replica", replica.start_url, concurrency=1), "utf-8")
        db = tmp_path / "archive.db"
        truth = replica.ground_truth()
        since = truth[13]["published_at"][:10]
        _, codes, code, out = _run_job(redis_url, pf, db, tmp_path, "--since", since)
        requests = replica.requests
    assert codes == [0, 0] and code == 0, out
    expected = {a["url"] for a in truth if a["published_at"][:10] >= since}
    assert {u for (u,) in rows(db, "SELECT url FROM articles")} == expected
    assert _listing_pages(requests) == {1, 2}


def test_job_options_belong_to_the_job(tmp_path, redis_url):
    pf = tmp_path / "portals.toml"
    pf.write_text(portal_toml("lf", "http://127.0.0.1:9/x"), "utf-8")
    proc = run_cli("crawl", "--redis", redis_url, "--since", "2024-01-01", cwd=tmp_path)
    assert proc.returncode == 2 and "civicnews enqueue" in _one_line(proc)
    job = _job()
    args = ("enqueue", "lf", "--redis", redis_url, "--job", job, "--portals-file", str(pf))
    assert run_cli(*args, "--max-articles", "5").returncode == 0
    proc = run_cli(*args, "--max-articles", "6")
    assert proc.returncode == 2 and "--max-articles 5" in _one_line(proc)
    proc = run_cli(*args, "--since", "yesterday")
    assert proc.returncode == 2 and "--since" in _one_line(proc)


# -- failed pages reach the archive -----------------------------------------------------------


def test_failed_pages_are_recorded_and_waited_for_as_locally(tmp_path, redis_url):
    broken = (3, 7)  # ground-truth keys of two listed articles that always answer 500
    spec = ",".join(f"500*all@article/{k}" for k in broken)
    fast = ("--set", "CIVICNEWS_RETRY_BACKOFF_BASE=0.05")
    with ReplicaServer("liferay", articles=24, seed=12, faults=spec) as replica:
        pf = tmp_path / "portals.toml"
        pf.write_text(portal_toml("replica", replica.start_url), "utf-8")
        db = tmp_path / "archive.db"
        job, codes, code, out = _run_job(redis_url, pf, db, tmp_path, worker_args=fast)
        urls = {a["url"] for a in replica.ground_truth(broken)}
        created = _client(redis_url).hget(f"civicnews:{job}:job", "created_at").decode()
        failed = rows(db, "SELECT url, kind, status, page, failures, retry_at IS NOT NULL, "
                          "given_up, run_started_at FROM failed_pages")  # fmt: skip
        assert sorted(failed) == sorted(
            (u, "http", 500, "article", 1, 1, 0, created) for u in urls
        ), out
        assert "2 failed pages recorded" in out
        # The next job waits for their retry_at, as the next local run would.
        _forget(db, [a["url"] for a in replica.ground_truth()[:12]])
        replica.clear_requests()
        job2, codes2, code2, out2 = _run_job(redis_url, pf, db, tmp_path, worker_args=fast)
        fetched = set(_article_paths(replica.requests))
        broken_paths = {u[len(replica.url) :] for u in urls}
    assert codes == [0, 0] and codes2 == [0, 0], (out, out2)
    assert len(fetched) > 5, "the second job fetched the forgotten articles"
    assert not broken_paths & fetched
    stats = [json.loads(v) for v in _client(redis_url).hgetall(f"civicnews:{job2}:stats").values()]
    # Counted by each worker that met them (no shared count of skips).
    assert sum(s.get("civicnews/failed_pages/skipped", 0) for s in stats) >= len(broken)
    assert rows(db, "SELECT count(*) FROM failed_pages") == [(len(broken),)]


# -- --max-articles is the job's, --time-limit each worker's ------------------------------------


def test_max_articles_caps_the_job_over_all_workers(tmp_path, redis_url):
    with ReplicaServer("liferay", articles=INC_ARTICLES, seed=13) as replica:
        pf = tmp_path / "portals.toml"
        pf.write_text(portal_toml("replica", replica.start_url, concurrency=2), "utf-8")
        db = tmp_path / "archive.db"
        job, codes, code, out = _run_job(redis_url, pf, db, tmp_path, "--max-articles", "7")
    assert codes == [0, 0] and code == 0, out
    assert rows(db, "SELECT count(*) FROM articles") == [(7,)]
    (run,) = json.loads(run_cli("runs", "--db", str(db), "--json").stdout)
    assert run["counts"]["replica"]["finish_reason"] == "max_articles"
    assert {w["finish_reason"] for w in run["counts"]["replica"]["workers"].values()} == {
        "max_articles"
    }
    assert run["exit_code"] == 0
    client = _client(redis_url)
    assert client.zcard(f"civicnews:{job}:replica:requests") == 0


def test_time_limit_stops_one_worker_and_the_job_goes_on(tmp_path, redis_url):
    job = _job()
    with ReplicaServer("liferay", articles=ARTICLES, seed=14) as replica:
        pf = tmp_path / "portals.toml"
        pf.write_text(portal_toml("lf", replica.start_url, delay=0.3, concurrency=1), "utf-8")
        db = tmp_path / "archive.db"
        assert run_cli("enqueue", "lf", "--redis", redis_url, "--job", job, "--portals-file",
                       str(pf)).returncode == 0  # fmt: skip
        short = _worker(redis_url, job, pf, "short", tmp_path, extra=("--time-limit", "2s",
                                                                      "--json"))  # fmt: skip
        assert _wait(short, tmp_path / "short.out") == 0, (tmp_path / "short.out").read_text()
        summary = json.loads((tmp_path / "short.out").read_text())
        assert summary["portals"][0]["finish_reason"] == "closespider_timeout"
        client = _client(redis_url)
        assert client.zcard(f"civicnews:{job}:lf:requests") > 0, "the job was not left unfinished"
        assert client.hlen(f"civicnews:{job}:lf:processing:short") == 0
        rest = _worker(redis_url, job, pf, "rest", tmp_path)
        assert _wait(rest, tmp_path / "rest.out") == 0, (tmp_path / "rest.out").read_text()
        ingest = run_cli("ingest", "--redis", redis_url, "--job", job, "--db", str(db))
        truth = replica.ground_truth()
    assert ingest.returncode == 0, ingest.stderr
    assert sorted(u for (u,) in rows(db, "SELECT url FROM articles")) == sorted(
        a["url"] for a in truth
    )
    (run,) = json.loads(run_cli("runs", "--db", str(db), "--json").stdout)
    assert run["counts"]["lf"]["finish_reason"] == "finished"
    assert run["counts"]["lf"]["workers"]["short"]["finish_reason"] == "closespider_timeout"



# -- exit codes and health checks mean what they mean locally ---------------------------------


def test_a_dead_portal_fails_the_worker_and_the_job_as_a_local_crawl_would(tmp_path, redis_url):
    job = _job()
    pf = tmp_path / "portals.toml"
    dead = f"http://127.0.0.1:{_free_port()}/tin-tuc"  # nothing listens there
    pf.write_text(portal_toml("dead", dead), "utf-8")
    assert run_cli("enqueue", "dead", "--redis", redis_url, "--job", job, "--portals-file",
                   str(pf)).returncode == 0  # fmt: skip
    worker = _worker(redis_url, job, pf, "w", tmp_path, idle=0,
                     extra=("--set", "CIVICNEWS_RETRY_BACKOFF_BASE=0.05"))  # fmt: skip
    assert _wait(worker, tmp_path / "w.out") == 1, (tmp_path / "w.out").read_text()
    assert "civicnews: health check failed: portal dead" in (tmp_path / "w.out").read_text()
    db = tmp_path / "archive.db"
    ingest = run_cli("ingest", "--redis", redis_url, "--job", job, "--db", str(db))
    assert ingest.returncode == 1, ingest.stdout + ingest.stderr
    assert ingest.stderr.startswith("civicnews: health check failed: portal dead")
    (run,) = json.loads(run_cli("runs", "--db", str(db), "--json").stdout)
    assert (run["status"], run["exit_code"]) == ("failed", 1)
    assert [h["portal"] for h in run["health"]] == ["dead"]
    assert rows(db, "SELECT url, kind, page FROM failed_pages") == [(dead, "connection", "listing")]
    # The job is complete: a worker started now would crawl it again from the start.
    late = run_cli("crawl", "--redis", redis_url, "--job", job, "--portals-file", str(pf))
    assert late.returncode == 1 and "is complete" in _one_line(late)



def test_the_jobs_health_checks_read_the_ingesters_settings(tmp_path, redis_url):
    """As a local crawl's read its own --set: here a cap is made a failure."""
    job = _job()
    with ReplicaServer("liferay", articles=ARTICLES, seed=15) as replica:
        pf = tmp_path / "portals.toml"
        pf.write_text(portal_toml("lf", replica.start_url, concurrency=1), "utf-8")
        assert run_cli("enqueue", "lf", "--redis", redis_url, "--job", job, "--portals-file",
                       str(pf), "--max-articles", "3").returncode == 0  # fmt: skip
        worker = _worker(redis_url, job, pf, "w", tmp_path, idle=0)
        assert _wait(worker, tmp_path / "w.out") == 0, (tmp_path / "w.out").read_text()
    db = tmp_path / "archive.db"
    args = ("ingest", "--redis", redis_url, "--job", job, "--db", str(db))
    bad = run_cli(*args, "--set", "CIVICNEWS_HEALTH_STALE_DAYS=soon")
    assert bad.returncode == 2 and "CIVICNEWS_HEALTH_STALE_DAYS" in _one_line(bad)
    ingest = run_cli(*args, "--set", "CIVICNEWS_HEALTH_ALLOWED_FINISH_REASONS=finished")
    assert ingest.returncode == 1, ingest.stdout + ingest.stderr
    assert "max_articles" in ingest.stderr
    assert rows(db, "SELECT count(*) FROM articles") == [(3,)]


# -- the README's recipe, followed on one machine ---------------------------------------------

README = ROOT / "README.md"


def readme_recipe() -> dict[str, str]:
    """The README's one-machine recipe: its code blocks by name (``<!-- recipe:NAME -->``)."""
    blocks: dict[str, str] = {}
    lines = README.read_text("utf-8").splitlines()
    for i, line in enumerate(lines):
        if line.startswith("<!-- recipe:"):
            name = line.removeprefix("<!-- recipe:").removesuffix(" -->")
            body = []
            for text in lines[i + 1 :]:
                if text.startswith("    "):
                    body.append(text[4:])
                elif text.strip() or body:
                    if body:
                        break
            blocks[name] = "\n".join(body) + "\n"
    return blocks


def test_the_readme_recipe_on_one_machine(tmp_path):
    """Every command of the README's one-machine recipe, as written, in two "shells"; only the
    ports (free ones) and the directory (a temporary one) differ."""
    import redis

    blocks = readme_recipe()
    assert list(blocks) == ["setup", "machine-a", "machine-b", "cleanup"]
    redis_port, replica_port = _free_port(), _free_port()
    home = tmp_path / "try"

    def script(name: str) -> str:
        text = blocks[name].replace("/tmp/civicnews-try", str(home))
        return text.replace("6390", str(redis_port)).replace("8701", str(replica_port))

    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
           "PYTHONUNBUFFERED": "1"}  # fmt: skip

    def shell(name: str) -> subprocess.Popen:
        # The child keeps its own copy of the log's descriptor: the parent's closes at once
        # (left open, it is a ResourceWarning, an error under filterwarnings).
        with open(tmp_path / f"{name}.out", "wb") as log:
            return subprocess.Popen(
                ["bash", "-ec", script(name)], cwd=tmp_path, env=env, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip

    def output(name: str) -> str:
        return (tmp_path / f"{name}.out").read_text()

    setup = shell("setup")  # leaves the replica running in its process group
    client = redis.Redis(port=redis_port, password="S3CRET")
    try:
        assert setup.wait(timeout=60) == 0, output("setup")
        deadline = time.monotonic() + 60
        while "serving" not in (home / "replica.log").read_text():
            assert time.monotonic() < deadline, (home / "replica.log").read_text()
            time.sleep(0.1)
        machine_a = shell("machine-a")
        while not client.exists("civicnews:nightly:job"):  # A has seeded the job
            assert machine_a.poll() is None, output("machine-a")
            time.sleep(0.1)
        machine_b = shell("machine-b")
        assert _wait(machine_b, tmp_path / "machine-b.out", timeout=240) == 0, output("machine-b")
        assert _wait(machine_a, tmp_path / "machine-a.out", timeout=240) == 0, output("machine-a")
        db = home / "a" / "archive.db"
        assert rows(db, "SELECT count(*) FROM articles") == [(30,)]
        runs_text = output("machine-a")
        workers = {line.split()[1].rstrip(":") for line in runs_text.splitlines()
                   if line.strip().startswith("worker ")}  # fmt: skip
        assert len(workers) == 2, runs_text
        assert (home / "a" / "worker.log").exists() and (home / "b" / "worker.log").exists()
        cleanup = shell("cleanup")
        assert cleanup.wait(timeout=60) == 0, output("cleanup")
        assert "dropped job nightly" in output("cleanup")
        with pytest.raises(redis.ConnectionError):
            client.ping()
    finally:
        try:
            client.shutdown(nosave=True)
        except redis.RedisError:
            pass  # already stopped by the recipe
        os.killpg(setup.pid, signal.SIGTERM)
