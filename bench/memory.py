"""Peak memory of a crawl as it grows: 1,000, 10,000 and 100,000 articles.

For each size, serves a Liferay replica of that many articles from its own process,
then runs a full ``civicnews crawl`` into a fresh archive in a child process
(``run_crawl``, the CLI's library call) and prints the peak RSS of the crawler and of
the store's writer process (its child), from ``getrusage``.  The goal (issue 15):
peak RSS at 100,000 articles at most 1.3x that at 10,000.

    .venv/bin/python bench/memory.py [--sizes 1000,10000,100000] [--concurrency 16]

100,000 articles are ~100,000 pages: at 100-200 pages/s, 10-20 minutes.  While a crawl
runs, a line every ``--every`` seconds (60) gives the articles archived so far and the
crawler's peak RSS so far (``VmHWM``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child(start_url: str, concurrency: int, db: str) -> None:
    from civicnews.crawl import CrawlOptions, run_crawl

    portals = Path(db).with_suffix(".toml")
    portals.write_text(
        f'[portals.bench]\nfamily = "liferay"\nstart_urls = ["{start_url}"]\n'
        f"delay = 0\nconcurrency = {concurrency}\n",
        "utf-8",
    )
    summary = run_crawl(CrawlOptions(portals=("bench",), db=db, portals_file=portals))
    (portal,) = summary.portals
    # ru_maxrss is in KiB on Linux; the writer process is this process's waited-for child.
    print(
        json.dumps(
            {
                "pages": portal.pages,
                "articles": portal.articles_new,
                "elapsed": portal.elapsed_seconds,
                "crawler_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                "writer_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
            }
        )
    )


def _peak_mb(pid: int) -> float:
    """The process's peak RSS so far (VmHWM), MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _archived(db: Path) -> int:
    try:
        with sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.Error:
        return 0  # not created yet, or busy: the next look tells


def measure(articles: int, concurrency: int, every: float) -> dict:
    server = subprocess.Popen(
        [sys.executable, "-m", "civicnews", "replica", "serve", "--articles", str(articles)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        start_url = server.stdout.readline().strip().rsplit(" ", 1)[-1]
        started = time.monotonic()
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "a.db"
            crawl = subprocess.Popen(
                [sys.executable, __file__, "--child", start_url, "--concurrency",
                 str(concurrency), "--db", str(db)],
                stdout=subprocess.PIPE, text=True, cwd=ROOT,
            )  # fmt: skip
            # The growth as it happens, so a long run stopped early still tells.
            while True:
                try:
                    crawl.wait(timeout=every)
                    break
                except subprocess.TimeoutExpired:
                    print(
                        f"  {time.monotonic() - started:.0f} s: {_archived(db)} articles "
                        f"archived, crawler peak RSS so far {_peak_mb(crawl.pid):.0f} MB",
                        flush=True,
                    )
            out = crawl.stdout.read()
            if crawl.returncode:
                raise SystemExit(f"the crawl of {articles} articles exited {crawl.returncode}")
        result = json.loads(out.strip().splitlines()[-1])
        result["wall"] = time.monotonic() - started
        return result
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--every", type=float, default=60.0, help="seconds between progress lines")
    ap.add_argument("--child", metavar="URL")
    ap.add_argument("--db")
    args = ap.parse_args()
    if args.child:
        child(args.child, args.concurrency, args.db)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"{os.cpu_count()} CPUs; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    peaks = {}
    for size in sizes:
        r = measure(size, args.concurrency, args.every)
        crawler, writer = r["crawler_kib"] / 1024, r["writer_kib"] / 1024
        if r["articles"] >= size:
            peaks[size] = crawler
        else:
            print(f"  the crawl of {size} articles stopped early: not a figure for the ratio")
        print(
            f"{size} articles: {r['pages']} pages, {r['articles']} archived in {r['wall']:.0f} s "
            f"({r['pages'] / r['elapsed']:.0f} pages/s); peak RSS crawler {crawler:.0f} MB, "
            f"writer process {writer:.0f} MB; load average "
            f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}",
            flush=True,
        )
    if 10_000 in peaks and 100_000 in peaks:
        print(f"crawler peak RSS 100k / 10k: {peaks[100_000] / peaks[10_000]:.2f} (goal <= 1.3)")


if __name__ == "__main__":
    main()
