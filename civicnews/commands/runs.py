"""``civicnews runs``: the recent crawl runs of an archive, with their counts and outcome.

A thin wrapper over :func:`civicnews.runs.recent_runs`; an archive problem is
one line and exit 1.
"""

from __future__ import annotations

import json
from datetime import datetime

import click

from civicnews.archive import ArchiveError
from civicnews.commands.options import db_option
from civicnews.extraction import FIELDS
from civicnews.runs import RunRecord, recent_runs


def _duration(run: RunRecord) -> str:
    if not run.finished_at:
        return "-"
    try:
        seconds = (
            datetime.fromisoformat(run.finished_at) - datetime.fromisoformat(run.started_at)
        ).total_seconds()
    except ValueError:
        return "?"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def _outcome(run: RunRecord) -> str:
    if run.status == "failed":
        checks = sorted({h.get("check", "?") for h in run.health})
        detail = ", ".join(checks) or run.finish_reason or "?"
        return f"failed (exit {run.exit_code}: {detail})"
    warnings = sum(len(c.get("warnings") or []) for c in run.counts.values())
    if warnings:
        return f"{run.status} ({warnings} health warning{'s' if warnings > 1 else ''})"
    return run.status


def _extraction_lines(run: RunRecord) -> list[str]:
    """One line per portal: its family and the share of stored articles with each field."""
    lines = []
    for portal, counts in run.counts.items():
        figures = counts.get("extraction") if isinstance(counts, dict) else None
        if not figures:
            continue
        shares = " ".join(f"{name} {figures.get(name, 0):.0%}" for name in FIELDS)
        family = counts.get("family") or "?"
        line = f"      {portal} ({family}): {figures['articles']} stored: {shares}"
        for warning in counts.get("warnings") or []:
            if warning.get("field"):
                line += (
                    f"  WARNING {warning.get('field')} fell to {warning.get('share', 0):.0%}"
                    f" from {warning.get('baseline', 0):.0%}"
                )
            else:
                line += f"  WARNING {warning.get('check')}: {warning.get('detected', '')}"
        lines.append(line)
    return lines


@click.command()
@db_option
@click.option(
    "--limit",
    default=10,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="How many runs, newest first.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the runs as JSON.")
def runs(db: str, limit: int, as_json: bool) -> None:
    """List recent crawl runs: when, which portals, counts and outcome.

    Outcome: ok, failed (health check or crash, with the checks that failed),
    running, or killed (the run never recorded its end). Under each run, one line
    per portal: its family and the share of stored articles with a title, a date,
    a time of day, an author and a body, with any health warning.
    """
    try:
        found = recent_runs(db, limit)
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in found], ensure_ascii=False, indent=2))
        return
    if not found:
        click.echo(f"no crawl runs recorded in {db}")
        return
    click.echo(
        f"{'id':>4}  {'started (UTC)':<20} {'took':>7} {'new':>6} {'known':>6} {'pages':>6}"
        f" {'errors':>6}  {'portals':<24} outcome"
    )
    for run in found:
        totals = run.totals()
        portals = ",".join(run.portals)
        if len(portals) > 24:
            portals = portals[:23] + "…"
        click.echo(
            f"{run.id:>4}  {run.started_at[:19].replace('T', ' '):<20} {_duration(run):>7} "
            f"{totals['articles_new']:>6} {totals['articles_known']:>6} {totals['pages']:>6} "
            f"{totals['errors']:>6}  {portals:<24} {_outcome(run)}"
        )
        for line in _extraction_lines(run):
            click.echo(line)
        for line in _worker_lines(run):
            click.echo(line)


def _worker_lines(run: RunRecord) -> list[str]:
    """A distributed job's run (civicnews ingest): one line per worker, over its portals."""
    workers: dict[str, dict] = {}
    for counts in run.counts.values():
        for name, figures in (counts.get("workers") or {}).items():
            mine = workers.setdefault(name, {"pages": 0, "items": 0, "errors": 0, "ends": set()})
            for key in ("pages", "items", "errors"):
                mine[key] += int(figures.get(key) or 0)
            mine["ends"].add(figures.get("finish_reason") or "?")
    return [
        f"{'':>6}worker {name}: {w['pages']} pages, {w['items']} items, {w['errors']} errors, "
        + ",".join(sorted(w["ends"]))
        for name, w in sorted(workers.items())
    ]
