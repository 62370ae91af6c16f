"""The ``crawl_runs`` table: one row per crawl run, written even when the run fails.

A run calls :func:`start_run` once it holds the archive lock (the row then has
no ``finished_at``) and :func:`finish_run` when it ends, whatever the outcome.
A row that never got its end is a run that was killed, or one still running:
:func:`recent_runs` tells them apart with the lock file.  Schema: migration
``m003_runs``.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from civicnews import __version__
from civicnews.archive import ArchiveError, connect
from civicnews.archive.db import explain, write_transaction
from civicnews.lock import read_holder

#: A portal outcome after which the next run may stop its listings early.
COMPLETE_REASONS = ("finished",)


@dataclass
class RunRecord:
    id: int
    started_at: str
    finished_at: str | None
    pid: int | None
    version: str
    argv: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    portals: list[str] = field(default_factory=list)
    counts: dict[str, dict[str, Any]] = field(default_factory=dict)
    finish_reason: str | None = None
    exit_code: int | None = None
    health: list[dict[str, Any]] = field(default_factory=list)
    status: str = ""  # ok | failed | running | killed

    def totals(self) -> dict[str, int]:
        keys = ("pages", "articles_new", "articles_known", "errors")
        return {k: sum(int(c.get(k) or 0) for c in self.counts.values()) for k in keys}

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["totals"] = self.totals()
        return data


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _write(db_path: str | Path, sql: str, params: Iterable[Any]) -> int:
    db = connect(db_path)
    try:
        with write_transaction(db.conn):
            cursor = db.conn.execute(sql, tuple(params))
        return int(cursor.lastrowid or 0)
    except sqlite3.Error as exc:
        raise ArchiveError(explain(exc, db_path)) from None
    finally:
        db.conn.close()


def start_run(
    db_path: str | Path,
    portals: list[str],
    *,
    argv: list[str] | None = None,
    options: dict[str, Any] | None = None,
    started_at: str | None = None,
) -> int:
    """Insert the row of a run that is starting; returns its id."""
    return _write(
        db_path,
        "INSERT INTO crawl_runs (started_at, pid, version, argv, options, portals) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            started_at or _now(),
            os.getpid(),
            __version__,
            json.dumps(list(argv or []), ensure_ascii=False),
            json.dumps(options or {}, ensure_ascii=False, default=str),
            json.dumps(portals, ensure_ascii=False),
        ),
    )


def finish_run(
    db_path: str | Path,
    run_id: int,
    *,
    counts: dict[str, dict[str, Any]],
    finish_reason: str,
    exit_code: int,
    health: list[dict[str, Any]],
    finished_at: str | None = None,
) -> None:
    """Complete the row of run ``run_id``."""
    _write(
        db_path,
        "UPDATE crawl_runs SET finished_at = ?, counts = ?, finish_reason = ?, exit_code = ?, "
        "health = ? WHERE id = ?",
        (
            finished_at or _now(),
            json.dumps(counts, ensure_ascii=False),
            finish_reason,
            exit_code,
            json.dumps(health, ensure_ascii=False),
            run_id,
        ),
    )


def _loads(text: str | None, default: Any) -> Any:
    try:
        value = json.loads(text) if text else default
    except ValueError:
        return default
    return value if isinstance(value, type(default)) else default


def _record(row: tuple) -> RunRecord:
    rid, started, finished, pid, version, argv, opts, portals, counts, reason, code, health = row
    return RunRecord(
        id=rid,
        started_at=started,
        finished_at=finished,
        pid=pid,
        version=version,
        argv=_loads(argv, []),
        options=_loads(opts, {}),
        portals=_loads(portals, []),
        counts=_loads(counts, {}),
        finish_reason=reason,
        exit_code=code,
        health=_loads(health, []),
    )


_SELECT = (
    "SELECT id, started_at, finished_at, pid, version, argv, options, portals, counts, "
    "finish_reason, exit_code, health FROM crawl_runs"
)


def _has_table(conn: sqlite3.Connection) -> bool:
    return bool(
        conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'crawl_runs'"
        ).fetchone()
    )


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recent_runs(db_path: str | Path, limit: int = 20) -> list[RunRecord]:
    """The ``limit`` most recent runs, newest first, each with its ``status``."""
    db = connect(db_path, create=False, readonly=True)
    try:
        if not _has_table(db.conn):
            return []
        found = [
            _record(r)
            for r in db.conn.execute(f"{_SELECT} ORDER BY id DESC LIMIT ?", (max(0, limit),))
        ]
    except sqlite3.Error as exc:
        raise ArchiveError(explain(exc, db_path)) from None
    finally:
        db.conn.close()
    holder = read_holder(db_path) or {}
    for run in found:
        if run.finished_at:
            run.status = "ok" if run.exit_code == 0 else "failed"
        elif run.pid and holder.get("pid") == run.pid and _pid_alive(run.pid):
            run.status = "running"
        else:
            run.status = "killed"
    return found


def previous_run_complete(
    conn: sqlite3.Connection, portal: str, before_id: int | None = None
) -> bool | None:
    """Did the last run that crawled ``portal`` (before run ``before_id``) finish it?

    ``None`` when no earlier run crawled it; ``False`` when that run was killed,
    interrupted or stopped early (time limit, ``--max-articles``).
    """
    if not _has_table(conn):
        return None
    sql = _SELECT + (" WHERE id < ?" if before_id is not None else "") + " ORDER BY id DESC"
    params = (before_id,) if before_id is not None else ()
    for row in conn.execute(sql, params):
        run = _record(row)
        if portal not in run.portals:
            continue
        if run.finished_at is None:
            return False
        outcome = run.counts.get(portal) or {}
        return outcome.get("finish_reason") in COMPLETE_REASONS
    return None


def portal_counts(
    conn: sqlite3.Connection, portal: str, before_id: int | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """``counts[portal]`` of the finished runs that crawled ``portal`` before run
    ``before_id``, newest first (at most ``limit``): the baseline of extraction health."""
    if not _has_table(conn):
        return []
    sql = _SELECT + " WHERE finished_at IS NOT NULL"
    params: tuple = ()
    if before_id is not None:
        sql += " AND id < ?"
        params = (before_id,)
    found = []
    for row in conn.execute(sql + " ORDER BY id DESC", params):
        run = _record(row)
        if portal in run.portals and isinstance(run.counts.get(portal), dict):
            found.append(run.counts[portal])
            if len(found) == limit:
                break
    return found
