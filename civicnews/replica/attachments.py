"""Documents attached to the replica's articles: real PDF, DOCX and XLSX files, and trouble.

``ReplicaServer(..., attachments=True)`` links files from article bodies (a "Văn bản
đính kèm" block at the end of the body, where the family's parser reads attachments)
and serves them.  Every file is made at first request with a real library
(``attachment_files.py``: fpdf2 with a Unicode TrueType font for PDF text layers,
python-docx, openpyxl) and is byte-for-byte the same for the same seed (fixed dates, zip
members dated 1980-01-01), so digests can be compared with :meth:`Attachments.expected`.

Which articles link what (``k`` is the article key; only keys below the article count):

==============  =========================================================================
articles        file
==============  =========================================================================
k % 3 == 0      its own decision, "Quyết định số {100+k}/QĐ-UBND" (PDF with a text layer)
k % 4 == 1      the shared plan "Kế hoạch số 45/KH-UBND" (one PDF linked by many articles)
k == 2          a notice as DOCX; k == 3: a list as XLSX
k == 4          an "official letter" whose old URL answers 301 to its new one (same host)
k == 5          a map over the size cap (``BIG_SIZE`` bytes, Content-Length announced)
k == 6          a broken PDF (the first half of a real one)
k == 7          a notice that answers 410 Gone from epoch 2 on
k == 8          a report whose content changes in epoch 2 (a new version)
k == 9          a form answering 302 to a file host (``file_host``, e.g. "localhost")
k == 10         a file answering 302 to a host no registry allows (``127.0.0.2``)
k == 11         a ".pdf" link that answers an HTML login page (a refused type)
==============  =========================================================================

Files answer with ``ETag`` and ``Last-Modified``; a matching conditional request
gets 304.  ``epoch`` (1, set 2 between two crawls) makes the "gone" file answer 410
and the "changing" one serve new bytes.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from email.utils import format_datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from civicnews.replica.attachment_files import (
    DOCX,
    FIXED_DATE,
    PDF,
    XLSX,
    make_docx,
    make_pdf,
    make_xlsx,
)

if TYPE_CHECKING:
    from civicnews.replica.renderer import Response

#: Size of the file over the size cap: tests run with a cap below it (the default cap
#: is 50 MB; the replica does not need to send that much to show the behaviour).
BIG_SIZE = 3 * 1024 * 1024
# The files' own date, as HTTP writes it: one date, not two that could drift apart.
LAST_MODIFIED = format_datetime(FIXED_DATE, usegmt=True)
ISSUER = "ỦY BAN NHÂN DÂN PHƯỜNG ĐÔNG NGẠC"

#: Where each family puts the block: just before the end of the element its parser
#: reads the body from.
ANCHORS = {
    "liferay": '</div><div class="entry-links">',
    "hanoi-platform": '</div><div class="detail-tags">',
}

TYPED_RELATED = "<p><strong>Tin liên quan</strong></p>"


@dataclass(frozen=True)
class File:
    """One file the replica serves (see the module docstring)."""

    name: str  # the link text
    slug: str  # file name in the URL
    behaviour: str  # "plain", "moved", "big", "broken", "gone", "changing", "host", "offsite",
    # "login"
    make: str  # "pdf", "docx", "xlsx", "big", "broken", "html"
    text: tuple[str, ...] = ()


def _decision(k: int) -> File:
    number = f"{100 + k}/QĐ-UBND"
    return File(
        f"Quyết định số {number}",
        f"qd-{100 + k}-qd-ubnd.pdf",
        "plain",
        "pdf",
        (
            ISSUER,
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            f"Số: {number}",
            f"Đông Ngạc, ngày {k % 28 + 1} tháng 3 năm 2024",
            "QUYẾT ĐỊNH",
            f"Về việc phê duyệt kế hoạch chỉnh trang đô thị tổ dân phố số {k % 12 + 1}",
            "CHỦ TỊCH ỦY BAN NHÂN DÂN PHƯỜNG",
            "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
            "Điều 1. Phê duyệt kế hoạch kèm theo Quyết định này.",
            "Điều 2. Quyết định có hiệu lực kể từ ngày ký.",
        ),
    )


SHARED = File(
    "Kế hoạch số 45/KH-UBND",
    "ke-hoach-45-kh-ubnd.pdf",
    "plain",
    "pdf",
    (
        ISSUER,
        "Số: 45/KH-UBND",
        "KẾ HOẠCH",
        "Thực hiện công tác phòng cháy, chữa cháy năm 2024 trên địa bàn phường",
        "I. MỤC ĐÍCH, YÊU CẦU",
        "Nâng cao nhận thức của người dân về phòng cháy, chữa cháy và cứu nạn, cứu hộ.",
    ),
)

SPECIAL: dict[int, File] = {
    2: File("Thông báo số 12/TB-UBND", "thong-bao-12-tb-ubnd.docx", "plain", "docx",
            (ISSUER, "THÔNG BÁO", "Số: 12/TB-UBND",
             "Về việc lấy ý kiến nhân dân đối với dự thảo quy hoạch chi tiết.")),
    3: File("Danh sách hộ gia đình được hỗ trợ", "danh-sach-ho-tro.xlsx", "plain", "xlsx",
            ("STT", "Họ và tên", "Tổ dân phố", "Số tiền (đồng)")),
    4: File("Công văn số 88/UBND-VP", "cong-van-88-ubnd-vp.pdf", "moved", "pdf",
            (ISSUER, "Số: 88/UBND-VP", "V/v báo cáo kết quả thực hiện nhiệm vụ quý I năm 2024")),
    5: File("Bản đồ quy hoạch phân khu (bản lớn)", "ban-do-quy-hoach.pdf", "big", "big"),
    6: File("Quyết định số 77/QĐ-UBND (bản lỗi)", "qd-77-qd-ubnd.pdf", "broken", "broken",
            (ISSUER, "Số: 77/QĐ-UBND", "QUYẾT ĐỊNH về việc thành lập tổ công tác")),
    7: File("Thông báo số 9/TB-UBND (đã gỡ)", "thong-bao-9-tb-ubnd.pdf", "gone", "pdf",
            (ISSUER, "Số: 9/TB-UBND", "THÔNG BÁO lịch tiếp công dân tháng 3 năm 2024")),
    8: File("Báo cáo số 31/BC-UBND", "bao-cao-31-bc-ubnd.pdf", "changing", "pdf",
            (ISSUER, "Số: 31/BC-UBND", "BÁO CÁO tình hình kinh tế - xã hội quý I năm 2024")),
    9: File("Mẫu đơn đề nghị", "mau-don-de-nghi.pdf", "host", "pdf",
            (ISSUER, "MẪU ĐƠN ĐỀ NGHỊ", "Kính gửi: Ủy ban nhân dân phường Đông Ngạc")),
    10: File("Tài liệu trên máy chủ khác", "tai-lieu-ngoai.pdf", "offsite", "pdf",
             (ISSUER, "Tài liệu lưu trên máy chủ không được phép")),
    11: File("Văn bản cần đăng nhập", "van-ban-dang-nhap.pdf", "login", "html"),
}  # fmt: skip


def files_of(key: int) -> list[File]:
    """The files article ``key`` links, in page order."""
    out = []
    if key % 3 == 0:
        out.append(_decision(key))
    if key % 4 == 1:
        out.append(SHARED)
    if key in SPECIAL:
        out.append(SPECIAL[key])
    return out


class Attachments:
    """The files of one replica: links for article pages, answers for file URLs.

    ``file_host``: the host name the "host" file redirects to (the replica answers it
    too, e.g. "localhost" for a replica on 127.0.0.1); ``offsite_host`` the one no
    registry allows.  Thread-safe: files are made once, under a lock.
    """

    def __init__(self, family: str, articles: int, seed: int, file_host: str = "localhost"):
        self.family = family
        self.articles = articles
        self.seed = seed
        self.file_host = file_host
        self.offsite_host = "127.0.0.2"
        self.epoch = 1
        self.port = 0  # set by the server once it listens
        self.base_url = ""
        self._lock = threading.Lock()
        self._by_path: dict[str, File] | None = None

    def listening(self, base_url: str) -> None:
        self.base_url = base_url
        self.port = int(base_url.rsplit(":", 1)[1])

    # -- URLs ------------------------------------------------------------------------------------

    def path(self, f: File, old: bool = False) -> str:
        name = f"cu-{f.slug}" if old else f.slug
        if self.family == "liferay":
            # Liferay's document library: /documents/<groupId>/<folderId>/<title>/<uuid>
            uuid = hashlib.sha256(f"{self.seed}:{f.slug}".encode()).hexdigest()
            uuid = f"{uuid[:8]}-{uuid[8:12]}-{uuid[12:16]}-{uuid[16:20]}-{uuid[20:32]}"
            return f"/documents/20182/0/{name}/{uuid}"
        return f"/Uploads/van-ban/{name}"

    def linked_path(self, f: File) -> str:
        return self.path(f, old=f.behaviour == "moved")

    def block(self, key: int) -> str:
        """The attachment block of article ``key``'s body ('' when it links none)."""
        files = files_of(key) if key < self.articles else []
        if not files:
            return ""
        items = "".join(
            f'<li><a href="{self.linked_path(f)}" target="_blank">{f.name}</a></li>' for f in files
        )
        return (
            '<div class="attachments"><p><strong>Văn bản đính kèm:</strong></p>'
            f"<ul>{items}</ul></div>"
        )

    def decorate(self, key: int, body: bytes) -> bytes:
        anchor = ANCHORS.get(self.family)
        block = self.block(key)
        if not anchor or not block:
            return body
        # Before a "Tin liên quan" run typed at the end of the body: the parser reads every
        # link after that heading as a related article.
        typed = TYPED_RELATED.encode()
        if typed in body:
            return body.replace(typed, (block + TYPED_RELATED).encode(), 1)
        return body.replace(anchor.encode(), (block + anchor).encode(), 1)

    def _paths(self) -> dict[str, File]:
        if self._by_path is None:
            found: dict[str, File] = {}
            for key in range(self.articles):
                for f in files_of(key):
                    found[self.path(f)] = f
                    if f.behaviour == "moved":
                        found[self.path(f, old=True)] = f
            self._by_path = found
        return self._by_path

    # -- answers ---------------------------------------------------------------------------------

    def handle(self, path: str, host: str, headers: Any) -> Response | None:
        """The answer for ``path`` if it is a file's, else None (the renderer answers)."""
        from civicnews.replica.renderer import Response

        f = self._paths().get(path)
        if f is None:
            return None
        if f.behaviour == "moved" and path == self.path(f, old=True):
            return Response(301, {"Location": self.path(f), "Content-Type": "text/html"}, b"")
        served_here = host.split(":")[0] in (self.file_host, self.offsite_host)
        if f.behaviour in ("host", "offsite") and not served_here:
            target = self.file_host if f.behaviour == "host" else self.offsite_host
            location = f"http://{target}:{self.port}{path}"
            return Response(302, {"Location": location, "Content-Type": "text/html"}, b"")
        if f.behaviour == "gone" and self.epoch >= 2:
            return Response(410, {"Content-Type": "text/html; charset=utf-8"},
                            "<h1>Tài liệu không còn tồn tại</h1>".encode())  # fmt: skip
        if f.make == "html":
            page = "<html><body><h1>Vui lòng đăng nhập để tải văn bản</h1></body></html>"
            return Response(200, {"Content-Type": "text/html; charset=utf-8"}, page.encode())
        body, content_type = self.content(f)
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if headers.get("If-None-Match") == etag:
            return Response(304, {"ETag": etag, "Last-Modified": LAST_MODIFIED})
        disposition = f"attachment; filename*=UTF-8''{f.slug}"
        return Response(
            200,
            {"Content-Type": content_type, "ETag": etag, "Last-Modified": LAST_MODIFIED,
             "Content-Disposition": disposition},
            body,
        )  # fmt: skip

    def content(self, f: File) -> tuple[bytes, str]:
        """The bytes (and media type) the replica serves for ``f`` in the current epoch."""
        epoch = 2 if (f.behaviour == "changing" and self.epoch >= 2) else 1
        with self._lock:
            return _make(f, epoch)

    def expected(self) -> list[dict[str, Any]]:
        """Ground truth for a crawl: each distinct file linked, by the path it is linked at.

        Keys: ``path`` (as linked), ``final_path``, ``final_url`` (absolute, on the file
        host for the "host" file), ``name``, ``keys`` (articles linking
        it), ``behaviour``, ``digest`` (``sha256:<hex>`` of what is served now, None for
        files that give no bytes: over the cap, gone, login page, off-site), ``size``.
        """
        out: dict[str, dict[str, Any]] = {}
        for key in range(self.articles):
            for f in files_of(key):
                linked = self.linked_path(f)
                entry = out.get(linked)
                if entry is None:
                    digest = size = None
                    if f.behaviour not in ("login", "offsite") and not (
                        f.behaviour == "gone" and self.epoch >= 2
                    ):
                        body, _ = self.content(f)
                        size = len(body)
                        if f.behaviour != "big":
                            digest = "sha256:" + hashlib.sha256(body).hexdigest()
                    final = self.path(f)
                    base = self.base_url
                    if f.behaviour == "host":
                        base = f"http://{self.file_host}:{self.port}"
                    entry = out[linked] = {
                        "path": linked, "final_path": final, "final_url": base + final,
                        "name": f.name, "keys": [],
                        "behaviour": f.behaviour, "digest": digest, "size": size,
                    }  # fmt: skip
                entry["keys"].append(key)
        return list(out.values())


@lru_cache(maxsize=64)
def _make(f: File, epoch: int) -> tuple[bytes, str]:
    text = f.text
    if epoch == 2:
        text = (*text, "Bản sửa đổi: số liệu được cập nhật ngày 30/6/2024.")
    if f.make == "pdf":
        return make_pdf(text), PDF
    if f.make == "broken":
        whole = make_pdf(text)
        return whole[: len(whole) // 2], PDF
    if f.make == "docx":
        return make_docx(text), DOCX
    if f.make == "xlsx":
        return make_xlsx(text), XLSX
    if f.make == "big":
        head = make_pdf((ISSUER, "BẢN ĐỒ QUY HOẠCH PHÂN KHU"))
        # A PDF comment pads it: still a readable PDF, just a large one.
        pad = b"%" + b"0" * 1022 + b"\n"
        return head + pad * ((BIG_SIZE - len(head)) // len(pad) + 1), PDF
    raise ValueError(f"unknown file kind {f.make!r}")
