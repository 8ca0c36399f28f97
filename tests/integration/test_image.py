"""The container image, built and started for real: buildah builds the Dockerfile on a
debootstrap Debian base (scripts/image-build.sh, chroot isolation, no Docker engine) and
runs `sentinel` inside it as uid 10001.

buildah and debootstrap come from scripts/install-system-deps.sh; the base is cached in
$SENTINEL_CACHE_DIR/image (a cold first build takes a few minutes, a warm one under one).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT_S = 1200  # cold: debootstrap (~3.5 min) + dependency install (~4 min)
RUN_TIMEOUT_S = 300
MAX_IMAGE_MB = 400  # the goal for the runtime image, base included
UID = "10001:10001"
UNITS = {"B": 1e-6, "KB": 1e-3, "kB": 1e-3, "MB": 1.0, "GB": 1e3}


@pytest.fixture(scope="session")
def image() -> str:
    """The image built from this checkout (buildah's layer cache makes rebuilds quick),
    tagged per checkout so that builds of other checkouts on the machine do not replace it."""
    checkout = hashlib.sha256(str(REPO_ROOT).encode()).hexdigest()[:10]
    for tool in ("buildah", "debootstrap"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} not found: run scripts/install-system-deps.sh", pytrace=False)
    result = subprocess.run(
        ["bash", str(REPO_ROOT / "scripts" / "image-build.sh")],
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
        env={**os.environ, "SENTINEL_IMAGE": f"localhost/sentinel:test-{checkout}"},
    )
    if result.returncode != 0:
        pytest.fail(f"image build failed:\n{result.stderr[-4000:]}", pytrace=False)
    return result.stdout.strip().splitlines()[-1]


def run(image: str, *args: str, volumes: Sequence[str] = ()) -> subprocess.CompletedProcess[str]:
    """`buildah run` as the image's unprivileged uid, from a fresh working container."""
    container = subprocess.run(
        ["buildah", "from", "--quiet", image], capture_output=True, text=True, check=True
    ).stdout.strip()
    try:
        command = ["buildah", "run", "--isolation", "chroot", "--user", UID]
        for volume in volumes:
            command += ["--volume", volume]
        return subprocess.run(
            [*command, container, "--", *args],
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_S,
        )
    finally:
        subprocess.run(["buildah", "rm", container], capture_output=True, check=False)


def test_image_runs_as_uid_10001_and_replays_the_sample(image: str) -> None:
    """`sentinel replay` (packaged rules, bundled sample) works inside the image as 10001."""
    whoami = run(image, "id", "-u")
    assert whoami.stdout.strip() == "10001", whoami.stderr
    result = run(image, "sentinel", "replay", "--report", "json")
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    assert report["exchanges"] == 3968
    assert report["findings"]  # the PII, content and hallucination filters ran
    assert report["alerts"]


def test_image_carries_the_confluent_output_client(image: str) -> None:
    """librdkafka is in the image: `--output-client confluent` needs no image of its own."""
    result = run(
        image, "python", "-c", "import confluent_kafka; print(confluent_kafka.libversion()[0])"
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip()


def test_image_runs_the_compiled_core(image: str) -> None:
    """The image ships the per-event core compiled (setup.py, SENTINEL_COMPILE=1) and says so."""
    result = run(image, "sentinel", "--version")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("(compiled core)")


def test_image_validates_packaged_and_mounted_rules(image: str, tmp_path: Path) -> None:
    """`sentinel validate` accepts the packaged rules, and a mounted bad file fails with
    its path and field."""
    ok = run(image, "sentinel", "validate")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "pricing.yaml").write_text(
        "version: sentinel/v1\nkind: pricing\nmodels:\n  - {model: a, input: x, output: 1}\n"
    )
    rules.chmod(0o755)
    (rules / "pricing.yaml").chmod(0o644)
    bad = run(image, "sentinel", "validate", "/rules", volumes=[f"{rules}:/rules:ro"])
    assert bad.returncode != 0
    assert "pricing.yaml" in bad.stdout + bad.stderr


def test_image_size_is_within_the_goal(image: str) -> None:
    """The runtime image (debootstrap base + venv) stays under 400 MB."""
    # One row per tag of the image: builds of identical checkouts share one image id.
    size = (
        subprocess.run(
            ["buildah", "images", "--noheading", "--format", "{{.Size}}", image],
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.split("\n")[0]
        .strip()
    )
    found = re.fullmatch(r"([\d.]+)\s*([kKMG]?B)", size)
    assert found, size
    megabytes = float(found.group(1)) * UNITS[found.group(2)]
    print(f"image {image}: {megabytes:.0f} MB")
    assert megabytes <= MAX_IMAGE_MB
