"""Adding sentinel to an existing Deployment in one step: a user's chart takes the sentinel
chart as a dependency (`mode: inject`) and includes its `sentinel.sidecar.*` templates
(deploy/helm/examples/gateway-with-sentinel). Rendered with the real helm, validated
offline against the Kubernetes schemas."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from _deploy import (
    CHART,
    KUBE_VERSION,
    REPO_ROOT,
    Manifest,
    helm,
    kubernetes_errors,
    of_kind,
    only,
    run_script,
)

EXAMPLE = REPO_ROOT / "deploy" / "helm" / "examples" / "gateway-with-sentinel"


@pytest.fixture(scope="module")
def helm_bin() -> Path:
    """The pinned helm (built on first use by scripts/install-helm.sh)."""
    try:
        return run_script("install-helm.sh")
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)


@pytest.fixture(scope="module")
def user_chart(helm_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the example chart beside a copy of the sentinel chart, its dependency
    vendored by `helm dependency update` (file://, offline)."""
    root = tmp_path_factory.mktemp("charts")
    chart = root / "examples" / "gateway-with-sentinel"
    shutil.copytree(EXAMPLE, chart)
    shutil.copytree(CHART, root / "sentinel")
    result = helm(helm_bin, "dependency", "update", chart)
    assert result.returncode == 0, result.stderr
    return chart


@pytest.fixture(scope="module")
def template(helm_bin: Path, user_chart: Path) -> Callable[..., list[Manifest]]:
    """`template(*sets)`: the user's chart rendered, with extra --set values."""

    def render(*sets: str) -> list[Manifest]:
        args: list[str | Path] = ["template", "gw", user_chart, "--kube-version", KUBE_VERSION]
        for assignment in sets:
            args += ["--set", assignment]
        result = helm(helm_bin, *args)
        if result.returncode != 0:
            raise AssertionError(result.stderr)
        return [doc for doc in yaml.safe_load_all(result.stdout) if doc]

    return render


def test_user_chart_lints_strictly(helm_bin: Path, user_chart: Path) -> None:
    """`helm lint --strict` passes on a chart that includes the sidecar templates."""
    result = helm(helm_bin, "lint", "--strict", user_chart, "--kube-version", KUBE_VERSION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_manifest_validates_against_kubernetes_schemas(
    template: Callable[..., list[Manifest]],
) -> None:
    """The user's Deployment with sentinel inside, and what the dependency renders, pass
    kubernetes-validate's strict schemas."""
    errors = [error for manifest in template() for error in kubernetes_errors(manifest)]
    assert not errors, "\n".join(errors)


def test_sentinel_joins_the_users_pods_as_a_native_sidecar(
    template: Callable[..., list[Manifest]],
) -> None:
    """The user's own Deployment (the only one) carries sentinel as a native sidecar with
    its rules volume, the rules ConfigMap it mounts exists, and the user's container and
    settings are left as written."""
    manifests = template()
    deployment = only(manifests, "Deployment")
    assert deployment["metadata"]["name"] == "gw-gateway"
    pod = deployment["spec"]["template"]
    [sidecar] = pod["spec"]["initContainers"]
    assert sidecar["name"] == "sentinel" and sidecar["restartPolicy"] == "Always"
    assert sidecar["securityContext"]["runAsUser"] == 10001
    assert [c["name"] for c in pod["spec"]["containers"]] == ["gateway"]
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    mounted = {m["name"] for m in sidecar["volumeMounts"]}
    assert mounted <= set(volumes)
    rules_map = volumes["rules"]["configMap"]["name"]
    assert rules_map in {m["metadata"]["name"] for m in of_kind(manifests, "ConfigMap")}
    assert "checksum/rules" in pod["metadata"]["annotations"]
    assert not of_kind(manifests, "Service") and not of_kind(manifests, "ServiceAccount")


def test_the_sasl_password_travels_by_environment_not_argv(
    template: Callable[..., list[Manifest]],
) -> None:
    """SASL credentials come from the user's Secret as SENTINEL_KAFKA_OPTION_* variables;
    argv names the mechanism only."""
    deployment = only(template(), "Deployment")
    [sidecar] = deployment["spec"]["template"]["spec"]["initContainers"]
    assert not any("sasl_plain" in a or "$(" in a for a in sidecar["args"])
    assert "--kafka-option=sasl_mechanism=SCRAM-SHA-512" in sidecar["args"]
    env = {e["name"]: e.get("valueFrom", {}) for e in sidecar["env"]}
    for name, key in (
        ("SENTINEL_KAFKA_OPTION_SASL_PLAIN_USERNAME", "username"),
        ("SENTINEL_KAFKA_OPTION_SASL_PLAIN_PASSWORD", "password"),
    ):
        ref = env[name]["secretKeyRef"]
        assert ref == {"name": "sentinel-kafka-credentials", "key": key}


def test_values_of_the_dependency_reach_the_sidecar(
    template: Callable[..., list[Manifest]],
) -> None:
    """`sentinel.*` values in the user's chart configure the injected container."""
    deployment = only(
        template("sentinel.kafka.topics={a,b}", "sentinel.image.tag=9.9"), "Deployment"
    )
    [sidecar] = deployment["spec"]["template"]["spec"]["initContainers"]
    assert {"--topic=a", "--topic=b"} <= set(sidecar["args"])
    assert sidecar["image"] == "registry.example.com/sentinel:9.9"


def test_including_the_templates_without_inject_mode_refuses_to_render(
    template: Callable[..., list[Manifest]],
) -> None:
    """With `sentinel.mode` left at standalone, the render stops and says what to set (the
    dependency would otherwise add a second, standalone Deployment)."""
    with pytest.raises(AssertionError, match=r"need sentinel\.mode: inject"):
        template("sentinel.mode=standalone")
