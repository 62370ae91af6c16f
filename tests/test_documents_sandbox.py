"""The extraction child process: hostile files cost bounded memory and time, never raise.

Peak memory is the child's own high-water mark (VmHWM, or ru_maxrss once reaped),
measured here, not estimated.
"""

from __future__ import annotations

import resource

import pytest

from civicnews.documents import samples
from civicnews.documents.sandbox import Extractor

MB = 1024  # peak_rss_kb is in kB


@pytest.fixture(scope="module")
def good() -> bytes:
    return samples.decision_pdf(articles=3)


def test_files_go_through_one_child_and_keep_their_text(good):
    with Extractor(timeout=60) as extractor:
        first = extractor.extract(good)
        child = extractor._child.pid
        second = extractor.extract(samples.plan_docx())
        assert extractor._child.pid == child  # one interpreter for many files
    assert (first.status, second.status) == ("ok", "ok")
    assert "Số: 123/QĐ-UBND" in first.text
    assert "Số: 56/KH-UBND" in second.text
    assert 10 * MB < extractor.peak_rss_kb < 300 * MB


def test_hostile_files_in_a_row_cost_bounded_memory(good):
    """Zip bomb, flate bomb, 3,000 pages, a shared-strings bomb, truncated and encrypted
    files, one after the other in the same child under a 512 MB limit."""
    hostile = {
        "zip-bomb": (samples.zip_bomb_docx(inflated_mb=400), "too-large"),
        "flate-bomb": (samples.flate_bomb_pdf(inflated_mb=400), "no-text"),
        "many-pages": (samples.many_pages_pdf(2500), "partial"),
        "strings-bomb": (samples.strings_bomb_xlsx(inflated_mb=120), "partial"),
        "truncated": (samples.truncated(good), "broken"),
        "encrypted": (samples.decision_pdf(articles=1, password="x"), "encrypted"),
    }
    parent_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with Extractor(timeout=120, memory_mb=512) as extractor:
        statuses = {name: extractor.extract(data).status for name, (data, _) in hostile.items()}
        after = extractor.extract(good)
    assert statuses == {name: status for name, (_, status) in hostile.items()}
    assert after.status == "ok"
    assert extractor.peak_rss_kb < 512 * MB
    # The caller's memory does not grow with what the files inflate to.
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - parent_before
    assert grown_kb < 100 * MB


def test_the_memory_limit_stops_what_no_check_catches(good):
    bomb = samples.strings_bomb_xlsx(inflated_mb=200)  # under the inflation limit
    with Extractor(timeout=120, memory_mb=200) as extractor:
        result = extractor.extract(bomb)
        after = extractor.extract(good)
    assert result.status == "too-large"
    assert extractor.peak_rss_kb <= 200 * MB
    assert after.status == "ok"  # a new child took over


def test_a_file_over_the_time_limit_is_killed_and_the_next_one_is_read(good):
    slow = samples.many_pages_pdf(1500)  # about a second of work for pypdf
    with Extractor(timeout=0.2) as extractor:
        result = extractor.extract(slow)
        extractor.timeout = 60
        after = extractor.extract(good)
    assert result.status == "timeout"
    assert result.error == "over 0.2 s"
    assert after.status == "ok"


def test_a_child_that_dies_is_reported_and_replaced(good):
    with Extractor(timeout=60) as extractor:
        extractor.extract(good)
        extractor._child.kill()
        died = extractor.extract(good)
        after = extractor.extract(good)
    assert died.status in ("too-large", "failed")
    assert "extraction process ended" in died.error
    assert after.status == "ok"
