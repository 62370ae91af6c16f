"""The replica's attachments: real documents, deterministic bytes, and the trouble they make."""

from __future__ import annotations

import hashlib
import io
import re
import urllib.error
import urllib.request
import zlib

import docx
import openpyxl
import pytest

from civicnews.replica.attachments import BIG_SIZE
from civicnews.replica.server import ReplicaServer


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def get(url, headers=None):
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers or {})) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def pdf_text_layer(data: bytes) -> str:
    """The Unicode text a PDF's ToUnicode maps name: proof of a text layer (no PDF library)."""
    chars = []
    for raw in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            stream = zlib.decompress(raw)
        except zlib.error:
            stream = raw  # fpdf2 writes the ToUnicode CMap uncompressed
        if b"beginbfchar" in stream or b"beginbfrange" in stream:
            for hexa in re.findall(rb"<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]{4,})>", stream):
                chars.append(chr(int(hexa[1][:4], 16)))
    return "".join(chars)


@pytest.fixture(scope="module")
def replica():
    with ReplicaServer("hanoi-platform", articles=14, seed=3, attachments=True) as server:
        yield server


def by_behaviour(server):
    return {e["behaviour"]: e for e in server.attachments.expected()}


def test_every_linked_file_is_served_with_the_expected_bytes(replica):
    for entry in replica.attachments.expected():
        if entry["digest"] is None:
            continue
        status, headers, body = get(entry["final_url"])
        assert status == 200, entry
        assert "sha256:" + hashlib.sha256(body).hexdigest() == entry["digest"]
        assert headers["ETag"] and headers["Last-Modified"]


def test_documents_are_real_pdf_docx_xlsx_with_vietnamese_text(replica):
    plain = [e for e in replica.attachments.expected() if e["behaviour"] == "plain"]
    kinds = {e["final_path"].rsplit(".", 1)[1]: e for e in plain}
    assert set(kinds) == {"pdf", "docx", "xlsx"}
    _, headers, pdf = get(replica.url + kinds["pdf"]["final_path"])
    assert headers["Content-Type"] == "application/pdf" and pdf.startswith(b"%PDF-")
    layer = pdf_text_layer(pdf)
    assert {"Ủ", "Ế", "Đ", "ị"} <= set(layer)
    _, _, data = get(replica.url + kinds["docx"]["final_path"])
    paragraphs = [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]
    assert "Số: 12/TB-UBND" in paragraphs
    _, _, data = get(replica.url + kinds["xlsx"]["final_path"])
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet["B2"].value == "Nguyễn Văn An" and sheet["D5"].value == 6_000_000


def test_shared_file_is_linked_from_several_articles_and_pages_link_what_expected_says(replica):
    shared = next(e for e in replica.attachments.expected() if e["name"].startswith("Kế hoạch"))
    assert shared["keys"] == [1, 5, 9, 13]
    for key in shared["keys"]:
        _, _, page = get(replica.truth(key)["url"])
        assert f'href="{shared["path"]}"'.encode() in page


def test_moved_big_broken_login_and_host_files(replica):
    files = by_behaviour(replica)
    status, headers, _ = get(replica.url + files["moved"]["path"])
    assert status == 301 and headers["Location"] == files["moved"]["final_path"]
    status, headers, body = get(replica.url + files["big"]["path"])
    assert status == 200 and int(headers["Content-Length"]) == len(body) >= BIG_SIZE
    _, _, broken = get(replica.url + files["broken"]["path"])
    assert broken.startswith(b"%PDF-") and b"%%EOF" not in broken
    _, headers, _ = get(replica.url + files["login"]["path"])
    assert headers["Content-Type"].startswith("text/html")
    status, headers, _ = get(replica.url + files["host"]["path"])
    assert status == 302
    assert headers["Location"] == f"http://localhost:{replica.port}{files['host']['path']}"
    status, headers, _ = get(replica.url + files["offsite"]["path"])
    assert headers["Location"].startswith("http://127.0.0.2:")


def test_conditional_requests_and_epoch_two(replica):
    files = by_behaviour(replica)
    _, headers, body = get(replica.url + files["changing"]["path"])
    status, _, _ = get(replica.url + files["changing"]["path"], {"If-None-Match": headers["ETag"]})
    assert status == 304
    replica.attachments.epoch = 2
    try:
        later = by_behaviour(replica)
        status, _, new = get(replica.url + files["changing"]["path"])
        assert status == 200 and new != body
        assert later["changing"]["digest"] == "sha256:" + hashlib.sha256(new).hexdigest()
        assert get(replica.url + files["gone"]["path"])[0] == 410
        assert later["gone"]["digest"] is None
    finally:
        replica.attachments.epoch = 1


def test_bytes_do_not_depend_on_the_run():
    with ReplicaServer("liferay", articles=14, seed=3, attachments=True) as one:
        first = {e["name"]: e["digest"] for e in one.attachments.expected()}
    with ReplicaServer("hanoi-platform", articles=14, seed=3, attachments=True) as two:
        second = {e["name"]: e["digest"] for e in two.attachments.expected()}
    assert first == second
    assert first["Kế hoạch số 45/KH-UBND"] is not None


def test_without_attachments_pages_are_unchanged():
    with (
        ReplicaServer("liferay", articles=14, seed=3) as plain,
        ReplicaServer("liferay", articles=14, seed=3, attachments=True) as attached,
    ):
        url = plain.truth(3)["url"]
        page = get(url)[2]
        assert b"attachments" not in page
        with_files = get(attached.truth(3)["url"])[2]
        assert b'<div class="attachments">' in with_files
        assert len(with_files) > len(page)
