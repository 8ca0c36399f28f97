"""The content-hash caches change no verdict: same findings, same order, same actions (the
chain's cache of local fields, and the content filter's own of context chunks and system
prompts)."""

from __future__ import annotations

import gzip
import json
import threading
from dataclasses import replace

import msgspec
import pytest
from prometheus_client import CollectorRegistry

from bench.realworld import SHARED, build
from sentinel.cli import bundled_sample
from sentinel.events.exchange import Exchange
from sentinel.events.model import Event
from sentinel.filters import base
from sentinel.filters.base import Filter, Scan
from sentinel.filters.cache import FieldCache, digest
from sentinel.filters.chain import FilterChain
from sentinel.filters.hallucination.support import content_key
from sentinel.health import Health
from sentinel.io.memory import MemorySink, MemorySource
from sentinel.rules.loader import RuleSet, load_rules
from sentinel.runner import Runner
from sentinel.values import Finding
from sentinel.wiring import PipelineSettings, build_pipeline
from tests.unit.conftest import event


def _rules() -> RuleSet:
    rules = load_rules(None)
    # A generous time budget: a loaded test machine must not cut one run's scan short.
    return replace(
        rules, guardrails=rules.guardrails.model_copy(update={"max_scan_seconds": 120.0})
    )


def _verdicts(rules: RuleSet, values: list[bytes], cached: bool) -> tuple[list[bytes], int]:
    """Every verdict record of the run, in order, and the chain cache's hits; uncached: the
    content filter scans every context chunk and system prompt too."""
    if not cached:
        content = rules.content.model_copy(update={"context_cache_entries": 0})
        rules = replace(rules, content=content)
    sink = MemorySink()
    pipeline = build_pipeline(rules, PipelineSettings(verdicts="all"), CollectorRegistry(), sink)
    if not cached:
        pipeline.chain.cache = FieldCache(0)
    Runner(MemorySource(values), pipeline, sink, Health()).run(threading.Event())
    return [r.value for r in sink.stream("verdicts")], pipeline.chain.cache.hits


def _with_repeats(values: list[bytes], block: int = 200) -> list[bytes]:
    """Each block of events followed by the same events under new ids: every text of a
    repeated block was seen shortly before (well within the cache's bound)."""
    out: list[bytes] = []
    for start in range(0, len(values), block):
        chunk = values[start : start + block]
        out += chunk
        for value in chunk:
            try:
                event = json.loads(value)
                event["event_id"] += "-again"
                event["request_id"] += "-again"
            except (ValueError, TypeError, KeyError):  # the sample's deliberate bad events
                continue
            out.append(json.dumps(event).encode())
    return out


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return _rules()


def test_sample_verdicts_are_identical_with_and_without_the_cache(rules: RuleSet) -> None:
    """On the bundled sample (and its texts repeated), cached verdicts equal scanned ones."""
    with gzip.open(bundled_sample(), "rb") as handle:
        values = [line for line in handle.read().splitlines() if line.strip()][:2500]
    values = _with_repeats(values)
    plain, _ = _verdicts(rules, values, cached=False)
    cached, hits = _verdicts(rules, values, cached=True)
    assert hits > 1000
    assert len(cached) == len(plain) and cached == plain


@pytest.mark.skipif(not SHARED.exists(), reason="external corpora not present")
def test_realworld_verdicts_are_identical_with_and_without_the_cache(rules: RuleSet) -> None:
    """On RAG documents, PII sentences, long answers and injections (repeated chunks and
    system prompts), cached verdicts equal scanned ones, findings included."""
    corpus = build(SHARED)
    values = _with_repeats(corpus.values[1200:3000] + corpus.values[-800:])  # RAG, PII, rest
    plain, _ = _verdicts(rules, values, cached=False)
    cached, hits = _verdicts(rules, values, cached=True)
    assert hits > 1000
    findings = sum(len(json.loads(v)["findings"]) for v in plain)
    assert findings > 100  # the comparison covers real findings, not empty verdicts
    assert cached == plain


def test_hits_are_relabelled_with_their_field() -> None:
    """A cached finding comes back under the name of the field that hit it."""
    cache = FieldCache(2)
    f = Finding("content", "x", "low", "system[0]", "system", 1, 2, 0.5, "r", "flag")
    cache.put(("content", "system", b"k"), [f])
    assert cache.get(("content", "system", b"k"), "system[3]") == [replace(f, field="system[3]")]
    cache.put(("content", "system", b"a"), [])
    cache.put(("content", "system", b"b"), [])
    assert cache.get(("content", "system", b"k"), "system[0]") is None and len(cache) == 2


class _Scoring(Filter):
    """Reports one finding per system field and records a score for each field it reads."""

    name = "scoring"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def check(self, exchange: Exchange, scan: Scan) -> list[Finding]:
        out = []
        for f in scan.fields:
            self.seen.append(f.name)
            scan.record_score(f"seen.{f.kind}", 0.5)
            if f.kind == "system":
                out.append(Finding(self.name, "x", "low", f.name, f.kind, 0, 3, 1.0, "r", "flag"))
        return out


def test_the_filter_sees_only_unseen_local_fields_and_its_marks_reach_the_verdict() -> None:
    """A repeated system prompt is not handed to the filter again, its finding comes back
    from the cache, and scores the filter records on the fields it does read are kept."""
    e = msgspec.convert(
        event(
            "exchange",
            messages=[{"role": "system", "content": "be nice"}, {"role": "user", "content": "q"}],
            output={"content": "a"},
        ),
        Event,
    )
    scoring = _Scoring()
    chain = FilterChain([scoring], local_kinds={"scoring": frozenset({"system"})})
    first = chain.run(Exchange("complete", e, e))
    second = chain.run(Exchange("complete", e, e))
    assert scoring.seen == ["output", "user[1]", "system[0]", "output", "user[1]"]
    assert first.findings == second.findings and len(first.findings) == 1
    assert dict(second.scores) == {"seen.output": 0.5, "seen.user": 0.5}
    assert dict(first.scores)["seen.system"] == 0.5


class _Hashing(Filter):
    """Asks the scan for the digest of every field it reads (as a content-hash cache does)."""

    def __init__(self, name: str) -> None:
        self.name = name  # type: ignore[misc]  # a ClassVar in the base; one class, two names
        self.digests: list[bytes] = []

    def check(self, exchange: Exchange, scan: Scan) -> list[Finding]:
        self.digests += [scan.digest(f.text) for f in scan.fields]
        return []


@pytest.mark.interpreted_only
def test_each_text_is_hashed_once_per_exchange_whichever_cache_asks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The chain's cache and the filters share one digest per text and exchange, equal to
    the cache's own and the hallucination filter's content hash."""
    hashed: list[str] = []

    def counting(text: str) -> bytes:
        hashed.append(text)
        return digest(text)

    monkeypatch.setattr(base, "digest", counting)
    e = msgspec.convert(
        event(
            "exchange",
            messages=[
                {"role": "system", "content": "be nice \ud800"},
                {"role": "user", "content": "q"},
            ],
            output={"content": "a"},
        ),
        Event,
    )
    first, second = _Hashing("hashing"), _Hashing("other")
    chain = FilterChain([first, second], local_kinds={"hashing": frozenset({"system"})})
    chain.run(Exchange("complete", e, e))
    assert sorted(hashed) == sorted(["a", "q", "be nice \ud800"])
    texts = ["a", "q", "be nice \ud800"]
    assert first.digests == second.digests == [digest(t) for t in texts]
    assert [content_key(t) for t in texts] == first.digests
