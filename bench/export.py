"""Benchmark ``civicnews export``: articles/s, MB/s and peak memory for every format.

Run: .venv/bin/python bench/export.py [--articles 10000] [--also 2000]

Fills an archive from ``civicnews.replica.content`` through the real ArchiveWriter (one
capture per article, the real Liferay page as its bytes; ``tests.archives.replica_archive``),
not by crawling, in ``bench/out/``.  Each export runs in a fresh child process so its peak RSS
is its own; running a second, smaller size (``--also``) shows whether memory grows with the
archive.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

OUT = Path(__file__).resolve().parent / "out" / "export"
FORMATS = {"jsonl": "s.jsonl", "csv": "s.csv", "sqlite": "s.db", "warc": "s.warc.gz",
           "wacz": "s.wacz"}  # fmt: skip

CHILD = """
import json, resource, sys, time
from civicnews.export import export, make_filters, output_paths
fmt, db, out = sys.argv[1:4]
start = time.perf_counter()
manifest = export(fmt, db, out, make_filters())
elapsed = time.perf_counter() - start
size = sum(f["bytes"] for f in manifest["files"])
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
print(json.dumps({"elapsed": elapsed, "bytes": size, "articles": manifest["counts"]["articles"],
                  "peak_kib": peak}))
"""


def build(articles: int) -> Path:
    from tests.archives import replica_archive

    db = OUT / f"archive-{articles}.db"
    if not db.exists():
        start = time.perf_counter()
        replica_archive(db, articles)
        print(f"built {db.name}: {articles} articles in {time.perf_counter() - start:.1f} s")
    return db


def measure(db: Path, articles: int) -> None:
    print(f"\n{articles} articles, archive {db.stat().st_size / 1e6:.1f} MB")
    print(f"{'format':<7} {'seconds':>8} {'articles/s':>11} {'output MB':>10} {'MB/s':>7} "
          f"{'peak RSS MB':>12}")  # fmt: skip
    for fmt, name in FORMATS.items():
        work = OUT / f"{fmt}-{articles}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        out = subprocess.run(
            [sys.executable, "-c", CHILD, fmt, str(db), str(work / name)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        r = json.loads(out.stdout)
        mb = r["bytes"] / 1e6
        print(
            f"{fmt:<7} {r['elapsed']:>8.2f} {r['articles'] / r['elapsed']:>11,.0f} "
            f"{mb:>10.1f} {mb / r['elapsed']:>7.1f} {r['peak_kib'] / 1024:>12.0f}"
        )
        shutil.rmtree(work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--also", type=int, default=2_000, help="a second size (0: none)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    for n in [args.articles, args.also] if args.also else [args.articles]:
        measure(build(n), n)


if __name__ == "__main__":
    main()
