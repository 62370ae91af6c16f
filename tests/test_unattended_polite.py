"""Politeness measured on the replica's request log: Crawl-delay, default delay, robots, UA.

Spacing assertions are lower bounds with a margin (the only timing checked), on
runs of a few requests.
"""

from __future__ import annotations

import pytest

from civicnews.replica import ReplicaServer
from tests.conftest import portal_toml, run_cli


def _crawl(tmp_path, replica, *extra, **portal):
    pf = tmp_path / "portals.toml"
    pf.write_text(portal_toml("replica", replica.start_url, **portal), "utf-8")
    proc = run_cli(
        "crawl", "replica", "--db", str(tmp_path / "a.db"), "--portals-file", str(pf), *extra
    )
    assert proc.returncode == 0, proc.stderr
    return [r for r in replica.requests if r.path != "/robots.txt"]


def _gaps(log) -> list[float]:
    return [b.time - a.time for a, b in zip(log, log[1:], strict=False)]


# Concurrency 1 keeps few requests queued in the downloader, which Scrapy still sends
# after --max-articles closes the crawl: the test stays short.
@pytest.mark.parametrize(
    "portal",
    [
        {"delay": 0, "concurrency": 1},  # throttling off: only Crawl-delay spaces requests
        {"delay": 0.2, "concurrency": 1},  # AutoThrottle on, with a lower delay
    ],
    ids=["delay-0", "autothrottle"],
)
def test_robots_crawl_delay_spaces_requests(tmp_path, portal):
    with ReplicaServer("liferay", articles=20, seed=8) as replica:
        replica.robots_txt = "User-agent: *\nCrawl-delay: 1\n"
        log = _crawl(tmp_path, replica, "--max-articles", "2", **portal)
    assert len([r for r in log if "/content/" in r.path]) >= 2
    assert min(_gaps(log)) >= 0.9


def test_a_crawl_delay_for_another_agent_does_not_apply(tmp_path):
    with ReplicaServer("liferay", articles=20, seed=8) as replica:
        replica.robots_txt = "User-agent: otherbot\nCrawl-delay: 5\n\nUser-agent: *\nDisallow:\n"
        log = _crawl(tmp_path, replica)
    assert len([r for r in log if "/content/" in r.path]) == 20
    assert sum(_gaps(log)) < 5  # 20 articles with no delay: never one 5 s gap


def test_default_delay_and_robots_disallow(tmp_path):
    """No delay in the entry: 1 s between requests; robots.txt keeps articles out of reach."""
    with ReplicaServer("liferay", articles=20, seed=8) as replica:
        replica.robots_txt = "User-agent: *\nDisallow: /tin-tuc-su-kien/-/\n"
        pf = tmp_path / "portals.toml"
        pf.write_text(
            f'[portals.replica]\nfamily = "liferay"\nstart_urls = ["{replica.start_url}"]\n'
        )
        proc = run_cli(
            "crawl", "replica", "--db", str(tmp_path / "a.db"), "--portals-file", str(pf)
        )
        log = replica.requests
    assert proc.returncode == 0, proc.stderr
    # robots.txt, the listing and the page-1 link of its pager; no article (disallowed).
    assert [r.path.split("?")[0] for r in log] == ["/robots.txt"] + ["/tin-tuc-su-kien"] * 2
    # 1 s with Scrapy's ±50% jitter: never closer than half a second.
    assert min(_gaps(log)) >= 0.45
    (agent,) = {r.headers.get("user-agent") for r in log}
    assert agent.startswith("civicnews/") and "(+https://" in agent
