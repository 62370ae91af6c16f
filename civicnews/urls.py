"""Canonical URLs: one URL per article, whatever link led to it.

The same Liferay article is linked as ``.../content/slug``, ``...?redirect=...``
and ``...?inheritRedirect=true&redirect=...``; keying the archive by the URL as
linked would store it three times.  Rules, in order:

- everywhere: scheme and host lower-cased, default port, fragment, session ids
  (``;jsessionid=`` path parameters and session query parameters) and tracking
  parameters (``utm_*``, ``fbclid``, ...) dropped; the remaining parameters
  sorted and percent-encoding normalised (w3lib);
- ``liferay``: ``redirect``/``inheritRedirect``/``backURL`` (plain or
  portlet-namespaced) dropped everywhere; on friendly article URLs (a ``/-/``
  path: ``/<page>/-/asset_publisher/<id>/content/<urlTitle>``) every portlet
  parameter is dropped too, because the path alone names the article.  Other
  URLs keep their portlet parameters: they select a listing page;
- ``sharepoint``: an article URL (``*.aspx?ItemID=n`` or ``?NewsId=n``, the
  key in any case) keeps that one parameter, spelled ``ItemID``/``NewsId``;
  listings (``?CateID=..&Page=N``) keep all theirs;
- ``hanoi-platform``: an article URL (``/<category>/<slug>-<id>.htm``) keeps
  its path and loses its query.  Its numeric id is the article's identity
  (:func:`article_identity`): the store files a second URL with the same id
  (an edited slug, another category) under the article first archived.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

# Parameters that never select content, on any portal.
_TRACKING = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|msclkid|zarsrc|_ga|_gl|mc_[ce]id|igshid|"
    r"jsessionid|phpsessid|aspsessionid\w*|sessionid|session_id|sid|s_id|cfid|cftoken)$",
    re.I,
)
# Liferay back-links, plain or namespaced (``_101_INSTANCE_x_redirect``).
_LIFERAY_BACKLINK = re.compile(r"^(\w*_)?(redirect|inheritRedirect|backURL)$")
# Liferay portlet state: p_p_id, p_p_lifecycle, p_r_p_..., _<portletId>_<name>.
_LIFERAY_PORTLET = re.compile(r"^(p_p_\w+|p_r_p_\w+|p_l_\w+|_\w+_\w+)$")
_SHAREPOINT_ID = {"itemid": "ItemID", "newsid": "NewsId"}
_HANOI_ARTICLE = re.compile(r"^/(?:[^/]+/)*[^/]*?-?(\d{14,19})\.htm$")
_SESSION_PATH = re.compile(r";(jsessionid|phpsessid|sid)=[^/?#]*", re.I)


# The same links recur on nearby pages (a listing's entries, then those articles'
# related links), so a small cache catches the reuse: on a 3,000-article crawl 4,096
# entries hit as often as 65,536 did (32,296 against 32,370 hits), while 65,536
# entries of URL strings held ~40 MB that grew with the crawl until full (issue 15).
@lru_cache(maxsize=4096)
def canonical_url(url: str, family: str = "generic") -> str:
    """The archive key of ``url`` on a portal of ``family``."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    netloc = host
    if parts.port and (scheme, parts.port) not in (("http", 80), ("https", 443)):
        netloc = f"{host}:{parts.port}"
    path = _SESSION_PATH.sub("", parts.path) or "/"
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)
    ]
    if family == "liferay":
        query = [(k, v) for k, v in query if not _LIFERAY_BACKLINK.match(k)]
        if "/-/" in path:
            query = [(k, v) for k, v in query if not _LIFERAY_PORTLET.match(k)]
    elif family == "sharepoint" and path.lower().endswith(".aspx"):
        ids = [
            (_SHAREPOINT_ID[k.lower()], v.strip()) for k, v in query if k.lower() in _SHAREPOINT_ID
        ]
        if ids:
            query = ids[:1]
    elif family == "hanoi-platform" and _HANOI_ARTICLE.match(path):
        query = []
    rebuilt = urlunsplit((scheme, netloc, path, urlencode(query), ""))
    # w3lib sorts the parameters and normalises percent-encoding (so "%7e",
    # "~" and a raw "ư" each have one spelling); it keeps a ":80" we dropped above.
    return canonicalize_url(rebuilt, keep_blank_values=True)


def article_identity(url: str) -> str | None:
    """A key shared by every URL of one article when its URL scheme has an id.

    Only the Hanoi platform's ``/<category>/<slug>-<id>.htm`` has one: the id
    (14-19 digits, unique per site) stays when an editor changes the slug or
    files the article under another category.  Returns ``"<host>/<id>"``.
    """
    parts = urlsplit(url)
    match = _HANOI_ARTICLE.match(parts.path)
    if not match:
        return None
    return f"{(parts.hostname or '').lower()}/{match.group(1)}"


def same_site(url: str, allowed_domains: tuple[str, ...] | list[str]) -> bool:
    """Is ``url`` on one of the portal's hosts (``www.`` or not)?

    Subdomains do not count: the city portal hanoi.gov.vn must not wander
    into the thirty district and ward portals under *.hanoi.gov.vn.
    """
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    return any(host == d.lower().removeprefix("www.") for d in allowed_domains)
