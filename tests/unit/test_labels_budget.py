"""Label values screened for PII, and the series budget on label combinations."""

from __future__ import annotations

import json
import random
import string
import threading
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import generate_latest

from sentinel.filters.pii.screen import LabelScreen
from sentinel.health import Health
from sentinel.io.memory import MemorySink, MemorySource
from sentinel.rules.loader import load_rules
from sentinel.runner import Runner
from sentinel.track.labels import OTHER, REDACTED, CombinationBudget, LabelBounder
from sentinel.wiring import PipelineSettings, build_pipeline
from tests.unit.conftest import event

RULES = load_rules(Path(__file__).parents[2] / "sentinel" / "rules" / "defaults")
SCREEN = LabelScreen()

PII = [
    "alice@example.com",
    "support-bob.smith@corp.example.org",
    "4111 1111 1111 1111",
    "123-45-6789",
    "GB82WEST12345698765432",
    "10.0.0.1",
    "2001:db8::1",
    "+1 415 555 0100",
]
NOT_PII = [
    "support",
    "/v1/chat/completions",
    "gpt-4o-2024-08-06",
    "claude-3-5-sonnet-20241022",
    "anthropic.claude-3-5-sonnet-20241022-v2:0",
    "qwen25-72b",
    "llama-3.1-405b-instruct",
    "us-east-1",
    "canary",
    "4111111111111112",  # fails Luhn
]


@pytest.mark.parametrize("value", PII)
def test_the_screen_flags_values_that_hold_pii(value: str) -> None:
    """E-mail, card, SSN, IBAN, IP and international phone values are screened out."""
    assert SCREEN(value)


@pytest.mark.parametrize("value", NOT_PII)
def test_the_screen_keeps_ordinary_label_values(value: str) -> None:
    """Model names with dates and digits, paths and regions stay labels."""
    assert not SCREEN(value)


def test_a_pii_value_becomes_redacted_and_is_never_admitted() -> None:
    """The bounder returns `redacted` for PII and keeps room for real values."""
    bounder = LabelBounder(None, 2, SCREEN)
    assert bounder("alice@example.com") == REDACTED
    assert bounder("alice@example.com") == REDACTED
    assert bounder("chat") == "chat"
    assert bounder("search") == "search"
    assert bounder("third") == OTHER
    assert bounder.redacted == 2


def test_the_budget_folds_new_combinations_into_other_and_counts_them() -> None:
    """Past the combination cap (or the character cap), samples fold into all-`other`."""
    budget = CombinationBudget(max_combinations=2, max_chars=1000)
    assert budget(("a", "b")) == ("a", "b")
    assert budget(("a", "c")) == ("a", "c")
    assert budget(("a", "d")) == (OTHER, OTHER)
    assert budget(("a", "b")) == ("a", "b")
    assert budget.folded == 1
    wide = CombinationBudget(max_combinations=100, max_chars=10)
    assert wide(("x" * 6, "y" * 6)) == (OTHER, OTHER)


def test_pii_in_feature_or_endpoint_reaches_neither_metrics_nor_verdicts() -> None:
    """An e-mail address as `feature` and `endpoint` is `redacted` in /metrics and in
    verdict records."""
    sink, registry = MemorySink(), CollectorRegistry()
    pipeline = build_pipeline(RULES, PipelineSettings(), registry, sink)
    values = [
        json.dumps(
            event("exchange", model="m", feature="alice@example.com", endpoint="bob@corp.example")
        ).encode()
        for _ in range(3)
    ]
    Runner(MemorySource(values), pipeline, sink, Health()).run(threading.Event())
    body = generate_latest(registry)
    assert b"@" not in body and b'feature="redacted"' in body
    verdicts = [json.loads(r.value) for r in sink.stream("verdicts")]
    assert verdicts and all(v["feature"] == REDACTED == v["endpoint"] for v in verdicts)
    assert b"alice" not in b"".join(r.value for r in sink.stream("verdicts"))


def test_random_label_combinations_keep_the_scrape_under_one_megabyte() -> None:
    """3,000 exchanges with 50 random values per label (errors, feedback, findings):
    series stay bounded, folded samples are counted, /metrics stays under 1 MB."""
    rnd = random.Random(7)
    dims = ("service", "endpoint", "feature", "model", "variant")
    pool = {
        d: ["".join(rnd.choices(string.ascii_lowercase, k=30)) for _ in range(50)] for d in dims
    }
    values = []
    for i in range(3000):
        fields = {d: rnd.choice(pool[d]) for d in dims}
        if i % 3 == 0:
            fields |= {"status": "error", "error": {"type": rnd.choice(pool["model"])}}
        values.append(json.dumps(event("exchange", **fields)).encode())
    sink, registry = MemorySink(), CollectorRegistry()
    pipeline = build_pipeline(RULES, PipelineSettings(verdicts="off"), registry, sink)
    Runner(MemorySource(values), pipeline, sink, Health(), max_records=1000).run(threading.Event())
    body = generate_latest(registry)
    assert len(body) < 1_000_000
    folded = registry.get_sample_value(
        "sentinel_series_folded_total", {"family": "exchange_labels"}
    )
    assert folded is not None and folded > 2500
