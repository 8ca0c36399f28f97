"""Generated Prometheus rules: committed copies match, promtool checks and unit-tests them."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from sentinel.cli import main
from sentinel.slo.config import SloRules
from sentinel.slo.promrules import rule_groups, to_yaml

ROOT = Path(__file__).parents[2]
RULES = ROOT / "sentinel" / "rules" / "defaults"
GENERATED = {
    "rules": ROOT / "deploy/prometheus/slo-rules.yaml",
    "prometheusrule": ROOT / "deploy/prometheus/slo-prometheusrule.yaml",
}


@pytest.mark.parametrize("fmt", GENERATED, ids=["rules file matches", "manifest matches"])
def test_committed_slo_rules_have_not_drifted(fmt: str) -> None:
    """`sentinel slo-rules` output equals the committed file (scripts/generate.sh)."""
    result = CliRunner().invoke(main, ["slo-rules", "--rules", str(RULES), "--format", fmt])
    assert result.exit_code == 0, result.output
    assert result.output == GENERATED[fmt].read_text()


def test_promtool_accepts_the_generated_rules() -> None:
    """promtool check rules passes (syntax, PromQL, no duplicate series)."""
    out = subprocess.run(
        ["promtool", "check", "rules", str(GENERATED["rules"])], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "SUCCESS" in out.stdout


def _alert(rules: SloRules, service: str, severity: str) -> dict[str, Any]:
    groups = rule_groups(rules)
    rule = next(
        r
        for g in groups
        for r in g["rules"]
        if r.get("alert") and r["labels"]["severity"] == severity
    )
    return {
        "exp_labels": {"slo": "errors", "service": service, "severity": severity},
        "exp_annotations": rule["annotations"],
    }


def test_promtool_unit_tests_page_ticket_and_silence(tmp_path: Path) -> None:
    """Input series cross the thresholds: a fast burn pages, a slow burn opens a ticket,
    a healthy service raises nothing."""
    rules = SloRules.model_validate(
        {
            "version": "sentinel/v1",
            "kind": "slos",
            "slos": [
                {
                    "name": "errors",
                    "sli": {"kind": "errors"},
                    "objective": 0.99,
                    "by": ["service"],
                    "ticket": [{"long_minutes": 240, "budget_share": 0.02}],
                }
            ],
        }
    )
    (tmp_path / "rules.yaml").write_text(to_yaml({"groups": rule_groups(rules)}))

    def series(service: str, result: str, per_minute: int) -> dict[str, str]:
        labels = f'slo="errors",service="{service}",result="{result}"'
        return {"series": f"sentinel_slo_events_total{{{labels}}}", "values": f"0+{per_minute}x400"}

    test = {
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [
                    series("fast", "bad", 20),
                    series("fast", "good", 80),  # 20 % errors: 20x
                    series("slow", "bad", 4),
                    series("slow", "good", 96),  # 4 %: 4x
                    series("ok", "bad", 0),
                    series("ok", "good", 100),
                ],
                "alert_rule_test": [
                    {
                        "eval_time": "70m",
                        "alertname": "SentinelSLOBurnRate",
                        "exp_alerts": [
                            _alert(rules, "fast", "page"),
                            _alert(rules, "fast", "ticket"),
                            _alert(rules, "slow", "ticket"),
                        ],
                    },
                ],
                "promql_expr_test": [
                    {
                        "expr": 'slo:sli_error:ratio_rate5m{service="ok"}',
                        "eval_time": "70m",
                        "exp_samples": [
                            {
                                "labels": 'slo:sli_error:ratio_rate5m{service="ok",'
                                'slo="errors",window="5m"}',
                                "value": 0,
                            }
                        ],
                    },
                ],
            }
        ],
    }
    (tmp_path / "test.yaml").write_text(yaml.safe_dump(test, sort_keys=False))
    out = subprocess.run(
        ["promtool", "test", "rules", "test.yaml"], cwd=tmp_path, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_promtool_page_keeps_firing_for_the_configured_time_after_the_burn_stops(
    tmp_path: Path,
) -> None:
    """A page whose burn stops keeps firing for keep_firing_for (10 min), as sentinel's own
    monitor holds it, then resolves: a short dip does not resolve and re-page."""
    rules = SloRules.model_validate(
        {
            "version": "sentinel/v1",
            "kind": "slos",
            "keep_firing_for_seconds": 600,
            "slos": [
                {
                    "name": "errors",
                    "sli": {"kind": "errors"},
                    "objective": 0.99,
                    "page": [{"long_minutes": 60, "budget_share": 0.02}],  # 1h and 5m
                    "ticket": [],
                }
            ],
        }
    )
    (tmp_path / "rules.yaml").write_text(to_yaml({"groups": rule_groups(rules)}))
    # 20 % errors for 70 minutes, then none: the 5m window clears near minute 75
    bad = {"series": 'sentinel_slo_events_total{slo="errors",result="bad"}'}
    good = {"series": 'sentinel_slo_events_total{slo="errors",result="good"}'}
    bad["values"] = "0+20x70 1400+0x60"
    good["values"] = "0+80x70 5600+100x60"
    page = _alert(rules, "", "page")
    page["exp_labels"] = {"slo": "errors", "severity": "page"}
    test = {
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [bad, good],
                "alert_rule_test": [
                    {"eval_time": "70m", "alertname": "SentinelSLOBurnRate", "exp_alerts": [page]},
                    {"eval_time": "82m", "alertname": "SentinelSLOBurnRate", "exp_alerts": [page]},
                    {"eval_time": "95m", "alertname": "SentinelSLOBurnRate", "exp_alerts": []},
                ],
            }
        ],
    }
    (tmp_path / "test.yaml").write_text(yaml.safe_dump(test, sort_keys=False))
    out = subprocess.run(
        ["promtool", "test", "rules", "test.yaml"], cwd=tmp_path, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stdout + out.stderr
