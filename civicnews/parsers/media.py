"""Images (with captions) and attached files of an article body."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml import etree

from civicnews.parsers import blocks, links
from civicnews.text import normalize_inline

_FILE_EXT = re.compile(r"\.(pdf|docx?|xlsx?|pptx?|odt|ods|rar|zip|7z)$", re.I)


def images(body: etree._Element, base_url: str) -> list[dict[str, str]]:
    out = []
    for img in body.iter("img"):
        src = links.absolute(base_url, img.get("src") or img.get("data-src"))
        if not src:
            continue
        caption = ""
        fig = next((p for p in img.iterancestors("figure")), None)
        if fig is not None:
            cap = fig.find(".//figcaption")
            if cap is not None:
                caption = blocks.text_of(cap)
        if not caption:
            caption = _caption_after(img)
        out.append({"url": src, "caption": caption or normalize_inline(img.get("alt") or "") or ""})
    return out


def _caption_after(img: etree._Element) -> str:
    # Word/CKEditor put the caption in the block right after the image's block.
    block = img
    while block.getparent() is not None and block.tag not in ("p", "div", "td", "tr", "table"):
        block = block.getparent()
    if block.tag == "td":
        block = block.getparent()  # caption row follows the image row
    nxt = block.getnext()
    if nxt is None or not isinstance(nxt.tag, str):
        return ""
    text = blocks.text_of(nxt)
    style = (nxt.get("style") or "").replace(" ", "").lower()
    emphasised = nxt.find(".//em") is not None or nxt.find(".//i") is not None
    centred = "text-align:center" in style or (nxt.get("align") or "").lower() == "center"
    if text and len(text) <= 300 and (emphasised or centred or nxt.tag == "tr"):
        return text
    return ""


def attachments(root: etree._Element, base_url: str) -> list[dict[str, str]]:
    out, seen = [], set()
    for a in root.iter("a"):
        url = links.absolute(base_url, a.get("href"))
        if not url or url in seen:
            continue
        segments = [s for s in urlsplit(url).path.split("/") if s]
        # Liferay serves files as /documents/<group>/<folder>/<name.pdf>/<uuid>.
        named = segments[-1:] + (segments[-2:-1] if "documents" in segments else [])
        if any(_FILE_EXT.search(s) for s in named):
            seen.add(url)
            name = blocks.text_of(a) or next(s for s in named if _FILE_EXT.search(s))
            out.append({"name": name, "url": url})
    return out
