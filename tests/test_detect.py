"""Family detection (civicnews.parsers.detect) on saved pages and on constructed markup.

Saved pages: every case directory under the constructed fixtures (``tests.conftest.PAGES``),
the real-page corpus ``tests/fixtures/real`` and ``$CIVICNEWS_REAL_PAGES`` (held-out real pages,
not in the repository).  Each case names its family (``meta.json`` or ``expected.json``
"family"); a page of none of the four known families must come out ``generic``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from civicnews.families import FAMILIES, NAMES, REGISTRY_CHOICES, REPLICAS
from civicnews.parsers import get_parser
from civicnews.parsers.detect import MIN_SCORE, FamilyVote, decide, detect
from civicnews.replica import FAMILIES as REPLICA_FAMILIES
from tests import real_pages
from tests.conftest import PAGES


def _cases() -> list[tuple[Path, Path]]:
    """(case directory, page bytes): the constructed fixtures, then every real and real-shaped
    page the real-page harness finds (tests/real_pages.py is the one home of where they are)."""
    found = [(p.parent, p) for p in sorted(PAGES.glob("*/*/input.html"))]
    found += [(case.path, case.html) for case in real_pages.cases()]
    return found


def _json(path: Path) -> dict:
    return json.loads(path.read_text("utf-8")) if path.is_file() else {}


def _case(case: tuple[Path, Path]) -> tuple[str, str, str]:
    """(url, family, html) of a saved page directory."""
    folder, page = case
    meta, expected = _json(folder / "meta.json"), _json(folder / "expected.json")
    family = meta.get("family") or expected.get("family")
    url = meta.get("url") or expected.get("url")
    if not url and (folder / "source.md").is_file():
        # source.md names the original URL on a line mentioning "URL".
        for line in (folder / "source.md").read_text("utf-8").splitlines():
            found = re.search(r"https?://[^\s)>`\"']+", line)
            if found and "url" in line.lower():
                url = found.group(0)
                break
    encoding = meta.get("encoding", "utf-8")
    html = page.read_bytes().decode(encoding, errors="replace")
    return url or "", family, html


CASES = _cases()


@pytest.mark.parametrize(
    "case", CASES, ids=lambda c: f"{c[0].parent.parent.name}/{c[0].parent.name}/{c[0].name}"
)
def test_saved_page_is_detected_as_its_family(case):
    url, family, html = _case(case)
    assert family in NAMES, f"{case}: no known family named in meta.json/expected.json"
    found = detect(url, html)
    assert found.family == family, f"{case}: {found.summary()} (scores {found.scores})"


def test_the_corpus_holds_every_family():
    families = {_case(c)[1] for c in CASES}
    assert families >= set(NAMES)


# -- constructed markup: what counts and what does not ------------------------------------------


def test_one_strong_marker_names_the_family_with_confidence():
    found = detect("https://x.gov.vn/tin", '<div class="TT_TinChiTiet_TieuDe">Tiêu đề</div>')
    assert (found.family, found.confident) == ("aspnet-table", True)
    assert [e.marker for e in found.evidence_for()] == ["TT_TinChiTiet classes"]


def test_one_weak_marker_is_not_enough():
    # A single link to a document-library-like path: other sites have such paths too.
    html = '<a href="/documents/10180/11234/report.pdf">Báo cáo</a>'
    found = detect("https://xa.gov.vn/", html)
    assert found.family == "generic"
    assert found.scores["liferay"] == 2 < MIN_SCORE


def test_off_site_links_do_not_count():
    # A commune portal linking to national-platform articles elsewhere is not that platform.
    links = "".join(
        f'<a href="https://baochinhphu.vn/tin-tuc/bai-viet-so-{i}-10225082815283{i}11.htm">x</a>'
        for i in range(5)
    )
    assert detect("https://xa.example.gov.vn/tin-tuc", links).family == "generic"
    own = links.replace("https://baochinhphu.vn", "")
    found = detect("https://xa.example.gov.vn/tin-tuc", own + '<div class="news-item" data-id="1">')
    assert found.family == "hanoi-platform"


def test_url_forms_alone_are_read():
    liferay = detect("https://hanoi.gov.vn/-/view_content/123-tin.html", "<p>Nội dung</p>")
    assert liferay.family == "liferay"
    platform = detect("https://hanoi.gov.vn/tin-tuc/tin-moi-2025082815283411.htm", "<p>x</p>")
    assert platform.family == "generic"  # an id-shaped URL alone is a weak sign (2 points)
    platform = detect(
        "https://hanoi.gov.vn/tin-tuc/tin-moi-2025082815283411.htm",
        '<div class="detail-content afcbc-body" data-role="content"><p>x</p></div>',
    )
    assert (platform.family, platform.confident) == ("hanoi-platform", True)


def test_two_families_close_together_are_not_confident():
    html = '<div class="journal-content-article"></div><div id="divArticleDescription2"></div>'
    found = detect("https://x.gov.vn/a", html)
    assert found.family in ("liferay", "sharepoint")
    assert found.confident is False


def test_decide_sums_pages():
    assert decide({"liferay": 2.0, "sharepoint": 0.0}).family == "generic"
    assert decide({"liferay": 4.0, "sharepoint": 1.0}).confident is True
    assert decide({}).family == "generic"


def test_to_dict_carries_the_evidence():
    found = detect("https://x.gov.vn/a", '<div id="ctl00_SPWebPartManager1_g_1">').to_dict()
    assert found["family"] == "sharepoint"
    assert found["evidence"][0]["marker"] == "SPWebPartManager ids"
    assert "ctl00_SPWebPartManager" in found["evidence"][0]["found"]


# -- one home for family names -----------------------------------------------------------------


def test_every_family_has_a_parser_and_the_others_read_this_registry():
    for name, family in FAMILIES.items():
        assert get_parser(name) is not None, family.parser
    assert REPLICA_FAMILIES == REPLICAS
    assert set(REPLICAS) == set(NAMES) - {"generic"}
    assert REGISTRY_CHOICES == (*NAMES, "auto")


# -- a portal's family from its first pages (what the spider does with family = "auto") -------


def test_the_first_confident_page_settles_the_vote():
    vote = FamilyVote(pages=5)
    assert vote.add(detect("https://x.gov.vn/", "<p>Trang chủ</p>")) is None
    assert vote.leader == "generic"
    found = vote.add(detect("https://x.gov.vn/tin", '<div class="TT_TinChiTiet_TieuDe">'))
    assert found is not None and found.family == "aspnet-table"
    assert vote.settled and vote.seen == 2
    # Later pages change nothing.
    assert vote.add(detect("https://x.gov.vn/a", '<div id="ctl00_SPWebPartManager1">')) is None
    assert vote.leader == "aspnet-table"


def test_weak_pages_are_added_up_until_the_limit():
    # Each page alone shows one weak sign (2 points): not enough, but three pages agree.
    page = '<a href="/documents/10180/11234/a.pdf">Tệp</a>'
    vote = FamilyVote(pages=3)
    assert vote.add(detect("https://x.gov.vn/1", page)) is None
    assert vote.leader == "generic"
    assert vote.add(detect("https://x.gov.vn/2", page)) is None
    assert vote.leader == "liferay"  # 4 points so far: the best guess to read pages with
    found = vote.add(detect("https://x.gov.vn/3", page))
    assert (found.family, found.score) == ("liferay", 6.0)


def test_a_portal_of_no_known_family_is_generic_after_the_limit():
    vote = FamilyVote(pages=2)
    assert vote.add(detect("https://x.gov.vn/1", "<p>a</p>")) is None
    found = vote.add(detect("https://x.gov.vn/2", "<p>b</p>"))
    assert found.family == "generic" and vote.settled


def test_markers_match_in_any_case_and_on_pages_whose_lower_case_is_longer():
    # Patterns are searched in the lower-cased page: an upper-case escape (\S, \W, \D, \B)
    # would change meaning there.
    for family in FAMILIES.values():
        for marker in family.markers:
            assert not re.search(r"\\[A-Z]", marker.pattern), (family.name, marker.name)
    html = '<link href="/_LAYOUTS/15/init.js"><div id="CTL00_SPWEBPARTMANAGER1_G_1">'
    found = detect("https://x.gov.vn/", html)
    assert found.family == "sharepoint"
    assert "CTL00_SPWEBPARTMANAGER" in found.evidence_for()[0].found  # as printed, not lowered
    # "İ" grows when lower-cased, so offsets shift: the page is then searched as it is.
    shifted = detect("https://x.gov.vn/", "İİİ" + html)
    assert shifted.family == "sharepoint" and shifted.scores == found.scores
