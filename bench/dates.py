"""Benchmark civicnews.dates.parse_date against a reused dateparser DateDataParser.

Run: .venv/bin/python bench/dates.py

Prints parses per second over the texts of tests/data/vi-dates.tsv (repeated for a
stable figure) for both parsers, their ratio (target >= 50x), and the worst single-call
time of parse_date over adversarial inputs up to 10 kB (target < 50 ms).
"""

from __future__ import annotations

import random
import time
from datetime import datetime
from pathlib import Path

from dateparser.date import DateDataParser

from civicnews.dates import parse_date, parse_date_traced

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "vi-dates.tsv"
NOW = datetime(2018, 12, 1, 12, 0)


def corpus_rows() -> list[tuple[str, str, datetime | None]]:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    rows = [line.split("\t") for line in lines if line and not line.startswith("#")][1:]
    return [
        (text, order or "DMY", datetime.fromisoformat(now) if now else None)
        for text, _expected, order, now, _note in rows
    ]


def rate(fn, items: list, seconds: float = 2.0) -> float:
    """Calls per second of fn over items, repeated until `seconds` have passed."""
    calls, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for item in items:
            fn(item)
        calls += len(items)
    return calls / elapsed


def adversarial() -> dict[str, str]:
    rng = random.Random(3)
    vi_words = "Thứ bảy ngày tháng năm Cập nhật lúc giờ phút trước hôm qua Tin tức khác".split()
    return {
        "10k digits": "1" * 10_000,
        "10k digits and slashes": "1/" * 5_000,
        "'01/12/2018 ' x1000": "01/12/2018 " * 1000,
        "'09:07 ' x1600": "09:07 " * 1600,
        "'30/02/2018 ' x900": "30/02/2018 " * 900,
        "'Thứ ' x2500": "Thứ " * 2500,
        "'ngày 1 tháng ' x800": "ngày 1 tháng " * 800,
        "'2 giờ ' x1600 (no trước)": "2 giờ " * 1600,
        "10k Vietnamese words": " ".join(rng.choice(vi_words) for _ in range(2200))[:10_000],
        "10k random unicode": "".join(chr(rng.randrange(0x20, 0x2FFF)) for _ in range(10_000)),
        "10k spaces then a date": "\u00a0" * 9_980 + "01/12/2018",
        "10k zero-width + NFD": ("\u200b" + "Thu\u031b\u0301 ") * 1500,
        "10k of '- 1 - 1 '": "- 1 - 1 " * 1250,
        "10k 'Dec 1, ' runs": "Dec 1, " * 1400,
        "80 chars for dateparser": "1 2 3 4 5 6 7 8 9 " * 4 + "12 2018",
    }


def worst_case(inputs: dict[str, str], repeats: int = 5) -> list[tuple[float, str]]:
    """The slowest of `repeats` calls per input, with and without `now`, slowest first."""
    timings = []
    for name, text in inputs.items():
        for now in (None, NOW):
            worst = max(_time_one(text, now) for _ in range(repeats))
            timings.append((worst * 1000, f"{name} (now={'set' if now else 'None'})"))
    return sorted(timings, reverse=True)


def _time_one(text: str, now: datetime | None) -> float:
    start = time.perf_counter()
    parse_date(text, now=now)
    return time.perf_counter() - start


def main() -> None:
    rows = corpus_rows()
    texts = [text for text, _order, _now in rows]
    paths = [parse_date_traced(t, now=n, date_order=o)[1] for t, o, n in rows]
    print(
        f"corpus: {len(rows)} texts; paths: "
        + ", ".join(f"{p}={paths.count(p)}" for p in sorted(set(paths)))
    )

    # Warm both up (dateparser builds its locale data and regex caches on first use).
    for text, order, now in rows:
        parse_date(text, now=now, date_order=order)
    reference = DateDataParser(languages=["vi"])
    for text in texts:
        reference.get_date_data(text)

    ours = rate(lambda row: parse_date(row[0], now=row[2], date_order=row[1]), rows)
    theirs = rate(reference.get_date_data, texts)
    print(f"parse_date:                    {ours:12,.0f} parses/s")
    print(f"dateparser DateDataParser(vi): {theirs:12,.0f} parses/s")
    print(f"ratio:                         {ours / theirs:12,.1f}x  (target >= 50x)")

    # The first dateparser fallback of a process pays its import and set-up (~0.1 s, once);
    # that start-up cost is paid here, outside the per-call figures.
    parse_date("1 2 2018")
    timings = worst_case(adversarial())
    print("adversarial inputs, slowest of 5 calls each (ms), top 6:")
    for ms, name in timings[:6]:
        print(f"  {ms:8.3f}  {name}")
    print(f"worst single call: {timings[0][0]:.3f} ms ({timings[0][1]})  (target < 50 ms)")


if __name__ == "__main__":
    main()
