"""XLSX cell values with openpyxl in read-only mode (rows streamed, one sheet at a time).

openpyxl, not a hand-written reader: it knows shared and inline strings, dates
stored as numbers and sheet order, and streams rows.  A plain lxml reader was 2-4
times faster on 80,000 cells but held twice the memory and none of that knowledge
(bench/documents.py --compare); spreadsheets are the rarest attachments.
"""

from __future__ import annotations

import io
import logging
import warnings
from datetime import date, datetime

from civicnews.documents.sink import TextSink

logging.getLogger("openpyxl").setLevel(logging.ERROR)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read(data: bytes, sink: TextSink) -> None:
    from openpyxl import load_workbook

    with warnings.catch_warnings():
        # "Workbook contains no default style": common in files from other programs.
        warnings.simplefilter("ignore")
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        for sheet in book.worksheets:
            sink.add(sheet.title)
            for row in sheet.iter_rows(values_only=True):
                cells = [_cell(v) for v in row]
                while cells and not cells[-1]:
                    cells.pop()
                if cells:
                    sink.add("\t".join(cells))
    finally:
        book.close()
