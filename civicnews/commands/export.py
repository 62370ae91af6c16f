"""``civicnews export`` and ``civicnews verify``: thin wrappers over :mod:`civicnews.export`.

Exit codes: 0 done; 1 the archive or the output cannot be used (or, for verify, the snapshot
does not match its manifest); 2 usage error (unknown format, bad date, existing output without
--force, --excel with another format, no manifest to verify); 3 the filters select nothing (no
file is written).
"""

from __future__ import annotations

import sys
import time

import click

from civicnews.commands.options import db_option
from civicnews.errors import EXIT_EMPTY


class _EmptyProblem(click.ClickException):
    exit_code = EXIT_EMPTY


def _progress(fmt: str):
    """A one-line article counter on stderr, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        return None
    last = [0.0]

    def show(count: int) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.2:
            last[0] = now
            click.echo(f"\rexport {fmt}: {count:,} articles", err=True, nl=False)

    return show


@click.command()
@click.argument("fmt", metavar="FORMAT")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="Output file.")
@click.option(
    "--portal", "portals", multiple=True, help="Only this portal (registry key); repeatable."
)
@click.option("--since", help="Only articles published on or after this date (YYYY-MM-DD).")
@click.option("--until", help="Only articles published on or before this date (YYYY-MM-DD).")
@click.option(
    "--as-of",
    "as_of",
    help="Export what the archive held at this instant (ISO 8601; a date means its end, UTC).",
)
@click.option(
    "--with-revisions", is_flag=True, help="Include every revision (and, in WARC, every capture)."
)
@db_option
@click.option("--force", is_flag=True, help="Overwrite existing output files.")
@click.option("--excel", is_flag=True, help="CSV only: add a UTF-8 BOM so Excel reads Vietnamese.")
@click.option(
    "--with-files",
    is_flag=True,
    help="Write the archived files too (in the WACZ, or NAME.files.zip beside the output).",
)
def export(
    fmt, out, portals, since, until, as_of, with_revisions, db, force, excel, with_files
) -> None:
    """Export a snapshot as FORMAT: jsonl, csv, sqlite, warc or wacz (with a manifest)."""
    from civicnews.export import EmptySelection, ExportError, make_filters
    from civicnews.export import export as run_export

    show = _progress(fmt)
    try:
        filters = make_filters(portals, since, until, as_of, with_revisions)
        manifest = run_export(
            fmt, db, out, filters, force=force, excel=excel, progress=show, with_files=with_files
        )
    except EmptySelection as exc:
        raise _EmptyProblem(str(exc)) from None
    except ExportError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        if show:
            click.echo("", err=True)
    counts = manifest["counts"]
    written = ", ".join(f["path"] for f in manifest["files"])
    click.echo(
        f"exported {counts['articles']} articles ({counts['captures']} captures) "
        f"as {fmt}: {written} + manifest"
    )


@click.command()
@click.argument("path", type=click.Path(dir_okay=False))
def verify(path) -> None:
    """Check the snapshot at PATH against its manifest; one line per problem."""
    from civicnews.export import ExportError
    from civicnews.export import verify as run_verify

    try:
        problems = run_verify(path)
    except (ExportError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        sys.exit(1)
    click.echo(f"{path}: OK")
