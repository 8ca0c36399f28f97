"""sentinel installed from its wheel works from any folder: packaged rules, bundled sample.

The wheel is built from the checkout and installed (without dependencies) into a fresh
virtual environment whose only other path is the test venv's site-packages, so the
dependencies are the tested ones and the checkout itself is not importable. Every command
then runs from an empty temporary folder.
"""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `sentinel` script of a fresh venv that has only the built wheel installed."""
    root = tmp_path_factory.mktemp("installed")
    wheels = root / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "-w",
            str(wheels),
            str(REPO_ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    env_dir = root / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # dependencies from the test venv; a plain path entry, so its .pth files (the
    # editable install of the checkout among them) are not processed
    (Path(site) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "-q",
            "--no-deps",
            *map(str, wheels.glob("*.whl")),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return env_dir / "bin" / "sentinel"


def _run(sentinel: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(sentinel), *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_the_installed_package_is_not_the_checkout(installed: Path, tmp_path: Path) -> None:
    """The venv imports sentinel from its own site-packages, never from the repository."""
    python = installed.parent / "python"
    where = subprocess.run(
        [str(python), "-c", "import sentinel; print(sentinel.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(installed.parents[1]) in where and str(REPO_ROOT) not in where


def test_validate_checks_the_packaged_rules_from_any_folder(
    installed: Path, tmp_path: Path
) -> None:
    """`sentinel validate` without a folder validates the rules shipped in the wheel."""
    result = _run(installed, tmp_path, "validate")
    assert result.returncode == 0, result.stderr
    assert "pricing" in result.stdout and "packaged pricing.yaml" in result.stdout


def test_replay_of_the_bundled_sample_prices_its_traffic(installed: Path, tmp_path: Path) -> None:
    """`sentinel replay` from an empty folder uses the packaged rules: traffic has a cost."""
    result = _run(installed, tmp_path, "replay", "--report", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["exchanges"] > 1000
    assert report["cost_usd"] > 0
    assert report["warnings"] == []


def test_rules_init_writes_a_copy_that_validates(installed: Path, tmp_path: Path) -> None:
    """`sentinel rules init DIR` writes the packaged rules; validate finds nothing defaulted."""
    init = _run(installed, tmp_path, "rules", "init", "my-rules")
    assert init.returncode == 0, init.stderr
    assert (tmp_path / "my-rules" / "pricing.yaml").is_file()
    result = _run(installed, tmp_path, "validate", "my-rules")
    assert result.returncode == 0, result.stderr
    assert "0 kind(s) from packaged defaults" in result.stdout


def test_schema_prints_from_any_folder(installed: Path, tmp_path: Path) -> None:
    """`sentinel schema` needs nothing from the checkout."""
    result = _run(installed, tmp_path, "schema")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["$id"]
