"""Benchmark attachment text extraction: seconds per MB per format, files/s, peak memory.

Run: .venv/bin/python bench/documents.py [--repeat 3] [--compare]

Makes realistic files with civicnews.documents.samples (a decision PDF, a plan DOCX, a
budget XLSX, a notice ODT, each small and large), then times

- the library alone (``extract()`` in this process, best of ``--repeat``), as s/MB;
- the sandboxed path ``civicnews extract`` uses (``Extractor``: a child process under
  RLIMIT_AS, one child for all files), as files/s over a realistic mix, and the child's
  peak RSS.

``--compare`` also times the libraries civicnews did not choose on the same files, each
in a fresh child process for its own peak RSS: pdfminer.six against pypdf, python-docx
against the lxml reader, openpyxl against a plain lxml reader, odfpy against the lxml
reader (those not installed are skipped: ``pip install pdfminer.six odfpy``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from civicnews.documents import samples
from civicnews.documents.extract import extract
from civicnews.documents.sandbox import Extractor


def corpus() -> dict[str, bytes]:
    return {
        "pdf 3 pages": samples.decision_pdf(articles=12),
        "pdf 52 pages": samples.decision_pdf(articles=200),
        "docx 3 pages": samples.plan_docx(articles=12),
        "docx 60 pages": samples.plan_docx(articles=400),
        "xlsx 200 rows": samples.budget_xlsx(rows=200),
        "xlsx 20,000 rows": samples.budget_xlsx(rows=20_000),
        "odt 2 pages": samples.notice_odt(),
        "odt 60 pages": samples.notice_odt(samples.body_paragraphs(400)),
    }


CHOSEN = ("from civicnews.documents.extract import extract", "text = extract(data).text")
#: library -> (imports, not timed; the extraction, timed).
COMPARE = {
    "pypdf (chosen)": ("import io, pypdf", "r = pypdf.PdfReader(io.BytesIO(data)); "
                       "text = '\\n'.join(p.extract_text() for p in r.pages)"),
    "pdfminer.six": ("import io; from pdfminer.high_level import extract_text",
                     "text = extract_text(io.BytesIO(data))"),
    "lxml (docx, chosen)": CHOSEN,
    "python-docx": ("import docx, io", "d = docx.Document(io.BytesIO(data)); "
                    "text = '\\n'.join([p.text for p in d.paragraphs] + [c.text for t in d.tables "
                    "for r in t.rows for c in r.cells])"),
    "openpyxl read-only (chosen)": CHOSEN,
    "lxml (xlsx)": ("import zipfile, io; from lxml import etree; "
                    "C = '{http://schemas.openxmlformats.org/spreadsheetml/2006/main}c'",
                    "z = zipfile.ZipFile(io.BytesIO(data)); sheet = 'xl/worksheets/sheet1.xml'; "
                    "text = ' '.join(t for _, e in etree.iterparse(z.open(sheet), tag=C) "
                    "for t in e.itertext())"),
    "lxml (odt, chosen)": CHOSEN,
    "odfpy": ("import io; from odf.opendocument import load; from odf import text as t, teletype",
              "d = load(io.BytesIO(data)); "
              "text = '\\n'.join(teletype.extractText(p) for p in d.getElementsByType(t.P))"),
}  # fmt: skip
COMPARED = {
    "pdf 52 pages": ("pypdf (chosen)", "pdfminer.six"),
    "docx 60 pages": ("lxml (docx, chosen)", "python-docx"),
    "xlsx 20,000 rows": ("openpyxl read-only (chosen)", "lxml (xlsx)"),
    "odt 60 pages": ("lxml (odt, chosen)", "odfpy"),
}
# VmHWM, not ru_maxrss: Linux carries the parent's peak across fork and exec into ru_maxrss.
CHILD = """
import json, sys, time
{imports}
data = open(sys.argv[1], "rb").read()
start = time.perf_counter()
{code}
seconds = time.perf_counter() - start
peak = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1]
print(json.dumps({{"seconds": seconds, "chars": len(text), "peak_mb": int(peak) / 1024}}))
"""


def library_times(files: dict[str, bytes], repeat: int) -> None:
    print(f"{'file':<18} {'kB':>7} {'status':>8} {'chars':>9} {'s/file':>8} {'s/MB':>7}")
    for name, data in files.items():
        best, result = float("inf"), None
        for _ in range(repeat):
            start = time.perf_counter()
            result = extract(data)
            best = min(best, time.perf_counter() - start)
        mb = len(data) / 1e6
        print(f"{name:<18} {len(data) / 1e3:>7.0f} {result.status:>8} {len(result.text or ''):>9,}"
              f" {best:>8.3f} {best / mb:>7.2f}")  # fmt: skip


def sandbox_rate(files: dict[str, bytes]) -> None:
    # A realistic mix: mostly short PDFs, some DOCX, few spreadsheets.
    mix = (["pdf 3 pages"] * 12 + ["pdf 52 pages"] * 2 + ["docx 3 pages"] * 4
           + ["xlsx 200 rows"] * 1 + ["odt 2 pages"] * 1) * 3  # fmt: skip
    size = sum(len(files[name]) for name in mix)
    with Extractor() as extractor:
        start = time.perf_counter()
        extractor.extract(files["pdf 3 pages"])  # the child starts: counted apart
        started = time.perf_counter() - start
        start = time.perf_counter()
        for name in mix:
            extractor.extract(files[name])
        elapsed = time.perf_counter() - start
    print(f"\nsandboxed (one child for all files): child start {started:.2f} s; "
          f"{len(mix)} files ({size / 1e6:.1f} MB) in {elapsed:.2f} s = "
          f"{len(mix) / elapsed:.1f} files/s, {size / 1e6 / elapsed:.2f} MB/s; "
          f"child peak RSS {extractor.peak_rss_kb / 1024:.0f} MB")


def compare(files: dict[str, bytes]) -> None:
    print(f"\n{'file':<18} {'library':<28} {'s':>7} {'chars':>9} {'peak MB':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, libraries in COMPARED.items():
            path = Path(tmp) / "file"
            path.write_bytes(files[name])
            for library in libraries:
                imports, code = COMPARE[library]
                child = CHILD.format(imports=imports, code=code)
                run = subprocess.run([sys.executable, "-c", child, str(path)],
                                     capture_output=True, text=True)  # fmt: skip
                if run.returncode:
                    error = run.stderr.strip().splitlines()[-1]
                    print(f"{name:<18} {library:<28} skipped: {error}")
                    continue
                got = json.loads(run.stdout)
                print(f"{name:<18} {library:<28} {got['seconds']:>7.3f} {got['chars']:>9,}"
                      f" {got['peak_mb']:>8.0f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--compare", action="store_true")
    args = parser.parse_args()
    files = corpus()
    library_times(files, args.repeat)
    sandbox_rate(files)
    if args.compare:
        compare(files)


if __name__ == "__main__":
    main()
