"""Compact sets of what a crawl has seen: 8 bytes a member, however long the crawl.

A Python set of URL strings costs ~200 bytes a member (the string and its slot), so a
crawl of a million pages would hold hundreds of MB in its seen-sets alone.  A member of
:class:`SeenSet` is a 64-bit key (a URL's ``hash()``, a request fingerprint's first 8
bytes), kept in a sorted ``array('q')``; the newest keys wait in a small set and are merged
into the array every :data:`MERGE_EVERY` additions.

Two different members share a key with probability about n²/2⁶⁵ (3 in 100 million for a
million URLs): the second would be taken as seen.  ``hash()`` of a string is salted per
process, so such a collision is not repeated by the next run.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable
from heapq import merge
from typing import Any

#: Keys kept as Python ints (~70 bytes each) before they move into the array: at most
#: ~0.6 MB a set, and a merge every 8,192 additions (streamed, ~0.3 µs a key already held).
MERGE_EVERY = 8192


class SeenSet:
    """A set of 64-bit keys: ``add`` and ``in`` at set speed, 8 bytes a member.

    ``key(member)`` turns a member into its key (default: the member is an int key).
    """

    __slots__ = ("_key", "_sorted", "_recent")

    def __init__(self, key: Callable[[Any], int] | None = None) -> None:
        self._key = key
        self._sorted = array("q")
        self._recent: set[int] = set()

    def __contains__(self, member: Any) -> bool:
        return self._has(self._key(member) if self._key else member)

    def add(self, member: Any) -> bool:
        """Add ``member``; True when it was not there yet."""
        key = self._key(member) if self._key else member
        if self._has(key):
            return False
        self._recent.add(key)
        if len(self._recent) >= MERGE_EVERY:
            # A streaming merge: no list of every key is built on the way.
            self._sorted = array("q", merge(self._sorted, sorted(self._recent)))
            self._recent = set()
        return True

    def update(self, members: Iterable[Any]) -> None:
        for member in members:
            self.add(member)

    def _has(self, key: int) -> bool:
        if key in self._recent:
            return True
        keys = self._sorted
        i = bisect_left(keys, key)
        return i < len(keys) and keys[i] == key

    def __len__(self) -> int:
        return len(self._sorted) + len(self._recent)


def url_set() -> SeenSet:
    """URLs (or any strings) seen in this run, keyed by their ``hash()``."""
    return SeenSet(hash)
