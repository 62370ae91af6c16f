"""The CMS families civicnews knows: one home for their names and what belongs to each.

A family is a kind of portal software (Liferay 6.x, SharePoint, the new Hanoi platform, the
table-layout ASP.NET "FITC" template) plus ``generic`` for anything else.  Each family has:

- ``parser``: the module whose ``parse(url, html) -> Page`` reads its pages
  (:func:`civicnews.parsers.get_parser`);
- ``replica``: the ``module:Class`` of the replica renderer imitating it
  (:mod:`civicnews.replica.server`), or None;
- ``markers``: what gives the family away on a page, scored by
  :mod:`civicnews.parsers.detect` (``generic`` has none: it is what is left).

The registry accepts these names plus :data:`AUTO`, which detects the family while crawling.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: A registry entry's family when it is unknown: detected from the first pages of each run.
AUTO = "auto"
GENERIC = "generic"


@dataclass(frozen=True)
class Marker:
    """One sign of a family, worth ``weight`` points when found.

    ``where``: ``"html"`` (a regex searched in the page's markup, scripts included),
    ``"url"`` (a regex searched in the page's own URL) or ``"links"`` (a regex searched in the
    page's same-site links; worth its weight from ``min_links`` matching links on).
    Strong markers (3) are names only that software writes; weak ones (1-2) are shapes other
    sites share now and then, so a family needs two of them to be believed.  Patterns are
    matched without regard to case and use no upper-case escapes (``\\S``, ``\\W``); opening
    them with a literal rather than ``\\b`` keeps the search fast on long pages.
    """

    name: str
    pattern: str
    weight: float
    where: str = "html"
    min_links: int = 2


@dataclass(frozen=True)
class Family:
    name: str
    title: str
    parser: str
    replica: str | None = None
    markers: tuple[Marker, ...] = field(default_factory=tuple)


_LIFERAY = (
    Marker("asset_publisher URL", r"/-/asset_publisher/", 3, "url"),
    Marker("view_content URL", r"/-/view_content/", 3, "url"),
    Marker("asset_publisher links", r"/-/asset_publisher/\w+/", 3, "links"),
    Marker("view_content links", r"/-/view_content/", 3, "links"),
    Marker("journal-content-article", r"journal-content-article", 3),
    Marker("portlet-boundary", r"portlet-boundary", 3),
    Marker("_101_INSTANCE_ portlet", r"_101_INSTANCE_", 3),
    Marker("asset publisher classes", r"class=[\"'][^\"']*\basset-(?:full-content|abstract)\b", 2),
    Marker(
        "Liferay scripts",
        r"Liferay\.(?:Portlet|Browser|ThemeDisplay|Util|AUI|Language|Session|Data|Publisher)\b"
        r"|/html/js/liferay/|themeDisplay\.get",
        3,
    ),
    Marker("portlet parameters", r"p_p_(?:id|lifecycle)=", 2),
    Marker(
        "document library files",
        r"/documents/\d+/(?:\d+/|[0-9a-f]{8}-[0-9a-f]{4}-)|/c/document_library/get_file"
        r"|/image/journal/article",
        2,
    ),
)

_SHAREPOINT = (
    Marker("SPWebPartManager ids", r"ctl00[_$]SPWebPartManager", 3),
    Marker("MSOWebPartPage form fields", r"MSOWebPartPage|MSOLayout_|MSOSPWebPart", 3),
    Marker("divArticleDescription", r"divArticleDescription", 3),
    Marker(
        "SharePoint scripts", r"_spPageContextInfo|_spBodyOnLoad|SP\.SOD\.|_spFormOnSubmit", 3
    ),
    Marker("SharePoint generator", r"<meta[^>]+content=[\"']Microsoft SharePoint", 3),
    Marker("_layouts/ resources", r"[\"'][^\"']*/_layouts/(?:\d+/)?[\w./-]+", 2),
    Marker("ms- web part classes", r"class=[\"'][^\"']*\bms-(?:rtestate|webpart|WPBody)", 2),
    Marker("Pages/*.aspx URL", r"/Pages/[^/?#]+\.aspx", 2, "url"),
    Marker("Pages/*.aspx links", r"/Pages/[^/?#]+\.aspx", 1, "links", 3),
    Marker(
        "Pages/*.aspx?ItemID= list item links",
        r"/Pages/[^/?#]+\.aspx\?(?:[^#]*&)?ItemID=\d",
        2,
        "links",
        3,
    ),
    Marker("list attachments", r"/Lists/[^/\"'?#]+/Attachments/", 2),
)

_HANOI_PLATFORM = (
    Marker("article id URL (.htm, 14-19 digits)", r"-\d{14,19}\.htm$", 2, "url"),
    Marker("article id links (.htm, 14-19 digits)", r"-\d{14,19}\.htm(?:[?#]|$)", 2, "links", 3),
    Marker("afcbc-body", r"afcbc-body", 3),
    Marker("data-role content/sapo", r"data-role=[\"']?(?:content|sapo|title|publishdate)\b", 2),
    Marker("VCSortableInPreviewMode", r"VCSortableInPreviewMode", 3),
    Marker("NewsZone API", r"/api/NewsZone/", 3),
    Marker("news-item entries with data-id", r"class=[\"'][^\"']*\bnews-item\b[^>]*data-id=", 1),
    # The national platform (chinhphu.vn, baochinhphu.vn) built by VCCorp: its box attributes
    # and its CDN (hot-linked images alone are a weak sign).
    Marker("platform box attributes", r"data-linktype=[\"']?newsdetail|data-boxtype=", 2),
    Marker("platform CDN", r"static\.mediacdn\.vn/|\.cdnchinhphu\.vn/", 1),
)

_ASPNET_TABLE = (
    Marker("TT_TinChiTiet classes", r"TT_TinChiTiet", 3),
    Marker("Fitc comments", r"Fitc(?:BatDau|KetThuc)DocTin", 3),
    Marker("TMCD2_ classes", r"TMCD2_", 3),
)

FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family(
            "liferay",
            "Liferay 6.x/7.x",
            "civicnews.parsers.liferay",
            "civicnews.replica.liferay:LiferayRenderer",
            _LIFERAY,
        ),
        Family(
            "sharepoint",
            "SharePoint 2010/2013",
            "civicnews.parsers.sharepoint",
            "civicnews.replica.sharepoint:SharePointRenderer",
            _SHAREPOINT,
        ),
        Family(
            "hanoi-platform",
            "the new Hanoi / national platform",
            "civicnews.parsers.hanoi_platform",
            "civicnews.replica.hanoi_platform:HanoiPlatformRenderer",
            _HANOI_PLATFORM,
        ),
        Family(
            "aspnet-table",
            "table-layout ASP.NET (FITC)",
            "civicnews.parsers.aspnet_table",
            "civicnews.replica.aspnet_table:AspNetTableRenderer",
            _ASPNET_TABLE,
        ),
        Family(GENERIC, "any other CMS, read by shape", "civicnews.parsers.generic"),
    )
}

#: Every family name, in the order of :data:`FAMILIES`.
NAMES: tuple[str, ...] = tuple(FAMILIES)
#: What a registry entry's ``family`` may say.
REGISTRY_CHOICES: tuple[str, ...] = (*NAMES, AUTO)
#: family -> "module:RendererClass" for the families the replica imitates.
REPLICAS: dict[str, str] = {f.name: f.replica for f in FAMILIES.values() if f.replica}
