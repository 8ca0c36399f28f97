"""The hallucination filter as a whole: rules, budget, context, caches, groundedness."""

from __future__ import annotations

import dataclasses
import itertools
import sys
import types
import zlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sentinel.errors import RulesError
from sentinel.events.exchange import Exchange
from sentinel.events.model import ContextChunk, Event, Message, Output, ToolCall, ToolSpec
from sentinel.filters.base import Scan
from sentinel.filters.hallucination import HallucinationFilter, HallucinationRules
from sentinel.filters.hallucination.grounding import (
    MODEL_PACKAGE,
    GroundednessScorer,
    passages,
    sentences,
)
from sentinel.filters.texts import exchange_fields
from sentinel.rules.loader import load_rules, load_rules_file
from sentinel.values import Finding

REPO_RULES = Path(__file__).parents[2] / "sentinel" / "rules" / "defaults"
_ids = itertools.count()


def rules(**fields: Any) -> HallucinationRules:
    """Rules for one heuristic at a time: groundedness off unless a test turns it on."""
    fields.setdefault("groundedness", {"enabled": False})
    return HallucinationRules.model_validate(
        {"version": "sentinel/v1", "kind": "hallucination", **fields}
    )


def make_exchange(
    output: str | None = None,
    context: Sequence[str | ContextChunk] = (),
    user: str | None = None,
    system: str | None = None,
    tools: Sequence[ToolSpec] = (),
    calls: Sequence[ToolCall] = (),
) -> Exchange:
    """One `exchange` event; context strings become chunks doc-1, doc-2, ..."""
    chunks = [
        c if isinstance(c, ContextChunk) else ContextChunk(f"doc-{i}", c)
        for i, c in enumerate(context, 1)
    ]
    messages = [Message(role, text) for role, text in (("system", system), ("user", user)) if text]
    n = next(_ids)
    event = Event(
        schema_="sentinel.llm.v1",
        event_id=f"e-{n}",
        type="exchange",
        request_id=f"r-{n}",
        timestamp=datetime(2026, 11, 2, tzinfo=UTC),
        messages=messages,
        context=chunks,
        tools=list(tools),
        output=Output(content=output, tool_calls=list(calls)),
    )
    return Exchange("complete", event, event)


def scan_of(
    exchange: Exchange,
    clock: Callable[[], float] = lambda: 0.0,
    seconds: float = 1.0,
    max_bytes: int = 1 << 24,
) -> Scan:
    fields, skipped = exchange_fields(exchange, max_bytes)
    return Scan(fields, clock() + seconds, skipped, clock=clock)


def check(
    exchange: Exchange, hallucination: HallucinationFilter | None = None, **rule_fields: Any
) -> list[Finding]:
    f = hallucination or HallucinationFilter.from_rules(rules(**rule_fields))
    return f.check(exchange, scan_of(exchange))


def categories(findings: Sequence[Finding]) -> list[str]:
    return [f.category for f in findings]


# --- rules --------------------------------------------------------------------------------


def test_the_shipped_rules_file_spells_out_the_defaults() -> None:
    """rules/hallucination.yaml loads and says exactly what the defaults are."""
    kind, shipped = load_rules_file(REPO_RULES / "hallucination.yaml")
    assert kind == "hallucination"
    assert shipped.model_dump() == rules(groundedness={}).model_dump()


BAD_RULES = [
    (
        "a threshold above one names the heuristic",
        "claims:\n  numbers:\n    threshold: 1.5\n",
        "claims.numbers.threshold: Input should be less than or equal to 1",
    ),
    (
        "an unknown key in a heuristic is refused",
        "citations:\n  treshold: 0.2\n",
        "citations.treshold: Extra inputs are not permitted",
    ),
    (
        "an unknown action is refused",
        "tools:\n  undeclared:\n    action: shout\n",
        "tools.undeclared.action: Input should be",
    ),
    (
        "an unknown support source names its index",
        "claims:\n  support_from: [context, memory]\n",
        "claims.support_from[1]: Input should be",
    ),
    (
        "a zero cache size is refused",
        "cache:\n  max_texts: 0\n",
        "cache.max_texts: Input should be greater than or equal to 1",
    ),
]


@pytest.mark.parametrize(
    ("body", "message"), [b[1:] for b in BAD_RULES], ids=[b[0] for b in BAD_RULES]
)
def test_bad_rules_name_the_file_and_the_field(tmp_path: Path, body: str, message: str) -> None:
    """A bad hallucination rules file stops the load, citing file and field path."""
    path = tmp_path / "hallucination.yaml"
    path.write_text("version: sentinel/v1\nkind: hallucination\n" + body)
    with pytest.raises(RulesError) as error:
        load_rules(tmp_path)
    assert str(path) in str(error.value)
    assert message in str(error.value)


def test_a_header_alone_gives_the_defaults(tmp_path: Path) -> None:
    """Every field is defaulted: `version` and `kind` are a complete file."""
    (tmp_path / "h.yaml").write_text("version: sentinel/v1\nkind: hallucination\n")
    assert load_rules(tmp_path).hallucination == rules(groundedness={})


def test_enabling_embeddings_without_the_extra_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without the optional package the filter refuses to build and says how to fix it."""
    monkeypatch.setitem(sys.modules, MODEL_PACKAGE, None)  # import fails, as when absent
    with pytest.raises(RulesError, match=r"embedding\.enabled is true .* `embeddings` extra"):
        HallucinationFilter.from_rules(rules(embedding={"enabled": True}))


def test_the_model_package_is_loaded_lazily_on_the_configured_device(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the extra present, `load_model(device=...)` is called once, at build time."""
    loaded: list[str] = []

    class Model:
        def encode(self, texts: list[str], normalize_embeddings: bool) -> list[list[float]]:
            assert normalize_embeddings
            return BagOfWords().encode(texts)

    def load_model(device: str) -> Model:
        loaded.append(device)
        return Model()

    package = types.ModuleType(MODEL_PACKAGE)
    package.load_model = load_model  # type: ignore[attr-defined]  # a stand-in module
    monkeypatch.setitem(sys.modules, MODEL_PACKAGE, package)
    f = HallucinationFilter.from_rules(rules(embedding={"enabled": True, "device": "cpu"}))
    output = "Penguins enjoy jazz music greatly."
    found = check(make_exchange(output, context=["The warranty lasts two years."]), f)
    assert loaded == ["cpu"]
    assert [x.category for x in found] == ["ungrounded_sentence"]


# --- what applies when ----------------------------------------------------------------------


def test_without_context_numbers_are_not_judged() -> None:
    """No context, no RAG: a number in the output has nothing to be checked against."""
    found = check(make_exchange("Revenue was 4,500 units in 2023.", user="Revenue?"))
    assert found == []


def test_with_context_an_unsupported_number_is_found() -> None:
    """The same output with context that says otherwise is flagged, with its span."""
    output = "Revenue was 4,500 units in 2023."
    found = check(make_exchange(output, context=["In 2023 revenue was 4,200 units."]))
    assert categories(found) == ["unsupported_number"]
    assert output[found[0].start : found[0].end] == "4,500"
    assert (found[0].field, found[0].field_kind, found[0].score) == ("output", "output", 0.5)


def test_numbers_from_the_users_prompt_count_as_supported() -> None:
    """A number the user typed is not a fabrication."""
    exchange = make_exchange(
        "Shipping to 94107 takes 3 days.", context=["Shipping takes 3 days."], user="Zip 94107?"
    )
    assert check(exchange) == []
    assert categories(check(exchange, claims={"support_from": ["context"]})) == [
        "unsupported_number"
    ]


def test_a_disabled_filter_finds_nothing() -> None:
    """`enabled: false` turns every heuristic off."""
    exchange = make_exchange("It was 999 [doc-9].", context=["It was 5."])
    assert check(exchange, enabled=False) == []


def test_actions_and_severities_come_from_the_rules() -> None:
    """Each heuristic's action and severity are copied onto its findings."""
    exchange = make_exchange("It was 999.", context=["It was 5."])
    found = check(exchange, claims={"numbers": {"action": "block", "severity": "high"}})
    assert [(f.action, f.severity, f.rule_id) for f in found] == [
        ("block", "high", "claims.numbers:number")
    ]


def test_a_threshold_holds_back_a_mostly_supported_output() -> None:
    """One unsupported name out of three scores 0.33, below the entity threshold of 0.5."""
    output = "Jane Smith met Acme Corp and Bob Jones."
    context = ["Jane Smith leads Acme Corp."]
    assert check(make_exchange(output, context=context)) == []
    found = check(make_exchange(output, context=context), claims={"entities": {"threshold": 0.3}})
    assert [(output[f.start : f.end], f.score) for f in found] == [("Bob Jones", 0.3333)]


def test_findings_carry_spans_and_never_text() -> None:
    """A finding locates the claim; no field of it holds the output's words."""
    output = "The secret figure is 987,654."
    (finding,) = check(make_exchange(output, context=["Nothing numeric."]))
    assert output[finding.start : finding.end] == "987,654"
    names = [field.name for field in dataclasses.fields(finding)]
    assert all("987" not in str(getattr(finding, name)) for name in names)


# --- budget and truncation -------------------------------------------------------------------


def test_an_expired_budget_marks_the_scan_partial() -> None:
    """With no time left the filter stops, says so, and reports nothing it did not check."""
    exchange = make_exchange("It was 999.", context=["It was 5."])
    now = [0.0]
    scan = scan_of(exchange, clock=lambda: now[0], seconds=1.0)
    now[0] = 5.0
    found = HallucinationFilter.from_rules(rules()).check(exchange, scan)
    assert found == []
    assert scan.partial == {"hallucination": "time_budget"}


def test_tool_checks_run_before_the_budget_is_spent() -> None:
    """Certain checks come first, so a budget that runs out mid-way still reports them."""
    ticks = itertools.count()
    exchange = make_exchange(
        "It was 999.", context=["It was 5."], tools=[ToolSpec("a")], calls=[ToolCall("b")]
    )
    scan = scan_of(exchange, clock=lambda: float(next(ticks)), seconds=1.5)
    found = HallucinationFilter.from_rules(rules()).check(exchange, scan)
    assert categories(found) == ["undeclared_tool"]
    assert scan.partial == {"hallucination": "time_budget"}


def test_a_truncated_context_is_reported() -> None:
    """Claims checked against part of the context are reported, and the scan says so."""
    exchange = make_exchange("It was 999.", context=["x" * 5000 + " It was 999."])
    scan = scan_of(exchange, max_bytes=2048)
    found = HallucinationFilter.from_rules(rules()).check(exchange, scan)
    assert categories(found) == ["unsupported_number"]
    assert scan.partial == {"hallucination": "context_truncated"}


# --- caches -----------------------------------------------------------------------------------


def test_repeated_chunks_are_preprocessed_once() -> None:
    """Facts of a chunk are cached by content hash: the second exchange hits the cache."""
    f = HallucinationFilter.from_rules(rules())
    chunk = "Revenue in 2023 was 4,200 units."
    for _ in range(3):
        check(make_exchange("It was 4,200.", context=[chunk]), f)
    assert (f.facts.lru.misses, f.facts.lru.hits) == (1, 2)


def test_the_fact_cache_is_bounded() -> None:
    """Old texts are dropped once `cache.max_texts` is reached."""
    f = HallucinationFilter.from_rules(rules(cache={"max_texts": 2}))
    for n in range(5):
        check(make_exchange("It was 4,200.", context=[f"Chunk {n} says 4,200."]), f)
    assert len(f.facts.lru) == 2


# --- embedding groundedness ---------------------------------------------------------------------


class BagOfWords:
    """A fake embedder: hashed word counts, unit length. Same words => cosine 1."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def encode(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls.append(len(texts))
        out = []
        for text in texts:
            vector = [0.0] * 512
            for word in text.casefold().split():
                vector[zlib.crc32(word.strip(".,").encode()) % 512] += 1.0
            norm = sum(v * v for v in vector) ** 0.5 or 1.0
            out.append([v / norm for v in vector])
        return out


def test_groundedness_flags_the_sentence_unlike_any_context() -> None:
    """A sentence copied from the context scores 0; an unrelated one scores near 1."""
    output = "The warranty lasts two years. Penguins enjoy jazz music greatly."
    f = HallucinationFilter.from_rules(rules(embedding={"enabled": True}), embedder=BagOfWords())
    found = check(make_exchange(output, context=["The warranty lasts two years."]), f)
    assert [(f.category, output[f.start : f.end]) for f in found] == [
        ("ungrounded_sentence", "Penguins enjoy jazz music greatly.")
    ]
    assert found[0].score > 0.9


def test_passage_vectors_are_cached_between_exchanges() -> None:
    """The context is embedded once; later exchanges embed only their output."""
    fake = BagOfWords()
    scorer = GroundednessScorer(fake, max_sentences=4, max_segments=8, cache_size=16)
    for _ in range(2):
        scores = scorer.score(
            "The warranty lasts two years.", ["The warranty lasts two years."], lambda: False
        )
        assert scores is not None and scores[0].score == pytest.approx(0.0, abs=1e-9)
    assert fake.calls == [1, 1, 1]  # passages, output; then output only


def test_only_the_most_overlapping_passages_are_embedded() -> None:
    """A long context is cut to `max_segments` passages chosen by word overlap."""
    fake = BagOfWords()
    context = [f"Filler sentence number {n} about nothing in particular." for n in range(200)]
    context.insert(100, "The warranty lasts two years.")
    scorer = GroundednessScorer(fake, max_sentences=4, max_segments=3, cache_size=16)
    scores = scorer.score("The warranty lasts two years.", context, lambda: False)
    assert fake.calls[0] == 3
    assert scores is not None and scores[0].score == pytest.approx(0.0, abs=1e-9)


def test_sentences_and_passages_split_as_documented() -> None:
    """Short fragments are not scored; passages group sentences to about 400 characters."""
    text = "Yes. The warranty lasts two years! Is it transferable?"
    assert [text[s:e] for s, e in sentences(text, 10)] == [
        "The warranty lasts two years!",
        "Is it transferable?",
    ]
    assert len(passages("A sentence of some length. " * 40)) == 3
