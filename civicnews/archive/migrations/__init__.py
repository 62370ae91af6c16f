"""Ordered schema migrations: ``mNNN_<what>.py`` modules, each with ``apply(conn)``.

Module ``mNNN`` brings an archive to schema version NNN.  They are applied in
number order, each in its own transaction, when an older archive is opened.
Add a migration as a new module with the next free number; never edit one
that has shipped.
"""

from __future__ import annotations

import pkgutil
import sqlite3
from collections.abc import Callable
from importlib import import_module


def discover() -> list[tuple[int, Callable[[sqlite3.Connection], None]]]:
    found = []
    for info in pkgutil.iter_modules(__path__):
        name = info.name
        if len(name) > 4 and name[0] == "m" and name[1:4].isdigit() and name[4] == "_":
            module = import_module(f"{__name__}.{name}")
            found.append((int(name[1:4]), module.apply))
    return sorted(found)


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Execute a multi-statement script inside the caller's transaction.

    ``executescript`` would COMMIT first and break the one-transaction-per-
    migration guarantee, so statements are split and run one by one
    (``sqlite3.complete_statement`` keeps trigger bodies whole).
    """
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                conn.execute(buffer)
            buffer = ""
    if buffer.strip():
        conn.execute(buffer)
