"""Page metadata: ``<meta>`` values, canonical URL, breadcrumb and category, title matching."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml import etree
from parsel import Selector

from civicnews.parsers import links
from civicnews.text import fold_key, normalize_inline


def meta(sel: Selector, *names: str) -> str | None:
    for name in names:
        value = sel.css(
            f'meta[property="{name}"]::attr(content), meta[name="{name}"]::attr(content)'
        ).get()
        if value and value.strip():
            return normalize_inline(value)
    return None


def canonical(sel: Selector, base_url: str) -> str | None:
    return links.absolute(base_url, sel.css("link[rel=canonical]::attr(href)").get())


def breadcrumb(sel: Selector) -> list[str]:
    for css in (
        ".breadcrumb", ".breadcrumbs", "[class*=breadcrumb]", "[class*=BreadCrumb]",
        "[id*=breadcrumb]", "[class*=duong-dan]", "[class*=path]",
    ):  # fmt: skip
        nodes = sel.css(css)
        if nodes:
            parts = [
                normalize_inline(t) for t in nodes[0].css("a::text, span::text, li::text").getall()
            ]
            parts = [p for p in parts if p and p not in (">", "»", "/", "›", "|")]
            if parts:
                return parts
            text = normalize_inline(" ".join(nodes[0].css("::text").getall())) or ""
            return [p.strip() for p in re.split(r"\s*[>»›/|]\s*", text) if p.strip()]
    return []


def category_from_breadcrumb(parts: list[str], title: str | None) -> str | None:
    parts = [p for p in parts if fold_key(p) not in ("trang chu", "home")]
    if parts and title and parts[-1] == title:
        parts = parts[:-1]
    return parts[-1] if parts else None


def title_match(text: str, reference: str | None) -> float:
    """How well a candidate title matches og:title / <title>: 0..1.5."""
    if not reference:
        return 0.0
    t, r = text.casefold(), reference.casefold()
    if t == r:
        return 1.5
    if t not in r:
        return 0.0
    return len(t) / len(r) + (0.5 if r.startswith(t) or r.endswith(t) else 0.0)


_SITE_SEPARATORS = re.compile(r"\s+(?:[-–—|:»]|::)\s+")


def page_title(sel: Selector) -> tuple[str | None, str | None]:
    """``og:title``, else ``<title>`` without the site's name; with the rule that gave it.

    The site's name is ``og:site_name`` when the title starts or ends with it; a ``<title>``
    is also cut at the first " - " / " | " (portals print "Title - Site - Parent site").
    """
    og = meta(sel, "og:title", "twitter:title")
    if og:
        return _without_site(og, sel, cut=False), "meta:og:title"
    text = normalize_inline(" ".join(sel.xpath("//head/title//text()").getall()))
    if text:
        return _without_site(text, sel, cut=True), "meta:title-tag"
    return None, None


def _without_site(text: str, sel: Selector, *, cut: bool) -> str:
    site = meta(sel, "og:site_name")
    if site and text != site:
        for sep in (" - ", " | ", " – ", " :: ", " » "):
            if text.endswith(sep + site):
                return text[: -len(sep + site)].strip()
            if text.startswith(site + sep):
                return text[len(site + sep) :].strip()
    parts = _SITE_SEPARATORS.split(text) if cut else [text]
    return parts[0].strip() or text


# What separates the items of a breadcrumb trail.
_CRUMB_SEPARATORS = re.compile(r"^[\s»>›/|:\-–\u00a0]*$")
_CRUMB_CONTAINERS = ("ul", "ol", "div", "nav", "p", "span", "td")


def current_crumb(root: etree._Element, url: str) -> etree._Element | None:
    """The last item of the page's breadcrumb trail when it names the page itself, found by
    shape whatever its class: 2-8 links separated only by "»", ">", "/"..., the first to the
    site's root, the last to the page itself (an empty or ``#`` link, or the page's URL)."""
    here = url.split("#", 1)[0]
    for box in root.iter(*_CRUMB_CONTAINERS):
        anchors = list(box.iter("a"))
        if not 3 <= len(anchors) <= 8:
            continue
        first = links.absolute(url, anchors[0].get("href"))
        if first is None or urlsplit(first).path.strip("/") != "":
            continue
        last = anchors[-1]
        href = (last.get("href") or "").strip()
        if href not in ("", "#") and links.absolute(url, href) != here:
            continue
        between = box.xpath(".//text()[not(ancestor::a)]")
        if all(_CRUMB_SEPARATORS.match(str(t)) for t in between):
            text = normalize_inline(" ".join(last.itertext()))
            return last if text else None
    return None
