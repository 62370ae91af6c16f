"""``verify()``: check a snapshot against its manifest, one line per problem.

PATH may be a data file (its ``<name>.manifest.json`` is read), the manifest itself, or a WACZ.
Checked: the data file PATH names (``<name>`` for a manifest) is the manifest's first file, with
its size and sha256, whatever name the manifest gives it: a renamed copy is checked, never
the file the manifest names instead; every other file the manifest lists exists with its size
and sha256 (file names only, beside the manifest); for a WACZ also every
entry's ZIP CRC, every ``datapackage.json`` resource's size and hash, the
``datapackage-digest.json`` hash of ``datapackage.json``, and that no entry is unlisted; and
every archived file (``--with-files``: ``files/`` entries of a WACZ or of ``NAME.files.zip``)
against the sha256 its name states.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

from civicnews.export import attachments
from civicnews.export.errors import UsageError
from civicnews.export.manifest import MANIFEST_SUFFIX, manifest_path, sha256_file

UNLISTED_OK = {"datapackage.json", "datapackage-digest.json"}


def verify(path: str | Path) -> list[str]:
    """Problems found (empty when the snapshot is intact); UsageError when nothing to check."""
    path = Path(path)
    if path.name.endswith(MANIFEST_SUFFIX):
        manifest = path
        data = path.with_name(path.name.removesuffix(MANIFEST_SUFFIX))
    else:
        manifest, data = manifest_path(path), path
    if not manifest.exists() and not path.exists():
        raise UsageError(f"{path} does not exist")
    problems: list[str] = []
    if manifest.exists():
        problems += _check_manifest(manifest, data)
    elif data.suffix != ".wacz":
        raise UsageError(f"no manifest for {path}: expected {manifest}")
    if data.suffix == ".wacz" and data.exists():
        problems += check_wacz(data)
    return problems


def _load(raw: bytes, where: str) -> tuple[Any, str | None]:
    try:
        return json.loads(raw), None
    except (UnicodeDecodeError, ValueError) as exc:
        return None, f"{where}: not valid JSON ({exc})"


def _check_manifest(manifest: Path, data: Path) -> list[str]:
    data_listed, problem = _load(manifest.read_bytes(), manifest.name)
    if problem:
        return [problem]
    files = data_listed.get("files") if isinstance(data_listed, dict) else None
    if not isinstance(files, list) or not files:
        return [f"{manifest.name}: lists no files"]
    problems = []
    for n, entry in enumerate(files):
        name = entry.get("path") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name or Path(name).name != name:
            # Exports list bare names of files beside the manifest; anything else
            # (a path, '..') would make verify read a file outside the snapshot.
            problems.append(f"{manifest.name}: file entry {n + 1} is not a file name")
            continue
        target = manifest.parent / name
        if n == 0:
            # The manifest's first file is the data file: check the file we were given.
            if name != data.name:
                problems.append(
                    f"{data.name}: {manifest.name} describes {name}, not this file "
                    f"(rename it back to {name}, or export again)"
                )
            target = data
        if not target.is_file():
            problems.append(f"{target.name}: missing")
            continue
        sha, size = sha256_file(target)
        if size != entry.get("bytes"):
            problems.append(f"{target.name}: {size} bytes, manifest says {entry.get('bytes')}")
        if sha != entry.get("sha256"):
            problems.append(f"{target.name}: sha256 {sha} does not match the manifest's")
        if name.endswith(attachments.SUFFIX):
            problems += attachments.check_zip(target)
    return problems


def _entry_digest(zf: zipfile.ZipFile, name: str) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with zf.open(name) as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def check_wacz(path: Path) -> list[str]:
    """Problems in a WACZ's ZIP structure, datapackage and datapackage digest."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        return [f"{path.name}: not a readable ZIP ({exc})"]
    with zf:
        try:
            bad = zf.testzip()
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            return [f"{path.name}: corrupt ZIP ({exc})"]
        if bad is not None:
            return [f"{path.name}: entry {bad} fails its CRC check"]
        names = set(zf.namelist())
        if "datapackage.json" not in names:
            return [f"{path.name}: no datapackage.json"]
        raw = zf.read("datapackage.json")
        package, problem = _load(raw, "datapackage.json")
        if problem:
            return [problem]
        problems = []
        if package.get("profile") != "data-package" or not package.get("wacz_version"):
            problems.append("datapackage.json: missing profile or wacz_version")
        listed = set()
        for res in package.get("resources", []):
            name = res.get("path", "")
            listed.add(name)
            if name not in names:
                problems.append(f"{name}: listed in datapackage.json but not in the WACZ")
                continue
            sha, size = _entry_digest(zf, name)
            if size != res.get("bytes"):
                problems.append(f"{name}: {size} bytes, datapackage.json says {res.get('bytes')}")
            if "sha256:" + sha != res.get("hash"):
                problems.append(f"{name}: sha256 does not match datapackage.json")
        for name in sorted(names - listed - UNLISTED_OK):
            problems.append(f"{name}: in the WACZ but not listed in datapackage.json")
        problems += attachments.check_entries(zf, path.name)
        if "datapackage-digest.json" in names:
            digest, problem = _load(zf.read("datapackage-digest.json"), "datapackage-digest.json")
            expected = "sha256:" + hashlib.sha256(raw).hexdigest()
            if problem:
                problems.append(problem)
            elif digest.get("hash") != expected:
                problems.append("datapackage-digest.json: hash does not match datapackage.json")
        else:
            problems.append(f"{path.name}: no datapackage-digest.json")
        return problems
