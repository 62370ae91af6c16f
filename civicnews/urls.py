"""Canonical URLs: one URL per article, whatever link led to it.

The same Liferay article is linked as ``.../content/slug``, ``...?redirect=...``
and ``...?inheritRedirect=true&redirect=...``; keying the archive by the URL as
linked would store it three times.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Parameters that never select content, on any portal.
_TRACKING = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|msclkid|zarsrc|_ga|_gl|mc_[ce]id|igshid|ref|"
    r"source|jsessionid|phpsessid|aspsessionid\w*|sessionid|sid|s_id|session_id)$",
    re.I,
)
# Liferay portlet state and back-links.
_LIFERAY = re.compile(
    r"^(redirect|inheritRedirect|backURL|p_p_\w+|p_r_p_\w+|_\d+_\w+|_\w+_INSTANCE_\w+)$"
)


def _clean_path(path: str) -> str:
    # ";jsessionid=..." path parameters are sessions, not content.
    return re.sub(r";(jsessionid|phpsessid|sid)=[^/?#]*", "", path, flags=re.I) or "/"


def canonical_url(url: str, family: str = "generic") -> str:
    """The archive key of ``url`` for a portal of ``family``."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    netloc = host
    if parts.port and not (
        (parts.scheme == "http" and parts.port == 80)
        or (parts.scheme == "https" and parts.port == 443)
    ):
        netloc = f"{host}:{parts.port}"
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)
    ]
    if family == "liferay":
        query = [(k, v) for k, v in query if not _LIFERAY.match(k)]
    query.sort()
    return urlunsplit((parts.scheme.lower(), netloc, _clean_path(parts.path), urlencode(query), ""))


def same_site(url: str, allowed_domains: tuple[str, ...] | list[str]) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return any(host == d or host.endswith("." + d) for d in allowed_domains)
