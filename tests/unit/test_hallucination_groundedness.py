"""The groundedness risk: sentence support, findings on the least-supported sentences,
the score in the verdict, the SLI and the Prometheus histogram."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from bench.eval.hallucination import FALLBACK, family
from sentinel.events.exchange import Exchange
from sentinel.events.model import ContextChunk, Event, Message, Output
from sentinel.filters.chain import FilterChain
from sentinel.filters.hallucination import HallucinationFilter, HallucinationRules
from sentinel.filters.hallucination.groundedness import (
    PAIR_WINDOW,
    SupportView,
    content_stems,
    content_tokens,
    response_risk,
    sentence_risk,
    sentence_spans,
    text_pairs,
)
from sentinel.slo.sli import SliSpec, classify
from sentinel.telemetry.metrics import PrometheusRecorder
from sentinel.values import HALLUCINATION_RISK_SCORE, Accounted, Cost, Labels, Tokens, Verdict

CONTEXT = (
    "The Oberoi Group is a hotel company with its head office in Delhi. It was founded "
    "in 1934 and runs 31 hotels in seven countries."
)


def risk_of(output: str, context: str = CONTEXT) -> float:
    support = SupportView.of_texts([context])
    spans = sentence_spans(output)
    return response_risk([sentence_risk(output, s, e, support, []) for s, e in spans])


@pytest.mark.parametrize(
    ("output", "low", "high"),
    [
        ("The Oberoi Group has its head office in Delhi.", 0.0, 0.05),
        ("Delhi", 0.0, 0.0),
        ("The Oberoi Group has its head office in Mumbai.", 0.2, 1.0),
        ("Its head office is not in Delhi.", 0.2, 1.0),
        ('The group\'s motto is "luxury for everyone".', 0.8, 1.0),
        ("Bananas ripen faster near apples in paper bags.", 0.9, 1.0),
    ],
    ids=[
        "a sentence the context holds",
        "a copied span",
        "a wrong city",
        "a negation the context does not have",
        "a quotation the context does not have",
        "a sentence about something else",
    ],
)
def test_sentence_risk(output: str, low: float, high: float) -> None:
    """Supported sentences score near 0, fabricated content near 1."""
    assert low <= risk_of(output) <= high


def test_one_fabricated_sentence_outweighs_faithful_ones() -> None:
    """The worst sentence dominates: faithful padding does not hide a fabrication."""
    faithful = "The Oberoi Group is a hotel company. It was founded in 1934."
    mixed = faithful + " Its chairman flew to Paris on a dragon."
    assert risk_of(mixed) > risk_of(faithful) + 0.3


def _exchange(output: str) -> Exchange:
    event = Event(
        schema_="sentinel.llm.v1",
        event_id="e",
        type="exchange",
        request_id="r",
        timestamp=datetime(2026, 1, 1, tzinfo=UTC),
        messages=[Message("user", "Where is the Oberoi head office?")],
        context=[ContextChunk("kb-1", CONTEXT)],
        output=Output(content=output),
    )
    return Exchange("complete", event, event)


def _filter(**groundedness: object) -> HallucinationFilter:
    rules = HallucinationRules.model_validate(
        {"version": "sentinel/v1", "kind": "hallucination", "groundedness": groundedness}
    )
    return HallucinationFilter.from_rules(rules)


def test_findings_name_the_least_supported_sentences_and_the_verdict_carries_the_risk() -> None:
    """Above the threshold, findings point at the worst sentences; the verdict has the risk."""
    output = (
        "The head office is in Delhi. The chairman owns a fleet of airships. "
        "He paints murals in Lisbon."
    )
    chain = FilterChain([_filter(threshold=0.3, max_spans=2)])
    verdict = chain.run(_exchange(output))
    risk = dict(verdict.scores)[HALLUCINATION_RISK_SCORE]
    found = [f for f in verdict.findings if f.category == "ungrounded_response"]
    spans = sorted(output[f.start : f.end] for f in found)
    assert risk >= 0.3
    assert spans == ["He paints murals in Lisbon.", "The chairman owns a fleet of airships."]
    assert all(f.score == round(risk, 4) for f in found)


def test_below_the_threshold_the_risk_is_recorded_without_a_finding() -> None:
    """A supported answer gets a low risk in the verdict and no finding."""
    verdict = FilterChain([_filter()]).run(_exchange("The head office is in Delhi."))
    assert dict(verdict.scores)[HALLUCINATION_RISK_SCORE] < 0.5
    assert verdict.findings == ()


def _accounted() -> Accounted:
    tokens = Tokens(100, 20, 0, 0, 0, False)
    labels = Labels("bot", "/chat", "unknown", "m", "canary")
    return Accounted(_exchange("x"), labels, tokens, Cost(), "ok", 0.0, 800.0, None, 0)


@pytest.mark.parametrize(
    ("risk", "threshold", "good"),
    [(0.2, 0.5, True), (0.7, 0.5, False), (0.7, None, True)],
    ids=["risk below the SLI threshold", "risk above it", "no threshold: findings decide"],
)
def test_the_hallucination_sli_reads_the_risk(
    risk: float, threshold: float | None, good: bool
) -> None:
    """With a threshold the SLI (and so SLOs and rollback gates) counts risky answers bad."""
    verdict = Verdict("allow", (), scores=((HALLUCINATION_RISK_SCORE, risk),))
    assert classify(_accounted(), verdict, SliSpec("hallucination", threshold)) is good


def test_the_risk_goes_to_a_histogram() -> None:
    """Each verdict's risk is observed in sentinel_hallucination_risk by variant."""
    registry = CollectorRegistry()
    metrics = PrometheusRecorder(registry)
    verdict = Verdict("allow", (), scores=((HALLUCINATION_RISK_SCORE, 0.42),))
    metrics.record_verdict(verdict, Labels("bot", "/chat", "unknown", "m", "canary"))
    labels = {"service": "bot", "model": "m", "variant": "canary"}
    count = registry.get_sample_value("sentinel_hallucination_risk_count", labels)
    total = registry.get_sample_value("sentinel_hallucination_risk_sum", labels)
    assert (count, total) == (1.0, 0.42)


_WORDS = st.sampled_from(
    [
        *(" ", "\n", ".", "_", "-", "'", "The", "the", "NOT", "isn't", "Awards", "Korean"),
        *("1934", "31", "Delhi", "İstanbul", "STRASSE", "straße", "ΣΟΦΙΑ", "ﬁne", "Ǆemal"),
        *("東京都", "は", "서울", "ｸﾞ", "x²", "naïve", "Ⅻ", "a", "s", "hotels", "Was"),
    ]
)


def _pairs_one_by_one(text: str) -> frozenset[tuple[str, str]]:
    """The pairs as `text_pairs` built them before: each stem with the next few, in turn."""
    stems = content_stems(text)
    pairs = set()
    for i, a in enumerate(stems):
        for b in stems[i + 1 : i + 1 + PAIR_WINDOW]:
            pairs.add((a, b))
    return frozenset(pairs)


@settings(max_examples=300, deadline=None)
@given(st.lists(_WORDS, max_size=40).map("".join))
def test_text_pairs_equal_the_pairs_built_one_by_one(text: str) -> None:
    """Pairs built by distance (one zip per distance) equal the pairs built stem by stem."""
    assert text_pairs(text) == _pairs_one_by_one(text)


@pytest.mark.skipif(not FALLBACK.exists(), reason="external corpora not present")
def test_text_pairs_equal_the_pairs_built_one_by_one_on_development_passages() -> None:
    """The same on the development half of the hallucination corpus (passages, answers)."""
    with gzip.open(FALLBACK, "rt", encoding="utf-8") as handle:
        items = [json.loads(line) for line in handle if line.strip()]
    texts = [
        text
        for item in items[:2000]
        if family(item) == "development"
        for text in (item["knowledge"], item["right_answer"], item["hallucinated_answer"])
    ]
    assert len(texts) > 1000
    assert all(text_pairs(t) == _pairs_one_by_one(t) for t in texts)


@settings(max_examples=300, deadline=None)
@given(st.lists(_WORDS, max_size=40).map("".join))
def test_content_stems_equal_the_stems_of_content_tokens(text: str) -> None:
    """The stems-only pass (support texts' word pairs) gives content_tokens' stems, in order."""
    assert content_stems(text) == [t.stem for t in content_tokens(text)]
