"""The report as one self-contained HTML page: inline CSS and SVG, no script, no network."""

from __future__ import annotations

from html import escape
from typing import Any

from civicnews import __version__
from civicnews.report import svg
from civicnews.report.figures import ALL, HEALTH_FIELDS, PortalFigures, Report, month_range

CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
       color: #1d2733; background: #f6f7f9; }
header, main { max-width: 900px; margin: 0 auto; padding: 0 16px; }
header { padding-top: 20px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 28px 0 8px; border-bottom: 1px solid #d5dae1; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.meta, .note { color: #5b6775; }
section.portal { background: #fff; border: 1px solid #dde2e8; border-radius: 6px;
                 padding: 4px 16px 12px; margin: 18px 0; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; font-size: 13px; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #e6e9ee;
         vertical-align: top; }
th { background: #eef1f5; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.url { word-break: break-all; font-size: 12px; }
.ok { color: #1a7f37; } .failed, .killed { color: #b42318; font-weight: 600; }
.running { color: #9a6700; }
svg.chart { display: block; max-width: 100%; height: auto; background: #fff; }
svg .bar { fill: #2f6fb3; } svg .gap { fill: #f3c2c2; }
svg .grid { stroke: #e3e7ec; } svg .tick, svg .legend { font-size: 11px; fill: #5b6775; }
svg .empty { font-size: 13px; fill: #8a96a3; }
ul.figures { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 6px 22px; }
ul.figures b { font-size: 17px; }
"""


def render(report: Report) -> str:
    """The whole page; the same report always gives the same bytes."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="vi"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # Nothing may be fetched when the file is opened: no script, no remote style.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">",
        f"<title>civicnews coverage report: {escape(report.db)}</title>",
        f"<style>{CSS}</style></head><body>",
        "<header><h1>Coverage report</h1>",
        f'<p class="meta">Archive <code>{escape(report.db)}</code>, as of '
        f"{escape(report.as_of or 'no crawl yet')}; portals: "
        f"{escape(', '.join(report.portals) or 'all')}; "
        f"{'published since ' + escape(report.since) if report.since else 'all dates'}. "
        f"civicnews {escape(__version__)}.</p></header><main>",
    ]
    parts.append(_portal_section(report.overall, report, overall=True))
    for portal in report.per_portal:
        parts.append(_portal_section(portal, report))
    parts.append(_lists(report))
    parts.append("</main></body></html>\n")
    return "\n".join(parts)


def _portal_section(p: PortalFigures, report: Report, overall: bool = False) -> str:
    anchor = "overall" if overall else f"portal-{p.portal}"
    name = "All portals" if p.portal == ALL else p.portal
    out = [f'<section class="portal" id="{escape(anchor)}"><h2>{escape(name)}</h2>']
    out.append(
        '<ul class="figures">'
        + "".join(
            f"<li><b>{value}</b> {escape(label)}</li>"
            for value, label in (
                (p.articles, "articles"),
                (p.undated, "without a date"),
                (p.changed, "changed"),
                (p.gone, "gone"),
                (p.crossposted, "cross-posted copies"),
                (sum(p.failed.values()), "failed pages"),
            )
        )
        + "</ul>"
    )
    if p.first_published:
        out.append(
            f'<p class="meta">Published {escape(p.first_published[:10])} to '
            f"{escape((p.last_published or '')[:10])}.</p>"
        )
    series = (
        [(m, p.months.get(m, 0)) for m in month_range(min(p.months), max(p.months))]
        if p.months
        else []
    )
    marked = {m for g in p.gaps for m in month_range(g.first, g.last)}
    out.append("<h3>Articles per month</h3>")
    out.append(svg.bars(f"Articles per month: {name}", series, marked=marked))
    if p.gaps:
        out.append("<h3>Gaps</h3><table><tr><th>from</th><th>to</th>"
                   '<th class="num">months</th><th class="num">month before</th>'
                   '<th class="num">month after</th></tr>')  # fmt: skip
        for g in p.gaps:
            out.append(
                f"<tr><td>{g.first}</td><td>{g.last}</td><td class=num>{g.months}</td>"
                f"<td class=num>{g.before}</td><td class=num>{g.after}</td></tr>"
            )
        out.append("</table>")
    else:
        out.append('<p class="note">No gaps: no empty month between busy ones.</p>')
    if not overall:
        out.append(_health(p))
    changes = (
        [(m, p.changes.get(m, 0)) for m in month_range(min(p.changes), max(p.changes))]
        if p.changes
        else []
    )
    out.append("<h3>Content changes per month</h3>")
    out.append(
        '<p class="note">Revisions after an article\'s first: a title, date or body that '
        "changed, by the month the change was fetched.</p>"
    )
    out.append(svg.bars(f"Content changes per month: {name}", changes, unit="changes"))
    if p.failed:
        out.append("<h3>Failed pages</h3><table><tr><th>what failed</th>"
                   '<th class="num">pages</th></tr>')  # fmt: skip
        for kind, count in sorted(p.failed.items(), key=lambda kv: (-kv[1], kv[0])):
            out.append(f"<tr><td>{escape(kind)}</td><td class=num>{count}</td></tr>")
        out.append("</table>")
    out.append("</section>")
    return "\n".join(out)


def _health(p: PortalFigures) -> str:
    source = (
        "as measured by each crawl run"
        if p.health_source == "runs"
        else "share of the stored articles, by the month they were archived"
    )
    labels = [h.label for h in p.health]
    series = {f: [h.shares[f] for h in p.health] for f in HEALTH_FIELDS}
    return (
        "<h3>Extraction health</h3>"
        f'<p class="note">Share of articles read with a title, a date, a time of day, an author '
        f"and a body, {source}.</p>" + svg.lines(f"Extraction health: {p.portal}", labels, series)
    )


def _table(title: str, columns: list[tuple[str, str]], rows: list[dict[str, Any]]) -> str:
    if not rows:
        return f'<h3>{escape(title)}</h3><p class="note">None.</p>'
    head = "".join(f"<th>{escape(label)}</th>" for _key, label in columns)
    body = []
    for row in rows:
        cells = []
        for key, _label in columns:
            value = row.get(key)
            css = ' class="url"' if "url" in key else ""
            cells.append(f"<td{css}>{escape('' if value is None else str(value))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<h3>{escape(title)}</h3><table><tr>{head}</tr>{''.join(body)}</table>"


def _lists(report: Report) -> str:
    out = ['<section class="portal" id="lists"><h2>Details</h2>']
    out.append(_runs(report.runs))
    out.append(
        _table(
            "Failed pages (latest)",
            [("failed_at", "failed at"), ("portal", "portal"), ("kind", "kind"),
             ("page", "page"), ("status", "status"), ("url", "url")],
            report.failed_pages,
        )
    )  # fmt: skip
    out.append(
        _table(
            "Gone articles (404/410, latest)",
            [("gone_at", "gone at"), ("portal", "portal"), ("title", "title"),
             ("last_status", "status"), ("url", "url")],
            report.gone,
        )
    )  # fmt: skip
    out.append(
        _table(
            "Cross-posted articles: copies per pair of portals",
            [("original_portal", "first archived on"), ("portal", "copied on"),
             ("articles", "articles")],
            report.crosspost_pairs,
        )
    )  # fmt: skip
    out.append(
        _table(
            "Cross-posted articles (latest)",
            [("portal", "portal"), ("title", "title"), ("original_portal", "first on"),
             ("url", "url")],
            report.crossposts,
        )
    )  # fmt: skip
    out.append("</section>")
    return "\n".join(out)


def _runs(runs: list[dict[str, Any]]) -> str:
    if not runs:
        return '<h3>Last crawl runs</h3><p class="note">No run recorded.</p>'
    out = ["<h3>Last crawl runs</h3><table><tr><th>run</th><th>started</th><th>finished</th>"
           '<th>portals</th><th class="num">new</th><th class="num">pages</th>'
           '<th class="num">errors</th><th>outcome</th></tr>']  # fmt: skip
    for run in runs:
        totals = run.get("totals") or {}
        status = run.get("status") or "?"
        checks = ", ".join(sorted({h.get("check", "?") for h in run.get("health") or []}))
        outcome = status + (f" (exit {run.get('exit_code')}: {checks})" if checks else "")
        if status == "failed" and not checks:
            outcome += f" (exit {run.get('exit_code')}: {run.get('finish_reason') or '?'})"
        out.append(
            f"<tr><td>{run['id']}</td><td>{escape(run.get('started_at') or '')}</td>"
            f"<td>{escape(run.get('finished_at') or '-')}</td>"
            f"<td>{escape(', '.join(run.get('portals') or []))}</td>"
            f"<td class=num>{totals.get('articles_new', 0)}</td>"
            f"<td class=num>{totals.get('pages', 0)}</td>"
            f"<td class=num>{totals.get('errors', 0)}</td>"
            f'<td class="{escape(status)}">{escape(outcome)}</td></tr>'
        )
    out.append("</table>")
    return "\n".join(out)
