"""Compact seen-sets (civicnews.seen) and the duplicate filter built on them."""

from __future__ import annotations

from scrapy import Request
from scrapy.dupefilters import RFPDupeFilter

import civicnews.seen as seen
from civicnews.dupefilter import CompactDupeFilter


def test_members_stay_seen_across_merges_into_the_array(monkeypatch):
    monkeypatch.setattr(seen, "MERGE_EVERY", 7)  # many merges with few members
    url_set = seen.url_set()
    urls = [f"https://portal.example/tin/{i}" for i in range(100)]
    assert [url_set.add(u) for u in urls] == [True] * 100
    assert [url_set.add(u) for u in urls] == [False] * 100
    assert all(u in url_set for u in urls)
    assert "https://portal.example/tin/100" not in url_set
    assert len(url_set) == 100


def test_int_keys_keep_their_order_and_sign():
    keys = seen.SeenSet()
    for k in (2**63 - 1, -(2**63), 0, -1, 1):
        assert keys.add(k)
    assert -(2**63) in keys and 2**63 - 1 in keys and 2 not in keys


def test_compact_filter_drops_what_scrapys_filter_drops():
    requests = [
        Request("https://a.example/x?b=2&a=1"),
        Request("https://a.example/x?a=1&b=2"),  # the same, parameters reordered
        Request("https://a.example/x#frag"),
        Request("https://a.example/x"),
        Request("https://a.example/x", method="POST", body=b"p=1"),
        Request("https://a.example/x", method="POST", body=b"p=2"),
        Request("https://a.example/x", method="POST", body=b"p=1"),
    ]
    ours, scrapys = CompactDupeFilter(), RFPDupeFilter()
    expected = [scrapys.request_seen(r) for r in requests]
    assert expected == [False, True, False, True, False, False, True]
    assert [ours.request_seen(r) for r in requests] == expected


def test_with_a_job_directory_scrapys_own_filter_runs(tmp_path):
    first = CompactDupeFilter(str(tmp_path))
    assert not first.request_seen(Request("https://a.example/1"))
    first.close("finished")
    # A resumed job reads the fingerprints written to JOBDIR.
    again = CompactDupeFilter(str(tmp_path))
    assert again.request_seen(Request("https://a.example/1"))
    again.close("finished")
