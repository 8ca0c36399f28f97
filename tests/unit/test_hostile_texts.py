"""One hostile text cannot hold the consumer: shapes that once made a filter quadratic or
outlast the scan's time budget by seconds or minutes (a 300 KB answer of `[1][1]…` took
190 s, a page of phone numbers 44 s, random digits 3 s) finish near the budget, and one
answer full of findings makes a verdict record of bounded size."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from sentinel.io.memory import MemorySink
from sentinel.io.records import Record
from sentinel.pipeline import Pipeline
from sentinel.records import most_severe
from sentinel.rules.loader import load_rules
from sentinel.values import ACTION_RANK, Action, Finding
from sentinel.wiring import PipelineSettings, build_pipeline

RULES = load_rules(Path(__file__).parents[2] / "sentinel" / "rules" / "defaults")
BUDGET_SECONDS = RULES.guardrails.max_scan_seconds
SIZE = 150_000  # characters: the old code took 10 s to minutes on each shape below
_RANDOM = random.Random(7)
SHAPES = {
    "citations": "[1]" * (SIZE // 3),
    "phone-page": "Call +1 (555) 123-4567 today. " * (SIZE // 30),
    "digit-noise": "".join(_RANDOM.choice("0123456789 -.") for _ in range(SIZE)),
    "tiny-sentences": "a. " * (SIZE // 3),
    "code-sentences": "`x`. " * (SIZE // 5),
    "addresses": "1.2.3.4 " * (SIZE // 8),
}
_offset = iter(range(10**9))


def _exchange(pipeline: Pipeline, request_id: str, user: str, output: str) -> None:
    stamp = {"timestamp": "2026-11-02T09:00:00Z", "service": "s", "model": "gpt-4.1"}
    request = {
        "schema": "sentinel.llm.v1", "event_id": f"{request_id}-q", "type": "request",
        "request_id": request_id, **stamp,
        "messages": [{"role": "user", "content": user}],
        "context": [{"id": "doc-1", "text": "Opening hours are nine to five, 9:00-17:00."}],
    }  # fmt: skip
    response = {
        "schema": "sentinel.llm.v1", "event_id": f"{request_id}-r", "type": "response",
        "request_id": request_id, **stamp, "output": {"content": output},
    }  # fmt: skip
    for document in (request, response):
        pipeline.process(Record(json.dumps(document).encode(), None, "t", 0, next(_offset)))
    pipeline.end_batch()


@pytest.fixture(scope="module")
def judged() -> tuple[Pipeline, MemorySink]:
    sink = MemorySink()
    return build_pipeline(RULES, PipelineSettings(), CollectorRegistry(), sink), sink


@pytest.mark.parametrize("where", ["user", "output"])
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_a_hostile_text_is_judged_near_the_time_budget(
    judged: tuple[Pipeline, MemorySink], shape: str, where: str
) -> None:
    """Each shape, as the user's message or as the answer, is judged within the scan's
    time budget plus the linear passes (seconds, never minutes)."""
    pipeline, sink = judged
    text = SHAPES[shape]
    began = time.monotonic()
    user, output = (text, "ok") if where == "user" else ("hi", text)
    _exchange(pipeline, f"{shape}-{where}", user, output)
    assert time.monotonic() - began < BUDGET_SECONDS + 4.0
    sink.flush()
    sink.records.clear()


def test_an_answer_full_of_findings_makes_a_bounded_verdict(
    judged: tuple[Pipeline, MemorySink],
) -> None:
    """5,000 phone numbers and e-mail addresses: the verdict record lists the 100 most
    severe findings and counts the rest; the verdict's action is the most severe of all."""
    pipeline, sink = judged
    text = "Call +1 (555) 123-4567 or mail a.b@example.com. " * 5_000
    _exchange(pipeline, "many-findings", "list them", text)
    sink.flush()
    verdicts = [json.loads(r.value) for r in sink.records if r.stream == "verdicts"]
    sink.records.clear()
    record = verdicts[-1]
    assert record["request_id"] == "many-findings"
    assert len(record["findings"]) == RULES.guardrails.max_findings_per_record == 100
    assert record["findings_omitted"] > 1_000
    assert record["action"] == max((f["action"] for f in record["findings"]), key=ACTION_RANK.get)
    assert len(json.dumps(record)) < 64 * 1024


def _finding(action: Action, start: int) -> Finding:
    return Finding(
        "pii", "EMAIL_ADDRESS", "high", "output", "output", start, start + 1, 0.9, "r", action
    )


def test_the_record_keeps_the_most_severe_findings_in_their_order() -> None:
    """Past the limit, findings of the most severe actions are kept, ties by position, and
    the kept ones stay in the chain's order."""
    actions: list[Action] = [
        "flag",
        "block",
        "redact",
        "flag",
        "escalate",
        "block",
        "redact",
        "flag",
    ]
    findings = [_finding(a, i) for i, a in enumerate(actions)]
    kept = most_severe(findings, 4)
    assert [f.start for f in kept] == [1, 2, 4, 5]
    assert most_severe(findings, 8) == tuple(findings)


@pytest.mark.interpreted_only
def test_citations_cut_short_by_the_budget_read_no_further(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Once the budget runs out among one pattern's matches, the search returns None
    without reading the matches of the patterns after it."""
    from sentinel.filters.hallucination import citations

    read: list[str] = []
    original = citations._paren_items
    monkeypatch.setattr(
        citations, "_paren_items", lambda content, *a: read.append(content) or original(content, *a)
    )
    looks = [0]

    def expired() -> bool:
        looks[0] += 1
        return looks[0] > 1  # the budget runs out at the second look, among the brackets

    text = "[1]" * 2_000 + " (source: doc-1)" * 2_000
    index = citations.ContextIndex([], ())
    assert citations.find_citations(text, index, [], expired=expired) is None
    assert read == []  # the parentheses were never read
    assert citations.find_citations(text, index, [], expired=lambda: False) is not None
    assert len(read) == 2_000
