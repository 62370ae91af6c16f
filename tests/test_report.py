"""``civicnews report``: figures read back from the page, errors, and a real browser.

The archive is a real crawl of two portals serving the same replica (cross-posted copies),
with pages that fail (a redirect loop), then an article changed and one gone through the
library API.  Expected figures come from plain SQL on the archive, never from the report's
own code.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections import Counter

import pytest

from civicnews.archive import Archive
from civicnews.replica import ReplicaServer
from civicnews.runs import finish_run, start_run
from scripts.chromium import Chromium, find_chromium
from tests.conftest import portal_toml, rows, run_cli

LATER = "2099-01-01T00:00:00+00:00"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    with ReplicaServer(
        family="liferay", articles=40, seed=3, faults="redirect-loop:0.2@article"
    ) as server:
        other = server.start_url.replace("127.0.0.1", "localhost")
        pf = tmp / "portals.toml"
        pf.write_text(portal_toml("ipv4", server.start_url) + portal_toml("named", other), "utf-8")
        db = tmp / "archive.db"
        out = run_cli("crawl", "ipv4", "named", "--db", str(db), "--portals-file", str(pf))
    assert out.returncode in (0, 1), out.stderr  # pages that fail may fail a health check
    urls = [u for (u,) in rows(db, "SELECT url FROM articles WHERE portal = 'ipv4' ORDER BY url")]
    with Archive(db) as archive:
        current = archive.get(urls[0])
        archive.store(
            [
                {**current, "title": current["title"] + " (cập nhật)", "fetched_at": LATER},
                {"url": urls[1], "portal": "ipv4", "status": 410, "fetched_at": LATER},
            ]
        )
    return db, urls


def report(db, out, *args):
    proc = run_cli("report", "--db", str(db), "--out", str(out), *args)
    assert proc.returncode == 0, proc.stderr
    return out.read_text("utf-8")


@pytest.fixture(scope="module")
def page(crawled, tmp_path_factory):
    db, _ = crawled
    return report(db, tmp_path_factory.mktemp("page") / "report.html")


def section(page: str, anchor: str) -> str:
    match = re.search(rf'<section class="portal" id="{anchor}">(.*?)</section>', page, re.S)
    assert match, f"no section {anchor}"
    return match[1]


def bar_titles(svg: str) -> dict[str, int]:
    return {
        label: int(n)
        for label, n in re.findall(r'<rect class="bar"[^>]*><title>([^:<]+): (\d+) ', svg)
    }


def charts(part: str) -> list[str]:
    return re.findall(r"<svg.*?</svg>", part, re.S)


def test_articles_per_month_per_portal_and_overall(crawled, page):
    db, _ = crawled
    per_month = Counter()
    for portal, month, n in rows(
        db,
        "SELECT portal, substr(published_at, 1, 7), count(*) FROM articles "
        "WHERE published_at IS NOT NULL GROUP BY 1, 2",
    ):
        per_month[(portal, month)] = n
    for portal in ("ipv4", "named"):
        svg = charts(section(page, f"portal-{portal}"))[0]
        expected = {m: n for (p, m), n in per_month.items() if p == portal}
        assert bar_titles(svg) == expected
    overall = Counter()
    for (_p, month), n in per_month.items():
        overall[month] += n
    assert bar_titles(charts(section(page, "overall"))[0]) == dict(overall)


def test_headline_figures(crawled, page):
    db, _ = crawled
    for portal, articles, gone, copies in rows(
        db,
        "SELECT portal, count(*), count(gone_at), count(duplicate_of) FROM articles "
        "GROUP BY portal",
    ):
        part = section(page, f"portal-{portal}")
        assert f"<b>{articles}</b> articles" in part
        assert f"<b>{gone}</b> gone" in part
        assert f"<b>{copies}</b> cross-posted copies" in part


def test_failed_gone_crossposted_and_runs(crawled, page):
    db, urls = crawled
    failed = rows(db, "SELECT portal, kind, count(*) FROM failed_pages GROUP BY 1, 2")
    assert failed and all(kind == "redirect-loop" for _p, kind, _n in failed)
    for portal, _kind, n in failed:
        part = section(page, f"portal-{portal}")
        assert f"<b>{n}</b> failed pages" in part
        assert re.search(rf"<td>redirect-loop \(article\)</td><td class=num>{n}</td>", part)
    details = section(page, "lists")
    assert html.escape(urls[1]) in details  # the gone article, listed
    pairs = rows(
        db,
        "SELECT o.portal, a.portal, count(*) FROM articles a JOIN articles o "
        "ON o.url = a.duplicate_of GROUP BY 1, 2",
    )
    for first, copy, n in pairs:
        assert f"<tr><td>{first}</td><td>{copy}</td><td>{n}</td></tr>" in details
    (run_id, exit_code) = rows(db, "SELECT id, exit_code FROM crawl_runs")[0]
    outcome = "ok" if exit_code == 0 else "failed"
    assert re.search(rf"<tr><td>{run_id}</td>.*?<td class=\"{outcome}\">{outcome}", details)


def test_content_changes_per_month(crawled, page):
    svg = charts(section(page, "portal-ipv4"))[-1]
    assert bar_titles(svg) == {LATER[:7]: 1}  # the one title changed through the API


def test_the_same_archive_gives_the_same_bytes(crawled, tmp_path, page):
    db, _ = crawled
    again = report(db, tmp_path / "again.html")
    assert again == page


def test_portal_and_since_narrow_the_report(crawled, tmp_path):
    db, _ = crawled
    months = sorted(
        {
            m
            for (m,) in rows(
                db,
                "SELECT DISTINCT substr(published_at, 1, 7) "
                "FROM articles WHERE published_at IS NOT NULL",
            )
        }
    )
    assert len(months) >= 2
    since = months[1] + "-01"
    text = report(db, tmp_path / "narrow.html", "--portal", "named", "--since", since)
    assert 'id="portal-named"' in text and 'id="portal-ipv4"' not in text
    shown = bar_titles(charts(section(text, "portal-named"))[0])
    expected = dict(
        rows(
            db,
            "SELECT substr(published_at, 1, 7), count(*) FROM articles "
            "WHERE portal = 'named' AND published_at >= ? GROUP BY 1",
            (since,),
        )
    )
    assert shown == expected and months[0] not in shown


# -- gaps and extraction health, on hand-made archives ---------------------------------------


def _article(n: int, day: str, portal: str = "p") -> dict:
    return {
        "url": f"https://example.gov.vn/tin/{portal}{n}",
        "portal": portal,
        "title": f"Tin số {n}",
        "published_at": day,
        "body_text": f"Nội dung tin số {n} của cổng thông tin điện tử.",
        "fetched_at": "2024-08-01T00:00:00+00:00",
    }


def test_gaps_are_empty_months_between_busy_ones(tmp_path):
    db = tmp_path / "archive.db"
    # Jan 5, Feb 6, Mar 0, Apr 0, May 5, Jun 1, Jul 0, Aug 5: March-April is a gap (busy on
    # both sides); July is not (June had one article, less than half the median month).
    months = {"01": 5, "02": 6, "05": 5, "06": 1, "08": 5}
    days = [f"2024-{m}-{d + 1:02d}" for m, count in months.items() for d in range(count)]
    items = [_article(n, day) for n, day in enumerate(days)]
    with Archive(db, create=True) as archive:
        archive.store(items)
    text = report(db, tmp_path / "r.html")
    part = section(text, "portal-p")
    assert re.findall(r"<tr><td>(\d{4}-\d\d)</td><td>(\d{4}-\d\d)</td>", part) == [
        ("2024-03", "2024-04")
    ]
    bands = re.findall(r'<rect class="gap"[^>]*><title>([^:]+):', charts(part)[0])
    assert bands == ["2024-03", "2024-04"]


def test_extraction_health_comes_from_the_runs_when_they_measured_it(tmp_path):
    db = tmp_path / "archive.db"
    with Archive(db, create=True) as archive:
        archive.store([_article(1, "2024-01-02", "a"), _article(2, "2024-01-03", "b")])
    shares = {"title": 1.0, "date": 0.5, "time": 0.25, "author": 0.75, "body": 1.0}
    for day in ("2024-02-01", "2024-03-01"):
        run = start_run(db, ["a"], started_at=f"{day}T00:00:00+00:00")
        finish_run(
            db,
            run,
            counts={"a": {"pages": 9, "extraction": {"articles": 8, **shares}}},
            finish_reason="finished",
            exit_code=0,
            health=[],
            finished_at=f"{day}T00:05:00+00:00",
        )
    text = report(db, tmp_path / "r.html")
    measured = charts(section(text, "portal-a"))[1]
    points = re.findall(r"<circle[^>]*><title>([^<]+)</title>", measured)
    assert "run 1: date 50%" in points and "run 2: author 75%" in points
    assert "as measured by each crawl run" in section(text, "portal-a")
    # Portal b was never measured by a run: the shares of its stored articles.
    counted = charts(section(text, "portal-b"))[1]
    assert "2024-08: author 0%" in re.findall(r"<circle[^>]*><title>([^<]+)</title>", counted)


# -- errors --------------------------------------------------------------------------------


def one_line_error(proc, code: int = 1) -> str:
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_missing_archive_is_one_line(tmp_path):
    proc = run_cli("report", "--db", str(tmp_path / "none.db"), "--out", str(tmp_path / "r.html"))
    assert "no archive at" in one_line_error(proc)
    assert not (tmp_path / "r.html").exists()


def test_a_file_that_is_not_an_archive_is_one_line(tmp_path):
    bogus = tmp_path / "notes.db"
    bogus.write_bytes(b"these are notes, not a database\n" * 100)
    before = hashlib.sha256(bogus.read_bytes()).hexdigest()
    proc = run_cli("report", "--db", str(bogus), "--out", str(tmp_path / "r.html"))
    assert "not" in one_line_error(proc) and str(bogus) in proc.stderr
    assert hashlib.sha256(bogus.read_bytes()).hexdigest() == before


@pytest.mark.parametrize("where", ["missing/r.html", "is-a-dir", "file/r.html"])
def test_unwritable_out_is_one_line_and_the_archive_is_untouched(crawled, tmp_path, where):
    db, _ = crawled
    (tmp_path / "is-a-dir").mkdir()
    (tmp_path / "file").write_text("x")
    before = {p.name: p.stat().st_mtime_ns for p in db.parent.glob("archive.db*")}
    proc = run_cli("report", "--db", str(db), "--out", str(tmp_path / where))
    assert "cannot write" in one_line_error(proc) and "--out" in proc.stderr
    after = {p.name: p.stat().st_mtime_ns for p in db.parent.glob("archive.db*")}
    assert after == before


def test_a_full_disk_keeps_the_previous_report(crawled, tmpfs):
    db, _ = crawled
    out = tmpfs / "report.html"
    out.write_text("the previous report\n", "utf-8")
    filler = tmpfs / "filler"
    with open(filler, "wb", buffering=0) as f:  # fill the 16 MB file system to the last byte
        for size in (65536, 4096, 1):
            try:
                while True:
                    f.write(b"\0" * size)
            except OSError:
                pass  # ENOSPC: full at this size, as wanted
    proc = run_cli("report", "--db", str(db), "--out", str(out))
    line = one_line_error(proc)
    assert "cannot write" in line and "No space left" in line and "--out" in line
    assert out.read_text("utf-8") == "the previous report\n"
    assert sorted(p.name for p in tmpfs.iterdir()) == ["filler", "report.html"]


def test_bad_since_is_a_usage_error(crawled, tmp_path):
    db, _ = crawled
    proc = run_cli("report", "--db", str(db), "--since", "yesterday")
    assert "YYYY-MM-DD" in one_line_error(proc, 2)


# -- in a real browser -----------------------------------------------------------------------


def test_the_report_renders_in_headless_chromium(page, tmp_path):
    assert find_chromium(), "install Debian's chromium package (.ci/run does)"
    path = tmp_path / "report.html"
    path.write_text(page, "utf-8")
    with Chromium() as browser:
        tab = browser.open(path.as_uri(), width=1000, height=900)
        assert tab.errors == []
        drawn = tab.evaluate(
            "Array.from(document.querySelectorAll('svg.chart')).map(s => {"
            " const box = s.getBoundingClientRect();"
            " return {w: box.width, h: box.height, marks: Array.from("
            "  s.querySelectorAll('rect.bar, circle')).filter(e => {"
            "   const b = e.getBBox(); return b.width > 0 && b.height > 0; }).length}; })"
        )
        png = tab.screenshot()
    # Every bar and point of the markup has a box on screen, chart by chart.
    marks = [len(re.findall(r"<rect class=\"bar\"|<circle", svg)) for svg in charts(page)]
    assert [c["marks"] for c in drawn] == marks
    assert sum(m > 0 for m in marks) >= 5  # articles: overall + 2 portals; health: 2 portals
    assert all(c["w"] > 300 and c["h"] > 20 for c in drawn)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000


def test_progress_on_a_terminal_only(crawled, tmp_path):
    import os
    import pty
    import subprocess
    import sys

    db, _ = crawled
    master, slave = pty.openpty()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "civicnews",
            "report",
            "--db",
            str(db),
            "--out",
            str(tmp_path / "r.html"),
        ],
        stdout=subprocess.PIPE,
        stderr=slave,
        text=True,
        timeout=120,
        check=False,
    )
    os.close(slave)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the terminal's other end is closed and everything was read
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    assert proc.returncode == 0
    text = shown.decode()
    assert "report: articles per month (1/6)" in text and "report: crawl runs (6/6)" in text
    assert "report:" not in proc.stdout  # the summary line only
    quiet = run_cli("report", "--db", str(db), "--out", str(tmp_path / "r2.html"))
    assert quiet.returncode == 0 and quiet.stderr == ""
