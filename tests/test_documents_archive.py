"""``civicnews extract`` on a real archive: files stored by the real writer (m009), their
text and metadata in ``file_texts`` (m010), found by ``civicnews search``."""

from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest

from civicnews.documents import samples
from civicnews.lock import ArchiveLock
from tests.conftest import run_cli
from tests.test_archive_store import item, store

SITE = "https://caugiay.hanoi.gov.vn"
DECISION = samples.decision_pdf(articles=12)
PLAN = samples.plan_docx()
BUDGET = samples.budget_xlsx(rows=40)
NOTICE = samples.notice_odt()
SCAN = samples.scanned_pdf(pages=1)
BROKEN = samples.truncated(samples.decision_pdf(articles=6))


def attachment(path: str, body: bytes, name: str, kind: str = "application/pdf") -> dict:
    url = SITE + path
    return {
        "url": url, "linked_url": path, "name": name, "source": "attachment", "kind": "document",
        "fetch": {"final_url": url, "status": 200, "headers": {"Content-Type": [kind]},
                  "body": body, "size": len(body), "type": kind,
                  "fetched_at": "2025-03-21T00:00:00+00:00", "problem": None, "etag": None,
                  "last_modified": None},
    }  # fmt: skip


def digest(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


ARTICLES = [
    item(1, title="Phê duyệt kế hoạch phòng cháy", files=[
        attachment("/files/123-QD-UBND.pdf", DECISION, "Quyết định số 123/QĐ-UBND"),
        attachment("/files/phu-luc.xlsx", BUDGET, "Phụ lục dự toán"),
    ]),
    # The same decision attached again, under another name: read once.
    item(2, title="Triển khai chuyển đổi số", files=[
        attachment("/files/123-QD-UBND.pdf", DECISION, "Tải về"),
        attachment("/files/ke-hoach-56.docx", PLAN, "Kế hoạch 56/KH-UBND"),
    ]),
    item(3, title="Văn bản của Chính phủ", files=[
        attachment("/files/nd45.pdf", SCAN, "Nghị định số 45/2022/NĐ-CP ngày 24/6/2022"),
    ]),
    item(4, title="Lịch tiếp công dân", files=[
        attachment("/files/78-TB-UBND.odt", NOTICE, "Thông báo lịch tiếp dân"),
        attachment("/files/hong.pdf", BROKEN, "Văn bản"),
    ]),
    item(5, title="Bài không có tệp"),
]  # fmt: skip


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    path = tmp_path_factory.mktemp("docs") / "archive.db"
    store(path, ARTICLES)
    done = run_cli("extract", "--db", str(path), "--json")
    assert done.returncode == 0, done.stderr
    return path, json.loads(done.stdout)


def texts(path) -> dict[str, dict]:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    return {row["digest"]: dict(row) for row in conn.execute("SELECT * FROM file_texts")}


def test_every_stored_file_is_extracted_once(archive):
    path, counts = archive
    assert counts == {"files": 6, "statuses": {"broken": 1, "no-text": 1, "ok": 4}}
    rows = texts(path)
    assert {d: r["status"] for d, r in rows.items()} == {
        digest(DECISION): "ok", digest(BUDGET): "ok", digest(PLAN): "ok", digest(NOTICE): "ok",
        digest(SCAN): "no-text", digest(BROKEN): "broken",
    }  # fmt: skip
    assert rows[digest(DECISION)]["format"] == "pdf" and rows[digest(DECISION)]["pages"] >= 2
    assert "Số: 123/QĐ-UBND" in rows[digest(DECISION)]["text"]
    assert rows[digest(BROKEN)]["text"] is None and rows[digest(BROKEN)]["error"]


def test_document_metadata_columns(archive):
    path, _ = archive
    meta = {
        d: (r["doc_number"], r["doc_type"], r["doc_issuer"], r["doc_date"], r["doc_source"])
        for d, r in texts(path).items()
    }
    assert meta[digest(DECISION)] == ("123/QĐ-UBND", "Quyết định",
                                      "ỦY BAN NHÂN DÂN QUẬN BẮC TỪ LIÊM", "2024-03-12",
                                      "first-page")  # fmt: skip
    assert meta[digest(PLAN)][:2] == ("56/KH-UBND", "Kế hoạch")
    assert meta[digest(NOTICE)] == ("78/TB-UBND", "Thông báo", "ỦY BAN NHÂN DÂN HUYỆN PHÚ XUYÊN",
                                    "2024-01-05", "first-page")  # fmt: skip
    # A scan: what the link text says.
    assert meta[digest(SCAN)] == ("45/2022/NĐ-CP", "Nghị định", "Chính phủ", "2022-06-24",
                                  "link-text")  # fmt: skip


def test_a_second_run_has_nothing_to_do_and_again_redoes_a_status(archive, tmp_path):
    path, _ = archive
    copy = tmp_path / "copy.db"
    copy.write_bytes(path.read_bytes())
    done = run_cli("extract", "--db", str(copy))
    assert (done.returncode, done.stdout.strip()) == (0, "extracted 0 files: nothing to do")
    done = run_cli("extract", "--db", str(copy), "--again", "broken", "--again", "no-text")
    assert done.stdout.strip() == "extracted 2 files: broken 1, no-text 1"
    done = run_cli("extract", "--db", str(copy), "--again", "ok", "--quiet")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert texts(copy)[digest(DECISION)]["status"] == "ok"  # redone, same result


def test_extract_waits_for_no_crawl_exit_75(archive, tmp_path):
    path, _ = archive
    copy = tmp_path / "copy.db"
    copy.write_bytes(path.read_bytes())
    with ArchiveLock(str(copy), argv=["civicnews", "crawl"]):
        done = run_cli("extract", "--db", str(copy))
    assert done.returncode == 75
    assert len(done.stderr.strip().splitlines()) == 1


def test_extract_without_an_archive_is_one_line_exit_1(tmp_path):
    done = run_cli("extract", "--db", str(tmp_path / "none.db"))
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"Error: no archive at {tmp_path / 'none.db'}: run `civicnews crawl` first or pass --db"
    ]


def test_extract_in_a_missing_directory_names_the_missing_archive(tmp_path):
    # The lock file cannot be made there either; the line must name what is missing.
    missing = tmp_path / "no such dir" / "x.db"
    done = run_cli("extract", "--db", str(missing))
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"Error: no archive at {missing}: run `civicnews crawl` first or pass --db"
    ]
    assert not missing.parent.exists()


def search(path, *args):
    done = run_cli("search", *args, "--db", str(path), "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_search_finds_a_decision_by_its_number_in_its_file(archive):
    path, _ = archive
    for query in ("123/QĐ-UBND", "123/qd-ubnd"):  # as typed and folded
        hits = search(path, query)
        assert [(h["title"], h["match"]) for h in hits] == [
            ("Phê duyệt kế hoạch phòng cháy", "file"), ("Triển khai chuyển đổi số", "file"),
        ], query  # fmt: skip
        assert {h["file_url"] for h in hits} == {SITE + "/files/123-QD-UBND.pdf"}
        assert [h["file_name"] for h in hits] == ["Quyết định số 123/QĐ-UBND", "Tải về"]
        assert all(h["doc_number"] == "123/QĐ-UBND" for h in hits)
        assert "[123/QĐ-UBND]" in hits[0]["snippet"]


def test_a_scan_is_found_by_the_number_its_link_gave(archive):
    path, _ = archive
    hits = search(path, "45/2022/NĐ-CP")
    assert [(h["title"], h["match"]) for h in hits] == [("Văn bản của Chính phủ", "file")]


def test_a_word_in_an_article_and_in_a_file_shows_the_article_first(archive):
    path, _ = archive
    hits = search(path, "Chỉnh trang hè phố")  # only in the budget spreadsheet
    assert [(h["title"], h["match"]) for h in hits] == [("Phê duyệt kế hoạch phòng cháy", "file")]
    hits = search(path, "phòng cháy", "--limit", "50")  # every body has it, one decision too
    assert [h["match"] for h in hits] == ["article"] * 5


def test_search_text_output_names_the_file(archive):
    path, _ = archive
    done = run_cli("search", "78/TB-UBND", "--db", str(path))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "  1. Lịch tiếp công dân"
    assert lines[2] == (f"     in file: Thông báo lịch tiếp dân (78/TB-UBND)  "
                        f"{SITE}/files/78-TB-UBND.odt")  # fmt: skip


def test_search_has_file_and_doc_type(archive):
    path, _ = archive
    every = {h["title"] for h in search(path, "phòng cháy", "--limit", "50")}
    assert "Bài không có tệp" in every
    with_files = {h["title"] for h in search(path, "phòng cháy", "--has-file")}
    assert with_files == every - {"Bài không có tệp"}
    for spelling in ("Quyết định", "quyet dinh", "QUYẾT ĐỊNH"):
        titles = {h["title"] for h in search(path, "phòng cháy", "--doc-type", spelling)}
        assert titles == {"Phê duyệt kế hoạch phòng cháy", "Triển khai chuyển đổi số"}
    titles = [h["title"] for h in search(path, "phòng cháy", "--doc-type", "Nghị định")]
    assert titles == ["Văn bản của Chính phủ"]


def test_an_unknown_doc_type_is_one_line_exit_2(archive):
    path, _ = archive
    done = run_cli("search", "phòng cháy", "--db", str(path), "--doc-type", "Quyết")
    assert done.returncode == 2
    assert done.stderr.startswith("Error: unknown document type 'Quyết': use one of ")
    assert len(done.stderr.strip().splitlines()) == 1


def test_extract_bad_option_exit_2_and_not_an_archive_exit_1(tmp_path):
    done = run_cli("extract", "--db", str(tmp_path / "a.db"), "--again", "fine")
    assert done.returncode == 2 and "Invalid value for '--again'" in done.stderr
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    done = run_cli("extract", "--db", str(junk))
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert junk.read_bytes() == b"not a database at all" * 100
