"""Deployment artefacts against the real tools: the Helm chart (helm lint / template, every
manifest validated offline against Kubernetes and CRD schemas), the Prometheus rules
(promtool), the Alertmanager example (amtool) and the Dockerfile (hadolint).

helm and the CRD files are installed by scripts/install-helm.sh and scripts/crd-schemas.sh
(pinned, cached in $SENTINEL_CACHE_DIR); promtool and amtool by
scripts/install-system-deps.sh; kubernetes-validate and hadolint are dev dependencies.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import click
import pytest
import yaml
from _deploy import (
    CHART,
    EXAMPLES,
    REPO_ROOT,
    Manifest,
    RenderError,
    containers,
    crd_errors,
    crd_validators,
    dockerfile_instructions,
    expand_env_refs,
    has_kubernetes_schema,
    helm,
    kubernetes_errors,
    of_kind,
    only,
    render,
    run_script,
    sentinel_container,
)

from sentinel.cli import main
from sentinel.cli.kafka_hooks import parse_kafka_options
from sentinel.io.kafka_env import kafka_options_from_env
from sentinel.rules.loader import load_rules

BOOTSTRAP = "kafka.kafka.svc:9092"
EXAMPLE_NAMES = sorted(p.stem for p in EXAMPLES.glob("*.yaml"))
CASES = ["defaults", *EXAMPLE_NAMES]  # "defaults": values.yaml with only the required value
HARDENED = {
    "runAsNonRoot": True,
    "runAsUser": 10001,
    "readOnlyRootFilesystem": True,
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}
PROMETHEUS_RULE_FILES = sorted((REPO_ROOT / "deploy" / "prometheus").glob("*-rules.yaml"))
ALERTMANAGER_CONFIG = REPO_ROOT / "deploy" / "alertmanager" / "alertmanager.yml"


def _require(tool: str) -> str:
    found = shutil.which(tool) or shutil.which(tool, path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail(f"{tool} not found: see the module docstring for its installer", pytrace=False)
    return found


@pytest.fixture(scope="session")
def helm_bin() -> Path:
    """The pinned helm (built on first use by scripts/install-helm.sh)."""
    try:
        return run_script("install-helm.sh")
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)


@pytest.fixture(scope="session")
def crd_dir() -> Path:
    """The pinned CRD files (fetched on first use by scripts/crd-schemas.sh)."""
    try:
        return run_script("crd-schemas.sh")
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)


@pytest.fixture(scope="session")
def rendered(helm_bin: Path) -> Callable[[str], list[Manifest]]:
    """`rendered(case)`: the manifests of one case of CASES, rendered once per session."""
    cache: dict[str, list[Manifest]] = {}

    def get(case: str) -> list[Manifest]:
        if case not in cache:
            if case == "defaults":
                cache[case] = render(helm_bin, set_values=[f"kafka.bootstrapServers={BOOTSTRAP}"])
            else:
                cache[case] = render(helm_bin, values_files=[EXAMPLES / f"{case}.yaml"])
        return cache[case]

    return get


# --- the chart -------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_chart_lints_strictly(helm_bin: Path, case: str) -> None:
    """`helm lint --strict` passes with the default values and with every example."""
    values = (
        ["--set", f"kafka.bootstrapServers={BOOTSTRAP}"]
        if case == "defaults"
        else ["--values", str(EXAMPLES / f"{case}.yaml")]
    )
    result = helm(helm_bin, "lint", CHART, "--strict", *values)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("case", CASES)
def test_builtin_resources_validate_against_kubernetes_schemas(
    rendered: Callable[[str], list[Manifest]], crd_dir: Path, case: str
) -> None:
    """Every rendered built-in resource passes kubernetes-validate's strict schemas."""
    crds = crd_validators(crd_dir)
    errors: list[str] = []
    for manifest in rendered(case):
        if (manifest["apiVersion"], manifest["kind"]) in crds:
            continue
        assert has_kubernetes_schema(manifest), f"no schema for {manifest['kind']}"
        errors += kubernetes_errors(manifest)
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("case", CASES)
def test_custom_resources_validate_against_crd_schemas(
    rendered: Callable[[str], list[Manifest]], crd_dir: Path, case: str
) -> None:
    """Every rendered custom resource passes its CRD's openAPIV3Schema, unknown fields
    rejected."""
    crds = crd_validators(crd_dir)
    custom = [m for m in rendered(case) if (m["apiVersion"], m["kind"]) in crds]
    errors = [e for m in custom for e in crd_errors(crds, m)]
    assert not errors, "\n".join(errors)


def test_examples_render_the_custom_resources_they_ask_for(
    rendered: Callable[[str], list[Manifest]],
) -> None:
    """Each example renders exactly its monitors, rules and scaler (and defaults none)."""
    kinds = ("ServiceMonitor", "PodMonitor", "PrometheusRule", "ScaledObject")
    found = {case: {k for k in kinds if of_kind(rendered(case), k)} for case in CASES}
    assert found == {
        "defaults": set(),
        "sidecar": {"PodMonitor", "PrometheusRule"},
        "standalone": {"ServiceMonitor", "PrometheusRule"},
        "standalone-keda": {"PodMonitor", "PrometheusRule", "ScaledObject"},
    }


def test_keda_scales_the_standalone_deployment_on_lag(
    rendered: Callable[[str], list[Manifest]],
) -> None:
    """The ScaledObject targets sentinel's Deployment (which leaves replicas to KEDA), one
    kafka trigger per topic with the consumer group, authenticated like sentinel."""
    manifests = rendered("standalone-keda")
    deployment = only(manifests, "Deployment")
    scaled = only(manifests, "ScaledObject")
    assert "replicas" not in deployment["spec"]
    assert scaled["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    values = yaml.safe_load((EXAMPLES / "standalone-keda.yaml").read_text())
    triggers = scaled["spec"]["triggers"]
    assert [t["metadata"]["topic"] for t in triggers] == values["kafka"]["topics"]
    for trigger in triggers:
        assert trigger["type"] == "kafka"
        assert trigger["metadata"]["consumerGroup"] == values["kafka"]["groupId"]
        assert trigger["metadata"]["bootstrapServers"] == values["kafka"]["bootstrapServers"]
        assert trigger["metadata"]["lagThreshold"] == str(values["keda"]["lagThreshold"])
        assert trigger["metadata"]["sasl"] == "scram_sha512"
        assert trigger["metadata"]["tls"] == "enable"
        auth = trigger["authenticationRef"]["name"]
    refs = only(manifests, "TriggerAuthentication")
    assert refs["metadata"]["name"] == auth
    assert {r["parameter"] for r in refs["spec"]["secretTargetRef"]} == {
        "username",
        "password",
        "ca",
    }


@pytest.mark.parametrize(
    ("values", "message"),
    [
        pytest.param(
            ["mode=sidecar", "keda.enabled=true"],
            "keda.enabled is true but mode is sidecar",
            id="KEDA in sidecar mode would scale the gateway",
        ),
        pytest.param(
            ["kafka.bootstrapServers="],
            "kafka.bootstrapServers is required",
            id="bootstrap servers are required",
        ),
        pytest.param(
            ["metrics.serviceMonitor.enabled=true", "metrics.podMonitor.enabled=true"],
            "scraped twice",
            id="a ServiceMonitor and a PodMonitor together would scrape twice",
        ),
        pytest.param(
            ["kafka.securityProtocol=SASL_SSL", "kafka.sasl.mechanism=PLAIN"],
            "give kafka.sasl.existingSecret",
            id="SASL needs credentials",
        ),
        pytest.param(
            ["kafka.sasl.mechanism=PLAIN", "kafka.sasl.existingSecret=creds"],
            "use SASL_SSL",
            id="SASL needs a SASL security protocol",
        ),
        pytest.param(
            ["rules.overrides.nope\\.yaml.enabled=false"],
            "there is no rules file nope.yaml",
            id="an override names an existing rules file",
        ),
        pytest.param(
            ["rules.existingConfigMap=mine", "rollback.webhookUrl=http://localhost:4000/x"],
            "rules.existingConfigMap replaces it",
            id="overrides cannot change a ConfigMap the chart does not render",
        ),
        pytest.param(
            ["mode=daemonset"],
            "mode",
            id="an unknown mode is refused by the values schema",
        ),
        pytest.param(
            ["kafak.topics={x}"],
            "additional properties 'kafak' not allowed",
            id="a misspelt key is refused by the values schema",
        ),
    ],
)
def test_contradictory_values_refuse_to_render(
    helm_bin: Path, values: list[str], message: str
) -> None:
    """Values that cannot work fail the render with a message saying why."""
    with pytest.raises(RenderError) as caught:
        render(helm_bin, set_values=[f"kafka.bootstrapServers={BOOTSTRAP}", *values])
    assert message in str(caught.value)


def test_clusters_without_native_sidecars_are_refused(helm_bin: Path) -> None:
    """The chart requires Kubernetes 1.29 (native sidecars on by default)."""
    result = helm(
        helm_bin,
        "template",
        "sentinel",
        CHART,
        "--kube-version",
        "1.28.0",
        "--set",
        f"kafka.bootstrapServers={BOOTSTRAP}",
    )
    assert result.returncode != 0
    assert "requires kubeVersion: >=1.29.0-0" in result.stderr


@pytest.mark.parametrize("case", CASES)
def test_every_container_is_hardened(rendered: Callable[[str], list[Manifest]], case: str) -> None:
    """Every container runs as uid 10001, non-root, read-only, no privilege escalation, no
    capabilities, RuntimeDefault seccomp; /tmp is an emptyDir."""
    found = list(containers(rendered(case)))
    assert found
    for where, pod, container in found:
        context = container.get("securityContext", {})
        for key, expected in HARDENED.items():
            assert context.get(key) == expected, f"{where}: securityContext.{key}"
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert pod["automountServiceAccountToken"] is False
        tmp = [m for m in container.get("volumeMounts", []) if m["mountPath"] == "/tmp"]
        assert tmp, f"{where}: no writable /tmp"
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert "emptyDir" in volumes[tmp[0]["name"]]


def test_sidecar_mode_runs_sentinel_as_a_native_sidecar(
    rendered: Callable[[str], list[Manifest]],
) -> None:
    """In sidecar mode sentinel is an init container with restartPolicy Always beside the
    gateway, probed for liveness only (its readiness would gate the gateway's)."""
    manifests = rendered("sidecar")
    field, sentinel = sentinel_container(manifests)
    pod = only(manifests, "Deployment")["spec"]["template"]["spec"]
    assert field == "initContainers"
    assert sentinel["restartPolicy"] == "Always"
    assert [c["name"] for c in pod["containers"]] == ["gateway"]
    assert sentinel["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert "readinessProbe" not in sentinel
    assert "startupProbe" not in sentinel
    rollback = yaml.safe_load(_rules_files(manifests)["rollback.yaml"])
    assert rollback["actions"]["webhook"]["url"].startswith("http://localhost:")


def test_values_change_fields_of_bundled_rules_files(
    rendered: Callable[[str], list[Manifest]],
) -> None:
    """rollback.webhookUrl, alerting.alertmanagerUrls and rules.overrides change only the
    fields they name (false included) and keep the rest of the bundled file."""
    files = _rules_files(rendered("sidecar"))
    rollback = yaml.safe_load(files["rollback.yaml"])
    bundled = yaml.safe_load((REPO_ROOT / "sentinel/rules/defaults/rollback.yaml").read_text())
    assert rollback["dry_run"] is False
    assert rollback["actions"]["webhook"]["url"] == "http://localhost:4000/admin/rollback"
    assert rollback["gates"] == bundled["gates"]
    alerting = yaml.safe_load(files["alerting.yaml"])
    assert alerting["alertmanager"] == [{"url": "http://alertmanager-operated.monitoring.svc:9093"}]
    assert alerting["external_labels"] == {"replica": "${POD_NAME}"}
    _, sentinel = sentinel_container(rendered("sidecar"))
    pod_name = [e for e in sentinel["env"] if e["name"] == "POD_NAME"]
    assert pod_name[0]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"


def test_standalone_mode_probes_health_and_readiness(
    rendered: Callable[[str], list[Manifest]],
) -> None:
    """In standalone mode sentinel is the pod's container, live on /healthz and ready on
    /readyz, with a PodDisruptionBudget."""
    manifests = rendered("standalone")
    field, sentinel = sentinel_container(manifests)
    assert field == "containers"
    assert "restartPolicy" not in sentinel
    assert sentinel["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert sentinel["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert sentinel["startupProbe"]["httpGet"]["path"] == "/healthz"
    assert only(manifests, "Deployment")["spec"]["replicas"] == 3
    assert only(manifests, "PodDisruptionBudget")["spec"]["maxUnavailable"] == 1


@pytest.mark.parametrize("case", CASES)
def test_sentinel_cli_accepts_the_rendered_arguments(
    rendered: Callable[[str], list[Manifest]], case: str
) -> None:
    """The container's arguments parse with `sentinel run`'s own options and point at the
    mounted rules; SASL credentials come from the Secret through the environment
    (SENTINEL_KAFKA_OPTION_*), never through argv."""
    manifests = rendered(case)
    _, sentinel = sentinel_container(manifests)
    args = expand_env_refs(sentinel["args"], sentinel.get("env", []))
    assert args == sentinel["args"], "no $(VAR) in argv: the kubelet would put it there"
    assert args[0] == "run"
    command = main.commands["run"]
    context = command.make_context("run", args[1:], parent=click.Context(main, info_name="x"))
    params = context.params
    mount = {m["name"]: m["mountPath"] for m in sentinel["volumeMounts"]}["rules"]
    assert params["rules_dir"] == mount
    assert params["http_port"] == sentinel["ports"][0]["containerPort"]
    environ = {e["name"]: e.get("value", f"<{e['name']}>") for e in sentinel.get("env", [])}
    options = parse_kafka_options((*kafka_options_from_env(environ), *params["kafka_options"]))
    assert not any("password" in a or "username" in a for a in args)
    assert params["output_client"] == ("confluent" if case == "standalone" else "kafka-python")
    assert params["input_client"] == ("confluent" if case == "standalone" else "kafka-python")
    if case.startswith("standalone"):
        assert options["security_protocol"] == "SASL_SSL"
        assert options["sasl_plain_password"] == "<SENTINEL_KAFKA_OPTION_SASL_PLAIN_PASSWORD>"
        assert options["sasl_plain_username"] == "<SENTINEL_KAFKA_OPTION_SASL_PLAIN_USERNAME>"
        assert options["ssl_cafile"].startswith(mount.rsplit("/", 1)[0])
        assert _secret_refs(sentinel) == {"sentinel-kafka"}
    else:
        assert options == {}


def test_inline_sasl_credentials_go_through_a_secret(helm_bin: Path) -> None:
    """Credentials given as values land in a Secret the container reads, never in the pod
    spec."""
    manifests = render(
        helm_bin,
        set_values=[
            f"kafka.bootstrapServers={BOOTSTRAP}",
            "kafka.securityProtocol=SASL_SSL",
            "kafka.sasl.mechanism=SCRAM-SHA-256",
            "kafka.sasl.username=svc-sentinel",
            "kafka.sasl.password=s3cr3t-pw",
        ],
    )
    secret = only(manifests, "Secret")
    _, sentinel = sentinel_container(manifests)
    assert "s3cr3t-pw" not in yaml.safe_dump(only(manifests, "Deployment"))
    assert _secret_refs(sentinel) == {secret["metadata"]["name"]}


def _secret_refs(container: Manifest) -> set[str]:
    return {
        e["valueFrom"]["secretKeyRef"]["name"]
        for e in container["env"]
        if "secretKeyRef" in e.get("valueFrom", {})
    }


def _rules_files(manifests: list[Manifest]) -> dict[str, str]:
    [configmap] = [
        m for m in of_kind(manifests, "ConfigMap") if m["metadata"]["name"].endswith("-rules")
    ]
    return dict(configmap["data"])


def test_rules_configmap_carries_every_rules_file_of_the_repository(
    rendered: Callable[[str], list[Manifest]],
) -> None:
    """The default rules ConfigMap holds every packaged rules file, byte for byte."""
    files = _rules_files(rendered("defaults"))
    packaged = REPO_ROOT / "sentinel" / "rules" / "defaults"
    repo = {p.name: p.read_text(encoding="utf-8") for p in packaged.glob("*.y*ml")}
    assert files == repo


@pytest.mark.parametrize("case", CASES)
def test_rules_configmap_is_a_valid_rules_directory(
    rendered: Callable[[str], list[Manifest]], case: str, tmp_path: Path
) -> None:
    """sentinel's own loader accepts the rendered rules (bundled files plus rollback.yaml)."""
    for name, text in _rules_files(rendered(case)).items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    loaded = load_rules(tmp_path)
    assert set(loaded.sources) >= {"labels", "pricing"}


def test_chart_copies_match_the_repository() -> None:
    """The chart's rules/, dashboards/ and files/prometheus/ equal their sources (run
    deploy/helm/sync-chart-files.sh after changing them)."""
    result = subprocess.run(
        ["bash", str(REPO_ROOT / "deploy" / "helm" / "sync-chart-files.sh"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_prometheusrule_carries_every_rules_group(
    rendered: Callable[[str], list[Manifest]],
) -> None:
    """The PrometheusRule holds the groups of every deploy/prometheus/*-rules.yaml, each
    group name once."""
    rule = only(rendered("standalone"), "PrometheusRule")
    groups = [g["name"] for g in rule["spec"]["groups"]]
    expected = [
        g["name"]
        for path in PROMETHEUS_RULE_FILES
        for g in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]
    ]
    assert sorted(groups) == sorted(expected)
    assert len(set(groups)) == len(groups)


def test_dashboards_become_configmaps_for_the_grafana_sidecar(
    helm_bin: Path, tmp_path: Path
) -> None:
    """Each dashboards/*.json becomes one ConfigMap labelled grafana_dashboard: "1"; none
    renders nothing."""
    on = [f"kafka.bootstrapServers={BOOTSTRAP}", "dashboards.enabled=true"]
    labelled = [
        m
        for m in render(helm_bin, set_values=on)
        if m["kind"] == "ConfigMap" and "grafana_dashboard" in m["metadata"]["labels"]
    ]
    assert len(labelled) == len(list((REPO_ROOT / "dashboards").glob("*.json")))

    chart = tmp_path / "sentinel"
    shutil.copytree(CHART, chart)
    shutil.rmtree(chart / "dashboards", ignore_errors=True)  # only the one written below
    (chart / "dashboards").mkdir()
    dashboard = '{"title": "sentinel overview", "panels": []}\n'
    (chart / "dashboards" / "sentinel_overview.json").write_text(dashboard)
    [configmap] = [
        m
        for m in render(helm_bin, set_values=on, chart=chart)
        if m["kind"] == "ConfigMap" and "grafana_dashboard" in m["metadata"]["labels"]
    ]
    assert configmap["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert configmap["metadata"]["name"] == "sentinel-dashboard-sentinel-overview"
    assert configmap["data"] == {"sentinel_overview.json": dashboard.rstrip("\n")}


@pytest.mark.parametrize("case", ["standalone", "sidecar"])
def test_network_policy_opens_only_what_sentinel_uses(
    rendered: Callable[[str], list[Manifest]], case: str
) -> None:
    """Ingress to the metrics port (and the gateway's in sidecar mode); egress to DNS, the
    brokers and Alertmanager (and the providers' HTTPS in sidecar mode)."""
    policy = only(rendered(case), "NetworkPolicy")["spec"]
    ingress = [p["port"] for rule in policy["ingress"] for p in rule["ports"]]
    egress = [(p["port"], p["protocol"]) for rule in policy["egress"] for p in rule["ports"]]
    values = yaml.safe_load((EXAMPLES / f"{case}.yaml").read_text())
    kafka = [(port, "TCP") for port in values["networkPolicy"]["kafka"]["ports"]]
    expected_egress = [(53, "UDP"), (53, "TCP"), *kafka, (9093, "TCP")]
    if case == "sidecar":
        assert ingress == ["metrics", "http"]
        assert egress == [*expected_egress, (443, "TCP")]
    else:
        assert ingress == ["metrics"]
        assert egress == expected_egress


# --- Prometheus, Alertmanager, Grafana -------------------------------------------------


def test_prometheus_rules_pass_promtool() -> None:
    """`promtool check rules` accepts every rules file the chart ships."""
    assert PROMETHEUS_RULE_FILES
    result = subprocess.run(
        [_require("promtool"), "check", "rules", *map(str, PROMETHEUS_RULE_FILES)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_evaluation_stalled_pages_only_when_evaluation_stops(tmp_path: Path) -> None:
    """promtool: SentinelEvaluationStalled fires when evaluation stops while events keep
    coming, and stays quiet while it follows them a minute or two behind."""
    # Every minute the watermark moves a minute; `stuck` stops evaluating at 10,000 s,
    # `following` stays 120 s behind the watermark.
    series = [
        {
            "series": f'{name}{{namespace="n",job="{job}"}}',
            "values": f"{start}+60x60",
        }
        for job, start in (("stuck", 10_000), ("following", 10_000))
        for name in ("sentinel_event_time_watermark_seconds",)
    ] + [
        {
            "series": 'sentinel_state_complete_until_seconds{namespace="n",job="stuck"}',
            "values": "10000x60",
        },
        {
            "series": 'sentinel_state_complete_until_seconds{namespace="n",job="following"}',
            "values": "9880+60x60",
        },
    ]
    alert = {"service": "sentinel", "severity": "page", "namespace": "n", "job": "stuck"}
    rules = yaml.safe_load((REPO_ROOT / "deploy" / "prometheus" / "self-rules.yaml").read_text())
    (rule,) = [r for r in rules["groups"][0]["rules"] if r["alert"] == "SentinelEvaluationStalled"]
    annotations = {
        key: value.replace("{{ $labels.job }}", "stuck")
        .replace("{{ $labels.namespace }}", "n")
        .replace("{{ $value | humanizeDuration }}", "40m 0s")  # at 40 min: 40 min behind
        for key, value in rule["annotations"].items()
    }
    test = {
        "rule_files": [str(REPO_ROOT / "deploy" / "prometheus" / "self-rules.yaml")],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": series,
                "alert_rule_test": [
                    {
                        "eval_time": "20m",
                        "alertname": "SentinelEvaluationStalled",
                        "exp_alerts": [],
                    },
                    {
                        "eval_time": "40m",
                        "alertname": "SentinelEvaluationStalled",
                        "exp_alerts": [{"exp_labels": alert, "exp_annotations": annotations}],
                    },
                ],
            }
        ],
    }
    (tmp_path / "test.yaml").write_text(yaml.safe_dump(test))
    result = subprocess.run(
        [_require("promtool"), "test", "rules", "test.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_committed_prometheusrule_manifests_validate(crd_dir: Path) -> None:
    """Every PrometheusRule manifest under deploy/prometheus passes the CRD schema."""
    crds = crd_validators(crd_dir)
    for path in (REPO_ROOT / "deploy" / "prometheus").glob("*.yaml"):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        if document.get("kind") == "PrometheusRule":
            assert not crd_errors(crds, document), path.name


def test_alertmanager_config_passes_amtool() -> None:
    """`amtool check-config` accepts the example Alertmanager configuration."""
    result = subprocess.run(
        [_require("amtool"), "check-config", str(ALERTMANAGER_CONFIG)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("labels", "receiver"),
    [
        pytest.param(["service=chat", "severity=page"], "llm-oncall", id="an app page pages"),
        pytest.param(
            ["service=chat", "severity=critical", "alertname=SentinelSpendBurn"],
            "llm-oncall",
            id="a spend guard trip pages",
        ),
        pytest.param(["service=chat", "severity=ticket"], "llm-tickets", id="a ticket tickets"),
        pytest.param(
            ["service=sentinel", "severity=page"],
            "platform-oncall",
            id="sentinel's own page goes to the platform team",
        ),
        pytest.param(
            ["service=sentinel", "severity=ticket"],
            "platform-tickets",
            id="sentinel's own ticket goes to the platform team",
        ),
    ],
)
def test_alertmanager_routes_by_service_and_severity(labels: list[str], receiver: str) -> None:
    """amtool's route test sends each label set to the receiver the comments promise."""
    result = subprocess.run(
        [
            _require("amtool"),
            "config",
            "routes",
            "test",
            f"--config.file={ALERTMANAGER_CONFIG}",
            *labels,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [receiver]


def test_grafana_provisioning_files_are_well_formed() -> None:
    """The datasource and dashboard provisioning files have Grafana's apiVersion 1 shape."""
    base = REPO_ROOT / "deploy" / "grafana" / "provisioning"
    [datasources] = (base / "datasources").glob("*.yaml")
    [dashboards] = (base / "dashboards").glob("*.yaml")
    sources = yaml.safe_load(datasources.read_text())
    providers = yaml.safe_load(dashboards.read_text())
    assert sources["apiVersion"] == providers["apiVersion"] == 1
    assert [s["type"] for s in sources["datasources"]] == ["prometheus"]
    assert all(p["type"] == "file" and p["options"]["path"] for p in providers["providers"])


# --- the image -------------------------------------------------------------------------


def test_dockerfile_builds_a_pinned_non_root_multi_stage_image() -> None:
    """The Dockerfile has a builder and a runtime stage on one base, a build argument whose
    default is a tag-pinned official Python 3.11 image; it installs the tested versions
    (constraints.txt), runs as uid 10001 and starts `sentinel`."""
    instructions = dockerfile_instructions((REPO_ROOT / "Dockerfile").read_text())
    args = dict(a.split("=", 1) for kw, a in instructions if kw == "ARG" and "=" in a)
    default = args["BASE_IMAGE"]
    name, _, tag = default.partition("@")[0].partition(":")
    assert name == "python" and tag.startswith("3.11") and "slim" in tag, default
    bases = [a.split()[0] for kw, a in instructions if kw == "FROM"]
    assert len(bases) >= 2
    assert set(bases) == {"${BASE_IMAGE}"}, "builder and runtime must share a base (the venv)"
    runs = " ".join(a for kw, a in instructions if kw == "RUN")
    assert "--constraint constraints.txt" in runs
    runtime = instructions[max(i for i, (kw, _) in enumerate(instructions) if kw == "FROM") :]
    users = [args for kw, args in runtime if kw == "USER"]
    assert users and users[-1].split(":")[0] == "10001"
    assert ("ENTRYPOINT", '["sentinel"]') in runtime
    assert any(kw == "COPY" and args.startswith("--from=builder") for kw, args in runtime)


def test_dockerignore_lets_through_what_the_dockerfile_copies() -> None:
    """The build context is an allow-list holding exactly what COPY uses from it."""
    ignore = [
        line.strip()
        for line in (REPO_ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert ignore[0] == "*"
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    copied = set()
    for kw, args in dockerfile_instructions((REPO_ROOT / "Dockerfile").read_text()):
        if kw == "COPY" and not args.startswith("--from"):
            copied.update(p.rstrip("/").removeprefix("./") for p in args.split()[:-1])
    assert copied == allowed


def test_dockerfile_passes_hadolint() -> None:
    """hadolint finds nothing to report in the Dockerfile."""
    result = subprocess.run(
        [_require("hadolint"), str(REPO_ROOT / "Dockerfile")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
