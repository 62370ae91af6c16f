"""Attachments: what fetching files costs a crawl, and what they add to the archive.

Two measurements, each a real ``civicnews crawl`` in a subprocess against a replica
served from another subprocess (delay 0, concurrency 16):

1. overhead: a Liferay replica without attachments, crawled alternately with
   ``CIVICNEWS_FILES_ENABLED`` on and off: pages/s of each and their ratio per round
   (off is the crawl as it was before files existed: the pipeline is not loaded).
2. fetching: a replica whose articles link documents (``attachments=True``), crawled
   with files on and off: files fetched per second of the whole crawl, the extra
   seconds per file, and the archive's growth per 1,000 files stored.

    .venv/bin/python bench/files.py [--articles 2000] [--rounds 3] [--family liferay]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SERVE = """
import sys, time
from civicnews.replica.server import ReplicaServer
server = ReplicaServer(sys.argv[1], articles=int(sys.argv[2]), log_requests=False,
                       attachments=sys.argv[3] == "1").start()
print(server.start_url, flush=True)
while True:
    time.sleep(3600)
"""


def serve(family: str, articles: int, attachments: bool) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVE, family, str(articles), "1" if attachments else "0"],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    return proc, proc.stdout.readline().strip()


def crawl(start_url: str, family: str, tmp: Path, name: str, files: bool) -> dict:
    portals = tmp / "portals.toml"
    portals.write_text(
        f'[portals.bench]\nfamily = "{family}"\nstart_urls = ["{start_url}"]\n'
        'delay = 0\nconcurrency = 16\nfile_hosts = ["localhost"]\n',
        "utf-8",
    )
    db = tmp / f"{name}.db"
    out = subprocess.run(
        [sys.executable, "-m", "civicnews", "crawl", "bench", "--db", str(db),
         "--portals-file", str(portals), "--json",
         "--set", f"CIVICNEWS_FILES_ENABLED={'true' if files else 'false'}"],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    (portal,) = json.loads(out.stdout)["portals"]
    conn = sqlite3.connect(db)
    stored, stored_bytes = conn.execute(
        "SELECT count(*), coalesce(sum(size), 0) FROM file_bodies"
    ).fetchone()
    fetched = conn.execute("SELECT count(*) FROM files").fetchone()[0]
    conn.close()
    size = sum(p.stat().st_size for p in tmp.glob(f"{name}.db*"))
    return {
        "pages": portal["pages"],
        "elapsed": portal["elapsed_seconds"],
        "files": fetched,
        "stored": stored,
        "stored_bytes": stored_bytes,
        "db_bytes": size,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--family", default="liferay")
    args = ap.parse_args()
    print(f"{args.articles} articles, family {args.family}, {os.cpu_count()} CPUs")

    server, url = serve(args.family, args.articles, attachments=False)
    ratios, on_rates, off_rates = [], [], []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for i in range(args.rounds):
                on = crawl(url, args.family, Path(tmp), f"on{i}", files=True)
                off = crawl(url, args.family, Path(tmp), f"off{i}", files=False)
                on_rates.append(on["pages"] / on["elapsed"])
                off_rates.append(off["pages"] / off["elapsed"])
                ratios.append(on_rates[-1] / off_rates[-1])
                print(f"overhead round {i + 1}: files on {on_rates[-1]:.0f} pages/s, "
                      f"off {off_rates[-1]:.0f} pages/s, ratio {ratios[-1]:.2f}")  # fmt: skip
    finally:
        server.terminate()
    rounds = ", ".join(f"{r:.2f}" for r in ratios)
    print(
        "overhead, no attachments linked: on/off pages/s ratio median "
        f"{statistics.median(ratios):.2f} (rounds {rounds})"
    )

    server, url = serve(args.family, args.articles, attachments=True)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for i in range(args.rounds):
                on = crawl(url, args.family, Path(tmp), f"fon{i}", files=True)
                off = crawl(url, args.family, Path(tmp), f"foff{i}", files=False)
                extra = on["elapsed"] - off["elapsed"]
                growth = (on["db_bytes"] - off["db_bytes"]) / on["stored"] * 1000
                print(
                    f"fetching round {i + 1}: {on['files']} files ({on['stored']} stored, "
                    f"{on['stored_bytes'] / 1e6:.1f} MB) with {on['pages']} pages in "
                    f"{on['elapsed']:.1f}s = {on['files'] / on['elapsed']:.0f} files/s; without "
                    f"files {off['elapsed']:.1f}s: {extra / on['files'] * 1000:.1f} ms extra per "
                    f"file; archive +{(on['db_bytes'] - off['db_bytes']) / 1e6:.1f} MB = "
                    f"{growth / 1e6:.1f} MB per 1,000 files stored (files' own bytes "
                    f"{on['stored_bytes'] / on['stored'] * 1000 / 1e6:.1f} MB per 1,000)"
                )
    finally:
        server.terminate()


if __name__ == "__main__":
    main()
