"""Helpers for the deployment tests: the pinned tools the repository's scripts install, the
Helm chart rendered to manifests, and validators for built-in and custom resources."""

from __future__ import annotations

import copy
import re
import subprocess
from collections.abc import Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
CHART = REPO_ROOT / "deploy" / "helm" / "sentinel"
EXAMPLES = CHART / "examples"
# The Kubernetes version manifests are rendered for (`helm template --kube-version`) and
# validated against (a schema set kubernetes-validate bundles). The chart needs >= 1.29.
KUBE_VERSION = "1.33.0"
SCRIPT_TIMEOUT_S = 900  # a first helm install compiles it: ~4 minutes on 2 cores

Manifest = dict[str, Any]


class RenderError(Exception):
    """`helm template` refused the values; the message is helm's."""


def run_script(name: str) -> Path:
    """Run scripts/NAME (an installer that prints a path last) and return that path."""
    result = subprocess.run(
        ["bash", str(REPO_ROOT / "scripts" / name)],
        capture_output=True,
        text=True,
        timeout=SCRIPT_TIMEOUT_S,
    )
    if result.returncode != 0 or not result.stdout.strip():
        raise RuntimeError(
            f"scripts/{name} failed (exit {result.returncode}):\n{result.stderr[-4000:]}"
        )
    return Path(result.stdout.strip().splitlines()[-1])


def helm(
    helm_bin: Path, *args: str | Path, timeout_s: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(helm_bin), *map(str, args)], capture_output=True, text=True, timeout=timeout_s
    )


def render(
    helm_bin: Path,
    values_files: Sequence[Path] = (),
    set_values: Sequence[str] = (),
    chart: Path = CHART,
) -> list[Manifest]:
    """`helm template` the chart; the manifests it prints. Raises RenderError on refusal."""
    args: list[str | Path] = ["template", "sentinel", chart, "--namespace", "llm"]
    args += ["--kube-version", KUBE_VERSION]
    for path in values_files:
        args += ["--values", path]
    for assignment in set_values:
        args += ["--set", assignment]
    result = helm(helm_bin, *args)
    if result.returncode != 0:
        raise RenderError(result.stderr.strip())
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def of_kind(manifests: list[Manifest], kind: str) -> list[Manifest]:
    return [m for m in manifests if m["kind"] == kind]


def only(manifests: list[Manifest], kind: str) -> Manifest:
    found = of_kind(manifests, kind)
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


def containers(manifests: list[Manifest]) -> Iterator[tuple[str, Manifest, Manifest]]:
    """(where, pod spec, container) for every container and init container of every pod
    template."""
    for m in manifests:
        pod = m.get("spec", {}).get("template", {}).get("spec")
        if pod is None:
            continue
        for field in ("initContainers", "containers"):
            for c in pod.get(field, []):
                yield f"{m['kind']}/{m['metadata']['name']} {field}/{c['name']}", pod, c


def sentinel_container(manifests: list[Manifest]) -> tuple[str, Manifest]:
    """("initContainers" | "containers", the sentinel container)."""
    pod = only(manifests, "Deployment")["spec"]["template"]["spec"]
    for field in ("initContainers", "containers"):
        for c in pod.get(field, []):
            if c["name"] == "sentinel":
                return field, c
    raise AssertionError("no container named sentinel")


def kubernetes_errors(manifest: Manifest) -> list[str]:
    """Strict validation against the bundled Kubernetes schemas; [] when valid."""
    try:
        kubernetes_validate.validate(manifest, KUBE_VERSION, strict=True)
    except kubernetes_validate.ValidationError as e:
        path = ".".join(str(p) for p in e.path)
        return [f"{_name(manifest)}: {path}: {e.message}"]
    return []


def has_kubernetes_schema(manifest: Manifest) -> bool:
    try:
        kubernetes_validate.validate(manifest, KUBE_VERSION, strict=False)
    except kubernetes_validate.SchemaNotFoundError:
        return False
    except kubernetes_validate.ValidationError:
        pass
    return True


def _strict(schema: Any) -> Any:
    """Reject unknown fields like the API server's strict field validation: every object
    schema with `properties` and no rule for other keys gets additionalProperties: false."""
    if isinstance(schema, list):
        return [_strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _strict(v) for k, v in schema.items()}
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


@cache
def crd_validators(crd_dir: Path) -> dict[tuple[str, str], jsonschema.protocols.Validator]:
    """(apiVersion, kind) -> a validator of the served versions' openAPIV3Schema."""
    validators: dict[tuple[str, str], jsonschema.protocols.Validator] = {}
    for path in sorted(crd_dir.glob("*.yaml")):
        crd = yaml.safe_load(path.read_text(encoding="utf-8"))
        spec = crd["spec"]
        for version in spec["versions"]:
            if not version.get("served", True):
                continue
            schema = _strict(copy.deepcopy(version["schema"]["openAPIV3Schema"]))
            key = (f"{spec['group']}/{version['name']}", spec["names"]["kind"])
            validators[key] = jsonschema.Draft7Validator(schema)
    return validators


def crd_errors(validators: dict[tuple[str, str], Any], manifest: Manifest) -> list[str]:
    validator = validators[(manifest["apiVersion"], manifest["kind"])]
    return [
        f"{_name(manifest)}: {'.'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
        for e in validator.iter_errors(manifest)
    ]


def expand_env_refs(args: list[str], env: list[Manifest]) -> list[str]:
    """Replace $(VAR) as the kubelet does; every VAR must be defined in `env`."""
    values = {e["name"]: e.get("value", f"<{e['name']}>") for e in env}

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in values, f"$({name}) is used in args but not defined in env"
        return str(values[name])

    return [re.sub(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", one, a) for a in args]


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        full = (pending + stripped).strip()
        pending = ""
        keyword, _, rest = full.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
    return instructions


def _name(manifest: Manifest) -> str:
    return f"{manifest['kind']}/{manifest['metadata']['name']}"
