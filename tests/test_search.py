"""Full-text search, folded and exact, through the library and the real CLI."""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import date

import pytest

from civicnews.archive import Archive, SearchError
from tests.conftest import run_cli

PAD = " Nội dung được đăng tải trên cổng thông tin điện tử của quận."

# Hand-written articles: expected hits below are read off these texts.
ARTICLES = {
    "dongda": dict(
        title="Quận Đống Đa ra quân tổng vệ sinh môi trường",
        body_text="Sáng 5/3, quận Đống Đa tổ chức ra quân." + PAD,
        published_at="2024-03-05T08:00:00+07:00",
        portal="dongda",
    ),
    "pccc": dict(
        title="Tập huấn nghiệp vụ cho lực lượng cơ sở",
        body_text="Phường tổ chức tập huấn công tác phòng cháy chữa cháy cho 120 hộ dân." + PAD,
        published_at="2023-11-20T09:00:00+07:00",
        portal="caugiay",
    ),
    "the": dict(
        title="Giải chạy vì sức khỏe cộng đồng",
        body_text="Phong trào thể dục thể thao phát triển mạnh ở các tổ dân phố." + PAD,
        published_at="2022-06-01",
        portal="caugiay",
    ),
    "the2": dict(
        title="Hội nghị bàn về thế trận lòng dân",
        body_text="Xây dựng thế trận an ninh nhân dân vững chắc trên địa bàn." + PAD,
        published_at=None,
        portal="dongda",
    ),
    "sapo": dict(
        title="Thông báo lịch tiếp công dân",
        sapo="Lãnh đạo UBND phường Dịch Vọng tiếp công dân định kỳ.",
        body_text="Lịch cụ thể được niêm yết tại trụ sở." + PAD,
        published_at="2024-01-10T07:00:00+07:00",
        portal="caugiay",
    ),
}


def url(key: str) -> str:
    return f"https://example.gov.vn/tin/{key}"


def item(key: str, **overrides) -> dict:
    data = dict(ARTICLES[key])
    data.update(overrides)
    return {
        "url": url(key),
        "fetched_url": url(key),
        "fetched_at": "2024-06-01T00:00:00+00:00",
        "status": 200,
        **data,
    }


@pytest.fixture(scope="module")
def archive_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("search") / "archive.db"
    with Archive(path, create=True) as archive:
        archive.store(item(k) for k in ARTICLES)
    return path


@pytest.fixture
def archive(archive_path):
    with Archive(archive_path) as opened:
        yield opened


def found(hits) -> set[str]:
    return {h.url.rsplit("/", 1)[1] for h in hits}


@pytest.mark.parametrize("query", ["dong da", "Dong Da", "Đống Đa", "DONG DA", "đống đa"])
def test_folded_search_finds_dong_da_however_typed(archive, query):
    assert found(archive.search(query)) == {"dongda"}


def test_folded_search_of_a_phrase_without_diacritics(archive):
    assert found(archive.search("phong chay chua chay")) == {"pccc"}
    assert found(archive.search('"phong chay chua chay"')) == {"pccc"}


def test_folded_search_merges_the_and_the_exact_search_does_not(archive):
    # "thể" in "thể dục" and "cụ thể", "thế" in "thế trận"
    assert found(archive.search("the")) == {"the", "the2", "sapo"}
    assert found(archive.search("thể", exact=True)) == {"the", "sapo"}
    assert found(archive.search("thế", exact=True)) == {"the2"}
    assert found(archive.search("Thế", exact=True)) == {"the2"}  # case still folded
    assert found(archive.search("dong da", exact=True)) == set()
    assert found(archive.search("Đống Đa", exact=True)) == {"dongda"}


def test_snippet_highlights_the_text_as_published(archive):
    (hit,) = archive.search("dong da")
    assert "[Đống Đa]" in hit.snippet
    assert hit.title == ARTICLES["dongda"]["title"]
    assert hit.portal == "dongda"
    assert hit.published_at == "2024-03-05T08:00:00+07:00"


def test_sapo_is_searched_and_columns_can_be_named(archive):
    assert found(archive.search("dich vong")) == {"sapo"}
    assert found(archive.search("title:dich")) == set()
    assert found(archive.search("sapo:dich")) == {"sapo"}


def test_operators_prefix_and_filters(archive):
    assert found(archive.search("dong OR thao")) == {"dongda", "the"}
    assert found(archive.search("phuong NOT chay")) == {"sapo"}
    assert found(archive.search("chua*")) == {"pccc"}  # chữa
    assert found(archive.search("chu*")) == {"pccc", "dongda"}  # chữa, chức
    assert found(archive.search("the", portal="dongda")) == {"the2"}
    assert found(archive.search("the", portal=["dongda", "caugiay"])) == {"the", "the2", "sapo"}
    assert found(archive.search("quan", since=date(2024, 1, 1))) == {"dongda", "sapo"}
    # until is inclusive of the whole day, whether the date has a time or not
    assert found(archive.search("quan", until=date(2022, 6, 1))) == {"the"}
    assert found(archive.search("quan", since=date(2024, 3, 5), until=date(2024, 3, 5))) == {
        "dongda"
    }


def test_title_matches_rank_first(archive):
    hits = archive.search("tiep cong dan")
    assert hits[0].url == url("sapo")


@pytest.mark.parametrize(
    "query, message",
    [
        ('"unclosed phrase', "unbalanced double quote"),
        ("(dong", "invalid search query"),
        ("dong AND", "invalid search query"),
        ("   ", "empty search query"),
    ],
)
def test_invalid_queries_raise_search_error(archive, query, message):
    with pytest.raises(SearchError, match=message):
        archive.search(query)


def test_user_input_never_reaches_sql(archive_path, archive):
    hostile = "x'); DROP TABLE articles; -- \" OR 1=1"
    with pytest.raises(SearchError):
        archive.search(hostile)
    for query in ["'; DELETE FROM articles; --", "articles_fts MATCH '*'", "1=1 OR rowid"]:
        assert archive.search(query) == []
    conn = sqlite3.connect(archive_path)
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == len(ARTICLES)


def test_index_follows_an_update_of_the_article(tmp_path):
    path = tmp_path / "a.db"
    with Archive(path, create=True) as archive:
        archive.store([item("dongda")])
        changed = item("dongda", title="Quận Hoàn Kiếm ra quân", fetched_at="2024-06-02T00:00:00Z")
        changed["body_text"] = "Sáng 6/3, quận Hoàn Kiếm tổ chức ra quân." + PAD
        result = archive.store([changed])
        assert (result.known, result.changed) == (1, 1)
        assert found(archive.search("hoan kiem")) == {"dongda"}
        assert archive.search("dong da") == []
        assert archive.search("Đống", exact=True) == []
        assert found(archive.search("Hoàn", exact=True)) == {"dongda"}


def test_cli_search_text_and_json(archive_path):
    out = run_cli("search", "Dong Da", "--db", str(archive_path))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].endswith(ARTICLES["dongda"]["title"])
    assert url("dongda") in lines[1] and "2024-03-05" in lines[1] and "dongda" in lines[1]
    assert "[Đống Đa]" in lines[2]
    out = run_cli(
        "search", "thể", "--exact", "--json", "--portal", "caugiay", "--limit", "5",
        "--since", "2020-01-01", "--until", "2024-12-31", "--db", str(archive_path),
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    hits = json.loads(out.stdout)
    assert {h["url"] for h in hits} == {url("the"), url("sapo")}
    assert set(hits[0]) >= {"url", "portal", "title", "published_at", "snippet", "score"}


@pytest.mark.parametrize(
    "args, code, needle",
    [
        (["(dong"], 2, "invalid search query"),
        (['"dong'], 2, "unbalanced double quote"),
        (["   "], 2, "empty search query"),
        (["dong", "--since", "2024-02-30"], 2, "expected a date as YYYY-MM-DD"),
        (["dong", "--since", "2024-02-01", "--until", "2024-01-01"], 2, "swap them"),
    ],
)
def test_cli_bad_input_is_one_line(archive_path, args, code, needle):
    out = run_cli("search", *args, "--db", str(archive_path))
    assert out.returncode == code
    assert needle in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert "Traceback" not in out.stderr


def test_rows_written_by_another_program_are_indexed_too(tmp_path):
    # civicnews' writer indexes its batches itself; the triggers serve everyone else.
    path = tmp_path / "a.db"
    with Archive(path, create=True) as archive:
        archive.store([item("dongda")])
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT active FROM fts_bulk_load").fetchall() == [(0,)]
    conn.execute(
        "INSERT INTO articles (url, portal, title, body_text, first_seen_at, last_seen_at) "
        "VALUES ('https://x.vn/1', 'x', 'Phường Định Công', 'Nội dung.', 't', 't')"
    )
    conn.commit()
    conn.close()
    with Archive(path) as archive:
        assert [h.url for h in archive.search("dinh cong")] == ["https://x.vn/1"]
        assert [h.url for h in archive.search("Định", exact=True)] == ["https://x.vn/1"]
        assert found(archive.search("dong da")) == {"dongda"}


@pytest.mark.parametrize(
    "query", ["an (ninh OR tham)", "(ninh OR tham) an", '"an" (ninh)', "title:hội (nghị)"]
)
def test_cli_implicit_and_next_to_parentheses(archive_path, query):
    # "an ninh" is only in the2's body; "Hội nghị" only in its title.
    out = run_cli("search", query, "--json", "--db", str(archive_path))
    assert out.returncode == 0, out.stderr
    assert [h["url"] for h in json.loads(out.stdout)] == [url("the2")]


def test_cli_query_bounds_are_one_line(archive_path):
    many = " ".join(["an"] * 400)
    out = run_cli("search", many, "--db", str(archive_path))
    assert (out.returncode, out.stdout) == (2, "")
    assert out.stderr.startswith("Error: search query too long (")
    assert len(out.stderr.splitlines()) == 1
    words = " ".join(["an ninh"] * 40)  # 80 words in 559 characters
    out = run_cli("search", words, "--db", str(archive_path))
    assert out.returncode == 2
    assert out.stderr == "Error: search query too long (80 words): use at most 64 words\n"
    phrase = '"' + words + '"'
    out = run_cli("search", phrase, "--db", str(archive_path))
    assert out.returncode == 2 and "(80 words)" in out.stderr


def test_cli_query_that_is_not_utf8_is_one_line(archive_path):
    query = os.fsdecode(b"\xd0\xf4ng \xff")  # cp1258 bytes, as a legacy terminal sends them
    out = run_cli("search", query, "--db", str(archive_path))
    assert out.returncode == 2
    assert out.stderr == (
        "Error: search query is not valid UTF-8 text: type it in a UTF-8 terminal\n"
    )


def test_control_characters_separate_words(archive):
    assert found(archive.search("dong\x00da")) == found(archive.search("dong da")) == {"dongda"}
    assert found(archive.search('"dong\x00da"')) == {"dongda"}
