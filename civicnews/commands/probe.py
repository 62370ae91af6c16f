"""``civicnews probe URL|FILE``: what civicnews reads on one page, field by field, by which rule.

How an operator adds a portal: probe one of its listing pages and one article, see which family
is detected and why, and what the family's parser and the generic parser make of each field.
A URL is fetched as a crawl would fetch it (:mod:`civicnews.fetch`: Scrapy, the crawl's
User-Agent, robots.txt obeyed); anything else is a saved file, read directly.  Errors are one
line: 2 for a usage problem (unknown family, unreadable file), 1 when the page cannot be
fetched (unreachable host, robots.txt forbids it, an HTTP error status).
"""

from __future__ import annotations

import json
from typing import Any

import click

from civicnews.errors import UsageError
from civicnews.families import NAMES

#: Listing entries printed in text output (all of them are in --json).
MAX_ENTRIES = 30


def _is_url(target: str) -> bool:
    return target.lower().startswith(("http://", "https://"))


def _fetch(url: str) -> tuple[str, str, dict[str, Any]]:
    from civicnews.crawl import project_settings  # imports Scrapy: keep `--help` fast
    from civicnews.fetch import FetchError, fetch_page

    try:
        page = fetch_page(url, project_settings())
    except FetchError as exc:
        raise click.ClickException(str(exc)) from None
    if page.status >= 400:
        raise click.ClickException(f"{page.final_url} answered HTTP {page.status}")
    if page.text is None:
        kind = page.headers.get("Content-Type", "unknown type")
        raise click.ClickException(f"{page.final_url} is not an HTML page ({kind})")
    source = {
        "fetched_url": page.final_url,
        "status": page.status,
        "content_type": page.headers.get("Content-Type"),
        "encoding": page.encoding,
        "bytes": len(page.body),
    }
    return page.final_url, page.text, source


def _read(path: str, url: str | None) -> tuple[str, str, dict[str, Any]]:
    from civicnews.probe import ProbeError, read_saved_page, saved_page_url

    try:
        html = read_saved_page(path)
    except ProbeError as exc:
        raise UsageError(str(exc)) from None
    url_from = "--url"
    if url is None:
        url, url_from = saved_page_url(html, path)
    return url, html, {"file": str(path), "url_from": url_from}


@click.command()
@click.argument("target", metavar="URL|FILE")
@click.option(
    "--family",
    metavar="F",
    help=f"Read with this family's parser ({', '.join(NAMES)}); default: the detected one.",
)
@click.option(
    "--url",
    "page_url",
    metavar="URL",
    help="For a saved FILE: the address it was saved from (detection reads URL forms).",
)
@click.option(
    "--date-order",
    type=click.Choice(["DMY", "MDY", "YMD"]),
    default="DMY",
    show_default=True,
    help="How numeric dates are read, as a registry entry's date_order.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def probe(target: str, family: str | None, page_url: str | None, date_order: str, as_json: bool):
    """Show what civicnews reads on one page (a URL, fetched as a crawl would, or a saved FILE).

    Prints the detected CMS family with its evidence, then field by field what the family's
    parser and the generic parser read and by which rule; for a listing, its entries with
    their dates and its next pages.
    """
    if family is not None and family not in NAMES:
        raise UsageError(f"--family: unknown family {family!r} (one of: {', '.join(NAMES)})")
    if page_url is not None and not _is_url(page_url):
        raise UsageError(f"--url: expected an http:// or https:// address, got {page_url!r}")
    if _is_url(target):
        if page_url is not None:
            raise UsageError("--url is for a saved FILE; a URL is fetched from its own address")
        url, html, source = _fetch(target)
    else:
        url, html, source = _read(target, page_url)
    from civicnews.probe import probe_page

    report = {**probe_page(url, html, family, date_order), "source": source}
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    _print(report)


def _short(value: Any, limit: int = 110) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _value(name: str, entry: dict[str, Any]) -> str:
    value = entry["value"]
    if value in (None, "", []):
        return "-"
    if name == "published_raw":
        return f"{_short(value, 60)}  ->  {entry.get('parsed') or 'unreadable'}"
    if name == "body_text":
        body = " ".join(value.split())
        if len(body) <= 130:
            return f"({len(body)} chars) {body}"
        return f"({len(body)} chars) {body[:60]} … {body[-60:]}"
    if name == "tags":
        return _short(", ".join(value))
    if name in ("images", "attachments"):
        first = value[0].get("url") or value[0].get("src") or value[0]
        return f"{len(value)}, first: {_short(first, 90)}"
    if name == "related":
        first = value[0]
        date = f" [{first['date_raw']}]" if first.get("date_raw") else ""
        return f"{len(value)}, first: {_short(first['text'], 70)}{date}"
    return _short(value)


def _print(report: dict[str, Any]) -> None:
    echo = click.echo
    source = report["source"]
    if "file" in source:
        echo(f"page      {source['file']} (saved file)")
        echo(f"          read as {report['url']} (address from {source['url_from']})")
    else:
        echo(
            f"page      {source['fetched_url']} (HTTP {source['status']}, "
            f"{source.get('content_type') or '?'}, {source['bytes']:,} bytes)"
        )
    detected = report["detected"]
    if detected["family"] == "generic":
        echo(f"detected  {detected['summary']}")
    else:
        sure = "confident" if detected["confident"] else "not confident"
        points = detected["scores"][detected["family"]]
        echo(f"detected  {detected['family']} ({points:g} points, {sure})")
    for item in detected["evidence"]:
        found = f"{item['marker']} (+{item['weight']:g}): {item['found']}"
        echo(f"            {item['family']}: {found}")
    scores = ", ".join(f"{k} {v:g}" for k, v in detected["scores"].items())
    echo(f"            scores: {scores}")
    echo(f"family    {report['family']} ({report['family_from']})")
    readings = report["readings"]
    echo("kind      " + ", ".join(f"{r['kind']} ({r['family']} parser)" for r in readings))
    for reading in readings:
        if reading["kind"] == "error":
            echo(f"\n{reading['family']} parser crashed: {reading['error']}")
    width = max(len(r["family"]) for r in readings)
    articles = [r for r in readings if r.get("article")]
    if articles:
        echo("\nARTICLE   field / parser: [rule] value")
        for name in articles[0]["article"]["fields"]:
            echo(f"{name}")
            for reading in readings:
                if not reading.get("article"):
                    echo(f"  {reading['family']:<{width}}  (no article)")
                    continue
                entry = reading["article"]["fields"][name]
                rule = f"[{entry['rule']}] " if entry.get("rule") else ""
                echo(f"  {reading['family']:<{width}}  {rule}{_value(name, entry)}")
    for reading in readings:
        listing = reading.get("listing")
        if not listing:
            continue
        entries = listing["entries"]
        echo(f"\nLISTING ({reading['family']} parser): {len(entries)} entries")
        for link in entries[:MAX_ENTRIES]:
            date = link["date"] or (f"unreadable {link['date_raw']!r}" if link["date_raw"] else "-")
            echo(f"  {date:<25}  {_short(link['text'], 70)}")
            echo(f"  {'':<25}  {_short(link['url'], 100)}")
        if len(entries) > MAX_ENTRIES:
            echo(f"  … {len(entries) - MAX_ENTRIES} more (--json shows them all)")
        for url in listing["next_pages"]:
            echo(f"  next page: {url}")
        for pager in listing["api_pagers"]:
            echo(
                f"  paging API: {pager['method']} {pager['url']} "
                f"({pager['page_field']} from {pager['first_page']})"
            )
        if not listing["next_pages"] and not listing["api_pagers"]:
            echo("  next page: none found")
