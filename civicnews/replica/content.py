"""Deterministic Vietnamese news content for the replica portals, shared by every CMS family.

Articles are keyed 0..N-1, newest first. Everything about article ``k`` is a pure function of
``(seed, N, k)``: its metadata comes from ``random.Random(f"{seed}:{k}")`` and its body from
``random.Random(f"{seed}:{k}:body")``, so a corpus of 100,000 articles costs nothing until a page
is asked for, and the same seed always yields the same text.

Fixed points every corpus of 10 or more articles contains:

* ``SEED_KEY`` (7): the 2018 Bắc Từ Liêm article the project was born from, text exactly as in
  ``data/seed-article.txt`` (typos included), dated 01/12/2018 09:07, author "Minh Vịnh".
* ``SEED_KEY + 1``: "Kết quả bình chọn “Hàng Việt Nam được người tiêu dùng yêu thích”", the first
  item of the seed's related block.

Only the newest 40% (at most ``MAX_LISTED``) are on listing pages; older articles are reachable only
through related blocks, which always link the next three older articles.

Renderers (one per CMS family) turn an :class:`Article` into markup; nothing here knows about HTML.
"""

from __future__ import annotations

import functools
import math
import random
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from importlib import resources

VN_TZ = timezone(timedelta(hours=7))

#: Key of the seed article: min(N - 2, 7) is 7 for every allowed size (N >= 10).
SEED_KEY = 7
MIN_ARTICLES = 10
MAX_ARTICLES = 100_000
#: Listings show the newest 40% of articles, but never more than 50 pages of 10.
LISTED_FRACTION = 0.4
MAX_LISTED = 500
SEED_DATETIME = datetime(2018, 12, 1, 9, 7, tzinfo=VN_TZ)
#: Oldest date a large corpus may reach; stays after 1975, when the zone's offset was +08:00.
OLDEST_DATETIME = datetime(2008, 1, 1, 0, 0, tzinfo=VN_TZ)
#: Slot per article for small corpora (26 h): consecutive articles are 3 h to 2 days apart.
MAX_SLOT_MINUTES = 26 * 60
#: Numeric article ids (``ArticleMeta.article_id``, in SharePoint and ASP.NET URLs): a key's id
#: is ``ARTICLE_ID_BASE - ARTICLE_ID_STEP * key``.
ARTICLE_ID_BASE, ARTICLE_ID_STEP = 3_000_000, 17

SEED_CAPTION = "Đồng chí Nguyễn Kim Vinh - Phó Chủ tịch UBND quận phát biểu tại hội nghị"
RELATED_TITLE = "Kết quả bình chọn “Hàng Việt Nam được người tiêu dùng yêu thích”"


def _load_text() -> dict:
    """The corpus' text tables (``data/corpus.toml``): wards, title templates, sentences..."""
    data = resources.files("civicnews.replica").joinpath("data/corpus.toml").read_text("utf-8")
    return tomllib.loads(data)


_TEXT = _load_text()
WARDS: tuple[str, ...] = tuple(_TEXT["wards"])
# Title templates: (template, number base, number step, topic phrases, lead sentence); see the
# data file for how a title is made and parsed back.
_TITLE_TEMPLATES: tuple[tuple[str, int, int, tuple[str, ...], str], ...] = tuple(
    (t["template"], t["base"], t["step"], tuple(t["topics"]), t["lead"]) for t in _TEXT["titles"]
)

_T = len(_TITLE_TEMPLATES)
_W = len(WARDS)
_X = 8  # topics per template
_R = 100  # numbers per (template, ward, topic)
#: Size of the title space; must exceed MAX_ARTICLES so the key -> title map is injective.
_TITLE_SPACE = _T * _W * _X * _R
_TITLE_MULT = 48271  # coprime with _TITLE_SPACE (2^7 * 3 * 5^2 * 13)
_TITLE_MULT_INV = pow(_TITLE_MULT, -1, _TITLE_SPACE)

_KEY8_LEAD: str = _TEXT["key8_lead"]
# General body sentences; slots are filled per sentence by `_fill`.
_SENTENCES: tuple[str, ...] = tuple(_TEXT["sentences"])
_NAMES: tuple[str, ...] = tuple(_TEXT["names"])
_ROLES: tuple[str, ...] = tuple(_TEXT["roles"])
_ORGS: tuple[str, ...] = tuple(_TEXT["orgs"])
_CAPTIONS: tuple[str, ...] = tuple(_TEXT["captions"])
_TABLE_ROWS: tuple[str, ...] = tuple(_TEXT["table_rows"])
_AUTHORS: tuple[str, ...] = tuple(_TEXT["authors"])
_SOURCES: tuple[str, ...] = tuple(_TEXT["sources"])
#: Extra paragraphs by key mod 10, for search ranking tests (see the data file).
_EXTRA_PARAGRAPHS: dict[int, tuple[str, ...]] = {
    int(k): tuple(v) for k, v in _TEXT["extra_paragraphs"].items()
}


# --- body blocks: family-agnostic; a renderer decides the markup -------------------------------


@dataclass(frozen=True)
class Paragraph:
    """A body paragraph; the renderer joins `sentences` with a space (or a no-break space)."""

    sentences: tuple[str, ...]


@dataclass(frozen=True)
class Figure:
    """A photo with its caption paragraph underneath (the caption is body text)."""

    name: str
    uuid: str
    file_time_ms: int
    caption: str


@dataclass(frozen=True)
class Table:
    """A Word-pasted results table: a header row, then data rows (all cells are text)."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class AuthorLine:
    """The last right-aligned bold line; `source` ("Báo Hà Nội mới") is printed as (Nguồn: …)."""

    author: str
    source: str | None


Block = Paragraph | Figure | Table | AuthorLine


@dataclass(frozen=True)
class ArticleMeta:
    """What listings, related blocks and the ground truth need; cheap to compute."""

    key: int
    title: str
    published: datetime
    #: False for the ~1 in 9 listed articles whose page prints no date (listing shows the day).
    date_on_page: bool
    #: The date line is pasted as the first body paragraph instead of the metadata area.
    date_in_body: bool
    author: str | None
    source: str | None
    lead: str
    snippets: tuple[str, ...]
    related: tuple[int, ...]
    listed: bool
    views: int
    #: Indexes into the sentence pool already used by the snippets (the body avoids repeating them).
    sentence_ids: tuple[int, ...]
    #: A numeric CMS id (journal article id, item id), unique and descending with the key.
    article_id: int


@dataclass(frozen=True)
class Article:
    meta: ArticleMeta
    blocks: tuple[Block, ...] = field(default=())


# --- text helpers -------------------------------------------------------------------------------


def slugify(text: str) -> str:
    """ASCII slug: strip diacritics (đ -> d, which has no decomposition), lower case, hyphens."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def split_sentences(paragraph: str) -> list[str]:
    """Split on '. ' followed by a capital letter; good enough for the generated text."""
    return re.split(r"(?<=[.;:])\s+(?=[A-ZÀ-ỸĐ])", paragraph)


@functools.cache
def _seed_article() -> tuple[str, str, tuple[str, ...], str, str]:
    """Parse data/seed-article.txt: title, date line, body paragraphs, author, related title."""
    text = resources.files("civicnews.replica").joinpath("data/seed-article.txt").read_text("utf-8")
    lines = [line.strip() for line in text.splitlines()]
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
    return _seed_article()[0]


def _decode_title_index(idx: int) -> tuple[int, int, int, int]:
    t, idx = idx % _T, idx // _T
    w, idx = idx % _W, idx // _W
    x, n = idx % _X, idx // _X
    return t, w, x, n


def _title_from_parts(t: int, w: int, x: int, n: int) -> str:
    template, base, step, topics, _lead = _TITLE_TEMPLATES[t]
    return template.format(ward=WARDS[w], x=topics[x], n=base + step * n)


@functools.cache
def _slug_patterns() -> tuple[tuple[int, re.Pattern[str], dict[str, int]], ...]:
    """One regex per title template over slugs, to parse a slug back into its title parts."""
    ward_slugs = {slugify(ward): i for i, ward in enumerate(WARDS)}
    patterns = []
    for t, (template, _base, _step, topics, _lead) in enumerate(_TITLE_TEMPLATES):
        skeleton = slugify(template.format(ward="qqwardqq", x="qqtopicqq", n="qqnqq"))
        topic_slugs = {slugify(topic): i for i, topic in enumerate(topics)}
        regex = re.escape(skeleton)
        regex = regex.replace("qqwardqq", "(?P<ward>" + "|".join(ward_slugs) + ")")
        regex = regex.replace("qqtopicqq", "(?P<topic>" + "|".join(topic_slugs) + ")")
        regex = regex.replace("qqnqq", r"(?P<n>\d+)")
        patterns.append((t, re.compile(regex), topic_slugs))
    return tuple(patterns)


# --- the corpus ---------------------------------------------------------------------------------


class Corpus:
    """All articles of one replica portal, computed on demand.

    `meta(key)` and `article(key)` are memoised in bounded LRU caches, so memory stays flat even
    when a crawler walks 100,000 articles.
    """

    def __init__(self, articles: int = 50, seed: int = 1) -> None:
        if not MIN_ARTICLES <= articles <= MAX_ARTICLES:
            raise ValueError(f"articles must be {MIN_ARTICLES}..{MAX_ARTICLES}, got {articles}")
        self.count = articles
        self.seed = seed
        self.seed_key = min(articles - 2, SEED_KEY)
        self.listed_count = max(1, min(math.ceil(articles * LISTED_FRACTION), MAX_LISTED))
        # Spread large corpora over 2008..2018 instead of going back centuries.
        span = int((SEED_DATETIME - OLDEST_DATETIME).total_seconds() // 60)
        self.slot_minutes = max(10, min(MAX_SLOT_MINUTES, span // (articles - self.seed_key)))
        self._title_offset = (seed * 2654435761) % _TITLE_SPACE
        self.meta = functools.lru_cache(maxsize=8192)(self._meta)
        self.article = functools.lru_cache(maxsize=512)(self._article)

    # -- titles ---------------------------------------------------------------------------------

    def _title_parts(self, key: int) -> tuple[int, int, int, int]:
        return _decode_title_index((key * _TITLE_MULT + self._title_offset) % _TITLE_SPACE)

    def key_for_article_id(self, value: str) -> int | None:
        """The key of a numeric article id as a URL writes it, or None."""
        try:
            number = int(value.strip())
        except ValueError:
            return None
        key, rest = divmod(ARTICLE_ID_BASE - number, ARTICLE_ID_STEP)
        return key if rest == 0 and 0 <= key < self.count else None

    def title(self, key: int) -> str:
        if key == self.seed_key:
            return seed_title()
        if key == self.seed_key + 1:
            return RELATED_TITLE
        return _title_from_parts(*self._title_parts(key))

    def _ward(self, key: int) -> str | None:
        if key in (self.seed_key, self.seed_key + 1):
            return None
        return WARDS[self._title_parts(key)[1]]

    def key_for_slug(self, slug: str) -> int | None:
        """The key whose title slugifies to `slug`, or None; O(templates), no lookup table."""
        for key in (self.seed_key, self.seed_key + 1):
            if slug == slugify(self.title(key)):
                return key
        for t, pattern, topic_slugs in _slug_patterns():
            match = pattern.fullmatch(slug)
            if not match:
                continue
            _template, base, step, _topics, _lead = _TITLE_TEMPLATES[t]
            shown = int(match["n"])
            if (shown - base) % step or not 0 <= (shown - base) // step < _R:
                continue
            w = [slugify(ward) for ward in WARDS].index(match["ward"])
            x = topic_slugs[match["topic"]]
            idx = t + _T * (w + _W * (x + _X * ((shown - base) // step)))
            key = ((idx - self._title_offset) * _TITLE_MULT_INV) % _TITLE_SPACE
            # The parse may be ambiguous in theory; the round trip makes it exact.
            if key < self.count and slugify(self.title(key)) == slug:
                return key
        return None

    # -- dates ----------------------------------------------------------------------------------

    def _published(self, key: int, rng: random.Random) -> datetime:
        """Article `key`'s time: inside its own slot, so dates strictly descend with the key."""
        if key == self.seed_key:
            return SEED_DATETIME
        slot = self.slot_minutes
        gap = max(1, slot // 8)  # minimum distance to the next older article
        end = SEED_DATETIME + timedelta(minutes=(self.seed_key - key) * slot)
        start = end - timedelta(minutes=slot - gap)
        # Make sure small corpora show noon (12:xx PM) and midnight (12:xx AM) times.
        wanted_hour = {3: 12, 5: 0}.get(key % 10)
        if wanted_hour is not None:
            minute = rng.randrange(60)
            for back in range(3):
                day = (end - timedelta(days=back)).date()
                candidate = datetime(
                    day.year, day.month, day.day, wanted_hour, minute, tzinfo=VN_TZ
                )
                if start <= candidate <= end:
                    return candidate
        return end - timedelta(minutes=rng.randrange(slot - gap + 1))

    # -- metadata -------------------------------------------------------------------------------

    def _meta(self, key: int) -> ArticleMeta:
        if not 0 <= key < self.count:
            raise KeyError(key)
        rng = random.Random(f"{self.seed}:{key}")
        published = self._published(key, rng)
        listed = key < self.listed_count
        is_seed = key == self.seed_key
        date_on_page = is_seed or not (listed and key % 9 == 4)
        event_day = published - timedelta(days=rng.randrange(1, 3))  # reported a day or two later
        slots = _Slots(rng, event_day, self._ward(key))
        if is_seed:
            _t, _d, paragraphs, author, _r = _seed_article()
            lead = split_sentences(paragraphs[0])[0]
            snippets = (
                lead,
                "Kết quả 163/181 tổ dân phố không phát sinh tội phamh; 177/181 tổ dân phố không"
                " phát sinh người nghiện.",
                paragraphs[2],
            )
            source = None
            views = 396
            picks = []
        else:
            if key == self.seed_key + 1:
                lead = _KEY8_LEAD.format(**slots.values(rng))
            else:
                t, w, x, n = self._title_parts(key)
                _tmpl, base, step, topics, lead_tmpl = _TITLE_TEMPLATES[t]
                values = slots.values(rng) | {
                    "ward": WARDS[w],
                    "x": topics[x],
                    "n": base + step * n,
                }
                lead = lead_tmpl.format(**values)
            picks = rng.sample(range(len(_SENTENCES)), 2)
            snippets = (lead, *(_SENTENCES[i].format(**slots.values(rng)) for i in picks))
            author = rng.choice(_AUTHORS) if rng.random() < 0.85 else None
            source = rng.choice(_SOURCES) if author and rng.random() < 0.25 else None
            views = rng.randrange(40, 3000)
        # Related: the next three older articles (so everything is reachable), then 2-3 others.
        nxt = [k for k in range(key + 1, key + 4) if k < self.count]
        pool = [k for k in range(max(0, key - 40), min(self.count, key + 41)) if k != key]
        pool = [k for k in pool if k not in nxt]
        extra = rng.sample(pool, min(len(pool), rng.choice((2, 3))))
        return ArticleMeta(
            key=key,
            title=self.title(key),
            published=published,
            date_on_page=date_on_page,
            date_in_body=date_on_page and not is_seed and key % 6 == 3,
            author=author,
            source=source,
            lead=lead,
            snippets=snippets,
            related=tuple(nxt + extra),
            listed=listed,
            views=views,
            sentence_ids=tuple(picks),
            article_id=ARTICLE_ID_BASE - key * ARTICLE_ID_STEP,
        )

    # -- bodies ---------------------------------------------------------------------------------

    def _article(self, key: int) -> Article:
        meta = self.meta(key)
        rng = random.Random(f"{self.seed}:{key}:body")
        if key == self.seed_key:
            return Article(meta, self._seed_blocks(meta, rng))
        slots = _Slots(rng, meta.published - timedelta(days=1), self._ward(key))
        used = set(meta.snippets)
        free = [i for i in range(len(_SENTENCES)) if i not in meta.sentence_ids]
        rng.shuffle(free)
        paragraphs: list[list[str]] = []
        for p in range(rng.randint(3, 8)):
            sentences = [meta.lead] if p == 0 else []
            for _ in range(rng.randint(1, 3) if p else rng.randint(0, 2)):
                sentence = _SENTENCES[free.pop()].format(**slots.values(rng))
                if sentence not in used:
                    sentences.append(sentence)
                    used.add(sentence)
            paragraphs.append(sentences or [_SENTENCES[free.pop()].format(**slots.values(rng))])
        # The snippet sentences must appear verbatim: second paragraph and last paragraph.
        paragraphs[1].insert(rng.randint(0, len(paragraphs[1])), meta.snippets[1])
        paragraphs[-1].append(meta.snippets[2])
        extra = _EXTRA_PARAGRAPHS.get(key % 10)
        if extra:
            own = random.Random(f"{self.seed}:{key}:extra")
            fill = _Slots(own, meta.published - timedelta(days=1), self._ward(key)).values(own)
            paragraphs.insert(len(paragraphs) - 1, [s.format(**fill) for s in extra])
        blocks: list[Block] = [Paragraph(tuple(p)) for p in paragraphs]
        if rng.random() < 0.2:
            blocks.insert(rng.randint(2, len(blocks)), self._table(rng))
        if rng.random() < 0.35:
            caption = rng.choice(_CAPTIONS).format(**slots.values(rng))
            blocks.insert(rng.randint(1, 2), self._figure(meta, rng, caption))
        if meta.author:
            blocks.append(AuthorLine(meta.author, meta.source))
        return Article(meta, tuple(blocks))

    def _seed_blocks(self, meta: ArticleMeta, rng: random.Random) -> tuple[Block, ...]:
        _t, _d, paragraphs, author, _r = _seed_article()
        blocks: list[Block] = []
        for paragraph in paragraphs:
            if paragraph == SEED_CAPTION:
                blocks.append(self._figure(meta, rng, paragraph))
            else:
                # Kept whole: the seed text must come out exactly as published.
                blocks.append(Paragraph((paragraph,)))
        blocks.append(AuthorLine(author, None))
        return tuple(blocks)

    @staticmethod
    def _figure(meta: ArticleMeta, rng: random.Random, caption: str) -> Figure:
        name = f"{meta.published:%Y%m%d}_{rng.randrange(1000, 9999)}.jpg"
        uuid = "-".join(f"{rng.getrandbits(bits):0{bits // 4}x}" for bits in (32, 16, 16, 16, 48))
        # The file time is the upload, shortly before publication: not the article date.
        uploaded = meta.published - timedelta(minutes=rng.randrange(5, 600))
        return Figure(name, uuid, int(uploaded.timestamp()) * 1000 + rng.randrange(1000), caption)

    @staticmethod
    def _table(rng: random.Random) -> Table:
        rows = []
        for i, label in enumerate(rng.sample(_TABLE_ROWS, rng.randint(3, 5)), start=1):
            plan = rng.randrange(10, 300)
            done = rng.randrange(plan // 2, plan + 20)
            rows.append((str(i), label, str(plan), str(done), f"{100 * done / plan:.1f}"))
        return Table(("TT", "Nội dung", "Kế hoạch", "Thực hiện", "Tỷ lệ (%)"), tuple(rows))

    # -- ground truth ---------------------------------------------------------------------------

    def truth(self, key: int) -> dict:
        """Family-agnostic ground truth for one article (no url, no printed date)."""
        meta = self.meta(key)
        return {
            "key": key,
            "title": meta.title,
            "published_at": (
                meta.published.isoformat()
                if meta.date_on_page
                else meta.published.date().isoformat()
            ),
            "date_source": "page" if meta.date_on_page else "listing",
            "author": meta.author,
            "source": meta.source,
            "body_snippets": list(meta.snippets),
            "listed": meta.listed,
            "related": list(meta.related),
        }


class _Slots:
    """Random fillers for sentence templates, anchored on the event date."""

    def __init__(self, rng: random.Random, event_day: datetime, ward: str | None = None) -> None:
        # The body talks about the ward its title names, when the title names one.
        self.ward = ward if ward is not None else rng.choice(WARDS)
        self.day: date = event_day.date()

    def values(self, rng: random.Random) -> dict[str, object]:
        day = self.day
        deadline = day + timedelta(days=rng.randrange(10, 60))
        return {
            "ward": self.ward,
            "ward2": rng.choice([w for w in WARDS if w != self.ward]),
            "org": rng.choice(_ORGS),
            "name": rng.choice(_NAMES),
            "role": rng.choice(_ROLES),
            "n1": rng.randrange(3, 40),
            "n2": rng.randrange(2, 60),
            "big": rng.randrange(120, 9000),
            "pct": rng.randrange(62, 99),
            "money": rng.randrange(15, 900),
            "months": rng.choice((3, 6, 9, 10, 11)),
            "quarter": rng.choice(("I", "II", "III", "IV")),
            "year": day.year,
            "nextyear": day.year + 1,
            "month": day.month,
            "dm": f"{day.day}/{day.month}",
            "deadline": f"{deadline.day}/{deadline.month}/{deadline.year}",
        }
