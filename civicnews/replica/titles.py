"""Article titles: a bijection from a corpus' keys to titles made from templates, and back
from a title's slug, so a URL that carries only the slug finds its article without a table.

A key maps to an index of the title space (template, ward, topic, number) by an affine map
modulo its size (a seeded offset, a multiplier coprime with the size); a slug parses back through
one regex per template.  The seed article and the one after it keep their real titles
(:mod:`civicnews.replica.content` handles them).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator

from civicnews.replica.corpus_text import TITLE_TEMPLATES, WARDS

_T = len(TITLE_TEMPLATES)
_W = len(WARDS)
_X = 8  # topics per template
_R = 100  # numbers per (template, ward, topic)
#: Size of the title space; must exceed content.MAX_ARTICLES so the key -> title map is
#: injective.
_TITLE_SPACE = _T * _W * _X * _R
_TITLE_MULT = 48271  # coprime with _TITLE_SPACE (2^7 * 3 * 5^2 * 13)
_TITLE_MULT_INV = pow(_TITLE_MULT, -1, _TITLE_SPACE)


def slugify(text: str) -> str:
    """ASCII slug: strip diacritics (đ -> d, which has no decomposition), lower case, hyphens."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _decode_title_index(idx: int) -> tuple[int, int, int, int]:
    t, idx = idx % _T, idx // _T
    w, idx = idx % _W, idx // _W
    x, n = idx % _X, idx // _X
    return t, w, x, n


def _title_from_parts(t: int, w: int, x: int, n: int) -> str:
    template, base, step, topics, _lead = TITLE_TEMPLATES[t]
    return template.format(ward=WARDS[w], x=topics[x], n=base + step * n)


@functools.cache
def _slug_patterns() -> tuple[tuple[int, re.Pattern[str], dict[str, int]], ...]:
    """One regex per title template over slugs, to parse a slug back into its title parts."""
    ward_slugs = {slugify(ward): i for i, ward in enumerate(WARDS)}
    patterns = []
    for t, (template, _base, _step, topics, _lead) in enumerate(TITLE_TEMPLATES):
        skeleton = slugify(template.format(ward="qqwardqq", x="qqtopicqq", n="qqnqq"))
        topic_slugs = {slugify(topic): i for i, topic in enumerate(topics)}
        regex = re.escape(skeleton)
        regex = regex.replace("qqwardqq", "(?P<ward>" + "|".join(ward_slugs) + ")")
        regex = regex.replace("qqtopicqq", "(?P<topic>" + "|".join(topic_slugs) + ")")
        regex = regex.replace("qqnqq", r"(?P<n>\d+)")
        patterns.append((t, re.compile(regex), topic_slugs))
    return tuple(patterns)


class Titles:
    """The generated titles of a corpus with one seed (the seed moves every key's title)."""

    def __init__(self, seed: int) -> None:
        self._offset = (seed * 2654435761) % _TITLE_SPACE

    def parts(self, key: int) -> tuple[int, int, int, int]:
        """Indexes of key's (template, ward, topic, number) in the title space."""
        return _decode_title_index((key * _TITLE_MULT + self._offset) % _TITLE_SPACE)

    def title(self, key: int) -> str:
        return _title_from_parts(*self.parts(key))

    def candidates(self, slug: str) -> Iterator[int]:
        """Keys whose title may slugify to `slug`, O(templates): the caller checks the round
        trip (and the corpus size)."""
        for t, pattern, topic_slugs in _slug_patterns():
            match = pattern.fullmatch(slug)
            if not match:
                continue
            _template, base, step, _topics, _lead = TITLE_TEMPLATES[t]
            shown = int(match["n"])
            if (shown - base) % step or not 0 <= (shown - base) // step < _R:
                continue
            w = [slugify(ward) for ward in WARDS].index(match["ward"])
            x = topic_slugs[match["topic"]]
            idx = t + _T * (w + _W * (x + _X * ((shown - base) // step)))
            yield ((idx - self._offset) * _TITLE_MULT_INV) % _TITLE_SPACE
