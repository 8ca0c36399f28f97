"""Model names as real OpenTelemetry instrumentations of the openai SDK report them are
priced: dated snapshots and provider prefixes resolve to the shipped prices."""

from __future__ import annotations

import json
from pathlib import Path

from _genai_client import FLAVOURS, Call, capture, messages_for
from _openai_stub import OpenAIStub
from click.testing import CliRunner

from sentinel.cli import main

# The names the API returns for its snapshots, and a gateway's provider prefix.
MODELS = ("gpt-4.1-nano-2025-04-14", "gpt-4o-mini-2024-07-18", "openai/gpt-4o", "gpt-5-mini")


def test_instrumented_spans_with_snapshot_names_are_all_priced(tmp_path: Path) -> None:
    """Every span of every instrumentation flavour finds its price: no unpriced exchange."""
    stub = OpenAIStub().start()
    messages: list[bytes] = []
    try:
        for flavour in FLAVOURS:
            calls = [Call("Hello there.", model=m) for m in MODELS]
            spans, outcomes = capture(flavour, stub, calls)
            assert all(o.ok for o in outcomes)
            messages += messages_for(spans, "otlp_json", "one_per_message")
    finally:
        stub.stop()
    path = tmp_path / "spans.jsonl"
    path.write_bytes(b"\n".join(messages) + b"\n")
    result = CliRunner().invoke(
        main, ["replay", str(path), "--otlp-encoding", "otlp_json", "--report", "json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["exchanges"] == len(FLAVOURS) * len(MODELS)
    assert report["unpriced_exchanges"] == 0 and report["cost_usd"] > 0
    assert not [w for w in report["warnings"] if "no price" in w]
