"""``verify`` against flipped bytes, and the CLI's messages and exit codes (in-process)."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from civicnews.cli import cli
from civicnews.export import export, make_filters, verify
from civicnews.export.manifest import manifest_path
from tests.conftest import run_cli
from tests.test_export_formats import small_archive


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    return small_archive(tmp_path_factory.mktemp("archive") / "archive.db")


def flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def test_verify_passes_then_catches_a_flipped_byte(archive, tmp_path):
    out = tmp_path / "s.warc.gz"
    export("warc", archive, out, make_filters())
    assert verify(out) == []
    assert verify(tmp_path / "s.warc.gz.manifest.json") == []
    cdxj = tmp_path / "s.cdxj"
    flip(cdxj, 10)
    problems = verify(out)
    assert len(problems) == 1 and problems[0].startswith("s.cdxj: sha256 ")
    cdxj.unlink()
    assert verify(out) == ["s.cdxj: missing"]


def test_verify_wacz_catches_a_flipped_byte_inside_the_package(archive, tmp_path):
    out = tmp_path / "s.wacz"
    export("wacz", archive, out, make_filters())
    assert verify(out) == []
    with zipfile.ZipFile(out) as zf:
        info = zf.getinfo("archive/data.warc.gz")
        start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    flip(out, start + 100)  # inside the stored WARC bytes
    problems = verify(out)
    assert len(problems) == 2
    assert problems[0].startswith("s.wacz: sha256 ") and problems[0].endswith("the manifest's")
    assert problems[1] == "s.wacz: entry archive/data.warc.gz fails its CRC check"
    # Without the manifest beside it, the package still checks itself.
    (tmp_path / "s.wacz.manifest.json").unlink()
    assert verify(out) == ["s.wacz: entry archive/data.warc.gz fails its CRC check"]


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_cli_export_and_verify_exit_codes(archive, tmp_path):
    out = tmp_path / "s.jsonl"
    ok = invoke("export", "jsonl", "--out", str(out), "--db", str(archive))
    assert ok.exit_code == 0, ok.output
    assert "exported 4 articles" in ok.output
    again = invoke("export", "jsonl", "--out", str(out), "--db", str(archive))
    assert again.exit_code == 2 and "--force" in again.output
    assert invoke("verify", str(out)).exit_code == 0
    flip(out, 5)
    bad = invoke("verify", str(out))
    assert bad.exit_code == 1
    assert bad.output.splitlines() == [bad.output.splitlines()[0]]
    assert bad.output.startswith("s.jsonl: sha256 ")


@pytest.mark.parametrize(
    "args,code,message",
    [
        (["export", "xml"], 2, "unknown format 'xml'"),
        (["export", "jsonl", "--since", "2024-02-30"], 2, "--since: expected a date as YYYY-MM-DD"),
        (["export", "jsonl", "--as-of", "yesterday"], 2, "--as-of: 'yesterday' is not"),
        (["export", "jsonl", "--since", "2024-03-01", "--until", "2024-02-01"], 2, "after"),
        (["export", "warc", "--excel"], 2, "--excel applies to the csv format only"),
        (["export", "jsonl", "--portal", "nowhere"], 3, "no article matches the filters"),
        (["export", "wacz", "--since", "2030-01-01"], 3, "no article matches the filters"),
    ],
)
def test_cli_errors_are_one_line_with_documented_codes(archive, tmp_path, args, code, message):
    out = tmp_path / ("s.wacz" if "wacz" in args else "s.out")
    result = invoke(*args, "--out", str(out), "--db", str(archive))
    assert result.exit_code == code, result.output
    assert result.output.startswith("Error: ") and message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_cli_missing_archive_and_missing_manifest(tmp_path):
    result = invoke("export", "csv", "--out", str(tmp_path / "s.csv"), "--db", str(tmp_path / "x"))
    assert result.exit_code == 1 and "no archive at" in result.output
    stray = tmp_path / "stray.jsonl"
    stray.write_text("{}\n")
    result = invoke("verify", str(stray))
    assert result.exit_code == 2 and "no manifest for" in result.output


def _copy_snapshot(tmp_path: Path, source: Path, name: str) -> Path:
    """``source`` and its manifest copied under another name, as an operator would."""
    target = tmp_path / name
    shutil.copy(source, target)
    shutil.copy(manifest_path(source), manifest_path(target))
    return target


def test_verify_checks_the_file_it_is_given_not_the_one_the_manifest_names(archive, tmp_path):
    original = tmp_path / "a.jsonl"
    export("jsonl", archive, original, make_filters())
    copy = _copy_snapshot(tmp_path, original, "b.jsonl")
    flip(copy, 5)  # the copy is altered; a.jsonl, which the manifest names, is intact
    for path in (copy, manifest_path(copy)):
        out = run_cli("verify", str(path))
        assert out.returncode == 1, out.stdout
        problems = out.stderr.splitlines()
        assert problems[0] == (
            "b.jsonl: b.jsonl.manifest.json describes a.jsonl, not this file "
            "(rename it back to a.jsonl, or export again)"
        )
        assert problems[1].startswith("b.jsonl: sha256 ") and len(problems) == 2
        assert "OK" not in out.stdout
    assert run_cli("verify", str(original)).returncode == 0


def test_verify_reads_no_file_outside_the_snapshot(archive, tmp_path):
    out = tmp_path / "s.jsonl"
    export("jsonl", archive, out, make_filters())
    manifest = json.loads(manifest_path(out).read_text("utf-8"))
    manifest["files"].append({"path": "../s.jsonl", "sha256": "0", "bytes": 0})
    manifest_path(out).write_text(json.dumps(manifest), "utf-8")
    result = run_cli("verify", str(out))
    assert result.returncode == 1
    assert result.stderr.splitlines() == ["s.jsonl.manifest.json: file entry 2 is not a file name"]
