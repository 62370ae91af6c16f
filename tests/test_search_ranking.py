"""Search ranks what people mean: words together first, diacritics as typed first.

Two kinds of archive: hand-written articles, each built to sit at one rank level, and the
archive ``civicnews demo`` crawls, where the expected hits are read off the stored texts with
plain Python (never through the search code).
"""

from __future__ import annotations

import csv
import io
import json
import re
import shlex

import pytest

from civicnews.archive import Archive
from tests.conftest import ROOT, rows, run_cli

PAD = " Nội dung được đăng tải trên cổng thông tin điện tử của quận trong năm nay."
FILLER = " ".join(["Các tổ dân phố triển khai kế hoạch của phường."] * 3)

# One article per rank level of the query "Đống Đa" / "dong da", best level first.
LEVELS = {
    "typed-phrase": "Đoàn công tác quận Đống Đa thăm phường." + PAD,
    "typed-near": "Phường Đống Mác và phường Đa Sĩ ký kết giao ước thi đua." + PAD,
    "typed-apart": "Làng Đống Cao có nghề gốm. " + FILLER + " Chùa Đa Bảo được trùng tu." + PAD,
    "folded-phrase": "Các hoạt động đã thu hút người dân." + PAD,
    "folded-near": "Hoạt động của phường cũng đã được ghi nhận." + PAD,
    "folded-apart": "Đồng chí Chủ tịch phát biểu. " + FILLER + " Kế hoạch đã hoàn thành." + PAD,
}


def url(key: str) -> str:
    return f"https://example.gov.vn/tin/{key}"


@pytest.fixture(scope="module")
def levels_archive(tmp_path_factory):
    path = tmp_path_factory.mktemp("ranking") / "archive.db"
    with Archive(path, create=True) as archive:
        archive.store(
            {
                "url": url(key),
                "fetched_url": url(key),
                "fetched_at": "2024-06-01T00:00:00+00:00",
                "status": 200,
                "portal": "dongda",
                "title": "Tin cơ sở",
                "body_text": body,
                "published_at": "2024-03-05",
            }
            for key, body in reversed(LEVELS.items())  # stored worst first: order is not rank
        )
    with Archive(path) as archive:
        yield archive


def keys(hits) -> list[str]:
    return [h.url.rsplit("/", 1)[1] for h in hits]


def test_typed_diacritics_then_phrase_then_near_then_apart(levels_archive):
    assert keys(levels_archive.search("Đống Đa")) == list(LEVELS)


def test_without_diacritics_the_phrase_comes_first(levels_archive):
    # Typed without diacritics nothing matches as typed: proximity alone decides.
    found = keys(levels_archive.search("dong da"))
    assert [set(found[i : i + 2]) for i in (0, 2, 4)] == [
        {"typed-phrase", "folded-phrase"}, {"typed-near", "folded-near"},
        {"typed-apart", "folded-apart"},
    ]  # fmt: skip


def test_exact_search_ranks_by_proximity_alone(levels_archive):
    assert keys(levels_archive.search("Đống Đa", exact=True)) == [
        "typed-phrase",
        "typed-near",
        "typed-apart",
    ]


def test_the_snippet_marks_what_ranked_the_article(levels_archive):
    hits = {h.url.rsplit("/", 1)[1]: h for h in levels_archive.search("dong da")}
    assert "[Đống Đa]" in hits["typed-phrase"].snippet
    assert "[động đã]" in hits["folded-phrase"].snippet


# -- the demo archive ------------------------------------------------------------------------


def texts(db) -> dict[str, str]:
    return {u: f"{t}\n{b}" for u, t, b in rows(db, "SELECT url, title, body_text FROM articles")}


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def has_phrase(text: str, phrase: str) -> bool:
    return f" {' '.join(words(phrase))} " in f" {' '.join(words(text))} "


def search(db, query: str, *args: str) -> list[dict]:
    proc = run_cli("search", query, "--db", str(db), "--limit", "50", "--json", *args)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize("query", ["dong da", "Đống Đa"])
def test_demo_dong_da_ranks_the_district_first(demo_archive, query):
    about = {u for u, text in texts(demo_archive).items() if "Đống Đa" in text}
    # "động đã" ("hoạt động đã") folds to the same words: those articles match too.
    lookalikes = {u for u, t in texts(demo_archive).items() if has_phrase(t, "động đã")}
    assert len(about) >= 3 and lookalikes
    hits = [h["url"] for h in search(demo_archive, query)]
    assert set(hits[: len(about)]) == about
    assert lookalikes <= set(hits[len(about) :])


def test_demo_phong_chay_chua_chay_ranks_the_phrase_first(demo_archive):
    about = {u for u, t in texts(demo_archive).items() if has_phrase(t, "phòng cháy chữa cháy")}
    assert about
    hits = [h["url"] for h in search(demo_archive, "phong chay chua chay")]
    assert set(hits[: len(about)]) == about


def test_demo_quoted_phrase_finds_exactly_the_phrase(demo_archive):
    about = {u for u, t in texts(demo_archive).items() if has_phrase(t, "gia đình văn hóa")}
    assert about
    assert {h["url"] for h in search(demo_archive, '"gia dinh van hoa"')} == about


def test_readme_first_search_example_finds_its_subject(demo_archive):
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme[readme.index("### Search") :]
    example = next(line for line in section.splitlines() if "civicnews search" in line)
    argv = shlex.split(example.split("#")[0])
    assert argv[:2] == ["civicnews", "search"]
    hits = search(demo_archive, *argv[2:])
    # The comment says what it finds; the top hits must contain it, as published.
    subject = re.search(r'finds "([^"]+)"', example)[1]
    assert hits and all(subject in texts(demo_archive)[h["url"]] for h in hits[:3])


def test_readme_query_syntax_examples_run(demo_archive):
    readme = (ROOT / "README.md").read_text("utf-8")
    table = readme[readme.index("**Query syntax.**") : readme.index("**Ranking.**")]
    queries = [q for cell in re.findall(r"^\| (`[^|]*`) \|", table, re.M)
               for q in re.findall(r"`([^`]+)`", cell)]  # fmt: skip
    assert len(queries) >= 7 and "tiep*" in queries
    with Archive(demo_archive, readonly=True) as archive:
        found = {q: archive.search(q, limit=100) for q in queries}  # none may raise
    assert found["dong da"] and found['"gia dinh van hoa"'] and found["tiep*"]
    assert {h.url for h in found["title:tiep cong dan"]} <= {h.url for h in found["tiep*"]}
    assert len(found["163/181"]) == 1  # the seed article's "163/181 tổ dân phố"


# -- output formats --------------------------------------------------------------------------


def test_csv_and_format_csv_print_the_same_ranked_rows(demo_archive):
    by_flag = run_cli("search", "dong da", "--db", str(demo_archive), "--csv", "--limit", "5")
    by_format = run_cli(
        "search", "dong da", "--db", str(demo_archive), "--format", "csv", "--limit", "5"
    )
    assert by_flag.returncode == 0 and by_flag.stdout == by_format.stdout
    table = list(csv.DictReader(io.StringIO(by_flag.stdout)))
    as_json = search(demo_archive, "dong da")[:5]
    assert [r["url"] for r in table] == [h["url"] for h in as_json]
    assert [r["rank"] for r in table] == ["1", "2", "3", "4", "5"]
    assert all("Đống Đa" in r["snippet"] for r in table)


def test_format_json_is_the_json_flag(demo_archive):
    by_format = run_cli("search", "dong da", "--db", str(demo_archive), "--format", "json")
    by_flag = run_cli("search", "dong da", "--db", str(demo_archive), "--json")
    assert by_format.returncode == 0 and json.loads(by_format.stdout) == json.loads(by_flag.stdout)


def test_format_table_has_a_header_and_one_line_per_hit(demo_archive):
    proc = run_cli("search", "phong chay chua chay", "--db", str(demo_archive), "--format", "table")
    assert proc.returncode == 0, proc.stderr
    header, rule, *lines = proc.stdout.splitlines()
    assert header.split() == ["rank", "date", "portal", "title", "url", "in"]
    assert set(rule.replace(" ", "")) == {"-"}
    assert len(lines) == 2 and all("phòng cháy chữa cháy" in line for line in lines)


@pytest.mark.parametrize("flags", [["--json", "--csv"], ["--csv", "--format", "table"]])
def test_two_different_formats_are_refused_in_one_line(demo_archive, flags):
    proc = run_cli("search", "dong da", "--db", str(demo_archive), *flags)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1 and "give one" in proc.stderr
