"""`civicnews portals`: the built-in registry of real portals, as a table and as JSON.

Expectations come from the registry file read directly with tomllib and from the hosts that
shared/portals.md names, not from the registry code under test.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from civicnews.parsers import get_parser
from civicnews.registry import FAMILIES, load_registry
from tests.conftest import ROOT, run_cli

RAW = tomllib.loads((ROOT / "civicnews" / "portals.toml").read_text("utf-8"))["portals"]

# Hosts named in shared/portals.md ("Hosts" section): each must have a built-in entry.
HANOI_HOSTS = (
    "bactuliem", "namtuliem", "caugiay", "hoankiem", "badinh", "dongda", "haibatrung",
    "hoangmai", "thanhxuan", "longbien", "tayho", "hadong", "phuxuyen",
    "soyte", "sotuphap", "thanhtra",
)  # fmt: skip
HOSTS = (
    "hanoi.gov.vn",
    *(f"{h}.hanoi.gov.vn" for h in HANOI_HOSTS),
    "haiphong.gov.vn",
    "quangninh.gov.vn",
    "quangtri.gov.vn",
    "hoabinh.gov.vn",
)
# What portals.md states outright (not guesses): family now, and the one before where known.
STATED = {
    "hanoi.gov.vn": ("hanoi-platform", None),
    "bactuliem.hanoi.gov.vn": ("hanoi-platform", "Liferay"),
    "phuxuyen.hanoi.gov.vn": ("hanoi-platform", "Liferay"),
    "hadong.hanoi.gov.vn": ("hanoi-platform", "SharePoint"),
    "caugiay.hanoi.gov.vn": ("hanoi-platform", None),
    "quangninh.gov.vn": ("sharepoint", None),
}


def _host(entry: dict) -> str:
    host = urlsplit(entry["start_urls"][0]).hostname
    return host.removeprefix("www.")


@pytest.fixture(scope="module")
def table() -> str:
    proc = run_cli("portals")
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.fixture(scope="module")
def as_json() -> list[dict]:
    proc = run_cli("portals", "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_every_host_of_the_facts_has_one_entry():
    hosts = [_host(e) for e in RAW.values()]
    assert sorted(hosts) == sorted(HOSTS)


def test_every_builtin_entry_is_valid():
    registry = load_registry()
    assert set(registry) == set(RAW)
    for key, portal in registry.items():
        assert portal.family in FAMILIES, key
        assert callable(get_parser(portal.family)), key
        for url in portal.start_urls:
            parts = urlsplit(url)
            assert parts.scheme == "https" and parts.hostname, url
            # The start page is inside the portal's own domains: the crawl can begin.
            assert any(
                parts.hostname == d or parts.hostname.endswith("." + d)
                for d in portal.allowed_domains
            ), key
        assert portal.name and portal.notes, key
        assert portal.delay >= 1.0, f"{key}: real portals get a polite delay"


def test_families_follow_the_facts_and_guesses_are_marked():
    by_host = {_host(e): e for e in RAW.values()}
    for host, (family, former) in STATED.items():
        entry = by_host[host]
        assert entry["family"] == family, host
        assert not entry.get("family_guess", False), host
        if former:
            assert former in entry["notes"], host
    for host, entry in by_host.items():
        if host not in STATED:
            assert entry.get("family_guess") is True, f"{host}: not stated by the facts"


def test_table_lists_every_portal_with_its_family(table):
    lines = table.splitlines()
    assert lines[0].split() == ["key", "family", "name", "start", "URL"]
    body = {line.split()[0]: line for line in lines[1:]}
    assert set(body) == set(RAW)
    for key, entry in RAW.items():
        line = body[key]
        mark = "?" if entry.get("family_guess") else ""
        assert line.split()[1] == entry["family"] + mark, line
        assert entry["name"] in line and line.endswith(entry["start_urls"][0])


def test_json_lists_every_portal_with_every_field(as_json):
    assert [p["key"] for p in as_json] == list(RAW)
    for item in as_json:
        entry = RAW[item["key"]]
        assert item["family"] == entry["family"]
        assert item["family_guess"] is entry.get("family_guess", False)
        assert item["start_urls"] == entry["start_urls"]
        assert item["notes"] == entry["notes"]
        assert item["allowed_domains"] == entry.get(
            "allowed_domains", [urlsplit(entry["start_urls"][0]).hostname]
        )
        assert set(item) >= {"name", "date_order", "delay", "concurrency"}


def test_a_migration_is_one_line(tmp_path: Path):
    override = tmp_path / "portals.toml"
    override.write_text('[portals.soyte]\nfamily = "liferay"\n', "utf-8")
    proc = run_cli("portals", "--json", "--portals-file", str(override))
    assert proc.returncode == 0, proc.stderr
    (soyte,) = [p for p in json.loads(proc.stdout) if p["key"] == "soyte"]
    assert soyte["family"] == "liferay"
    assert soyte["start_urls"] == RAW["soyte"]["start_urls"]
    assert soyte["notes"] == RAW["soyte"]["notes"]
