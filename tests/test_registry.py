from __future__ import annotations

import pytest

from civicnews.registry import FAMILIES, RegistryError, load_registry, select


def test_builtin_registry_loads_and_is_valid():
    registry = load_registry()
    assert "bactuliem" in registry
    p = registry["bactuliem"]
    assert p.family == "hanoi-platform"  # Liferay until 2025 (see notes)
    assert p.allowed_domains == ("bactuliem.hanoi.gov.vn",)
    for portal in registry.values():
        assert portal.family in FAMILIES
        assert portal.start_urls


def test_portals_file_adds_and_overrides(tmp_path):
    f = tmp_path / "p.toml"
    f.write_text(
        '[portals.bactuliem]\nfamily = "hanoi-platform"\n'
        '[portals.local]\nfamily = "liferay"\nstart_urls = ["http://127.0.0.1:9/x"]\n'
        'delay = 0\nconcurrency = 4\ndate_order = "MDY"\n',
        "utf-8",
    )
    registry = load_registry(f)
    # An override changes only the keys it names: migrating a portal is one line.
    assert registry["bactuliem"].family == "hanoi-platform"
    assert registry["bactuliem"].start_urls == ("https://bactuliem.hanoi.gov.vn/tin-tuc-su-kien",)
    local = registry["local"]
    assert (local.delay, local.concurrency, local.date_order) == (0.0, 4, "MDY")
    assert local.allowed_domains == ("127.0.0.1",)


def test_every_problem_is_listed_at_once(tmp_path):
    f = tmp_path / "p.toml"
    f.write_text(
        '[portals.a]\nfamily = "joomla"\nstart_urls = ["https://a.example"]\n'
        '[portals.b]\nfamily = "liferay"\n'
        '[portals.c]\nfamily = "liferay"\nstart_urls = ["ftp://c.example/"]\ndelay = -1\n',
        "utf-8",
    )
    with pytest.raises(RegistryError) as info:
        load_registry(f)
    text = " ".join(info.value.problems)
    assert "unknown family 'joomla'" in text
    assert "[portals.b] missing start_urls" in text
    assert "bad start URL 'ftp://c.example/'" in text
    assert "delay must be" in text
    assert len(info.value.problems) == 4


def test_unreadable_and_invalid_files(tmp_path):
    with pytest.raises(RegistryError, match="cannot read portals file"):
        load_registry(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[portals.x\n", "utf-8")
    with pytest.raises(RegistryError, match="not valid TOML"):
        load_registry(bad)


def test_select_reports_unknown_names():
    registry = load_registry()
    assert select(registry, []) == list(registry.values())
    with pytest.raises(RegistryError, match="unknown portal 'nowhere'"):
        select(registry, ["bactuliem", "nowhere"])


def test_family_auto_is_accepted_and_is_the_default_of_a_new_entry(tmp_path):
    f = tmp_path / "p.toml"
    f.write_text(
        '[portals.new]\nstart_urls = ["https://xa-moi.example.gov.vn/tin-tuc"]\n'
        '[portals.said]\nfamily = "auto"\nstart_urls = ["https://b.example.gov.vn/"]\n',
        "utf-8",
    )
    registry = load_registry(f)
    assert registry["new"].family == "auto"
    assert registry["said"].family == "auto"
    f.write_text('[portals.x]\nfamily = "Auto"\nstart_urls = ["https://x.example"]\n', "utf-8")
    with pytest.raises(RegistryError, match=r"unknown family 'Auto' \(one of: .*, auto\)"):
        load_registry(f)
