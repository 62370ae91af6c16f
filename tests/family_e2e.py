"""Shared steps of the per-family end-to-end tests: crawl a replica, read the archive back.

Expected values always come from the replica's ground truth, never from the code under test.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from civicnews.replica import ReplicaServer
from tests.conftest import portal_toml, rows, run_cli

COLUMNS = (
    "url", "title", "published_at", "published_raw", "date_source", "author", "body_text",
    "sapo", "category", "images", "source", "extractor",
)  # fmt: skip


def crawl_replica(tmp: Path, site: ReplicaServer, key: str, family: str) -> tuple[Path, dict]:
    """Crawl ``site`` with the real CLI as portal ``key`` into ``tmp/archive.db``."""
    portals = tmp / "portals.toml"
    portals.write_text(portal_toml(key, site.start_url, family=family), "utf-8")
    db = tmp / "archive.db"
    result = run_cli("crawl", key, "--db", str(db), "--portals-file", str(portals), "--json")
    assert result.returncode == 0, result.stderr[-3000:]
    return db, json.loads(result.stdout)


def stored(db: Path) -> dict[str, dict]:
    """The archived articles by URL, as dicts of :data:`COLUMNS`."""
    found = rows(db, f"SELECT {', '.join(COLUMNS)} FROM articles")
    return {r[0]: dict(zip(COLUMNS, r, strict=True)) for r in found}


def assert_each_article_once(db: Path, summary: dict, site: ReplicaServer, count: int) -> None:
    truth = site.ground_truth()
    urls = [u for (u,) in rows(db, "SELECT url FROM articles")]
    assert len(urls) == len(truth) == count
    assert Counter(urls).most_common(1)[0][1] == 1
    assert set(urls) == {a["url"] for a in truth}
    assert summary["ok"] is True
    assert summary["totals"]["articles_new"] == len(truth)


def assert_unlisted_reached(db: Path, site: ReplicaServer, count: int) -> None:
    unlisted = {a["url"] for a in site.ground_truth() if not a["listed"]}
    assert len(unlisted) == count
    assert unlisted <= {u for (u,) in rows(db, "SELECT url FROM articles")}
