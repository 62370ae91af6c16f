"""What civicnews reads on one page: the report behind ``civicnews probe``.

:func:`probe_page` runs family detection and the parsers on one page and returns a plain dict
(the ``--json`` output): the detected family with its evidence, then for the chosen family's
parser and for the generic parser (the fallback of every portal) each field as read, the rule
that read it (``Article.rules``), dates parsed as a crawl would, and for a listing its entries
with their dates, its next pages and paging APIs.  :func:`read_saved_page` decodes a saved
file the way the crawl decodes a response.
"""

from __future__ import annotations

import re
from html import unescape as html_unescape
from pathlib import Path
from typing import Any
from urllib.parse import quote

from w3lib.encoding import html_body_declared_encoding, read_bom

from civicnews.dates import parse_date, to_iso
from civicnews.families import GENERIC
from civicnews.middlewares.encoding import true_encoding
from civicnews.parsers import Page, get_parser
from civicnews.parsers.detect import detect
from civicnews.text import normalize_inline

#: Article fields in the order they are printed; (field, the rule keys it may be filed under).
FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("title", ("title",)),
    ("published_raw", ("published_raw", "published", "date")),
    ("author", ("author",)),
    ("posted_by", ("posted_by",)),
    ("source", ("source",)),
    ("sapo", ("sapo",)),
    ("category", ("category",)),
    ("tags", ("tags",)),
    ("body_text", ("body_text", "body")),
    ("images", ("images",)),
    ("attachments", ("attachments",)),
    ("related", ("related",)),
    ("canonical_url", ("canonical_url", "canonical")),
)


class ProbeError(ValueError):
    """A page that cannot be probed (unreadable file); the message is one line."""


def read_saved_page(path: str | Path) -> str:
    """The text of a saved HTML file, decoded by what its bytes are (BOM, UTF-8, <meta>)."""
    path = Path(path)
    try:
        body = path.read_bytes()
    except IsADirectoryError:
        raise ProbeError(f"{path} is a directory, not a saved page") from None
    except OSError as exc:
        raise ProbeError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not body.strip():
        raise ProbeError(f"{path} is empty")
    if b"\0" in body[:4096] and not read_bom(body)[0]:
        raise ProbeError(f"{path} is not an HTML page (binary content)")
    meta = html_body_declared_encoding(body)
    encoding = true_encoding(body, None, meta) or meta or "utf-8"
    bom, _ = read_bom(body)
    try:
        text = body.decode(encoding, errors="replace")
    except LookupError:
        text = body.decode("utf-8", errors="replace")
    return text.removeprefix("\ufeff") if bom or text.startswith("\ufeff") else text


#: Where a saved page without ``--url`` says it came from, most trusted first.
_SAVED_URL = (
    ("canonical", re.compile(r"<link\b[^>]*\brel=[\"']?canonical\b[^>]*>", re.I)),
    ("og:url", re.compile(r"<meta\b[^>]*\bproperty=[\"']?og:url\b[^>]*>", re.I)),
    ("base", re.compile(r"<base\b[^>]*>", re.I)),
)
_ATTR_URL = re.compile(r"\b(?:href|content)\s*=\s*[\"']?(https?://[^\"'\s>]+)", re.I)
# HTTrack writes "<!-- Mirrored from host/path by HTTrack Website Copier/3.x ... -->".
_HTTRACK = re.compile(r"<!--\s*Mirrored from (\S+) by HTTrack", re.I)
#: The address a saved page is read at when it tells none: relative links stay on one host.
PLACEHOLDER_HOST = "saved-page.invalid"


def saved_page_url(html: str, path: str | Path) -> tuple[str, str]:
    """(URL, where it came from) for a saved page given without its address.

    The page's own canonical link, ``og:url``, ``<base href>`` or HTTrack's "Mirrored from"
    comment; else ``http://saved-page.invalid/<file name>``, so relative links resolve on one
    host (the ``.invalid`` name can never be fetched).
    """
    head = html[:200_000]
    for name, tag in _SAVED_URL:
        for found in tag.finditer(head):
            url = _ATTR_URL.search(found.group(0))
            if url:
                return html_unescape(url.group(1)), name
    mirrored = _HTTRACK.search(head)
    if mirrored:
        target = mirrored.group(1)
        return (target if "://" in target else f"http://{target}"), "httrack"
    return f"http://{PLACEHOLDER_HOST}/{quote(Path(path).name)}", "placeholder"


def _date(raw: str | None, date_order: str) -> str | None:
    if not raw:
        return None
    return to_iso(parse_date(raw, date_order=date_order))


def _rule(rules: dict[str, str], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        if rules.get(key):
            return rules[key]
    return None


def _link(link: Any, date_order: str) -> dict[str, Any]:
    return {
        "url": link.url,
        "text": normalize_inline(link.text or ""),
        "date_raw": link.date_raw,
        "date": _date(link.date_raw, date_order),
    }


def read_with(family: str, url: str, html: str, date_order: str = "DMY") -> dict[str, Any]:
    """What ``family``'s parser reads on the page, field by field, with rules and dates."""
    try:
        page: Page = get_parser(family)(url, html)
    except Exception as exc:  # a parser crash is a finding to show, not a reason to stop
        return {"family": family, "kind": "error", "error": f"{type(exc).__name__}: {exc}"}
    out: dict[str, Any] = {"family": family, "kind": page.kind, "article": None, "listing": None}
    article = page.article
    if article is not None:
        rules = dict(getattr(article, "rules", None) or {})
        fields: dict[str, Any] = {}
        for name, keys in FIELDS:
            value = getattr(article, name, None)
            if name == "related":
                value = [_link(link, date_order) for link in value or []]
            entry: dict[str, Any] = {"value": value, "rule": _rule(rules, keys)}
            if name == "published_raw":
                entry["parsed"] = _date(value, date_order)
            fields[name] = entry
        out["article"] = {"extractor": article.extractor, "fields": fields, "rules": rules}
    listing = page.listing
    if listing is not None:
        out["listing"] = {
            "entries": [_link(link, date_order) for link in listing.entries],
            "next_pages": list(listing.next_pages),
            "api_pagers": [
                {"url": p.url, "method": p.method, "page_field": p.page_field,
                 "first_page": p.first_page, "formdata": dict(p.formdata)}
                for p in listing.api_pagers
            ],
        }  # fmt: skip
    return out


def probe_page(
    url: str, html: str, family: str | None = None, date_order: str = "DMY"
) -> dict[str, Any]:
    """Detection and the readings of the chosen family's parser and of the generic parser.

    ``family`` None: the detected family is the chosen one.
    """
    detection = detect(url, html)
    chosen = family or detection.family
    readings = [read_with(chosen, url, html, date_order)]
    if chosen != GENERIC:
        readings.append(read_with(GENERIC, url, html, date_order))
    return {
        "url": url,
        "family": chosen,
        "family_from": "option" if family else "detected",
        "detected": {**detection.to_dict(), "summary": detection.summary()},
        "readings": readings,
    }
