"""Archived files in every snapshot format: listed with their digest, size, type and document
metadata; as WARC response records under their URL; written out with ``--with-files`` and
checked by ``verify``."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sqlite3
import zipfile

import pytest
from warcio.archiveiterator import ArchiveIterator

from civicnews.documents import samples
from tests.conftest import run_cli
from tests.test_archive_store import item, store
from tests.test_documents_archive import SITE, attachment, digest

DECISION = samples.decision_pdf(articles=6)
PLAN = samples.plan_docx(articles=3)
BUDGET = samples.budget_xlsx(rows=10)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    path = tmp_path_factory.mktemp("export") / "archive.db"
    store(path, [
        item(1, published_at="2025-01-10", files=[
            attachment("/files/123-QD-UBND.pdf", DECISION, "Quyết định số 123/QĐ-UBND"),
            attachment("/files/phu-luc.xlsx", BUDGET, "Phụ lục", XLSX),
        ]),
        item(2, published_at="2025-02-10", files=[
            attachment("/files/123-QD-UBND.pdf", DECISION, "Tải về"),
            attachment("/files/ke-hoach.docx", PLAN, "Kế hoạch", DOCX),
        ]),
        item(3, published_at="2025-03-10"),
    ])  # fmt: skip
    done = run_cli("extract", "--db", str(path))
    assert done.returncode == 0, done.stderr
    return path


def export(archive, tmp_path, fmt, name, *args):
    out = tmp_path / name
    done = run_cli("export", fmt, "--out", str(out), "--db", str(archive), *args)
    assert done.returncode == 0, done.stderr
    return out


def test_jsonl_lists_each_articles_files_with_metadata(archive, tmp_path):
    out = export(archive, tmp_path, "jsonl", "s.jsonl")
    records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [len(r["files"]) for r in records] == [2, 2, 0]
    decision = records[0]["files"][0]
    assert decision == {
        "url": SITE + "/files/123-QD-UBND.pdf", "name": "Quyết định số 123/QĐ-UBND",
        "source": "attachment", "kind": "document", "final_url": SITE + "/files/123-QD-UBND.pdf",
        "problem": None, "gone_at": None, "digest": digest(DECISION), "size": len(DECISION),
        "type": "application/pdf", "status": 200, "fetched_at": "2025-03-21T00:00:00+00:00",
        "text_status": "ok", "doc_number": "123/QĐ-UBND", "doc_type": "Quyết định",
        "doc_issuer": "ỦY BAN NHÂN DÂN QUẬN BẮC TỪ LIÊM", "doc_date": "2024-03-12",
    }  # fmt: skip
    assert records[1]["files"][0]["name"] == "Tải về"  # each article's own link text
    manifest = json.loads((tmp_path / "s.jsonl.manifest.json").read_text())
    assert manifest["counts"]["files"] == 3


def test_csv_files_column_is_json(archive, tmp_path):
    out = export(archive, tmp_path, "csv", "s.csv")
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8"))))
    files = json.loads(rows[1]["files"])
    assert [(f["url"].rsplit("/", 1)[1], f["doc_type"]) for f in files] == [
        ("123-QD-UBND.pdf", "Quyết định"), ("ke-hoach.docx", "Kế hoạch")]  # fmt: skip
    assert rows[2]["files"] == ""


def test_sqlite_snapshot_keeps_the_selected_articles_files_and_their_search(archive, tmp_path):
    out = export(archive, tmp_path, "sqlite", "s.db", "--until", "2025-01-31")
    conn = sqlite3.connect(out)
    assert conn.execute("SELECT count(*) FROM articles").fetchone() == (1,)
    assert sorted(d for (d,) in conn.execute("SELECT digest FROM file_bodies")) == sorted(
        [digest(DECISION), digest(BUDGET)])  # fmt: skip
    assert conn.execute("SELECT count(*) FROM files").fetchone() == (2,)
    assert conn.execute("SELECT doc_number FROM file_texts WHERE doc_number IS NOT NULL"
                        ).fetchall() == [("123/QĐ-UBND",)]  # fmt: skip
    done = run_cli("search", "123/QĐ-UBND", "--db", str(out), "--json")
    assert [(h["url"], h["match"]) for h in json.loads(done.stdout)] == [
        ("https://caugiay.hanoi.gov.vn/tin/1", "file")]  # fmt: skip


def test_warc_has_one_response_record_per_file_under_its_url(archive, tmp_path):
    out = export(archive, tmp_path, "warc", "s.warc.gz")
    files = {}
    with open(out, "rb") as f:
        for record in ArchiveIterator(f):
            uri = record.rec_headers.get_header("WARC-Target-URI") or ""
            if record.rec_type == "response" and "/files/" in uri:
                assert uri not in files  # the decision linked twice is written once
                files[uri] = (record.http_headers.get_statuscode(),
                              record.http_headers.get_header("Content-Type"),
                              record.content_stream().read())  # fmt: skip
    assert files == {
        SITE + "/files/123-QD-UBND.pdf": ("200", "application/pdf", DECISION),
        SITE + "/files/phu-luc.xlsx": ("200", XLSX, BUDGET),
        SITE + "/files/ke-hoach.docx": ("200", DOCX, PLAN),
    }
    index = (tmp_path / "s.cdxj").read_text()
    assert "123-qd-ubnd.pdf" in index.lower()


def test_with_files_zip_is_verified_entry_by_entry(archive, tmp_path):
    out = export(archive, tmp_path, "jsonl", "s.jsonl", "--with-files")
    files = tmp_path / "s.jsonl.files.zip"
    with zipfile.ZipFile(files) as zf:
        names = zf.namelist()
        contents = {name: zf.read(name) for name in names}
    hexes = {name: hashlib.sha256(data).hexdigest() for name, data in contents.items()}
    assert sorted(names) == names and len(names) == 3
    assert {n.rsplit(".", 1)[1] for n in names} == {"pdf", "xlsx", "docx"}
    assert all(name == f"files/{hexes[name]}.{name.rsplit('.', 1)[1]}" for name in names)
    manifest = json.loads((tmp_path / "s.jsonl.manifest.json").read_text())
    assert [f["path"] for f in manifest["files"]] == ["s.jsonl", "s.jsonl.files.zip"]
    assert manifest["filters"]["with_files"] is True
    assert run_cli("verify", str(out)).returncode == 0
    # One file's bytes changed inside the ZIP: the ZIP and the entry both fail.
    target = names[0]
    with zipfile.ZipFile(files, "w") as zf:
        for name in names:
            zf.writestr(name, contents[name] + (b"x" if name == target else b""))
    done = run_cli("verify", str(out))
    assert done.returncode == 1
    assert f"s.jsonl.files.zip: {target} does not have the sha256 its name says" in done.stderr


def test_wacz_with_files_holds_them_as_listed_entries(archive, tmp_path):
    out = export(archive, tmp_path, "wacz", "s.wacz", "--with-files")
    with zipfile.ZipFile(out) as zf:
        names = [n for n in zf.namelist() if n.startswith("files/")]
        package = json.loads(zf.read("datapackage.json"))
    assert len(names) == 3
    listed = {r["path"]: r["hash"] for r in package["resources"]}
    for name in names:
        assert listed[name] == "sha256:" + name.removeprefix("files/").split(".")[0]
    done = run_cli("verify", str(out))
    assert done.returncode == 0, done.stderr


def test_exports_are_byte_identical_with_files(archive, tmp_path):
    a = export(archive, tmp_path, "wacz", "a.wacz", "--with-files")
    b = export(archive, tmp_path, "wacz", "b.wacz", "--with-files")
    assert a.read_bytes() == b.read_bytes()


def test_pywb_replays_an_attached_decision_from_the_wacz(archive, tmp_path):
    """The file URL the article page links returns the archived PDF, byte for byte."""
    import subprocess
    import time
    import urllib.request

    from tests.test_export_e2e import free_port, pywb_venv

    wacz = export(archive, tmp_path, "wacz", "replay.wacz")
    venv = pywb_venv()
    work = tmp_path / "pywb"
    work.mkdir()
    for args in (["init", "civic"], ["add", "--unpack-wacz", "civic", str(wacz)]):
        subprocess.run([str(venv / "bin" / "wb-manager"), *args], cwd=work, check=True,
                       capture_output=True)  # fmt: skip
    port = free_port()
    server = subprocess.Popen(
        [str(venv / "bin" / "wayback"), "-b", "127.0.0.1", "-p", str(port)],
        cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        replay = f"http://127.0.0.1:{port}/civic/2030id_/{SITE}/files/123-QD-UBND.pdf"
        body = None
        for _ in range(100):
            try:
                with urllib.request.urlopen(replay, timeout=10) as answer:
                    body, kind = answer.read(), answer.headers["Content-Type"]
                break
            except OSError:
                time.sleep(0.2)
        assert body == DECISION
        assert kind == "application/pdf"
    finally:
        server.terminate()
        server.wait(10)
