"""The hallucination filter: citations, unsupported claims, tool calls, groundedness.

Order of work (cheapest and most certain first, so a short budget still checks them):
tool calls, then citations, then claims against the support texts, then the optional
embedding score. The budget is checked between steps and between support texts; when it
runs out the filter returns what it found and marks the scan partial (`time_budget`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from sentinel.events.exchange import Exchange
from sentinel.events.model import ContextChunk, Event, ToolCall
from sentinel.filters.base import Filter, Scan, TextField
from sentinel.filters.hallucination.citations import ContextIndex, find_citations
from sentinel.filters.hallucination.claims import Claim, ClaimKind, extract_claims
from sentinel.filters.hallucination.config import Check, HallucinationRules, Scored
from sentinel.filters.hallucination.groundedness import (
    SentenceRisk,
    SupportView,
    response_risk,
    sentence_risk,
    sentence_spans,
)
from sentinel.filters.hallucination.grounding import Embedder, GroundednessScorer, load_embedder
from sentinel.filters.hallucination.support import FactCache, Support
from sentinel.filters.hallucination.tools import SchemaCache, check_calls
from sentinel.values import HALLUCINATION_RISK_SCORE, Finding

_CODE = re.compile(r"```.*?(?:```|$)|`[^`\n]+`", re.DOTALL)
_SENTENCES_PER_LOOK = 64  # sentences scored between two looks at the time budget
_CLAIM_CATEGORY: dict[ClaimKind, str] = {
    "number": "unsupported_number",
    "date": "unsupported_number",
    "url": "unsupported_url",
    "entity": "unsupported_entity",
}
_CLAIM_RULE: dict[ClaimKind, str] = {
    "number": "claims.numbers:number",
    "date": "claims.numbers:date",
    "url": "claims.urls",
    "entity": "claims.entities",
}
_GROUP: dict[ClaimKind, str] = {  # claim kind -> its block under `claims:` in the rules
    "number": "numbers",
    "date": "numbers",
    "url": "urls",
    "entity": "entities",
}
_TOOL_RULES = {  # finding category -> its block under `tools:` in the rules
    "undeclared_tool": "undeclared",
    "invalid_tool_arguments": "arguments",
    "invalid_tool_schema": "invalid_schema",
}


@dataclass
class Tally:
    """Items checked by one heuristic and those unsupported: score = unsupported / total."""

    total: int = 0
    unsupported: int = 0

    @property
    def score(self) -> float:
        return self.unsupported / self.total if self.total else 0.0


@dataclass
class Assessment:
    """Everything one check measured; `findings` is what `check` returns."""

    findings: list[Finding] = field(default_factory=list)
    citations: Tally = field(default_factory=Tally)
    claims: dict[str, Tally] = field(default_factory=dict)  # numbers, urls, entities
    sentence_scores: list[float] = field(default_factory=list)
    unsupported_at: list[int] = field(default_factory=list)  # starts of unsupported items
    risk: float | None = None  # the groundedness score (None: not measured)
    sentence_risks: list[SentenceRisk] = field(default_factory=list)
    complete: bool = True

    @property
    def claim_score(self) -> float:
        """Unsupported / total over every kind of claim (0 when there is none)."""
        total = sum(t.total for t in self.claims.values())
        return sum(t.unsupported for t in self.claims.values()) / total if total else 0.0


class HallucinationFilter(Filter):
    name = "hallucination"

    def __init__(self, rules: HallucinationRules, embedder: Embedder | None = None) -> None:
        self.rules = rules
        self.facts = FactCache(rules.cache.max_texts, rules.cache.max_chars)
        self.schemas = SchemaCache(rules.tools.schema_cache_size)
        self.grounding: GroundednessScorer | None = None
        e = rules.embedding
        if e.enabled:
            model = embedder if embedder is not None else load_embedder(e.device)
            self.grounding = GroundednessScorer(
                model, e.max_output_sentences, e.max_context_segments, e.cache_size
            )

    @classmethod
    def from_rules(
        cls, rules: HallucinationRules, embedder: Embedder | None = None
    ) -> HallucinationFilter:
        return cls(rules, embedder)

    def check(self, exchange: Exchange, scan: Scan) -> list[Finding]:
        return self.assess(exchange, scan).findings

    def assess(self, exchange: Exchange, scan: Scan) -> Assessment:
        result = Assessment()
        if not self.rules.enabled:
            return result
        request = exchange.request or exchange.response
        response = exchange.response
        if response is not None and response.output is not None and request is not None:
            self._tools(response.output.tool_calls, request, result)
        output = next((f.text for f in scan.fields if f.name == "output"), "")
        if not output or request is None:
            return result
        if not self._step(scan, result):
            return result
        chunks = [c for c in request.context if c.text or c.source or c.id]
        has_context = any(c.text for c in chunks)
        rules = self.rules.citations
        if not has_context and not (rules.enabled and rules.check_without_context):
            return result  # without context only citations are checked, and only then
        code = (
            [m.span() for m in _CODE.finditer(output)]
            if self.rules.claims.ignore_code and "`" in output  # every code span has one
            else []
        )
        index = ContextIndex(chunks, rules.id_prefixes)
        found = find_citations(output, index, code, expired=scan.expired)
        if found is None:  # the budget ran out among the citations
            self._step(scan, result)
            return result
        citations, spans = found
        context = [f for f in scan.fields if f.kind == "context"]
        if has_context:
            self._note_truncation(chunks, context, scan)
        if citations and rules.enabled and (has_context or rules.check_without_context):
            urls: frozenset[str] = frozenset()
            if any(c.form == "url" for c in citations):
                urls = frozenset().union(
                    *(self.facts.facts(f.text, scan.digest(f.text)).urls for f in context)
                )
            unsupported = [c for c in citations if not index.supports(c, urls)]
            result.citations = Tally(len(citations), len(unsupported))
            result.unsupported_at += [c.start for c in unsupported]
            for c in unsupported:
                self._emit(
                    result,
                    rules,
                    result.citations.score,
                    "unsupported_citation",
                    c.start,
                    c.end,
                    f"citations:{c.form}",
                )
        if not has_context or not self._step(scan, result):
            return result
        self._claims(output, spans, scan, index, result)
        if self.rules.groundedness.enabled and self._step(scan, result):
            self._ground(output, code, scan, result)
        if self.grounding is not None and self._step(scan, result):
            self._groundedness(output, context, scan, result)
        return result

    def _step(self, scan: Scan, result: Assessment) -> bool:
        """False (and the scan marked partial) once the time budget has run out."""
        if scan.expired():
            scan.mark_partial(self.name, "time_budget")
            result.complete = False
            return False
        return True

    def _note_truncation(
        self, chunks: Sequence[ContextChunk], scanned: Sequence[TextField], scan: Scan
    ) -> None:
        """Claims the unscanned context might support are still reported: say so."""
        if sum(len(f.text) for f in scanned) < sum(len(c.text) for c in chunks):
            scan.mark_partial(self.name, "context_truncated")

    def _tools(self, calls: Sequence[ToolCall], request: Event, result: Assessment) -> None:
        if not calls:
            return
        rules = self.rules.tools
        issues = check_calls(calls, request.tools, self.schemas, rules.check_without_declarations)
        for issue in issues:
            key = _TOOL_RULES[issue.category]
            check: Check = getattr(rules, key)
            rule = f"tools.{key}" if key == "undeclared" else f"tools.{key}:{issue.detail}"
            if check.enabled:
                result.findings.append(
                    Finding(
                        filter=self.name,
                        category=issue.category,
                        severity=check.severity,
                        field=f"tool_call[{issue.index}]:{issue.name}",
                        field_kind="tool_call",
                        start=issue.start,
                        end=issue.end,
                        score=1.0,
                        rule_id=rule,
                        action=check.action,
                    )
                )

    def _claims(
        self,
        output: str,
        skip: list[tuple[int, int]],
        scan: Scan,
        index: ContextIndex,
        result: Assessment,
    ) -> None:
        rules = self.rules.claims
        claims = extract_claims(
            output,
            skip,
            small_integer_max=rules.numbers.small_integer_max,
            numbers=rules.numbers.enabled,
            urls=rules.urls.enabled,
            entities=rules.entities.enabled,
            single_words=rules.entities.single_words,
        )
        if not claims:
            return
        sources = set(rules.support_from)
        texts = [f.text for f in scan.fields if f.kind in sources]
        facts = [self.facts.facts(t, scan.digest(t)) for t in texts]
        support = Support(facts, index.source_urls)
        unsupported: dict[str, list[Claim]] = {"numbers": [], "urls": [], "entities": []}
        for claim in claims:
            group = _GROUP[claim.kind]
            tally = result.claims.setdefault(group, Tally())
            found = support.supports(claim, rules.numbers.allow_rounding, scan.expired)
            if found is None:
                self._step(scan, result)
                result.claims.clear()  # a partial tally would understate the score
                return
            tally.total += 1
            if not found:
                tally.unsupported += 1
                unsupported[group].append(claim)
                result.unsupported_at.append(claim.start)
        settings: dict[str, Scored] = {
            "numbers": rules.numbers,
            "urls": rules.urls,
            "entities": rules.entities,
        }
        for group, items in unsupported.items():
            for claim in items:
                self._emit(
                    result,
                    settings[group],
                    result.claims[group].score,
                    _CLAIM_CATEGORY[claim.kind],
                    claim.start,
                    claim.end,
                    _CLAIM_RULE[claim.kind],
                )

    def _ground(
        self, output: str, code: list[tuple[int, int]], scan: Scan, result: Assessment
    ) -> None:
        """The response's groundedness risk; findings on its least-supported sentences."""
        rules = self.rules.groundedness
        sources = set(self.rules.claims.support_from)
        texts = [f.text for f in scan.fields if f.kind in sources and f.text]
        support = SupportView.lazy(
            [self.facts.facts(t, scan.digest(t)) for t in texts], rules.max_pair_chars, scan.expired
        )
        risks = []
        claim_starts = sorted(result.unsupported_at)
        for n, (start, end) in enumerate(sentence_spans(output, code)):
            if not n % _SENTENCES_PER_LOOK and not self._step(scan, result):
                return  # an output of a million sentences outlasts any budget
            risk = sentence_risk(output, start, end, support, claim_starts)
            if support.expired:
                self._step(scan, result)
                return
            risks.append(SentenceRisk(start, end, risk))
        result.sentence_risks = risks
        result.risk = response_risk([r.risk for r in risks])
        scan.record_score(HALLUCINATION_RISK_SCORE, result.risk)
        if result.risk < rules.threshold or not risks:
            return
        worst = sorted(risks, key=lambda r: -r.risk)[: rules.max_spans]
        for r in sorted(worst, key=lambda r: r.start):
            self._emit(
                result, rules, result.risk, "ungrounded_response", r.start, r.end, "groundedness"
            )

    def _groundedness(
        self, output: str, context: Sequence[TextField], scan: Scan, result: Assessment
    ) -> None:
        assert self.grounding is not None
        scores = self.grounding.score(output, [f.text for f in context], scan.expired)
        if scores is None:
            self._step(scan, result)
            return
        result.sentence_scores = [s.score for s in scores]
        for s in scores:
            self._emit(
                result,
                self.rules.embedding,
                s.score,
                "ungrounded_sentence",
                s.start,
                s.end,
                "embedding",
            )

    def _emit(
        self,
        result: Assessment,
        rule: Scored,
        score: float,
        category: str,
        start: int,
        end: int,
        rule_id: str,
    ) -> None:
        if not rule.enabled or score < rule.threshold or score <= 0.0:
            return
        result.findings.append(
            Finding(
                filter=self.name,
                category=category,
                severity=rule.severity,
                field="output",
                field_kind="output",
                start=start,
                end=end,
                score=round(score, 4),
                rule_id=rule_id,
                action=rule.action,
            )
        )
