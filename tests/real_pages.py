"""Real pages saved by others, and how a parser's reading of one is scored.

Shared by ``tests/test_real_pages.py`` (the pass/fail harness) and ``bench/real_pages.py`` (the
table in BENCHMARKS.md). A case is a directory ``<portal>/<case>/`` holding ``input.html`` (the
page's bytes as found), ``source.md`` (where it came from) and ``expected.json`` written by
reading the page (see ``tests/fixtures/real/README.md`` for its keys).

Where cases are looked for, in order: ``tests/fixtures/real/*/*/``; the directory named by the
environment variable ``CIVICNEWS_REAL_PAGES``, else ``../shared/data/real-pages`` beside the
checkout when it exists; and ``tests/fixtures/constructed/real-shapes/*/*/``, pages written for
this project that reproduce the structures learnt from real ones (labelled ``constructed``).
"""

from __future__ import annotations

import functools
import json
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from w3lib.encoding import html_body_declared_encoding

from civicnews.dates import parse_date, to_iso
from civicnews.families import FAMILIES, GENERIC
from civicnews.middlewares.encoding import true_encoding
from civicnews.parsers import Page, parse_page
from civicnews.parsers.links import clean_url

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
#: What is scored on an article and on a listing.
ARTICLE_FIELDS = ("title", "date", "day", "author", "posted_by", "sapo", "body")
LISTING_FIELDS = ("entries", "entry_dates", "next_pages")


@dataclass(frozen=True)
class Case:
    label: str  # "real" or "constructed"
    path: Path  # the directory holding expected.json (and source.md)
    html: Path  # the page's bytes: beside expected.json, or in the external corpus

    @property
    def name(self) -> str:
        return f"{self.label}/{self.path.parent.name}/{self.path.name}"


def roots() -> list[tuple[str, Path]]:
    out = [("real", FIXTURES / "real")]
    env = os.environ.get("CIVICNEWS_REAL_PAGES")
    shared = ROOT.parent / "shared" / "data" / "real-pages"
    if env:
        out.append(("real", Path(env)))
    elif shared.is_dir():
        out.append(("real", shared))
    out.append(("constructed", FIXTURES / "constructed" / "real-shapes"))
    return out


def cases(label: str | None = None) -> list[Case]:
    """Every case with both its expected.json and its page bytes, each ``<portal>/<case>`` once.

    The repository keeps what we wrote about a real page (``expected.json``, ``source.md``) in
    tests/fixtures/real even where it may not keep the page itself; such a case takes its
    ``input.html`` from the external corpus at the same ``<portal>/<case>`` path. Where both
    hold an expected.json, the repository's wins: one home for the golden values.
    """
    all_roots = roots()
    external = [root for kind, root in all_roots if kind == "real" and root != FIXTURES / "real"]
    found: dict[tuple[str, str], Case] = {}
    for kind, root in all_roots:
        if label is not None and kind != label:
            continue
        for path in sorted(root.glob("*/*")):
            key = (path.parent.name, path.name)
            if key in found or not (path / "expected.json").is_file():
                continue
            candidates = [path / "input.html"] + [
                ext / key[0] / key[1] / "input.html" for ext in external
            ]
            html = next((c for c in candidates if c.is_file()), None)
            if html is not None:
                found[key] = Case(kind, path, html)
    return list(found.values())


def read_html(path: Path) -> str:
    """The page decoded as the crawl decodes it (BOM, valid UTF-8, else what it declares)."""
    body = path.read_bytes()
    declared = html_body_declared_encoding(body)
    encoding = true_encoding(body, None, declared) or declared or "utf-8"
    return body.decode(encoding, errors="replace").lstrip("\ufeff")


def expected(case: Case) -> dict[str, Any]:
    return json.loads((case.path / "expected.json").read_text("utf-8"))


def parsers_for(family: str | None) -> list[str]:
    """The family's own parser (when there is one), then the generic parser."""
    own = [family] if family in FAMILIES and family != GENERIC else []
    return [*own, "generic"]


@functools.cache
def parse(case: Case, family: str) -> Page:
    """The page read by ``family``'s parser; kept, as a test run reads each page several times
    (legal codes of ~1 MB take seconds)."""
    exp = expected(case)
    return parse_page(family, exp["url"], read_html(case.html))


def _norm(text: str | None) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def minute(raw: str | None) -> str | None:
    """A printed date as ISO to the minute (``2016-05-13T17:05``), a day, or None."""
    if not raw:
        return None
    value = parse_date(raw)
    iso = to_iso(value) if value is not None else None
    return iso[:16] if iso else None


def _iso_minute(iso: str | None) -> str | None:
    return iso[:16] if iso else None


def _same_url(got: str | None, want: str | None, base: str) -> bool:
    """Expected URLs may be written as the page prints them (relative): resolved on ``base``."""
    if not got or not want:
        return got == want
    want = urljoin(base, want.strip())
    return got == want or clean_url(got) == clean_url(want)


def score(page: Page, exp: dict[str, Any]) -> dict[str, bool]:
    """Field -> read exactly, for the fields ``exp`` says something about."""
    out: dict[str, bool] = {}
    kind = exp.get("kind", "article")
    if kind == "article":
        art = page.article
        out["kind"] = art is not None
        if art is None:
            return {**out, **{f: False for f in ARTICLE_FIELDS if _has(exp, f)}}
        out["title"] = _norm(art.title) == _norm(exp.get("title"))
        got_date, want_date = minute(art.published_raw), _iso_minute(exp.get("published_at"))
        out["date"] = got_date == want_date
        out["day"] = (got_date or "")[:10] == (want_date or "")[:10]
        if "author" in exp:
            out["author"] = _norm(art.author) == _norm(exp["author"])
        if "posted_by" in exp:
            out["posted_by"] = _norm(art.posted_by) == _norm(exp["posted_by"])
        if exp.get("sapo"):
            out["sapo"] = _norm(art.sapo) == _norm(exp["sapo"])
        if _has(exp, "body"):
            body = _norm(art.body_text)
            out["body"] = (
                body.startswith(_norm(exp.get("body_start")))
                and body.endswith(_norm(exp.get("body_end")))
                and not any(_norm(x) in body for x in exp.get("body_excludes") or [] if _norm(x))
            )
        return out
    listing = page.listing
    out["kind"] = listing is not None
    entries = listing.entries if listing else []
    want_count = exp.get("entry_count")
    first, last = exp.get("first_entry") or {}, exp.get("last_entry") or {}
    ok = bool(entries) and (want_count is None or len(entries) == want_count)
    for want, got in (
        (first, entries[0] if entries else None),
        (last, entries[-1] if entries else None),
    ):
        if want and got is not None:
            ok = (
                ok
                and _norm(got.text) == _norm(want.get("title"))
                and _same_url(got.url, want.get("url"), exp["url"])
            )
    out["entries"] = ok
    dated = [
        (w, g)
        for w, g in ((first, entries[:1]), (last, entries[-1:]))
        if w.get("published_at") or w.get("date_printed")
    ]
    if dated:
        out["entry_dates"] = all(
            g
            and minute(g[0].date_raw)
            == (_iso_minute(w.get("published_at")) or minute(w.get("date_printed")))
            for w, g in dated
        )
    if exp.get("next_pages"):
        got_pages = listing.next_pages if listing else []
        out["next_pages"] = all(
            any(_same_url(g, w, exp["url"]) for g in got_pages) for w in exp["next_pages"]
        )
    return out


def _has(exp: dict[str, Any], field: str) -> bool:
    if field in ("date", "day"):
        return "published_at" in exp
    if field == "body":
        return bool(exp.get("body_start") or exp.get("body_end"))
    if field == "sapo":
        return bool(exp.get("sapo"))
    return field in exp
