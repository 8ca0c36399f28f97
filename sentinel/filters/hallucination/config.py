"""`kind: hallucination` rules: one block per heuristic, every field defaulted.

A heuristic gives each output a score in [0, 1]; it raises findings when the score is at
least its `threshold` and something is unsupported. Tool checks are certain (score 1.0),
so they carry an action and a severity but no threshold. See docs/hallucination.md.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sentinel.rules.base import RulesFile, Strict
from sentinel.values import Action, Severity

SupportSource = Literal["context", "user", "system", "tool", "assistant"]

_THRESHOLD = "A finding is raised when the score (unsupported / total) is at least this."


class Check(Strict):
    """A heuristic without a score threshold."""

    enabled: bool = True
    action: Action = "flag"
    severity: Severity = "medium"


class Scored(Check):
    """A heuristic whose per-output score is compared with `threshold`."""

    threshold: float = Field(default=0.0, ge=0.0, le=1.0, description=_THRESHOLD)


class Citations(Scored):
    check_without_context: bool = Field(
        default=False,
        description="Check citations when the exchange has no context (all are then unsupported).",
    )
    id_prefixes: list[str] = Field(
        default_factory=lambda: [
            *("doc", "document", "source", "passage", "chunk", "kb", "snippet", "excerpt")
        ],
        description="Words that make a bare `doc-3` or `Document 2` a citation. The letter "
        "prefixes of the context's own chunk ids are always added.",
    )


class Numbers(Scored):
    small_integer_max: int = Field(
        default=10,
        ge=-1,
        description="Bare integers from 0 to this are not claims (list markers, small counts). "
        "-1 counts every number.",
    )
    allow_rounding: bool = Field(
        default=True,
        description="A number with 2 or 3 significant digits is supported by a more precise "
        "context number that rounds to it (1.2 million by 1,234,567).",
    )


class Entities(Scored):
    threshold: float = Field(default=0.5, ge=0.0, le=1.0, description=_THRESHOLD)
    severity: Severity = "low"
    single_words: bool = Field(
        default=False,
        description="Also count single capitalised words that do not start a sentence.",
    )


class Claims(Strict):
    """Numbers, dates, URLs and names in the output that no support text contains.

    Only checked when the exchange has context (RAG)."""

    support_from: list[SupportSource] = Field(
        default_factory=lambda: list[SupportSource](["context", "user", "system", "tool"]),
        description="Texts whose numbers, URLs and names count as support.",
    )
    ignore_code: bool = Field(
        default=True, description="Skip fenced and inline code in the output."
    )
    numbers: Numbers = Field(default_factory=Numbers)
    urls: Scored = Field(default_factory=Scored)
    entities: Entities = Field(default_factory=Entities)


class Tools(Strict):
    undeclared: Check = Field(default_factory=lambda: Check(severity="high"))
    arguments: Check = Field(default_factory=Check)
    invalid_schema: Check = Field(
        default_factory=lambda: Check(action="allow", severity="info"),
        description="A declared schema that is not valid JSON Schema 2020-12: reported, and "
        "that tool's arguments are not checked.",
    )
    check_without_declarations: bool = Field(
        default=False,
        description="Call a tool undeclared when the exchange declares no tools at all "
        "(producers may not send them).",
    )
    schema_cache_size: int = Field(
        default=1024, ge=1, description="Compiled validators kept, by schema hash."
    )


class Embedding(Scored):
    """Sentence-embedding groundedness (needs the optional `embeddings` extra)."""

    enabled: bool = False
    threshold: float = Field(
        default=0.6,
        ge=0.0,
        le=1.0,
        description="Score = 1 - best cosine similarity of an output sentence to the context.",
    )
    severity: Severity = "low"
    device: str = Field(default="cpu", description="torch device for the model.")
    max_output_sentences: int = Field(default=16, ge=1)
    max_context_segments: int = Field(
        default=32, ge=1, description="Context passages embedded, chosen by word overlap."
    )
    cache_size: int = Field(default=8192, ge=1, description="Passage embeddings kept.")


class Groundedness(Scored):
    """The lexical groundedness score of a response (docs/hallucination.md)."""

    threshold: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="Risk (0 = every sentence supported, 1 = none) at or above which the "
        "response is flagged; calibrated to a stated share of flagged faithful answers.",
    )
    severity: Severity = "medium"
    max_spans: int = Field(
        default=2, ge=1, le=16, description="Least-supported sentences named in findings."
    )
    max_pair_chars: int = Field(
        default=1_000_000,
        ge=0,
        description="Support texts longer than this are read for words only, not word "
        "pairs (pairs of a 4 MB text cost about a second once, then come from the cache).",
    )


class Cache(Strict):
    """Preprocessed support texts (number, date, URL and word sets), by content hash."""

    max_texts: int = Field(default=4096, ge=1)
    # ~64 M characters of source text: a few hundred 2 KB chunks plus a dozen 4 MB contexts.
    max_chars: int = Field(default=64_000_000, ge=1)


class HallucinationRules(RulesFile):
    kind: Literal["hallucination"]
    enabled: bool = True
    citations: Citations = Field(default_factory=Citations)
    claims: Claims = Field(default_factory=Claims)
    tools: Tools = Field(default_factory=Tools)
    groundedness: Groundedness = Field(default_factory=Groundedness)
    embedding: Embedding = Field(default_factory=Embedding)
    cache: Cache = Field(default_factory=Cache)
