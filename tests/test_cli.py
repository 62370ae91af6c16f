"""The CLI: every command, its errors, and that the README documents all of it."""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import subprocess
import sys

import click
import pytest

from civicnews.cli import cli
from civicnews.crawl import project_settings
from tests.conftest import ROOT, rows, run_cli

README = (ROOT / "README.md").read_text("utf-8")


def _commands(group: click.Group, prefix: str = ""):
    for name, cmd in group.commands.items():
        full = f"{prefix}{name}"
        yield full, cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, full + " ")


@pytest.mark.parametrize("name,cmd", list(_commands(cli)), ids=lambda v: str(v))
def test_every_command_and_option_is_documented(name, cmd):
    assert cmd.help or cmd.short_help, f"{name} has no help"
    assert f"civicnews {name}" in README, f"`civicnews {name}` is not in README.md"
    for param in cmd.params:
        for opt in getattr(param, "opts", []):
            if opt.startswith("--") and opt != "--help":
                assert opt in README, f"{name} {opt} is not in README.md"


def _one_line_error(proc: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_unknown_portal_exits_2(tmp_path):
    proc = run_cli("crawl", "nowhere", "--db", str(tmp_path / "a.db"))
    assert proc.returncode == 2
    assert "unknown portal 'nowhere'" in _one_line_error(proc)
    assert not (tmp_path / "a.db").exists()


def test_unreadable_portals_file_exits_2(tmp_path):
    proc = run_cli("crawl", "--portals-file", str(tmp_path / "missing.toml"))
    assert proc.returncode == 2
    assert "cannot read portals file" in _one_line_error(proc)


def test_invalid_portals_file_lists_every_problem(tmp_path):
    bad = tmp_path / "p.toml"
    bad.write_text('[portals.a]\nfamily = "wordpress"\n[portals.b]\nfamily = "liferay"\n', "utf-8")
    proc = run_cli("portals", "--portals-file", str(bad))
    assert proc.returncode == 2
    line = _one_line_error(proc)
    assert "unknown family 'wordpress'" in line and "[portals.b] missing start_urls" in line


def test_unwritable_archive_path_exits_1(tmp_path, portals_file):
    proc = run_cli(
        "crawl", "replica", "--portals-file", str(portals_file),
        "--db", str(tmp_path / "no" / "such" / "dir" / "a.db"),
    )  # fmt: skip
    assert proc.returncode == 1
    assert "does not exist" in _one_line_error(proc)


def test_not_a_database_exits_1_and_is_left_alone(tmp_path, portals_file):
    junk = tmp_path / "a.db"
    junk.write_bytes(b"precious notes, not sqlite\n" * 200)
    before = junk.read_bytes()
    proc = run_cli("crawl", "replica", "--portals-file", str(portals_file), "--db", str(junk))
    assert proc.returncode == 1
    assert "not a readable civicnews archive" in _one_line_error(proc)
    assert junk.read_bytes() == before


def test_bad_option_exits_2():
    proc = run_cli("crawl", "--no-such-flag")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_replica_port_already_taken_is_one_line():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        port = sock.getsockname()[1]
        proc = run_cli("replica", "serve", "--port", str(port), timeout=30)
    assert proc.returncode != 0
    assert "already in use" in _one_line_error(proc)


def test_portals_table_and_json():
    table = run_cli("portals")
    assert table.returncode == 0
    assert "bactuliem" in table.stdout and "hanoi-platform" in table.stdout
    data = json.loads(run_cli("portals", "--json").stdout)
    assert any(p["key"] == "bactuliem" and p["family"] == "hanoi-platform" for p in data)


def test_demo_crawls_the_replica_offline(tmp_path):
    db = tmp_path / "demo.db"
    proc = run_cli("demo", "--db", str(db), "--articles", "20", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    (count,) = rows(db, "SELECT count(*) FROM articles")[0]
    assert count == 20
    assert re.search(r"^demo\s+20\s+0\s+0\s", proc.stdout, re.M), proc.stdout
    assert str(db.resolve()) in proc.stdout
    assert "SELECT" in proc.stdout  # one example query to try


def test_scrapy_crawl_portal_works_from_the_repository_root(tmp_path, portals_file):
    db = tmp_path / "scrapy.db"
    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "portal", "-a", "portal=replica",
         "-s", f"CIVICNEWS_DB={db}", "-s", f"CIVICNEWS_PORTALS_FILE={portals_file}",
         "-s", "LOG_LEVEL=WARNING"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert rows(db, "SELECT count(*) FROM articles")[0][0] == 60


def test_remote_control_is_off_in_project_settings():
    assert project_settings().getbool("REMOTE_CONTROL_ENABLED") is False
    assert project_settings().getbool("TELNETCONSOLE_ENABLED") is False


def test_a_real_crawl_writes_no_remote_control_job_file(tmp_path, portals_file):
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "XDG_STATE_HOME": str(home / "state")}
    proc = run_cli(
        "crawl", "replica", "--portals-file", str(portals_file), "--db", str(tmp_path / "a.db"),
        "-v", env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    enabled = proc.stderr.split("Enabled extensions", 1)[1].split("]", 1)[0]
    assert "CoreStats" in enabled
    assert "RemoteControl" not in enabled
    assert not [p for p in home.rglob("*") if "job_files" in p.parts]


def test_version():
    proc = run_cli("--version")
    assert proc.returncode == 0 and "civicnews" in proc.stdout


def test_crawl_json_summary(tmp_path, portals_file):
    db = tmp_path / "a.db"
    proc = run_cli(
        "crawl", "replica", "--portals-file", str(portals_file), "--db", str(db), "--json"
    )
    summary = json.loads(proc.stdout)
    (portal,) = summary["portals"]
    assert portal["portal"] == "replica" and portal["finish_reason"] == "finished"
    assert portal["articles_new"] == rows(db, "SELECT count(*) FROM articles")[0][0] == 60
    assert portal["pages"] > 60
    assert os.path.exists(db)
    assert sqlite3.connect(db).execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_every_table_and_column_is_documented(tmp_path):
    from civicnews.archive import connect

    db = connect(tmp_path / "schema.db")
    # FTS5's own shadow tables (_data, _idx, ...) are SQLite internals.
    shadow = ("_data", "_idx", "_docsize", "_config", "_content")
    for table in db.table_names():
        if table.endswith(shadow):
            continue
        assert f"`{table}`" in README, f"table {table} is not in README.md"
        for column in db[table].columns:
            assert f"`{column.name}`" in README, f"{table}.{column.name} is not in README.md"


def test_every_civicnews_setting_is_documented():
    names = set()
    for path in (ROOT / "civicnews").rglob("*.py"):
        names.update(re.findall(r"\bCIVICNEWS_[A-Z][A-Z_]*[A-Z]\b", path.read_text("utf-8")))
    assert len(names) > 20
    missing = sorted(n for n in names if f"`{n}`" not in README)
    assert not missing, f"settings not in README.md: {missing}"
