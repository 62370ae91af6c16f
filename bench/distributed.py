"""Distributed crawl throughput: pages/s with 1, 2 and 4 workers, and the ingester's articles/s.

Starts a redis-server (Debian's ``redis-server``) on a free port and P replica
portals (Liferay, A articles each) in this process, each answering every page
after a simulated latency (the replica's ``slow`` fault, default 0.2 s).  The
registry gives each portal no delay and a generous shared concurrency, so
politeness does not cap the crawl; each worker is limited to C requests in
flight per portal (``CONCURRENT_REQUESTS_PER_DOMAIN``), so one worker is bound
by latency, as a polite worker crawling slow portals is.

For each worker count N: a job is seeded, its frontier held back until the N
workers are up and waiting, then released; pages/s is the number of pages the
replicas served (robots.txt excluded) over the time from the first to the last.
Then the job's stream is drained by the ingester (in this process, timed
without start-up) into a fresh archive: articles/s.

    .venv/bin/python bench/distributed.py [--workers 1,2,4] [--portals 5] [--articles 160]
        [--latency 0.2] [--concurrency 1] [--wide]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import scrapy  # noqa: E402
from scrapy_redis import picklecompat  # noqa: E402
from scrapy_redis.dupefilter import RFPDupeFilter  # noqa: E402

from civicnews.distributed.ingest import Ingester  # noqa: E402
from civicnews.distributed.jobs import enqueue, status  # noqa: E402
from civicnews.distributed.keys import JobKeys  # noqa: E402
from civicnews.registry import load_registry  # noqa: E402
from civicnews.replica import ReplicaServer  # noqa: E402
from civicnews.spiders.portal import PortalSpider  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_redis(workdir: Path):
    import redis

    port = free_port()
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    client = redis.Redis(port=port)
    for _ in range(200):
        try:
            client.ping()
            return proc, client, f"redis://127.0.0.1:{port}/0"
        except redis.ConnectionError:
            time.sleep(0.05)
    raise SystemExit("redis-server did not start")


def seed_articles(client, keys, names, servers, pf: Path) -> None:
    """Queue every article of every portal at the start (--wide): the frontier is as wide as
    the portal, so what is measured is the distributed machinery, not the site's link graph
    (the replica reaches 60% of its articles only through a chain of "related" links, whose
    width, about 3, caps how many workers one portal can keep busy)."""
    for name, server in zip(names, servers, strict=True):
        spider = PortalSpider(portal=name, portals_file=str(pf))
        for article in server.ground_truth():
            request = scrapy.Request(
                article["url"],
                callback=spider.parse,
                errback=spider.on_failure,
                meta={"civicnews_kind": "article", "handle_httpstatus_list": [404, 410]},
            )
            RFPDupeFilter(client, keys.dupefilter(name)).request_seen(request)
            data = picklecompat.dumps(request.to_dict(spider=spider))
            client.zadd(keys.requests(name), {data: 0})


def one_round(args, url, client, servers, pf: Path, workers: int, tmp: Path) -> dict:
    job = "bench" + uuid.uuid4().hex[:8]
    keys = JobKeys(job)
    registry = load_registry(str(pf))
    names = [f"p{i}" for i in range(len(servers))]
    for server in servers:
        server.clear_requests()
    enqueue(client, job, [registry[n] for n in names], portals_file=str(pf))
    if args.wide:
        seed_articles(client, keys, names, servers, pf)
    held = {n: keys.requests(n) + ":held" for n in names}
    for name in names:  # hold the frontier back until every worker waits for it
        client.rename(keys.requests(name), held[name])
    procs = []
    for i in range(workers):
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "civicnews", "crawl", "--redis", url, "--job", job,
                 "--portals-file", str(pf), "--quiet",
                 "--set", f"CIVICNEWS_REDIS_WORKER=w{i}", "--set", "CIVICNEWS_REDIS_IDLE_STOP=2",
                 "--set", "CIVICNEWS_REDIS_POLL=0.2", "--set", "CIVICNEWS_REDIS_LEASE=20",
                 "--set", f"CONCURRENT_REQUESTS_PER_DOMAIN={args.concurrency}",
                 "--set", f"CONCURRENT_REQUESTS={args.concurrency}",
                 "--log-file", str(tmp / f"{job}-w{i}.log")],
                cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )  # fmt: skip
        )
    deadline = time.monotonic() + 120
    while sum(bool(client.exists(keys.alive(f"w{i}"))) for i in range(workers)) < workers:
        if time.monotonic() > deadline:
            raise SystemExit("the workers did not start")
        time.sleep(0.05)
    time.sleep(1.0)  # every portal's crawler of every worker is open and polling
    for name in names:
        client.rename(held[name], keys.requests(name))
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_before = os.getloadavg()[0]
    codes = [p.wait(timeout=900) for p in procs]
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_after = os.getloadavg()[0]
    if any(codes):
        raise SystemExit(f"a worker failed: exit codes {codes}; logs in {tmp}")
    times = sorted(
        r.time for s in servers for r in s.requests if not r.path.startswith("/robots.txt")
    )
    crawl_seconds = times[-1] - times[0]
    items = client.xlen(keys.items)
    db = tmp / f"{job}.db"
    started = time.perf_counter()
    summary = Ingester(client, job, db, batch_size=500).run(once=True)
    ingest_seconds = time.perf_counter() - started
    done = status(client, job)
    worker_cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (
        cpu_after.ru_stime - cpu_before.ru_stime
    )
    return {
        "cpu_ms_per_page": 1000 * worker_cpu / max(len(times), 1),
        "cpu_share": worker_cpu / crawl_seconds,
        "load": (load_before + load_after) / 2,
        "workers": workers,
        "pages": len(times),
        "pages_per_s": len(times) / crawl_seconds,
        "items": items,
        "items_per_s": items / crawl_seconds,
        "stored": summary.stored,
        "ingest_per_s": summary.stored / ingest_seconds,
        "complete": done.complete,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--portals", type=int, default=5)
    parser.add_argument("--articles", type=int, default=160)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--concurrency", type=int, default=1, help="per worker and portal")
    parser.add_argument(
        "--wide", action="store_true", help="queue every article at the start (see seed_articles)"
    )
    args = parser.parse_args()
    if shutil.which("redis-server") is None:
        raise SystemExit("needs redis-server (apt-get install redis-server)")
    tmp = Path(tempfile.mkdtemp(prefix="civicnews-bench-distributed-"))
    redis_proc, client, url = start_redis(tmp)
    servers = [
        ReplicaServer("liferay", articles=args.articles, seed=20 + i,
                      faults=f"slow={args.latency}").start()
        for i in range(args.portals)
    ]  # fmt: skip
    try:
        pf = tmp / "portals.toml"
        pf.write_text(
            "".join(
                f'[portals.p{i}]\nfamily = "liferay"\nstart_urls = ["{s.start_url}"]\n'
                "delay = 0\nconcurrency = 64\n"
                for i, s in enumerate(servers)
            ),
            "utf-8",
        )
        print(
            f"{args.portals} portals x {args.articles} articles, {args.latency:g} s per page, "
            f"{args.concurrency} in flight per worker and portal; {os.cpu_count()} CPUs"
            + ("; every article queued at the start" if args.wide else "")
        )
        print(
            "bound: latency-bound pages/s = portals x in flight per worker x workers / latency;"
            " CPUs used = the workers' CPU seconds (user+sys) per second of crawl"
        )
        print(f"{'workers':>7} {'pages':>6} {'pages/s':>8} {'speedup':>8} {'bound':>6} "
              f"{'items/s':>8} {'ingest/s':>9} {'CPU ms/page':>12} {'CPUs used':>10} "
              f"{'load avg':>9}")  # fmt: skip
        base = None
        for n in (int(x) for x in args.workers.split(",")):
            r = one_round(args, url, client, servers, pf, n, tmp)
            base = base or r["pages_per_s"]
            bound = args.portals * args.concurrency * n / args.latency
            print(
                f"{n:>7} {r['pages']:>6} {r['pages_per_s']:>8.1f} "
                f"{r['pages_per_s'] / base:>7.2f}x {bound:>6.1f} {r['items_per_s']:>8.1f} "
                f"{r['ingest_per_s']:>9.0f} {r['cpu_ms_per_page']:>12.1f} "
                f"{r['cpu_share']:>10.2f} {r['load']:>9.1f}"
                + ("" if r["complete"] else "  (job not complete!)")
            )
    finally:
        for s in servers:
            s.stop()
        redis_proc.kill()
        redis_proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
