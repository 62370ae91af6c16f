"""Shared fixtures: a replica portal on 127.0.0.1 and the real CLI in a subprocess.

Scrapy's reactor cannot be restarted inside one process, so end-to-end tests
run ``python -m civicnews ...`` as a subprocess against a replica served from
this process.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from civicnews.replica import ReplicaServer

ROOT = Path(__file__).resolve().parent.parent
#: Constructed pages (written for this project, imitating real shapes; never real pages):
#: <family>/<case>/ with input.html, meta.json and a hand-written expected.json. Real pages
#: saved by others are read by tests/real_pages.py.
PAGES = Path(__file__).parent / "fixtures" / "constructed"


class SavedPage(NamedTuple):
    url: str
    family: str
    html: str
    expected: dict[str, Any]


def saved_page(case: str | Path) -> SavedPage:
    """A saved page, ``case`` as ``"liferay/replica-seed"`` or its directory."""
    path = PAGES / case
    meta = json.loads((path / "meta.json").read_text("utf-8"))
    html = (path / "input.html").read_bytes().decode(meta.get("encoding", "utf-8"))
    expected = json.loads((path / "expected.json").read_text("utf-8"))
    return SavedPage(meta["url"], meta["family"], html, expected)


def portal_toml(key: str, start_url: str, family: str = "liferay", **extra) -> str:
    lines = [f"[portals.{key}]", f'family = "{family}"', f'start_urls = ["{start_url}"]']
    extra.setdefault("delay", 0)
    extra.setdefault("concurrency", 8)
    for k, v in extra.items():
        lines.append(f"{k} = {v!r}" if not isinstance(v, str) else f'{k} = "{v}"')
    return "\n".join(lines) + "\n"


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 180):
    """Run the real ``civicnews`` CLI; returns the CompletedProcess."""
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "civicnews", *args],
        cwd=cwd or ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def rows(db: Path, sql: str, params=()) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


@pytest.fixture(scope="session")
def replica():
    """A 60-article Liferay replica, shared by the session (read-only use)."""
    with ReplicaServer(family="liferay", articles=60, seed=1) as server:
        yield server


@pytest.fixture
def portals_file(tmp_path, replica) -> Path:
    path = tmp_path / "portals.toml"
    path.write_text(portal_toml("replica", replica.start_url), "utf-8")
    return path


@pytest.fixture
def tmpfs(tmp_path):
    """A real, small file system (16 MB): mounted per test, unmounted after (needs root)."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mnt)], check=True)
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


@pytest.fixture(scope="session")
def demo_archive(tmp_path_factory) -> Path:
    """The archive ``civicnews demo`` builds (60 replica articles, seed 1); read it only."""
    db = tmp_path_factory.mktemp("demo") / "archive.db"
    proc = run_cli("demo", "--db", str(db), cwd=db.parent)
    assert proc.returncode == 0, proc.stderr
    return db
