"""Regenerate the README's screenshots: the coverage report and Datasette, in headless Chromium.

Crawls a replica portal (offline, 127.0.0.1) as two portals, one of them reached as
``localhost`` (cross-posted copies), with some article pages in a redirect loop (failed
pages); writes the report and serves the archive with Datasette on 127.0.0.1, then takes:

- ``docs/report.png``: the top of the report (60 titles changed and 8 pages gone, stored
  through the library API as a later crawl would);
- ``docs/datasette-articles.png``: the articles table with its facets;
- ``docs/datasette-search.png``: the named query ``search`` with "Đống Đa" as typed.

Usage: ``.venv/bin/python scripts/screenshots.py`` (needs Debian's ``chromium``).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from civicnews.archive import Archive  # noqa: E402
from civicnews.datasette import METADATA  # noqa: E402
from civicnews.replica import ReplicaServer  # noqa: E402
from scripts.chromium import Chromium  # noqa: E402

DOCS = ROOT / "docs"
#: The replica as two portals (registry keys overridden by the portals file).
PORTALS = ("bactuliem", "phuxuyen")
WIDTH = 1100


def civicnews(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "civicnews", *args], check=False, cwd=ROOT)


def portals(start_url: str) -> str:
    entries = []
    for key, url in zip(
        PORTALS, (start_url, start_url.replace("127.0.0.1", "localhost")), strict=True
    ):
        entries.append(
            f'[portals.{key}]\nfamily = "liferay"\nstart_urls = ["{url}"]\ndelay = 0\n'
            "concurrency = 8\n"
        )
    return "\n".join(entries)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_datasette(db: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    datasette = Path(sys.executable).with_name("datasette")
    proc = subprocess.Popen(
        [str(datasette), "serve", str(db), "--metadata", str(METADATA), "-h", "127.0.0.1",
         "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=1).read()
            return proc, base
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    sys.exit("datasette did not start")


def main() -> None:
    DOCS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        db = tmp / "archive.db"
        with ReplicaServer(
            family="liferay", articles=400, seed=1, faults="redirect-loop:0.05@article"
        ) as server:
            (tmp / "portals.toml").write_text(portals(server.start_url), "utf-8")
            # The two portals by name: without names a crawl takes every registry portal.
            civicnews(
                "crawl", *PORTALS, "--db", str(db), "--portals-file", str(tmp / "portals.toml"),
                "-q",
            )  # fmt: skip
        edit(db)
        out = tmp / "report.html"
        civicnews("report", "--db", str(db), "--out", str(out))
        datasette, base = serve_datasette(db)
        try:
            with Chromium() as browser:
                shot(browser, out.as_uri(), DOCS / "report.png", 1500)
                shot(browser, base + "/archive/articles", DOCS / "datasette-articles.png", 900)
                query = urllib.parse.urlencode({"q": "Đống Đa"})
                shot(browser, f"{base}/archive/search?{query}", DOCS / "datasette-search.png", 800)
        finally:
            datasette.terminate()
            datasette.wait(timeout=10)


def edit(db: Path) -> None:
    """Through the library API, as a later crawl would: some titles changed, some pages gone."""
    # Later than the crawl: a change is a revision after the article's first.
    later = [(datetime.now(UTC) + timedelta(days=31 * k)).isoformat() for k in (1, 2, 3, 4)]
    with Archive(db) as archive:
        urls = [r["url"] for r in archive.iter_articles(portal=PORTALS[0])]
        changed = []
        for n, url in enumerate(urls[:60]):
            article = archive.get(url)
            changed.append(
                {**article, "title": article["title"] + " (cập nhật)", "fetched_at": later[n % 3]}
            )
        gone = [
            {"url": url, "portal": PORTALS[0], "status": 404, "fetched_at": later[3]}
            for url in urls[100:108]
        ]
        archive.store(changed + gone)


def shot(browser: Chromium, url: str, path: Path, height: int) -> None:
    page = browser.open(url, width=WIDTH, height=height)
    if page.errors:
        sys.exit(f"{url}: {page.errors}")
    path.write_bytes(page.screenshot(full_page=False))
    print(f"{path.relative_to(ROOT)}: {url}")


if __name__ == "__main__":
    main()
