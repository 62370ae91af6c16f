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

Renderers (one per CMS family) turn an :class:`~civicnews.replica.article.Article` into markup;
nothing here knows about HTML. The words come from ``corpus_text.py`` (the data files), the
titles from ``titles.py``.
"""

from __future__ import annotations

import functools
import math
import random
import re
from datetime import date, datetime, timedelta, timezone

from civicnews.replica.article import (
    Article,
    ArticleMeta,
    AuthorLine,
    Block,
    Figure,
    Paragraph,
    Table,
)
from civicnews.replica.corpus_text import (
    AUTHORS,
    CAPTIONS,
    EXTRA_PARAGRAPHS,
    KEY8_LEAD,
    NAMES,
    ORGS,
    RELATED_TITLE,
    ROLES,
    SEED_CAPTION,
    SENTENCES,
    SOURCES,
    TABLE_ROWS,
    TITLE_TEMPLATES,
    WARDS,
    seed_article,
    seed_title,
)
from civicnews.replica.titles import Titles, slugify

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


def split_sentences(paragraph: str) -> list[str]:
    """Split on '. ' followed by a capital letter; good enough for the generated text."""
    return re.split(r"(?<=[.;:])\s+(?=[A-ZÀ-ỸĐ])", paragraph)


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
        self._titles = Titles(seed)
        self.meta = functools.lru_cache(maxsize=8192)(self._meta)
        self.article = functools.lru_cache(maxsize=512)(self._article)

    # -- titles ---------------------------------------------------------------------------------

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
        return self._titles.title(key)

    def _ward(self, key: int) -> str | None:
        if key in (self.seed_key, self.seed_key + 1):
            return None
        return WARDS[self._titles.parts(key)[1]]

    def key_for_slug(self, slug: str) -> int | None:
        """The key whose title slugifies to `slug`, or None; O(templates), no lookup table."""
        for key in (self.seed_key, self.seed_key + 1):
            if slug == slugify(self.title(key)):
                return key
        for key in self._titles.candidates(slug):
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
            _t, _d, paragraphs, author, _r = seed_article()
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
                lead = KEY8_LEAD.format(**slots.values(rng))
            else:
                t, w, x, n = self._titles.parts(key)
                _tmpl, base, step, topics, lead_tmpl = TITLE_TEMPLATES[t]
                values = slots.values(rng) | {
                    "ward": WARDS[w],
                    "x": topics[x],
                    "n": base + step * n,
                }
                lead = lead_tmpl.format(**values)
            picks = rng.sample(range(len(SENTENCES)), 2)
            snippets = (lead, *(SENTENCES[i].format(**slots.values(rng)) for i in picks))
            author = rng.choice(AUTHORS) if rng.random() < 0.85 else None
            source = rng.choice(SOURCES) if author and rng.random() < 0.25 else None
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
        free = [i for i in range(len(SENTENCES)) if i not in meta.sentence_ids]
        rng.shuffle(free)
        paragraphs: list[list[str]] = []
        for p in range(rng.randint(3, 8)):
            sentences = [meta.lead] if p == 0 else []
            for _ in range(rng.randint(1, 3) if p else rng.randint(0, 2)):
                sentence = SENTENCES[free.pop()].format(**slots.values(rng))
                if sentence not in used:
                    sentences.append(sentence)
                    used.add(sentence)
            paragraphs.append(sentences or [SENTENCES[free.pop()].format(**slots.values(rng))])
        # The snippet sentences must appear verbatim: second paragraph and last paragraph.
        paragraphs[1].insert(rng.randint(0, len(paragraphs[1])), meta.snippets[1])
        paragraphs[-1].append(meta.snippets[2])
        extra = EXTRA_PARAGRAPHS.get(key % 10)
        if extra:
            own = random.Random(f"{self.seed}:{key}:extra")
            fill = _Slots(own, meta.published - timedelta(days=1), self._ward(key)).values(own)
            paragraphs.insert(len(paragraphs) - 1, [s.format(**fill) for s in extra])
        blocks: list[Block] = [Paragraph(tuple(p)) for p in paragraphs]
        if rng.random() < 0.2:
            blocks.insert(rng.randint(2, len(blocks)), self._table(rng))
        if rng.random() < 0.35:
            caption = rng.choice(CAPTIONS).format(**slots.values(rng))
            blocks.insert(rng.randint(1, 2), self._figure(meta, rng, caption))
        if meta.author:
            blocks.append(AuthorLine(meta.author, meta.source))
        return Article(meta, tuple(blocks))

    def _seed_blocks(self, meta: ArticleMeta, rng: random.Random) -> tuple[Block, ...]:
        _t, _d, paragraphs, author, _r = seed_article()
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
        for i, label in enumerate(rng.sample(TABLE_ROWS, rng.randint(3, 5)), start=1):
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
            "org": rng.choice(ORGS),
            "name": rng.choice(NAMES),
            "role": rng.choice(ROLES),
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
