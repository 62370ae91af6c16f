"""``civicnews report``: the coverage report of an archive, one self-contained HTML file.

Reads the archive through the read-only opener (nothing is written to it) and writes the
page atomically (``civicnews.export.output``): an interrupted report leaves the previous
file or none.  Errors are one line: an archive problem or an unwritable --out exits 1, a bad
option 2.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import click

from civicnews.archive import ArchiveError
from civicnews.archive.db import explain, open_readonly
from civicnews.commands.options import db_option
from civicnews.export.errors import ExportError, UsageError
from civicnews.export.output import atomic_open
from civicnews.report import STEPS, collect, render
from civicnews.values import day as parse_day


class _Progress:
    """One live line on a terminal's stderr ("report: crawl runs (6/6)"); silent otherwise."""

    def __init__(self, stream=sys.stderr):
        self.stream = stream
        self.live = stream.isatty()
        self.done = 0

    def __call__(self, step: str) -> None:
        self.done += 1
        if self.live:
            self.stream.write(f"\r\x1b[Kreport: {step} ({self.done}/{len(STEPS)})")
            self.stream.flush()

    def close(self) -> None:
        if self.live and self.done:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


@click.command()
@db_option
@click.option(
    "--out",
    default="report.html",
    show_default=True,
    help="HTML file to write (replaced when it exists).",
)
@click.option(
    "--portal", "portals", multiple=True, metavar="KEY", help="Only this portal (repeat)."
)
@click.option("--since", metavar="YYYY-MM-DD", help="Only articles published from this day.")
def report(db, out, portals, since) -> None:
    """Write a coverage report of the archive: one HTML page with charts, no network."""
    since = parse_day(since, "--since") if since else None
    target = Path(out)
    if not target.parent.is_dir():
        raise click.ClickException(
            f"cannot write {out}: directory {target.parent} does not exist; pass another --out"
        )
    if target.is_dir():
        raise click.ClickException(f"cannot write {out}: it is a directory; pass another --out")
    try:
        conn = open_readonly(db)
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from None
    progress = _Progress()
    try:
        figures = collect(conn, db, portals, since, progress)
    except sqlite3.Error as exc:
        raise click.ClickException(explain(exc, db)) from None
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        progress.close()
        conn.close()
    page = render(figures)
    try:
        with atomic_open(target, "w", encoding="utf-8") as f:
            f.write(page)
    except (ExportError, UsageError) as exc:
        raise click.ClickException(f"{exc}; pass another --out") from None
    except OSError as exc:
        raise click.ClickException(
            f"cannot write {out}: {exc.strerror or exc}; pass another --out"
        ) from None
    shown = len(figures.per_portal)
    click.echo(
        f"{out}: {figures.overall.articles} articles, {shown} portal{'s' if shown != 1 else ''}"
    )
