"""The Hanoi platform's paging API: a category page shows page 0 only; further pages come from
``POST /api/NewsZone/NewsZone`` (``PageIndex`` 0-based, ``PageSize``, ``Catname``,
``LanguageId``, ``Site``, optional ``DataIds[]``), answering a fragment of the same
``div.news-item`` entries (read by ``hanoi_listing``).

Where the form values come from is not documented anywhere we could read; the page's own
"load more" script needs them, so they are looked for, in this order, in ``data-*``
attributes of one element (``data-catname``, ``data-site``, ``data-languageid``,
``data-pagesize``, ``data-ids``, ``data-api``; dashed forms too), hidden inputs named like
the fields, and inline script assignments (``Catname: 'tin-tuc'``, ``"PageSize": "10"``,
``var site = "x"``). A category page with none of them still pages with ``Catname`` set to its
own path segment, the only value the URL itself gives.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from civicnews.parsers.hanoi_listing import ARTICLE_PATH
from civicnews.parsers.model import ApiPager

API_PATH = "/api/NewsZone/NewsZone"

# Form fields of the paging API and the spellings their values are found under.
_FIELDS = ("Catname", "Site", "LanguageId", "PageSize")
_ATTR_NAMES = {
    "Catname": ("data-catname", "data-cat-name", "data-cat", "data-zone"),
    "Site": ("data-site", "data-site-id", "data-siteid"),
    "LanguageId": ("data-languageid", "data-language-id", "data-lang"),
    "PageSize": ("data-pagesize", "data-page-size"),
}
_IDS_ATTRS = ("data-ids", "data-dataids", "data-data-ids", "data-exclude-ids")
_API_ATTRS = ("data-api", "data-api-url", "data-url", "data-action")


def api_pager(sel: Selector, url: str) -> ApiPager | None:
    parts = urlsplit(url)
    if parts.path.rstrip("/").lower().endswith(API_PATH.lower()):
        return None  # an API answer: the spider already knows how it pages
    config, ids, api = _zone_config(sel)
    if "Catname" not in config:
        segments = [s for s in parts.path.split("/") if s]
        if len(segments) != 1 or ARTICLE_PATH.search(segments[0]) or "." in segments[0]:
            return None  # not a category page: the home page's boxes do not page
        config["Catname"] = segments[0]
    formdata: dict[str, str | list[str]] = {k: config[k] for k in _FIELDS if k in config}
    if ids:
        formdata["DataIds[]"] = ids
    return ApiPager(url=urljoin(url, api or API_PATH), formdata=formdata)


def _zone_config(sel: Selector) -> tuple[dict[str, str], list[str], str | None]:
    """The API's form values, the ids to exclude, and the API URL, wherever the page keeps them."""
    config: dict[str, str] = {}
    ids: list[str] = []
    api: str | None = None
    # 1. data-* attributes, all on one element (the zone box that "Xem thêm" reloads).
    best, best_count = None, 0
    for el in sel.root.iter():
        if not isinstance(el.tag, str):
            continue
        count = sum(any(el.get(n) is not None for n in names) for names in _ATTR_NAMES.values())
        if count > best_count:
            best, best_count = el, count
    if best is not None:
        for field, names in _ATTR_NAMES.items():
            value = next((best.get(n) for n in names if best.get(n) is not None), None)
            if value is not None and value.strip():
                config[field] = value.strip()
        raw_ids = next((best.get(n) for n in _IDS_ATTRS if best.get(n)), None)
        if raw_ids:
            ids = [i for i in re.split(r"[\s,;]+", raw_ids) if i]
        api = next((best.get(n) for n in _API_ATTRS if best.get(n)), None)
    # 2. inputs named like the fields ("Catname", "hdCatname", "ctl00_Site"...).
    for el in sel.root.iter("input"):
        names = [(el.get(a) or "").lower() for a in ("name", "id")]
        for field in _FIELDS:
            value = (el.get("value") or "").strip()
            if field not in config and value and any(n.endswith(field.lower()) for n in names):
                config[field] = value
    # 3. inline scripts, and JSON configs kept in an attribute (data-config='{"Catname":..}').
    script = "\n".join(
        sel.xpath("//script[not(@src)]/text()").getall()
        + sel.xpath("//@*[contains(., 'Catname') or contains(., 'catname')]").getall()
    )
    if script:
        for field in _FIELDS:
            if field not in config:
                value = _script_value(script, field)
                if value:
                    config[field] = value
        if not ids:
            m = re.search(r"DataIds(?:\[\])?[\"']?\s*[:=]\s*\[([^\]]*)\]", script, re.I)
            if m:
                ids = re.findall(r"\d{6,19}", m.group(1))
        if api is None:
            m = re.search(r"[\"']((?:https?://[^\"'/]+)?/[^\"']*NewsZone/NewsZone)[\"']", script)
            api = m.group(1) if m else None
    if api and "newszone" not in api.lower():
        api = None  # a data-url of something else
    return config, ids, api


def _script_value(script: str, field: str) -> str | None:
    m = re.search(
        rf"(?<![\w$.])[\"']?{field}[\"']?\s*[:=]\s*(?:\"([^\"]*)\"|'([^']*)'|([\w.\-]+))",
        script,
        re.I,
    )
    if not m:
        return None
    value = next(g for g in m.groups() if g is not None).strip()
    return value or None
