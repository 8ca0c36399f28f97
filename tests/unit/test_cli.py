"""The command line: exit codes, error texts and the replay report's exact numbers."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import click
import numpy as np
import pytest
from click.testing import CliRunner

from sentinel.cli import main
from sentinel.cli.options import pipeline_settings
from sentinel.wiring import PipelineSettings

RULES = str(Path(__file__).parents[2] / "sentinel" / "rules" / "defaults")
PRICES = {  # USD per 1M: input, output, cache_read, cache_write (as in rules/pricing.yaml)
    "gpt-4.1-mini": (Decimal("0.40"), Decimal("1.60"), Decimal("0.10"), Decimal("0.40")),
    "claude-sonnet-4-5": (Decimal("3.00"), Decimal("15.00"), Decimal("0.30"), Decimal("3.75")),
}


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def independent_traffic(path: Path, n: int, seed: int) -> dict[str, object]:
    """Random traffic built with numpy and plain json, and its expected figures computed
    without sentinel's code (Decimal cost, numpy order statistics)."""
    rng = np.random.default_rng(seed)
    lines: list[str] = []
    latencies: list[float] = []
    tokens = dict.fromkeys(("input", "output", "cached_input", "cache_write"), 0)
    cost = Decimal(0)
    models = list(PRICES)
    for i in range(n):
        model = models[int(rng.integers(len(models)))]
        inp = int(rng.integers(10, 200_000))
        cached = int(rng.integers(0, inp // 2)) if rng.random() < 0.4 else 0
        written = int(rng.integers(0, (inp - cached) // 4)) if rng.random() < 0.1 else 0
        out = int(rng.integers(1, 4000))
        latency = round(float(rng.lognormal(7.2, 0.9)), 3)
        latencies.append(latency)
        p_in, p_out, p_cr, p_cw = PRICES[model]
        cost += (
            (inp - cached - written) * p_in + out * p_out + cached * p_cr + written * p_cw
        ) / Decimal(1_000_000)
        for kind, value in (
            ("input", inp),
            ("output", out),
            ("cached_input", cached),
            ("cache_write", written),
        ):
            tokens[kind] += value
        ts = f"2026-11-02T{9 + i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z"
        usage = {
            "input_tokens": inp,
            "output_tokens": out,
            "cached_input_tokens": cached,
            "cache_write_tokens": written,
        }
        base = {"schema": "sentinel.llm.v1", "request_id": f"q{i}", "timestamp": ts, "model": model}
        if i % 2:
            lines.append(
                json.dumps(
                    {
                        **base,
                        "event_id": f"a{i}",
                        "type": "exchange",
                        "usage": usage,
                        "latency_ms": latency,
                    }
                )
            )
        else:
            lines.append(json.dumps({**base, "event_id": f"b{i}", "type": "request"}))
            lines.append(
                json.dumps(
                    {
                        **base,
                        "event_id": f"c{i}",
                        "type": "response",
                        "usage": usage,
                        "latency_ms": latency,
                    }
                )
            )
    invalid = ['{"schema": "sentinel.llm.v1"', "[]", json.dumps({"schema": "other"})]
    for k, bad in enumerate(invalid):
        lines.insert(7 + k * 11, bad)
    path.write_text("\n".join(lines) + "\n")
    values = np.array(latencies)
    return {"tokens": tokens, "cost": cost, "invalid": len(invalid), "latency": values}


def test_replay_of_independent_traffic_is_exact(tmp_path: Path) -> None:
    """Token totals and cost exact, invalid count exact, percentiles within 1 %."""
    path = tmp_path / "traffic.jsonl"
    expected = independent_traffic(path, 3000, seed=11)
    code, out, _ = invoke("replay", str(path), "--report", "json", "--rules", RULES)
    assert code == 0
    report = json.loads(out)
    assert report["events"]["invalid"] == expected["invalid"]
    assert report["exchanges"] == 3000 and report["timeouts"] == 0
    assert {k: report["tokens"][k] for k in expected["tokens"]} == expected["tokens"]  # type: ignore[attr-defined]
    assert Decimal(str(report["cost_usd"])) == expected["cost"].quantize(Decimal("0.000001"))  # type: ignore[attr-defined]
    latency = expected["latency"]
    for q, key in ((0.5, "p50"), (0.95, "p95"), (0.99, "p99")):
        exact = float(np.quantile(latency, q, method="lower"))
        assert report["latency_ms"][key] == pytest.approx(exact, rel=0.01)
    assert set(report["by_model"]) == set(PRICES)


def test_replay_json_has_the_documented_fields(tmp_path: Path) -> None:
    """The report carries events, exchanges, timeouts, latency, tokens, cost and by_model."""
    path = tmp_path / "t.jsonl"
    independent_traffic(path, 20, seed=3)
    report = json.loads(invoke("replay", str(path), "--report", "json", "--rules", RULES)[1])
    assert {"read", "invalid", "duplicates"} <= set(report["events"])
    for key in (
        "exchanges",
        "timeouts",
        "latency_ms",
        "ttft_ms",
        "tokens",
        "cost_usd",
        "errors",
        "retries",
        "by_model",
    ):
        assert key in report
    assert set(report["latency_ms"]) == {"p50", "p95", "p99", "mean"}
    model = next(iter(report["by_model"].values()))
    assert {"exchanges", "tokens", "cost_usd", "latency_ms"} <= set(model)


def test_replay_table_is_the_default(tmp_path: Path) -> None:
    """Without --report, a readable table with an `all` row is printed."""
    path = tmp_path / "t.jsonl"
    independent_traffic(path, 10, seed=5)
    code, out, _ = invoke("replay", str(path), "--rules", RULES)
    assert code == 0
    assert "exchanges and latency by model" in out and "all" in out and "gpt-4.1-mini" in out


def test_bad_rules_exit_3_with_file_and_field(tmp_path: Path) -> None:
    """A bad rules file stops the replay with exit code 3 and the field path."""
    (tmp_path / "pricing.yaml").write_text(
        "version: sentinel/v1\nkind: pricing\nmodels:\n  - {model: a, input: x, output: 1}\n"
    )
    code, _, err = invoke("replay", "-", "--rules", str(tmp_path))
    assert code == 3
    assert "pricing.yaml: models[0].input: Input should be a valid number" in err


def test_validate_lists_the_valid_files() -> None:
    """`sentinel validate rules` exits 0 and names each kind."""
    code, out, _ = invoke("validate", RULES)
    assert code == 0 and "pricing" in out and "labels" in out


def test_a_missing_input_file_exits_4() -> None:
    """An unreadable input is an I/O error with its path."""
    code, _, err = invoke("replay", "/nonexistent/x.jsonl", "--rules", RULES)
    assert code == 4 and "could not open /nonexistent/x.jsonl" in err


def test_bad_arguments_exit_2() -> None:
    """Usage errors are click's exit code 2."""
    assert invoke("replay", "--report", "xml")[0] == 2
    assert invoke("replay", "--ttl-seconds", "-1")[0] == 2


def test_replay_warns_about_unpriced_models_and_defaulted_rules(tmp_path: Path) -> None:
    """Unpriced exchanges and kinds taken from the packaged defaults are report warnings."""
    path = tmp_path / "t.jsonl"
    independent_traffic(path, 6, seed=9)
    lines = path.read_text().splitlines()
    unknown = json.loads(lines[0]) | {
        "model": "in-house-llm-v2",
        "event_id": "e-unknown",
        "request_id": "q-unknown",
        "type": "exchange",
        "usage": {"input_tokens": 10, "output_tokens": 2},
    }
    path.write_text("\n".join([*lines, json.dumps(unknown)]) + "\n")
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "labels.yaml").write_text("version: sentinel/v1\nkind: labels\n")
    code, out, _ = invoke("replay", str(path), "--report", "json", "--rules", str(rules))
    assert code == 0
    warnings = json.loads(out)["warnings"]
    assert f"{rules} has no `pricing` rules: the packaged defaults were used" in warnings
    assert not any("`labels`" in w for w in warnings)
    [unpriced] = [w for w in warnings if "no price" in w]
    assert unpriced.startswith("1 exchange(s) had no price") and "in-house-llm-v2 (1)" in unpriced
    code, table, _ = invoke("replay", str(path), "--rules", str(rules))
    assert code == 0 and "warning 1 exchange(s) had no price" in table


def test_rules_init_then_validate(tmp_path: Path) -> None:
    """`rules init` writes an editable copy; validating it defaults nothing; a second init
    without --force refuses (exit 3) and keeps the files."""
    code, out, _ = invoke("rules", "init", str(tmp_path / "r"))
    assert code == 0 and "pricing.yaml" in out
    code, out, _ = invoke("validate", str(tmp_path / "r"))
    assert code == 0 and "0 kind(s) from packaged defaults" in out
    code, _, err = invoke("rules", "init", str(tmp_path / "r"))
    assert code == 3 and "already exist" in err and "--force" in err


def test_an_empty_input_warns_and_exits_5(tmp_path: Path) -> None:
    """An empty file is not a quiet day: a warning and exit code 5."""
    (tmp_path / "empty.jsonl").write_text("")
    code, out, err = invoke("replay", str(tmp_path / "empty.jsonl"), "--report", "json")
    assert code == 5 and "holds no records" in err
    assert json.loads(out)["warnings"][0].startswith("the input holds no records")


@pytest.mark.parametrize(
    ("content", "args", "hint"),
    [
        ("v1 events", ["--otlp-encoding", "otlp_json"], "replay them without --otlp-encoding"),
        ("OTLP traces", [], "add --otlp-encoding otlp_json"),
        ("UTF-16 text", [], "looks like UTF-16"),
    ],
    ids=["v1 events read as OTLP", "OTLP read as v1", "UTF-16 file"],
)
def test_an_all_invalid_input_warns_and_exits_6(
    tmp_path: Path, content: str, args: list[str], hint: str
) -> None:
    """When every record is a dead letter the replay says why it looks wrong, exit 6."""
    path = tmp_path / "in.jsonl"
    if content == "v1 events":
        independent_traffic(path, 5, seed=1)
        path.write_text("\n".join(ln for ln in path.read_text().splitlines() if '"type"' in ln))
    elif content == "OTLP traces":
        path.write_text(json.dumps({"resourceSpans": [{"scopeSpans": []}]}) + "\n")
    else:
        independent_traffic(path, 5, seed=1)
        path.write_bytes(path.read_text().encode("utf-16"))
    code, out, err = invoke("replay", str(path), "--report", "json", *args)
    assert code == 6, err
    assert "were dead letters" in err and hint in err
    assert json.loads(out)["events"]["invalid"] == json.loads(out)["events"]["read"] > 0


def test_verdict_files_hold_plain_json_objects(tmp_path: Path) -> None:
    """Each line of --verdicts and --review is the record itself, not a string inside JSON;
    dead letters keep their raw line in an envelope."""
    path = tmp_path / "t.jsonl"
    independent_traffic(path, 12, seed=4)
    verdicts, dead = tmp_path / "v.jsonl", tmp_path / "d.jsonl"
    code, _, _ = invoke(
        "replay",
        str(path),
        "--report",
        "json",
        "--verdicts",
        str(verdicts),
        "--dead-letter",
        str(dead),
    )
    assert code == 0
    records = [json.loads(line) for line in verdicts.read_text().splitlines()]
    assert len(records) == 12
    assert all(
        r["schema"] == "sentinel.verdict.v1" and isinstance(r["tokens"], dict) for r in records
    )
    letters = [json.loads(line) for line in dead.read_text().splitlines()]
    assert letters and all(isinstance(d["value"], str) and d["headers"] for d in letters)


def test_help_lists_environment_variables_and_exit_codes() -> None:
    """`--help` names each option's environment variable, and the exit codes."""
    code, out, _ = invoke("run", "--help")
    assert code == 0
    assert "SENTINEL_RUN_BOOTSTRAP_SERVERS" in out and "SENTINEL_RUN_KAFKA_OPTIONS" in out
    assert "SENTINEL_KAFKA_OPTION_<KEY>" in out and "6  replay: every record" in out
    code, out, _ = invoke("--help")
    assert "SENTINEL_<COMMAND>_<OPTION>" in out and "5  replay: the input held no record" in out


def test_a_listed_environment_variable_is_the_one_click_reads(tmp_path: Path) -> None:
    """SENTINEL_REPLAY_RULES_DIR, as listed in `replay --help`, sets --rules."""
    assert "SENTINEL_REPLAY_RULES_DIR" in invoke("replay", "--help")[1]
    result = CliRunner(env={"SENTINEL_REPLAY_RULES_DIR": str(tmp_path / "nope")}).invoke(
        main, ["replay", "-"], input=""
    )
    assert result.exit_code == 3 and "nope is not a directory" in result.stderr


@pytest.mark.parametrize("command", ["run", "replay"])
def test_pipeline_option_defaults_are_the_pipeline_settings_defaults(command: str) -> None:
    """Options left unset give exactly `PipelineSettings()`: the defaults live in one place."""
    params = main.commands[command].params
    defaults = {p.name: p.default for p in params if isinstance(p, click.Option)}
    assert pipeline_settings(defaults, "all") == PipelineSettings()


def test_the_pending_options_reach_the_pipeline_settings() -> None:
    """`--max-pending`, `--max-pending-bytes` and `--compress-pending-after` set what the
    join is built with."""
    params = main.commands["run"].params
    options = {p.name: p.default for p in params if isinstance(p, click.Option)}
    options |= {"max_pending": 5_000, "max_pending_bytes": 1 << 20, "compress_pending_after": 0}
    settings = pipeline_settings(options, "all")
    assert (settings.max_pending, settings.max_pending_bytes) == (5_000, 1 << 20)
    assert settings.compress_pending_after == 0
