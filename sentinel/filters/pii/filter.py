"""The pii filter: Presidio's findings in each field, leaks, and the action for each.

Per field kind the rules name the entities to look for and the action. A finding in the
output or tool-call arguments whose value the user did not write in their own messages is a
leak (`Finding.leak`), with the leak action (block by default). Findings carry spans, never
the matched text. Identical context chunks (RAG documents repeat across requests) are
scanned once: their findings are kept in a bounded LRU keyed by a hash of the text.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from presidio_analyzer import RecognizerResult

from sentinel.events.exchange import Exchange
from sentinel.filters.base import Filter, Scan, TextField
from sentinel.filters.pii.config import PiiRules
from sentinel.filters.pii.engine import build_engine
from sentinel.filters.pii.fast import FastAnalyzer
from sentinel.filters.pii.leaks import UserValues, normalization, normalize
from sentinel.filters.pii.overlaps import resolve
from sentinel.filters.pii.plausible import plausible
from sentinel.values import ACTION_RANK, Action, Finding, Severity

LEAK_FIELDS = frozenset({"output", "tool_call"})
SEVERITIES: dict[str, Severity] = {
    "US_SSN": "high",
    "CREDIT_CARD": "high",
    "IBAN_CODE": "high",
    "EMAIL_ADDRESS": "medium",
    "PHONE_NUMBER": "medium",
    "PERSON": "medium",
    "IP_ADDRESS": "low",
    "LOCATION": "low",
    "ORGANIZATION": "low",
    "NRP": "low",
    "DATE_TIME": "info",
}
_SEVERITY_RANK = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
_NAME = RecognizerResult.RECOGNIZER_NAME_KEY


@dataclass(frozen=True, slots=True)
class Hit:
    """A finding before policy: what, where, how sure, which recognizer."""

    entity: str
    start: int
    end: int
    score: float
    recognizer: str


class PiiFilter(Filter):
    name = "pii"

    def __init__(self, rules: PiiRules, analyzer: FastAnalyzer) -> None:
        self.rules = rules
        self.analyzer = analyzer
        available = set(rules.entities) | {c.entity for c in rules.custom_recognizers}
        if analyzer.engine.ner is not None:
            available |= set(rules.ner_entities)
        self._entities: dict[str, tuple[str, ...]] = {}
        for kind, rule in rules.fields:
            if rule.enabled:
                wanted = available if rule.entities is None else set(rule.entities) & available
                self._entities[kind] = tuple(sorted(wanted))
        self._normalize = {c.entity: c.normalize for c in rules.custom_recognizers}
        self._literal_entities = frozenset(
            c.entity for c in rules.custom_recognizers if c.reject_code_literals
        )
        self._severity = {**SEVERITIES, **{c.entity: c.severity for c in rules.custom_recognizers}}
        self._allowed = {
            how: {normalize(v, how) for v in rules.allow} - {""}
            for how in ("text", "digits", "alnum")
        }
        self._cache: OrderedDict[bytes, tuple[Hit, ...]] = OrderedDict()
        self.cache_hits = 0

    @classmethod
    def from_rules(cls, rules: PiiRules) -> PiiFilter:
        """Build Presidio (offline) and the fast path once; heavy, so only at start-up."""
        return cls(rules, FastAnalyzer(build_engine(rules)))

    def check(self, exchange: Exchange, scan: Scan) -> list[Finding]:
        findings: list[Finding] = []
        if not self.rules.enabled:
            return findings
        user = UserValues(f.text for f in scan.fields if f.kind == "user")
        for field in scan.fields:
            entities = self._entities.get(field.kind)
            if not entities:
                continue
            if scan.expired():
                scan.mark_partial(self.name, "time_budget")
                break
            hits, complete = self._hits(field, entities, scan)
            if hits:
                findings += self._findings(field, hits, user)
            if not complete:
                scan.mark_partial(self.name, "time_budget")
                break
        return findings

    def _hits(
        self, field: TextField, entities: tuple[str, ...], scan: Scan
    ) -> tuple[tuple[Hit, ...], bool]:
        key = b""
        if field.kind == "context" and self.rules.context_cache_entries:
            key = scan.digest(field.text)
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                self.cache_hits += 1
                return cached, True
        results, complete = self.analyzer.analyze(field.text, entities, scan.expired)
        hits: tuple[Hit, ...] = ()
        if results:  # nothing to judge or order otherwise (most texts)
            results = resolve(self.judge(field.text, results))
            hits = tuple(_hit(r) for r in sorted(results, key=lambda r: (r.start, r.end)))
        if key and complete:
            self._cache[key] = hits
            if len(self._cache) > self.rules.context_cache_entries:
                self._cache.popitem(last=False)
        return hits, complete

    def judge(self, text: str, results: list[RecognizerResult]) -> list[RecognizerResult]:
        """Drop results their surroundings reject (`plausible.py`); the context mode only."""
        if self.rules.recognizers != "context":
            return results
        return plausible(text, results, self._literal_entities)

    def _findings(self, field: TextField, hits: tuple[Hit, ...], user: UserValues) -> list[Finding]:
        rule = getattr(self.rules.fields, field.kind)
        leak_rule = self.rules.leak
        found = []
        for hit in hits:
            value = field.text[hit.start : hit.end]
            how = normalization(hit.entity, self._normalize)
            if normalize(value, how) in self._allowed[how]:
                continue
            leak = (
                leak_rule.enabled
                and field.kind in LEAK_FIELDS
                and not user.supplied(hit.entity, value, how)
            )
            action: Action = rule.action
            severity = self._severity.get(hit.entity, "medium")
            if leak:
                if ACTION_RANK[leak_rule.action] > ACTION_RANK[action]:
                    action = leak_rule.action
                if _SEVERITY_RANK[leak_rule.severity] > _SEVERITY_RANK[severity]:
                    severity = leak_rule.severity
            found.append(
                Finding(
                    filter=self.name,
                    category=hit.entity,
                    severity=severity,
                    field=field.name,
                    field_kind=field.kind,
                    start=hit.start,
                    end=hit.end,
                    score=round(hit.score, 4),
                    rule_id=hit.recognizer,
                    action=action,
                    leak=leak,
                )
            )
        return found


def _hit(result: RecognizerResult) -> Hit:
    recognizer = (result.recognition_metadata or {}).get(_NAME, "")
    return Hit(result.entity_type, result.start, result.end, result.score, recognizer)
