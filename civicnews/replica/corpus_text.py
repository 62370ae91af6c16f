"""The words replica articles are made of: the tables of ``data/corpus.toml`` and the seed
article of ``data/seed-article.txt``, read once at import.

Nothing here picks or fills anything: :mod:`civicnews.replica.titles` makes titles from the
templates, :mod:`civicnews.replica.content` sentences and bodies from the rest.
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources

SEED_CAPTION = "Đồng chí Nguyễn Kim Vinh - Phó Chủ tịch UBND quận phát biểu tại hội nghị"
RELATED_TITLE = "Kết quả bình chọn “Hàng Việt Nam được người tiêu dùng yêu thích”"


def _data(name: str) -> str:
    return resources.files("civicnews.replica").joinpath(f"data/{name}").read_text("utf-8")


_TEXT = tomllib.loads(_data("corpus.toml"))
WARDS: tuple[str, ...] = tuple(_TEXT["wards"])
# Title templates: (template, number base, number step, topic phrases, lead sentence); see the
# data file for how a title is made and parsed back.
TITLE_TEMPLATES: tuple[tuple[str, int, int, tuple[str, ...], str], ...] = tuple(
    (t["template"], t["base"], t["step"], tuple(t["topics"]), t["lead"]) for t in _TEXT["titles"]
)
KEY8_LEAD: str = _TEXT["key8_lead"]
# General body sentences; their slots are filled per sentence (content._Slots).
SENTENCES: tuple[str, ...] = tuple(_TEXT["sentences"])
NAMES: tuple[str, ...] = tuple(_TEXT["names"])
ROLES: tuple[str, ...] = tuple(_TEXT["roles"])
ORGS: tuple[str, ...] = tuple(_TEXT["orgs"])
CAPTIONS: tuple[str, ...] = tuple(_TEXT["captions"])
TABLE_ROWS: tuple[str, ...] = tuple(_TEXT["table_rows"])
AUTHORS: tuple[str, ...] = tuple(_TEXT["authors"])
SOURCES: tuple[str, ...] = tuple(_TEXT["sources"])
#: Extra paragraphs by key mod 10, for search ranking tests (see the data file).
EXTRA_PARAGRAPHS: dict[int, tuple[str, ...]] = {
    int(k): tuple(v) for k, v in _TEXT["extra_paragraphs"].items()
}


@functools.cache
def seed_article() -> tuple[str, str, tuple[str, ...], str, str]:
    """Parse data/seed-article.txt: title, date line, body paragraphs, author, related title."""
    lines = [line.strip() for line in _data("seed-article.txt").splitlines()]
    lines = [line for line in lines if line]
    title, date_line = lines[0], lines[1]
    heading = lines.index("Các tin tức khác")
    author = lines[heading - 1]
    paragraphs = tuple(lines[2 : heading - 1])
    related = lines[heading + 1]
    # Fail loudly if the data file drifts from what the replica promises.
    assert SEED_CAPTION in paragraphs and related == RELATED_TITLE, "seed-article.txt changed"
    return title, date_line, paragraphs, author, related


def seed_title() -> str:
    return seed_article()[0]
