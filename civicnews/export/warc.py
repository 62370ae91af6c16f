"""WARC/1.1, gzip per record, from the bytes and headers the portals sent, with a CDXJ index.

Record layout, per article in export order and per capture oldest first:

- one ``warcinfo`` record first (software, WARC version, archive schema, filters, crawl runs);
- for a capture showing a body not seen before for that URL in this file: a ``response`` record
  (the stored status, headers and raw body) then its ``request`` record (``WARC-Concurrent-To``);
- for an unchanged refetch (kind ``revisit``, or the same body digest as an earlier capture of
  the same URL in this file): a ``revisit`` record, profile ``identical-payload-digest``, with
  ``WARC-Refers-To``, ``WARC-Refers-To-Target-URI`` and ``WARC-Refers-To-Date``;
- for a 304 refetch: a ``revisit`` record, profile ``server-not-modified``, pointing at the
  URL's latest response in this file (a plain 304 ``response`` when there is none);
- after an article's captures, a ``response`` record for each file it links whose bytes are
  stored (its latest version, every version with ``with_revisions``), under the file's URL
  as linked, with the status and headers it was served with; each (URL, content) once per
  file, however many articles link it.

Determinism: ``WARC-Date`` is the capture time (the warcinfo's is ``as_of`` or the latest
capture time), ``WARC-Record-ID`` is a UUID5 of the record's type, URL, date, payload digest and
position, and each gzip member has mtime 0.  Digests are ``sha256:`` + base32.

Field values (dates, digests, record ids, headers renamed when they no longer describe the
stored body) are in :mod:`civicnews.export.warcfields`.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import IO, Any

from warcio.statusandheaders import StatusAndHeaders
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from civicnews import __version__
from civicnews.export import cdxj
from civicnews.export.errors import EmptySelection, UsageError
from civicnews.export.output import staged
from civicnews.export.records import Progress
from civicnews.export.select import ArchiveReader, Capture, header, headers_list
from civicnews.export.tally import Tally
from civicnews.export.warcfields import (
    payload_digest,
    record_id,
    request_headers,
    response_headers,
    status_line,
    warc_date,
)

PROFILE_IDENTICAL = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
PROFILE_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"


class _Writer(WARCWriter):
    """warcio's writer with sha256 block digests (sha1 is warcio's default)."""

    @staticmethod
    def _create_digester() -> Digester:
        return Digester("sha256")


def cdxj_path(warc: Path) -> Path:
    return warc.with_name(warc.name.removesuffix(".warc.gz") + ".cdxj")


@dataclass
class _Seen:
    """A response record already written for a URL: what a revisit refers to."""

    record_id: str
    date: str
    digest: str
    length: int


@dataclass
class Page:
    id: str
    url: str
    ts: str
    title: str | None


class RecordWriter:
    """Writes warcinfo and capture records to ``out`` and collects their CDXJ lines."""

    def __init__(self, out: IO[bytes], filename: str, sorter: cdxj.Sorter) -> None:
        self.out = out
        self.filename = filename
        self.sorter = sorter
        self.writer = _Writer(out, gzip=True, warc_version="1.1")
        #: (file URL, digest) already written: a file linked by ten articles is one record.
        self.files_written: set[tuple[str, str]] = set()

    def _write(self, record, url: str | None = None, status: int | None = None) -> None:
        offset = self.out.tell()
        self.writer.write_record(record)
        if url is None:
            return
        rec = record.rec_headers
        if record.rec_type == "revisit":
            mime = "warc/revisit"
        else:
            mime = (record.http_headers.get_header("Content-Type") or "unk").split(";")[0]
            mime = mime.strip().lower() or "unk"
        self.sorter.add(
            *cdxj.line(
                url,
                rec.get_header("WARC-Date"),
                mime=mime,
                status=status,
                digest=rec.get_header("WARC-Payload-Digest"),
                length=self.out.tell() - offset,
                offset=offset,
                filename=self.filename,
            )
        )

    def warcinfo(self, date: str, info: dict[str, str]) -> None:
        payload = "".join(f"{k}: {v}\r\n" for k, v in info.items()).encode("utf-8")
        record = self.writer.create_warc_record(
            "",
            "warcinfo",
            payload=io.BytesIO(payload),
            length=len(payload),
            warc_content_type="application/warc-fields",
            warc_headers_dict={
                "WARC-Record-ID": record_id("warcinfo", self.filename, payload.decode()),
                "WARC-Date": date,
                "WARC-Filename": self.filename,
            },
        )
        self._write(record)

    def article(self, reader: ArchiveReader, captures: list[Capture]) -> tuple[int, Page | None]:
        """Records for one article's captures; returns (captures written, its replay page)."""
        by_body: dict[tuple[str, str], _Seen] = {}  # (url, stored digest) -> first response
        last: dict[str, _Seen] = {}  # url -> latest response, for 304s
        page, written = None, 0
        for n, cap in enumerate(captures):
            date = warc_date(cap.fetched_at)
            status = status_line(cap.status)
            prior = by_body.get((cap.url, cap.body_digest)) if cap.body_digest else None
            if cap.kind == "not-modified" and cap.url in last:
                seen = last[cap.url]
                headers = response_headers(cap.response_headers, None, None)
                rid = self._revisit(cap, date, status, headers, seen, PROFILE_NOT_MODIFIED, n)
            elif prior is not None and cap.kind != "not-modified":
                # Same bytes as the referred record; the body is read back only when a
                # Content-Encoding header must be checked against it.
                pairs = cap.response_headers
                body = reader.body(cap.body_digest) if header(pairs, "Content-Encoding") else None
                headers = response_headers(pairs, body, prior.length)
                rid = self._revisit(cap, date, status, headers, prior, PROFILE_IDENTICAL, n)
            else:
                body = reader.body(cap.body_digest) if cap.body_digest else b""
                digest = payload_digest(body)
                rid = record_id("response", cap.url, date, digest, n)
                record = self.writer.create_warc_record(
                    cap.url,
                    "response",
                    payload=io.BytesIO(body),
                    length=len(body),
                    http_headers=StatusAndHeaders(
                        status,
                        response_headers(cap.response_headers, body, len(body)),
                        protocol="HTTP/1.1",
                    ),
                    warc_headers_dict={
                        "WARC-Record-ID": rid,
                        "WARC-Date": date,
                        "WARC-Payload-Digest": digest,
                    },
                )
                self._write(record, cap.url, cap.status)
                seen = _Seen(rid, date, digest, len(body))
                if cap.body_digest and cap.kind != "not-modified":
                    by_body.setdefault((cap.url, cap.body_digest), seen)
                    last[cap.url] = seen
            self._request(cap, date, rid, n)
            written += 1
            if cap.status < 300 and cap.kind in ("response", "revisit"):
                page = Page(uuid.UUID(rid[len("<urn:uuid:") : -1]).hex, cap.url, date, None)
        return written, page

    def files(self, reader: ArchiveReader, article_url: str, tally: Tally) -> int:
        """A ``response`` record per stored version of each file the article links (the
        latest only, without ``with_revisions``), under the file's URL as the article links
        it, so a replay of the article page follows its links to them; records written."""
        written = 0
        for entry in reader.files(article_url):
            if entry["digest"] is None:
                continue
            tally.file_digests.add(entry["digest"])
            for stored in reader.file_versions(entry["url"]):
                key = (entry["url"], stored["digest"])
                if key in self.files_written:
                    continue
                self.files_written.add(key)
                body = reader.file_body(stored["digest"])
                date = warc_date(stored["fetched_at"])
                digest = payload_digest(body)
                pairs = headers_list(stored["headers"])
                record = self.writer.create_warc_record(
                    entry["url"],
                    "response",
                    payload=io.BytesIO(body),
                    length=len(body),
                    http_headers=StatusAndHeaders(
                        status_line(stored["status"]),
                        response_headers(pairs, body, len(body)),
                        protocol="HTTP/1.1",
                    ),
                    warc_headers_dict={
                        "WARC-Record-ID": record_id("response", entry["url"], date, digest, "file"),
                        "WARC-Date": date,
                        "WARC-Payload-Digest": digest,
                    },
                )
                self._write(record, entry["url"], stored["status"])
                written += 1
        return written

    def _revisit(
        self,
        cap: Capture,
        date: str,
        status: str,
        headers: list[tuple[str, str]],
        seen: _Seen,
        profile: str,
        n: int,
    ) -> str:
        rid = record_id("revisit", cap.url, date, seen.digest, n)
        record = self.writer.create_revisit_record(
            cap.url,
            seen.digest,
            cap.url,
            seen.date,
            http_headers=StatusAndHeaders(status, headers, protocol="HTTP/1.1"),
            warc_headers_dict={"WARC-Record-ID": rid, "WARC-Date": date},
        )
        record.rec_headers.replace_header("WARC-Profile", profile)
        record.rec_headers.add_header("WARC-Refers-To", seen.record_id)
        self._write(record, cap.url, cap.status)
        return rid

    def _request(self, cap: Capture, date: str, concurrent: str, n: int) -> None:
        record = self.writer.create_warc_record(
            cap.url,
            "request",
            http_headers=request_headers(cap.url, cap.request_headers),
            warc_headers_dict={
                "WARC-Record-ID": record_id("request", cap.url, date, n),
                "WARC-Date": date,
                "WARC-Concurrent-To": concurrent,
            },
        )
        self._write(record)


def warcinfo_fields(reader: ArchiveReader, runs: list[dict[str, Any]] | None) -> dict[str, str]:
    return {
        "software": f"civicnews/{__version__} (warcio/{version('warcio')})",
        "format": "WARC File Format 1.1",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/"
        "warc-format/warc-1.1/",
        "description": "Articles of Vietnamese local-government news portals, exported from a "
        "civicnews archive",
        "civicnews-schema-version": str(reader.schema_version),
        "civicnews-filters": json.dumps(reader.filters.to_dict(), ensure_ascii=False),
        "civicnews-crawl-runs": (
            "none recorded (archive has no crawl_runs table)"
            if runs is None
            else json.dumps(runs, ensure_ascii=False, separators=(",", ":"), default=str)
        ),
    }


def write_records(
    reader: ArchiveReader,
    out: IO[bytes],
    filename: str,
    sorter: cdxj.Sorter,
    tally: Tally,
    progress: Progress = None,
    on_page: Callable[[Page], None] | None = None,
) -> None:
    """The whole WARC into ``out``: warcinfo, then every selected article's captures."""
    date = reader.filters.as_of or reader.latest_capture_time()
    if date is None:
        raise EmptySelection("the archive holds no captures: nothing to put in a WARC")
    writer = RecordWriter(out, filename, sorter)
    writer.warcinfo(warc_date(date), warcinfo_fields(reader, reader.crawl_runs()))
    for article in reader.articles():
        tally.add(article)
        tally.revisions += article.get("revision_count") or 0
        written, page = writer.article(reader, reader.captures(article["url"]))
        tally.captures += written
        writer.files(reader, article["url"], tally)
        if page is not None and on_page is not None:
            page.title = article.get("title")
            on_page(page)
        if progress:
            progress(tally.articles)
    if not tally.articles:
        raise EmptySelection("no article matches the filters: nothing exported")
    if not tally.captures:
        raise EmptySelection("the selected articles have no captures: nothing to put in a WARC")


def write(reader: ArchiveReader, out: Path, tally: Tally, progress: Progress = None) -> list[Path]:
    if not out.name.endswith(".warc.gz"):
        raise UsageError(f"--out {out}: a WARC export is gzipped per record, name it *.warc.gz")
    index = cdxj_path(out)
    sorter = cdxj.Sorter(out.parent)
    try:
        with staged(out) as tmp_warc, staged(index) as tmp_index:
            with open(tmp_warc, "wb") as f:
                write_records(reader, f, out.name, sorter, tally, progress)
            with open(tmp_index, "wb") as f:
                for text in sorter.sorted_lines():
                    f.write(text)
    finally:
        sorter.close()
    return [out, index]
