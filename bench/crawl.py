"""Crawl throughput: the full civicnews pipeline against a plain Scrapy project.

Serves a Liferay replica of N articles (default 5,000) from a subprocess, then
alternately runs, each in its own process and with the same politeness settings:
- plain: the baseline, what a hand-rolled Scrapy project costs: a ``CrawlSpider``
  with one ``LinkExtractor`` rule (same host, follow), no callback, no items,
  Scrapy's default settings apart from the politeness ones;
- bare: the civicnews spider (same parser, same pages) with no item pipelines
  (the comparison the throughput target is about: what dates,
  normalisation, validation and storage cost a crawl);
- links: a minimal spider that only follows links (same canonical URLs),
  no parsing and no pipelines (what page parsing costs on top);
- full: ``civicnews crawl`` (parsers, dates, normalisation, validation,
  batched SQLite store) into a fresh archive.
Prints pages/s for each (Scrapy's own elapsed time), full/plain per round (the four
ran back to back) and its median; links, bare and full are the breakdown of the cost.

    .venv/bin/python bench/crawl.py [--articles 5000] [--rounds 3] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def nopipe_child(start_url: str, concurrency: int) -> None:
    from scrapy.crawler import CrawlerProcess

    from civicnews.crawl_options import project_settings
    from civicnews.spiders.portal import PortalSpider

    with tempfile.TemporaryDirectory() as tmp:
        portals = Path(tmp) / "portals.toml"
        portals.write_text(
            f'[portals.bench]\nfamily = "liferay"\nstart_urls = ["{start_url}"]\n'
            f"delay = 0\nconcurrency = {concurrency}\n",
            "utf-8",
        )
        settings = project_settings({"ITEM_PIPELINES": {}, "LOG_LEVEL": "WARNING"})
        process = CrawlerProcess(settings)
        crawler = process.create_crawler(PortalSpider)
        process.crawl(crawler, portal="bench", portals_file=str(portals))
        process.start()
    print_result(crawler)


def print_result(crawler) -> None:
    """A child's result for the parent: pages fetched and Scrapy's own elapsed time."""
    stats = crawler.stats.get_stats()
    pages = stats.get("downloader/response_count", 0)
    print(json.dumps({"pages": pages, "elapsed": stats.get("elapsed_time_seconds", 0)}))


def plain_child(start_url: str, concurrency: int, pages: int) -> None:
    from scrapy.crawler import CrawlerProcess
    from scrapy.linkextractors import LinkExtractor
    from scrapy.spiders import CrawlSpider, Rule

    host = start_url.split("/")[2].split(":")[0]

    class Plain(CrawlSpider):
        name = "plain"
        allowed_domains = [host]
        start_urls = [start_url]
        rules = (Rule(LinkExtractor(), follow=True),)

    # Scrapy's defaults (as `scrapy startproject` leaves them: robots.txt obeyed) and the
    # same politeness values as the civicnews variants.
    process = CrawlerProcess(
        {
            "LOG_LEVEL": "WARNING",
            "ROBOTSTXT_OBEY": True,
            "TELNETCONSOLE_ENABLED": False,
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False,
            "CONCURRENT_REQUESTS": concurrency * 2,
            "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
            # It would fetch every article again under each of its ?redirect= variants
            # (3.7x the pages): stopped after as many pages as the others fetch.
            "CLOSESPIDER_PAGECOUNT": pages,
        }
    )
    crawler = process.create_crawler(Plain)
    process.crawl(crawler)
    process.start()
    print_result(crawler)


def links_child(start_url: str, concurrency: int) -> None:
    import scrapy
    from scrapy.crawler import CrawlerProcess

    from civicnews.crawl_options import project_settings
    from civicnews.urls import canonical_url, same_site

    host = [start_url.split("/")[2].split(":")[0]]

    class Links(scrapy.Spider):
        name = "links"
        start_urls = [start_url]

        def parse(self, response):
            for href in response.css("a::attr(href)").getall():
                url = response.urljoin(href)
                if url.startswith("http") and same_site(url, host):
                    yield scrapy.Request(canonical_url(url, "liferay"), callback=self.parse)

    settings = project_settings(
        {
            "ITEM_PIPELINES": {},
            "LOG_LEVEL": "WARNING",
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False,
            "CONCURRENT_REQUESTS": concurrency * 2,
            "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        }
    )
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(Links)
    process.crawl(crawler)
    process.start()
    print_result(crawler)


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _cpu_of(run) -> tuple[dict, float]:
    """Run a child process; return its result and the CPU seconds it used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = run()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return result, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def run_child(mode: str, start_url: str, concurrency: int, articles: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, f"--{mode}-child", start_url, "--concurrency", str(concurrency),
         "--articles", str(articles)],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_full(start_url: str, concurrency: int, tmp: Path, i: int) -> dict:
    portals = tmp / "portals.toml"
    portals.write_text(
        f'[portals.bench]\nfamily = "liferay"\nstart_urls = ["{start_url}"]\n'
        f"delay = 0\nconcurrency = {concurrency}\n",
        "utf-8",
    )
    db = tmp / f"bench-{i}.db"
    out = subprocess.run(
        [sys.executable, "-m", "civicnews", "crawl", "bench", "--db", str(db),
         "--portals-file", str(portals), "--json"],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    summary = json.loads(out.stdout)
    (portal,) = summary["portals"]
    return {
        "pages": portal["pages"],
        "elapsed": portal["elapsed_seconds"],
        "articles": portal["articles_new"],
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=5000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--links-child", metavar="URL")
    ap.add_argument("--nopipe-child", metavar="URL")
    ap.add_argument("--plain-child", metavar="URL")
    args = ap.parse_args()
    if args.plain_child:
        plain_child(args.plain_child, args.concurrency, args.articles)
        return
    if args.links_child:
        links_child(args.links_child, args.concurrency)
        return
    if args.nopipe_child:
        nopipe_child(args.nopipe_child, args.concurrency)
        return
    server = subprocess.Popen(
        [sys.executable, "-m", "civicnews", "replica", "serve", "--articles", str(args.articles)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        start_url = server.stdout.readline().strip().rsplit(" ", 1)[-1]
        print(
            f"replica: {args.articles} articles at {start_url}; {os.cpu_count()} CPUs; "
            f"load average {_load()}"
        )
        names = ("plain", "links", "bare", "full")
        rates: dict[str, list[float]] = {name: [] for name in names}
        cpu_ms: dict[str, list[float]] = {name: [] for name in names}
        with tempfile.TemporaryDirectory() as tmp:

            def child(mode: str) -> dict:
                return run_child(mode, start_url, args.concurrency, args.articles)

            for i in range(args.rounds):
                runs = {
                    "plain": _cpu_of(lambda: child("plain")),
                    "links": _cpu_of(lambda: child("links")),
                    "bare": _cpu_of(lambda: child("nopipe")),
                    "full": _cpu_of(
                        lambda i=i: run_full(start_url, args.concurrency, Path(tmp), i)
                    ),
                }
                line = []
                for name, (r, cpu) in runs.items():
                    rates[name].append(r["pages"] / r["elapsed"])
                    cpu_ms[name].append(cpu / r["pages"] * 1000)
                    line.append(
                        f"{name} {r['pages']} pages in {r['elapsed']:.1f}s "
                        f"({rates[name][-1]:.0f}/s, crawler CPU {cpu_ms[name][-1]:.2f} ms/page)"
                    )
                print(
                    f"round {i + 1}: "
                    + "; ".join(line)
                    + f"; {runs['full'][0]['articles']} articles archived; "
                    f"full/plain {rates['full'][-1] / rates['plain'][-1]:.2f}; "
                    f"load average {_load()}"
                )
        med = {name: statistics.median(v) for name, v in rates.items()}
        cpu = {name: statistics.median(v) for name, v in cpu_ms.items()}
        print(
            f"median crawler CPU per page: plain CrawlSpider {cpu['plain']:.2f} ms, "
            f"links-only {cpu['links']:.2f} ms, without pipelines "
            f"{cpu['bare']:.2f} ms, full {cpu['full']:.2f} ms (the replica server uses the rest "
            "of the 2 cores)"
        )
        print(
            f"median pages/s: plain CrawlSpider {med['plain']:.0f}, links-only "
            f"{med['links']:.0f}, civicnews spider without "
            f"pipelines {med['bare']:.0f}, full pipeline {med['full']:.0f}"
        )
        # Paired: each round's variants ran back to back, so a ratio per round
        # cancels the machine's drift between rounds (load from other processes).
        vs_plain = [f / p for f, p in zip(rates["full"], rates["plain"], strict=True)]
        print(
            f"ratio full/plain CrawlSpider (target >= 0.9): per round "
            f"{', '.join(f'{r:.2f}' for r in vs_plain)}; median {statistics.median(vs_plain):.2f}; "
            f"CPU per page plain/full {cpu['plain'] / cpu['full']:.2f}"
        )
        # Paired: each round's full and bare ran back to back, so a ratio per round
        # cancels the machine's drift between rounds (5-20% on a shared VM).
        paired = sorted(f / b for f, b in zip(rates["full"], rates["bare"], strict=True))
        print(
            f"ratio full/bare (pipelines' cost; target >= 0.9): {med['full'] / med['bare']:.2f} "
            f"of the medians; per round {', '.join(f'{r:.2f}' for r in paired)}, "
            f"median {statistics.median(paired):.2f}"
        )
        print(f"ratio full/links-only (parsing + pipelines): {med['full'] / med['links']:.2f}")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
