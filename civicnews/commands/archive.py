"""``civicnews search`` and ``civicnews stats``: thin wrappers over ``civicnews.archive.Archive``.

Library errors become one line and a non-zero exit here: an archive problem
exits 1, a bad query or option exits 2.
"""

from __future__ import annotations

import csv
import json
import sys

import click

from civicnews.archive import Archive, ArchiveError, SearchError
from civicnews.commands.options import db_option
from civicnews.errors import UsageError
from civicnews.values import day as parse_day

FORMATS = ("text", "table", "json", "csv")
#: Columns of ``--format csv`` and ``--format table``, in order.
CSV_COLUMNS = (
    "rank", "score", "published_at", "portal", "title", "url", "snippet", "duplicate_of", "gone_at",
    "match", "file_url", "file_name", "doc_number",
)  # fmt: skip
TABLE_COLUMNS = ("rank", "date", "portal", "title", "url", "in")


def _open(db: str) -> Archive:
    """Open read-only: these commands never write, not even to upgrade (only a crawl does)."""
    try:
        return Archive(db, readonly=True)
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from None


@click.command()
@click.argument("query")
@click.option("--exact", is_flag=True, help="Match diacritics as typed (thể is not thế).")
@click.option(
    "--portal",
    "portals",
    multiple=True,
    metavar="KEY",
    help="Only this portal (repeat for several).",
)
@click.option("--since", metavar="YYYY-MM-DD", help="Published on or after this day.")
@click.option("--until", metavar="YYYY-MM-DD", help="Published on or before this day.")
@click.option(
    "--limit", default=20, show_default=True, type=click.IntRange(1, 10_000), help="Most results."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="Output: text (the default listing), table, json or csv.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON (--format json).")
@click.option("--csv", "as_csv", is_flag=True, help="Print the results as CSV (--format csv).")
@click.option("--has-file", is_flag=True, help="Only articles with an archived file.")
@click.option(
    "--doc-type",
    metavar="TYPE",
    help='Only articles with a document of this type ("Quyết định", "quyet dinh", "Kế hoạch"...).',
)
@db_option
def search(
    query, exact, portals, since, until, limit, fmt, as_json, as_csv, has_file, doc_type, db
) -> None:
    """Full-text search of the archive, best matches first.

    By default case and every Vietnamese diacritic are ignored: "dong da",
    "Dong Da" and "Đống Đa" find the same articles.  QUERY takes words (all
    must match), "a phrase", OR, AND, NOT, parentheses, prefix* and
    title:word (also sapo:, body:).  Archived files' text is searched too: a
    hit in a file is shown with the file's name and URL.
    """
    fmt = _output_format(fmt, as_json, as_csv)
    since = parse_day(since, "--since") if since else None
    until = parse_day(until, "--until") if until else None
    archive = _open(db)
    try:
        hits = archive.search(
            query, exact=exact, portal=portals, since=since, until=until, limit=limit,
            has_file=has_file, doc_type=doc_type,
        )  # fmt: skip
    except SearchError as exc:
        raise UsageError(str(exc)) from None
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        archive.close()
    if fmt == "json":
        click.echo(json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=2))
        return
    if fmt == "csv":
        _print_csv(hits)
        return
    if not hits:
        click.echo(f"no article matches {query!r}", err=True)
        return
    if fmt == "table":
        _print_table(hits)
        return
    bold = sys.stdout.isatty()
    for n, hit in enumerate(hits, 1):
        snippet = hit.snippet.replace("\n", " ")
        if bold:
            snippet = snippet.replace("[", "\x1b[1m").replace("]", "\x1b[0m")
        day = (hit.published_at or "date unknown")[:10]
        flags = " (gone)" if hit.gone_at else ""
        click.echo(f"{n:>3}. {hit.title}{flags}")
        click.echo(f"     {day}  {hit.portal}  {hit.url}")
        if hit.match == "file":
            number = f" ({hit.doc_number})" if hit.doc_number else ""
            click.echo(f"     in file: {hit.file_name or ''}{number}  {hit.file_url}")
        click.echo(f"     {snippet}")


def _output_format(fmt: str | None, as_json: bool, as_csv: bool) -> str:
    """One output format from --format, --json and --csv; two different ones are refused."""
    chosen = {f for f, on in (("json", as_json), ("csv", as_csv), (fmt, fmt is not None)) if on}
    if len(chosen) > 1:
        raise UsageError(
            f"--json, --csv and --format ask for different outputs ({', '.join(sorted(chosen))}):"
            " give one"
        )
    return chosen.pop() if chosen else "text"


def _print_csv(hits) -> None:
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(CSV_COLUMNS)
    for n, hit in enumerate(hits, 1):
        row = hit.to_dict() | {"rank": n, "snippet": hit.snippet.replace("\n", " ")}
        out.writerow(["" if row[c] is None else row[c] for c in CSV_COLUMNS])


def _print_table(hits) -> None:
    rows = [
        (str(n), _day(h.published_at), h.portal, h.title or "", h.url, h.match)
        for n, h in enumerate(hits, 1)
    ]
    widths = [max(len(r[i]) for r in [TABLE_COLUMNS, *rows]) for i in range(len(TABLE_COLUMNS))]
    for r in [TABLE_COLUMNS, tuple("-" * w for w in widths), *rows]:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@db_option
def stats(as_json, db) -> None:
    """Articles per portal, date range, revisions and the last crawl run."""
    archive = _open(db)
    try:
        figures = archive.stats()
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        archive.close()
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False, indent=2, default=str))
        return
    click.echo(
        f"{'portal':<20} {'articles':>8} {'changed':>7} {'gone':>5} {'revisions':>9}  "
        "first published -> last published"
    )
    for p in figures["portals"]:
        click.echo(
            f"{p['portal']:<20} {p['articles']:>8} {p['changed']:>7} {p['gone']:>5} "
            f"{p['revisions']:>9}  {_day(p['first_published'])} -> {_day(p['last_published'])}"
        )
    t = figures["totals"]
    click.echo(
        f"{'total':<20} {t['articles']:>8} {'':>7} {t['gone']:>5} {t['revisions']:>9}  "
        f"{_day(t['first_published'])} -> {_day(t['last_published'])}"
    )
    click.echo(
        f"captures: {t['captures']}, raw bodies: {t['raw_bodies']} "
        f"({t['raw_bytes'] / 1e6:.1f} MB uncompressed), cross-posted copies: {t['duplicates']}"
    )
    run = figures["last_run"]
    if run is None:
        click.echo("last run: none recorded")
    else:
        shown = (f"{k}={_text(v)}" for k, v in run.items() if v is not None)
        click.echo("last run: " + ", ".join(shown))


def _text(value: object) -> str:
    """A value of the last run as text: lists and objects (argv, counts...) as compact JSON."""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def _day(value: str | None) -> str:
    return value[:10] if value else "?"
