"""The portal registry: which portals exist and how to read each one.

Built-in entries live in ``civicnews/portals.toml``; a user file given with
``--portals-file`` adds entries or overrides built-in ones key by key.  A bad
file is rejected at start with every problem listed at once, so an operator
fixes the file in one go instead of one error per run.
"""

from __future__ import annotations

import os
import stat
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from civicnews.dates import DATE_ORDERS
from civicnews.errors import UsageError
from civicnews.families import AUTO, NAMES, REGISTRY_CHOICES

FAMILIES = NAMES  # the page-parser families (civicnews.families), besides "auto"

DEFAULT_DELAY = 1.0
DEFAULT_CONCURRENCY = 2
# Bounds of a portal's politeness: more than an hour between requests is a typo, more than
# 64 requests at once to one portal is an attack on it, not an archive of it.
MAX_DELAY = 3600.0
MAX_CONCURRENCY = 64
# A portals file is a few KB of TOML; read no more than this (a path such as /dev/zero
# would otherwise be read until memory runs out).
MAX_FILE_BYTES = 1024 * 1024

_KNOWN_KEYS = {
    "name",
    "family",
    "start_urls",
    "allowed_domains",
    "date_order",
    "delay",
    "concurrency",
    "family_guess",
    "notes",
    "file_hosts",
    "images",
}


class RegistryError(UsageError):
    """A portals file or entry is invalid (exit 2); ``problems`` lists every issue found."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


@dataclass(frozen=True)
class Portal:
    key: str
    name: str
    family: str
    start_urls: tuple[str, ...]
    allowed_domains: tuple[str, ...]
    date_order: str = "DMY"
    delay: float = DEFAULT_DELAY
    concurrency: int = DEFAULT_CONCURRENCY
    family_guess: bool = False
    notes: str = ""
    # Attachments (civicnews.pipelines.files): hosts besides allowed_domains that the
    # portal's files may be served from or redirect to; body images fetched too.
    file_hosts: tuple[str, ...] = ()
    images: bool = False
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "family": self.family,
            "family_guess": self.family_guess,
            "start_urls": list(self.start_urls),
            "allowed_domains": list(self.allowed_domains),
            "date_order": self.date_order,
            "delay": self.delay,
            "concurrency": self.concurrency,
            "notes": self.notes,
            "file_hosts": list(self.file_hosts),
            "images": self.images,
        }


def _check_url(url: Any) -> str | None:
    if not isinstance(url, str):
        return f"start URL {url!r} is not a string"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"bad start URL {url!r} (expected http:// or https:// with a host)"
    return None


def _build(key: str, raw: Any, problems: list[str]) -> Portal | None:
    where = f"[portals.{key}]"
    if not isinstance(raw, dict):
        problems.append(f"{where} is not a table")
        return None
    before = len(problems)
    unknown = sorted(set(raw) - _KNOWN_KEYS)
    if unknown:
        problems.append(f"{where} unknown key(s): {', '.join(unknown)}")
    # A new portal whose CMS is unknown: detected from the first pages of each run.
    family = raw.get("family", AUTO)
    if family not in REGISTRY_CHOICES:
        choices = ", ".join(REGISTRY_CHOICES)
        problems.append(f"{where} unknown family {family!r} (one of: {choices})")
    start_urls = raw.get("start_urls")
    if isinstance(start_urls, str):
        start_urls = [start_urls]
    if not start_urls or not isinstance(start_urls, list):
        problems.append(f"{where} missing start_urls (a list of http(s) URLs)")
        start_urls = []
    for url in start_urls:
        msg = _check_url(url)
        if msg:
            problems.append(f"{where} {msg}")
    allowed = raw.get("allowed_domains")
    if allowed is None:
        allowed = sorted(
            {
                urlsplit(u).hostname
                for u in start_urls
                if isinstance(u, str) and urlsplit(u).hostname
            }
        )
    elif not isinstance(allowed, list) or not all(isinstance(d, str) and d for d in allowed):
        problems.append(f"{where} allowed_domains must be a list of host names")
        allowed = []
    date_order = raw.get("date_order", "DMY")
    if date_order not in DATE_ORDERS:
        problems.append(
            f"{where} date_order {date_order!r} must be one of {', '.join(DATE_ORDERS)}"
        )
    delay = raw.get("delay", DEFAULT_DELAY)
    # TOML has inf and nan: a delay of inf hangs the crawl, nan slips past every comparison.
    if (
        isinstance(delay, bool)
        or not isinstance(delay, int | float)
        or not 0 <= delay <= MAX_DELAY  # False for nan
    ):
        problems.append(
            f"{where} delay must be a number of seconds from 0 to {MAX_DELAY:g}, got {delay!r}"
        )
    concurrency = raw.get("concurrency", DEFAULT_CONCURRENCY)
    if (
        isinstance(concurrency, bool)
        or not isinstance(concurrency, int)
        or not 1 <= concurrency <= MAX_CONCURRENCY
    ):
        problems.append(
            f"{where} concurrency must be a whole number from 1 to {MAX_CONCURRENCY}, "
            f"got {concurrency!r}"
        )
    name = raw.get("name", key)
    if not isinstance(name, str):
        problems.append(f"{where} name must be a string")
    file_hosts = raw.get("file_hosts", [])
    if not isinstance(file_hosts, list) or not all(
        isinstance(h, str) and h and "/" not in h and ":" not in h for h in file_hosts
    ):
        problems.append(f"{where} file_hosts must be a list of host names, got {file_hosts!r}")
    images = raw.get("images", False)
    if not isinstance(images, bool):
        problems.append(f"{where} images must be true or false, got {images!r}")
    if len(problems) > before:
        return None
    return Portal(
        key=key,
        name=name,
        family=family,
        start_urls=tuple(start_urls),
        allowed_domains=tuple(d.lower() for d in allowed),
        date_order=date_order,
        delay=float(delay),
        concurrency=concurrency,
        family_guess=bool(raw.get("family_guess", False)),
        notes=str(raw.get("notes", "")),
        file_hosts=tuple(h.lower() for h in file_hosts),
        images=images,
    )


def _read_toml(text: str, source: str) -> dict[str, Any]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(source, [f"not valid TOML: {exc}"]) from None
    portals = data.get("portals", {})
    if not isinstance(portals, dict):
        raise RegistryError(source, ["[portals] must be a table of portal entries"])
    return portals


def _read_file(path: Path, source: str) -> str:
    """The file's text: a regular file of at most MAX_FILE_BYTES, in UTF-8."""
    try:
        # O_NONBLOCK: opening a FIFO would otherwise wait for a writer forever.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise RegistryError(source, [f"cannot read portals file: {exc}"]) from None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise RegistryError(source, ["cannot read portals file: not a regular file"])
        try:
            data = f.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise RegistryError(source, [f"cannot read portals file: {exc}"]) from None
    if len(data) > MAX_FILE_BYTES:
        raise RegistryError(
            source, [f"cannot read portals file: larger than {MAX_FILE_BYTES // 1024} KiB"]
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RegistryError(source, [f"cannot read portals file: not UTF-8 ({exc})"]) from None


def load_registry(portals_file: str | Path | None = None) -> dict[str, Portal]:
    """Return the built-in portals, overridden/extended by ``portals_file``.

    Raises :class:`RegistryError` listing every problem found.
    """
    builtin = resources.files("civicnews").joinpath("portals.toml").read_text("utf-8")
    raw: dict[str, Any] = dict(_read_toml(builtin, "built-in portals.toml"))
    source = "built-in portals.toml"
    if portals_file is not None:
        path = Path(portals_file)
        source = str(path)
        text = _read_file(path, source)
        for key, entry in _read_toml(text, source).items():
            if isinstance(entry, dict) and isinstance(raw.get(key), dict):
                raw[key] = {**raw[key], **entry}
            else:
                raw[key] = entry
    problems: list[str] = []
    portals = {}
    for key, entry in raw.items():
        portal = _build(key, entry, problems)
        if portal is not None:
            portals[key] = portal
    if problems:
        raise RegistryError(source, problems)
    return portals


def select(portals: dict[str, Portal], names: list[str] | tuple[str, ...]) -> list[Portal]:
    """Pick portals by key; every unknown name is reported at once."""
    if not names:
        return list(portals.values())
    unknown = [n for n in names if n not in portals]
    if unknown:
        raise RegistryError(
            "portal names",
            [f"unknown portal {n!r}" for n in unknown]
            + [f"known portals: {', '.join(sorted(portals))} (see `civicnews portals`)"],
        )
    return [portals[n] for n in names]
