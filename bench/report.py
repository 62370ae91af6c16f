"""Coverage report speed: ``civicnews report`` over an archive of replica articles.

Builds an archive of N replica articles (text only, four portals, as ``bench/archive.py``
does) with what the report reads besides articles: content changes (a second revision of
1 article in 20), gone articles, cross-posted copies, failed pages and crawl runs with
extraction figures.  Then times the report three times through the real CLI (a fresh
process: interpreter start included) and once in-process, stage by stage.

Usage: ``.venv/bin/python bench/report.py [--articles 100000] [--db PATH]``; with ``--db``
an existing file is reused as it is (build it once, time it often).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from archive import items  # noqa: E402  (bench/archive.py: the replica articles)

from civicnews.archive import Archive  # noqa: E402
from civicnews.archive.db import open_readonly  # noqa: E402
from civicnews.report import collect, render  # noqa: E402
from civicnews.runs import finish_run, start_run  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def build(db: Path, n: int) -> None:
    start = time.perf_counter()
    with Archive(db, create=True) as archive:
        archive.store(items(n, seed=12, with_pages=False))
    print(f"stored {n:,} articles in {time.perf_counter() - start:.0f} s")


def enrich(db: Path) -> None:
    """What a year of crawls adds: changes, gone pages, cross-posts, failures, runs."""
    with Archive(db) as archive:
        # Changes: every 20th article refetched a month later with one more sentence.
        cursor = archive.conn.execute(
            "SELECT url, portal, title, published_at, author, sapo, body_text FROM articles "
            "WHERE rowid % 20 = 0"
        )
        names = [d[0] for d in cursor.description]
        changed = []
        for values in cursor.fetchall():
            row = dict(zip(names, values, strict=True))
            row["body_text"] += " (Cập nhật.)"
            row["fetched_at"] = "2026-02-01T00:00:00+00:00"
            changed.append(row)
        # Gone: every 50th answered 404 a month later.
        gone = [
            {"url": url, "portal": portal, "status": 404,
             "fetched_at": "2026-02-02T00:00:00+00:00"}
            for url, portal in archive.conn.execute(
                "SELECT url, portal FROM articles WHERE rowid % 50 = 0"
            )
        ]  # fmt: skip
        archive.store(changed + gone)
        conn = archive.conn
        conn.execute("BEGIN")
        # Cross-posted: every 40th copies the one before it.
        conn.execute(
            "UPDATE articles SET duplicate_of = (SELECT url FROM articles o "
            "WHERE o.rowid = articles.rowid - 1) WHERE rowid % 40 = 0"
        )
        conn.executemany(
            "INSERT INTO failed_pages (portal, url, kind, page, status, error, attempts, "
            "failed_at, run_started_at) VALUES (?, ?, ?, 'article', ?, 'bench', 3, ?, ?)",
            [
                (f"p{i % 4}", f"http://127.0.0.1/x/{i}", ("http", "timeout")[i % 2],
                 500 if i % 2 == 0 else None, "2026-01-01T00:10:00+00:00",
                 "2026-01-01T00:00:00+00:00")
                for i in range(2000)
            ],
        )  # fmt: skip
        conn.execute("COMMIT")
    for day in range(1, 31):
        started = f"2026-01-{day:02d}T00:00:00+00:00"
        run = start_run(db, ["p0", "p1", "p2", "p3"], started_at=started)
        shares = {"title": 1.0, "date": 1.0, "time": 0.9 - day / 300, "author": 0.85,
                  "body": 1.0}  # fmt: skip
        counts = {
            f"p{i}": {"pages": 300, "articles_new": 10, "errors": 0,
                      "finish_reason": "finished", "extraction": {"articles": 250, **shares}}
            for i in range(4)
        }  # fmt: skip
        finish_run(db, run, counts=counts, finish_reason="finished", exit_code=0, health=[],
                   finished_at=started.replace("T00:00", "T00:20"))  # fmt: skip


def _enriched(db: Path) -> bool:
    conn = sqlite3.connect(db)
    try:
        return bool(conn.execute("SELECT count(*) FROM crawl_runs").fetchone()[0])
    finally:
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--db", type=Path, help="archive to build once and reuse")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "archive.db"
        if not db.exists():
            build(db, args.articles)
        if not _enriched(db):
            enrich(db)
        out = Path(tmp) / "report.html"
        cli = []
        for _ in range(3):
            t0 = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, "-m", "civicnews", "report", "--db", str(db), "--out", str(out)],
                capture_output=True, text=True, cwd=ROOT, check=False,
            )  # fmt: skip
            cli.append(time.perf_counter() - t0)
            if proc.returncode:
                sys.exit(f"report failed: {proc.stderr.strip()}")
        print(f"civicnews report (CLI, fresh process): {', '.join(f'{s:.2f}' for s in cli)} s; "
              f"{out.stat().st_size / 1e3:.0f} kB; {proc.stdout.strip()}")  # fmt: skip
        stages: dict[str, float] = {}
        last = [time.perf_counter()]

        def progress(step: str) -> None:
            now = time.perf_counter()
            stages[step] = now
            last.append(now)

        conn = open_readonly(db)
        t0 = time.perf_counter()
        figures = collect(conn, str(db), progress=progress)
        collected = time.perf_counter()
        page = render(figures)
        rendered = time.perf_counter()
        conn.close()
        names = list(stages)
        ends = [*(stages[n] for n in names[1:]), collected]
        parts = ", ".join(f"{n} {e - stages[n]:.2f}" for n, e in zip(names, ends, strict=True))
        print(f"in-process: collect {collected - t0:.2f} s ({parts}), render "
              f"{rendered - collected:.3f} s, {len(page) / 1e3:.0f} kB")  # fmt: skip
        print(json.dumps({"articles": figures.overall.articles, "cli_s": min(cli)}))


if __name__ == "__main__":
    main()
