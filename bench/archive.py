"""Archive speed and size: prints the figures BENCHMARKS.md records.

- articles stored per second through the store pipeline (batched, raw pages
  included) and through the library API (``Archive.store``);
- archive size per 1,000 articles with raw captures;
- search latency (median, 95th percentile) of ten queries, folded and exact,
  over an archive of 100,000 replica articles;
- where a stored article's time goes, stage by stage, each measured alone
  (``--ceiling``): reading the item (hashes, JSON), zlib, the SQL statements
  replayed without any of the Python that prepared them, the WAL checkpoint,
  and how much a second process adds on this machine.  The store's speed is
  bounded by these figures whatever the threads or processes.

Articles come from ``civicnews.replica`` directly (content and the Liferay
renderer's page bytes), not from a crawl, so the figures are the archive's
alone.  Usage: ``.venv/bin/python bench/archive.py [--store N] [--search N]``.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import tempfile
import time
import zlib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter

from civicnews.archive import Archive
from civicnews.archive.query import INDEXES, fts_query
from civicnews.archive.records import item_record
from civicnews.archive.writer import DEFAULT_COMPRESS_LEVEL, ArchiveWriter
from civicnews.items import ArticleItem
from civicnews.pipelines.store import StorePipeline
from civicnews.replica.article import Figure, Paragraph, Table
from civicnews.replica.content import Corpus
from civicnews.replica.liferay import LiferayRenderer

BASE = "http://127.0.0.1:8080"
QUERIES = [
    ("dong ngac", False),
    ("phong chay chua chay", False),
    ("Xuân Đỉnh", False),
    ("hien mau tinh nguyen", False),
    ('"gia dinh van hoa"', False),
    ("karaoke", False),
    ("bao hiem y te", False),
    ("Thụy Phương", True),
    ("hộ nghèo", True),
    ("thể thao", True),
]


def body_text(corpus: Corpus, key: int) -> str:
    lines = []
    for block in corpus.article(key).blocks:
        if isinstance(block, Paragraph):
            lines.append(" ".join(block.sentences))
        elif isinstance(block, Figure):
            lines.append(block.caption)
        elif isinstance(block, Table):
            lines.extend(" ".join(row) for row in (block.header, *block.rows))
    return "\n".join(lines)


def items(count: int, seed: int, with_pages: bool) -> list[ArticleItem]:
    corpus = Corpus(count, seed)
    renderer = LiferayRenderer(corpus)
    out = []
    for key in range(count):
        meta = corpus.meta(key)
        path = renderer.article_path(key)
        page = b""
        if with_pages:
            page = renderer.handle("GET", path, "", {}, b"").body
        out.append(
            ArticleItem(
                portal=f"p{key % 4}",
                url=BASE + path,
                fetched_url=BASE + path,
                fetched_at="2026-01-01T00:00:00+00:00",
                title=meta.title,
                published_at=meta.published.isoformat(),
                author=meta.author,
                sapo=meta.lead,
                body_text=body_text(corpus, key),
                response_body=page,
                response_headers={"Content-Type": ["text/html; charset=utf-8"]},
                request_headers={"User-Agent": ["civicnews bench"]},
            )
        )
    return out


def run_pipelines(batch: list[ArticleItem], runs: list[tuple[Path, bool]]) -> list[float]:
    """Seconds to push ``batch`` through the store pipeline as a crawl does, per run.

    Under Twisted's reactor (which runs once per process, so every run shares
    it), through ``process_item``/``close_spider``; each run is (archive path,
    ``writer_process``: batches written by the child process, as in a crawl, or
    on a worker thread).  Scrapy stops scraping while about 5 MB of responses
    wait on pipelines, so at most two batches wait here too.
    """
    from twisted.internet import defer, reactor

    timing: dict[str, Any] = {"elapsed": []}

    async def feed(db: Path, writer_process: bool) -> None:
        pipe = StorePipeline(str(db), 500, writer_process=writer_process)
        start = time.perf_counter()
        pipe.open_spider()
        waiting: list[defer.Deferred] = []
        for it in batch:
            d = defer.Deferred.fromCoroutine(pipe.process_item(it))
            if not d.called:
                waiting.append(d)
                if len(waiting) > 1:
                    await waiting.pop(0)
        for d in waiting:
            await d
        await defer.Deferred.fromCoroutine(pipe.close_spider())
        timing["elapsed"].append(time.perf_counter() - start)

    async def feed_all() -> None:
        for db, writer_process in runs:
            await feed(db, writer_process)

    def start() -> None:
        done = defer.Deferred.fromCoroutine(feed_all())
        done.addErrback(lambda failure: timing.setdefault("error", failure))
        done.addBoth(lambda _: reactor.stop())

    reactor.callWhenRunning(start)
    reactor.run()
    if "error" in timing:
        timing["error"].raiseException()
    return timing["elapsed"]


def size_of(path: Path) -> int:
    Archive(path).close()  # the last close checkpoints the WAL into the main file
    return sum(p.stat().st_size for p in path.parent.iterdir() if p.name.startswith(path.name))


def bench_store(n: int, tmp: Path) -> None:
    batch = items(n, seed=11, with_pages=True)
    raw_mb = sum(len(i.response_body) for i in batch) / 1e6
    print(f"store: {n:,} replica articles, {raw_mb:.1f} MB of raw pages, batches of 500")
    db = tmp / "pipeline.db"
    in_child, in_thread = run_pipelines(batch, [(db, True), (tmp / "thread.db", False)])
    print(
        f"  store pipeline, writer process (a crawl's default): {n / in_child:,.0f} articles/s "
        f"({in_child:.2f} s)"
    )
    print(f"  store pipeline, worker thread: {n / in_thread:,.0f} articles/s ({in_thread:.2f} s)")
    size = size_of(db)
    print(f"  archive size: {size / 1e6:.1f} MB, {size / n * 1000 / 1e6:.2f} MB per 1,000 articles")

    db = tmp / "api.db"
    start = time.perf_counter()
    with Archive(db, create=True) as archive:
        archive.store(batch)
    elapsed = time.perf_counter() - start
    print(f"  library API (Archive.store): {n / elapsed:,.0f} articles/s ({elapsed:.2f} s)")

    start = time.perf_counter()
    with Archive(db) as archive:
        result = archive.store(
            ArticleItem(**{**it.__dict__, "fetched_at": "2026-01-02T00:00:00+00:00"})
            for it in batch
        )
    elapsed = time.perf_counter() - start
    print(f"  refetch, unchanged ({result.known:,} revisits): {n / elapsed:,.0f} articles/s")


def bench_search(n: int, tmp: Path, repeat: int) -> None:
    db = tmp / "search.db"
    start = time.perf_counter()
    rows = items(n, seed=12, with_pages=False)
    made = time.perf_counter() - start
    start = time.perf_counter()
    with Archive(db, create=True) as archive:
        archive.store(rows)
    stored = time.perf_counter() - start
    del rows
    print(
        f"search: {n:,} replica articles (text only; generated in {made:.0f} s, stored in "
        f"{stored:.0f} s = {n / stored:,.0f}/s), archive {size_of(db) / 1e6:.0f} MB"
    )
    every: list[float] = []
    with Archive(db) as archive:
        for query, exact in QUERIES:
            archive.search(query, exact=exact)  # warm the page cache once
            times = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                hits = archive.search(query, exact=exact, limit=20)
                times.append((time.perf_counter() - t0) * 1000)
            every.extend(times)
            fts = INDEXES[exact]
            matches = archive.conn.execute(
                f"SELECT count(*) FROM {fts} WHERE {fts} MATCH ?", (fts_query(query, exact=exact),)
            ).fetchone()[0]
            mode = "exact " if exact else "folded"
            print(
                f"  {mode} {query!r:<26} {matches:>7,} matches, {len(hits)} shown: "
                f"median {statistics.median(times):6.1f} ms"
            )
    every.sort()
    p95 = every[int(len(every) * 0.95) - 1]
    print(f"  all queries: median {statistics.median(every):.1f} ms, p95 {p95:.1f} ms")


class _Recorder:
    """A connection that notes every statement the writer sends, to replay them alone."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.log: list[tuple[str, Any]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        self.log.append((sql, params))
        return self.conn.execute(sql, params)

    def executemany(self, sql: str, rows: Any) -> sqlite3.Cursor:
        rows = list(rows)
        self.log.append((sql, [rows]))
        return self.conn.executemany(sql, rows)


def _compress_for(seconds: float) -> int:
    data = b"".join(i.response_body for i in items(20, seed=3, with_pages=True))
    done, end = 0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        zlib.compress(data, DEFAULT_COMPRESS_LEVEL)
        done += 1
    return done


def bench_ceiling(n: int, tmp: Path) -> None:
    batch = items(n, seed=13, with_pages=True)
    print(f"ceiling: time per new article, stage by stage, each alone ({n:,} articles)")
    start = time.perf_counter()
    records = [item_record(ItemAdapter(it)) for it in batch]
    prep = (time.perf_counter() - start) / n
    start = time.perf_counter()
    for rec in records:
        zlib.compress(rec["body"], DEFAULT_COMPRESS_LEVEL)
    compress = (time.perf_counter() - start) / n
    # The statements of a real store, replayed into a fresh archive with every
    # parameter already built: what SQLite itself needs, and nothing else.
    with Archive(tmp / "recorded.db", create=True) as archive:
        archive.conn.execute("PRAGMA wal_autocheckpoint = 0")  # measured apart, below
        writer = ArchiveWriter(archive.db, background_checkpoint=False)
        recorder = _Recorder(archive.conn)
        writer.conn = recorder
        start = time.perf_counter()
        for i in range(0, n, 500):
            writer.write(batch[i : i + 500])
        whole = (time.perf_counter() - start) / n
    with Archive(tmp / "replayed.db", create=True) as archive:
        conn = archive.conn
        conn.execute("PRAGMA wal_autocheckpoint = 0")  # measured apart, below
        start = time.perf_counter()
        for sql, params in recorder.log:
            if isinstance(params, list):
                conn.executemany(sql, params[0])
            else:
                conn.execute(sql, params).fetchall()
        sql_alone = (time.perf_counter() - start) / n
        start = time.perf_counter()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        checkpoint = (time.perf_counter() - start) / n
    # The writer's thread read the items and ran the statements; the rest of
    # its time is its own Python (decisions, rows, parameters), zlib ran on its pool.
    python = whole - prep - sql_alone
    total = prep + python + compress + sql_alone + checkpoint
    stages = [
        ("reading items (ItemAdapter, 3 sha256, JSON, identity)", prep),
        ("the writer's own Python (decisions, rows, parameters)", python),
        (f"zlib level {DEFAULT_COMPRESS_LEVEL} of the raw page", compress),
        ("SQL statements alone, replayed with every parameter built", sql_alone),
        ("WAL checkpoint (copy into the database file, fsync)", checkpoint),
    ]
    for name, seconds in stages:
        print(f"  {name:<58} {seconds * 1e6:5.0f} µs")
    print(
        f"  the SQL alone would store {1 / sql_alone:,.0f} articles/s; all of it is "
        f"{total * 1e6:.0f} µs per article (one core: {1 / total:,.0f}/s)"
    )
    seconds = 2.0
    one = _compress_for(seconds)
    with ProcessPoolExecutor(2) as pool:
        two = sum(pool.map(_compress_for, [seconds, seconds]))
    factor = two / one
    print(f"  two processes do {factor:.2f}x the work of one here (zlib in 1 and 2 processes): "
          f"at best {factor / total:,.0f} articles/s, split perfectly")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--store", type=int, default=10_000, help="articles for the store runs (0: skip)"
    )
    parser.add_argument("--search", type=int, default=100_000, help="articles for search (0: skip)")
    parser.add_argument("--repeat", type=int, default=20, help="runs of each query")
    parser.add_argument(
        "--ceiling", type=int, default=5_000, help="articles for the stage figures (0: skip)"
    )
    args = parser.parse_args()
    print(f"civicnews archive bench, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        if args.store:
            bench_store(args.store, Path(tmp))
        if args.ceiling:
            bench_ceiling(args.ceiling, Path(tmp))
        if args.search:
            bench_search(args.search, Path(tmp), args.repeat)


if __name__ == "__main__":
    main()
