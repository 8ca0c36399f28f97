"""The content filter: harmful content, advice, injection, secrets, unicode tricks, exfil links.

Built once from `kind: content` rules (all patterns compiled into RE2 sets there). `check`
walks the exchange's fields in scan order, asks the budget between fields, and reports
spans in the original text, never the matched text. Context chunks and system prompts are
cached by content hash (`scan.digest`), so a chunk retrieved again and again, or the system
prompt every request repeats, is scanned once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from cachetools import LRUCache

from sentinel.events.exchange import Exchange
from sentinel.filters.base import Filter, Scan, TextField
from sentinel.filters.content.config import CategoryRules, ChannelScoring, ContentRules
from sentinel.filters.content.decode import encoded_payloads
from sentinel.filters.content.detectors import exfil_links, homoglyphs, invisible
from sentinel.filters.content.distance import Distance
from sentinel.filters.content.injection import (
    FOLLOWED,
    SCORE_RULE,
    InjectionScorer,
    followed_findings,
)
from sentinel.filters.content.matcher import (
    Hit,
    KindPlan,
    ViewPlan,
    build_plans,
    match_rules,
)
from sentinel.filters.content.normalize import TextViews
from sentinel.values import FieldKind, Finding

# (category, rule id, start, end, score): a finding without its field, cacheable per text.
Local = tuple[str, str, int, int, float]
# What one text gives: its local findings and its injection score (-1: not scored).
Scanned = tuple[tuple[Local, ...], float]
# Kinds whose texts recur verbatim across exchanges (retrieved chunks, system prompts): a
# text's scan is a function of its text and kind alone, so it is kept by content hash.
_CACHED_KINDS = frozenset({"context", "system"})


class ContentFilter(Filter):
    name = "content"

    def __init__(self, rules: ContentRules) -> None:
        self.rules = rules
        self._policies: dict[str, CategoryRules] = {
            name: category for name, category in rules.categories.items() if category.enabled
        }
        self._plans: dict[FieldKind, KindPlan] = build_plans(rules) if rules.enabled else {}
        # (kind, text digest) -> its findings and score; a hit becomes the most recently used.
        self._cache_entries = rules.context_cache_entries
        self._cache: LRUCache[tuple[str, bytes], Scanned] = LRUCache(max(1, self._cache_entries))
        self._injection = InjectionScorer(rules.injection) if rules.enabled else None
        self.scanned_texts = 0  # texts actually scanned (cache hits excluded)

    @classmethod
    def from_rules(cls, rules: ContentRules) -> ContentFilter:
        return cls(rules)

    @property
    def set_overflows(self) -> int:
        """Scans where an RE2 set ran out of memory (the rules then ran one by one)."""
        return sum(v.overflows for plan in self._plans.values() for v in plan.views)

    def check(self, exchange: Exchange, scan: Scan) -> list[Finding]:
        findings: list[Finding] = []
        if not self._plans:
            return findings
        scored: list[tuple[TextField, float]] = []
        for text_field in scan.fields:
            if scan.expired():
                scan.mark_partial(self.name, "time_budget")
                break
            plan = self._plans.get(text_field.kind)
            if plan is None or not text_field.text:
                continue
            local, score = self._field_scan(text_field, plan, scan)
            findings.extend(self._findings(text_field, local))
            if score >= 0:
                scan.record_score(f"injection.{text_field.kind}", score)
                scored.append((text_field, score))
        if self._injection is not None and scored:
            follow = followed_findings(self.rules.injection, scored, scan.fields, self.name)
            if follow:
                scan.record_score(FOLLOWED, 1.0)
            findings.extend(follow)
        return findings

    def scan_text(self, text: str, kind: FieldKind) -> tuple[Local, ...]:
        """Findings (without field) for `text` read as a field of `kind`; for tools and tests."""
        return self.scan_scored(text, kind)[0]

    def scan_scored(self, text: str, kind: FieldKind) -> Scanned:
        """Findings and injection score (-1: not scored) of `text` read as `kind`."""
        plan = self._plans.get(kind)
        return self._scan(text, plan, kind) if plan is not None else ((), -1.0)

    def _field_scan(self, text_field: TextField, plan: KindPlan, scan: Scan) -> Scanned:
        if text_field.kind in _CACHED_KINDS and self._cache_entries > 0:
            key = (text_field.kind, scan.digest(text_field.text))
            found = self._cache.get(key)
            if found is None:
                found = self._scan(text_field.text, plan, text_field.kind)
                self._cache[key] = found  # the least recently used goes when full
            return found
        return self._scan(text_field.text, plan, text_field.kind)

    def _findings(self, text_field: TextField, local: tuple[Local, ...]) -> list[Finding]:
        if not local:
            return []
        out = []
        channel = self.rules.injection.channels.get(text_field.kind)
        for category, rule_id, start, end, score in local:
            policy: CategoryRules | ChannelScoring
            if channel is not None and rule_id.startswith(SCORE_RULE):
                policy = channel
            else:
                policy = self._policies[category]
            out.append(
                Finding(
                    filter=self.name,
                    category=category,
                    severity=policy.severity,
                    field=text_field.name,
                    field_kind=text_field.kind,
                    start=start,
                    end=end,
                    score=score,
                    rule_id=rule_id,
                    action=policy.action,
                )
            )
        return out

    def _scan(self, text: str, plan: KindPlan, kind: FieldKind) -> Scanned:
        self.scanned_texts += 1
        views = TextViews(text)
        score, scored = -1.0, None
        channel = self.rules.injection.channels.get(kind)
        scoring = self._injection is not None and channel is not None
        text_plans = [v for v in plan.views if v.view != "original"]
        # Encoded payloads are found and decoded once, for the score and the rules alike.
        payloads: list[tuple[int, int, TextViews]] = []
        if self.rules.decode_payloads and (scoring or text_plans):
            payloads = [(s, e, TextViews(decoded)) for s, e, decoded in encoded_payloads(text)]
        if self._injection is not None and channel is not None:
            score, scored = self._injection.score(views, channel)
            for start, end, inner_views in payloads:  # an encoded payload is scored too
                inner, found = self._injection.score(inner_views, channel)
                if inner > score:
                    score = inner
                    if found is not None:
                        category, rule_id, _, _, value = found
                        scored = (category, f"{rule_id}/decoded", start, end, value)
        local = self._scan_views(text, views, plan, text_plans, payloads, kind)
        return ((*local, scored) if scored else local), score

    def _scan_views(
        self,
        text: str,
        views: TextViews,
        plan: KindPlan,
        text_plans: list[ViewPlan],
        payloads: list[tuple[int, int, TextViews]],
        kind: FieldKind,
    ) -> tuple[Local, ...]:
        limit = self.rules.max_findings_per_category
        hits: list[Hit] = []
        for view_plan in plan.views:
            hits += match_rules(view_plan, views, self.rules, limit)
        if text_plans and payloads:
            hits += self._decoded_hits(text_plans, payloads, limit)
        if "invisible_unicode" in plan.detectors and views.has_invisible:
            hits += [
                Hit("invisible_unicode", rule_id, s, e, w, (s, e))
                for s, e, rule_id, w in invisible(text, self.rules.unicode, limit)
            ]
        if "homoglyph" in plan.detectors:
            hits += [
                Hit("homoglyph", rule_id, s, e, w, (s, e)) for s, e, rule_id, w in homoglyphs(views)
            ]
        if "exfil_link" in plan.detectors:
            links = list(exfil_links(views, self.rules.exfil))[:limit]
            spans = views.to_original("original", [(s, e) for s, e, _, _ in links])
            hits += [
                Hit("exfil_link", rule_id, s, e, w, (s, e))
                for (_, _, rule_id, w), (s, e) in zip(links, spans, strict=True)
            ]
        request_chars = len(text) if kind == "user" else 0
        return self._decide(hits, limit, request_chars, Distance(views))

    def _decoded_hits(
        self, plans: list[ViewPlan], payloads: list[tuple[int, int, TextViews]], limit: int
    ) -> list[Hit]:
        """Rules run on decoded payloads; a hit spans the whole encoded text."""
        hits: list[Hit] = []
        for start, end, inner in payloads:
            for view_plan in plans:
                for hit in match_rules(view_plan, inner, self.rules, limit):
                    rule_id = f"{hit.rule_id}/decoded"
                    hits.append(Hit(hit.category, rule_id, start, end, hit.weight, hit.key))
        return hits

    def _decide(
        self, hits: list[Hit], limit: int, request_chars: int = 0, distance: Distance | None = None
    ) -> tuple[Local, ...]:
        """Categories whose score reaches their threshold, with their spans (capped). In a
        user message of `request_chars` at or above a category's `long_request_chars`, its
        weak signals count at the category's `long_request_weak_factor`; a hit that is only
        talked about (cited, negated: `distance`) counts at the category's factor for it."""
        if not hits:
            return ()
        by_category: dict[str, list[Hit]] = defaultdict(list)
        for hit in hits:
            by_category[hit.category].append(hit)
        out: list[Local] = []
        for category, found in by_category.items():
            policy = self._policies[category]
            found.sort(key=lambda h: (h.start, h.end))
            counted = found
            if 0 < policy.long_request_chars <= request_chars:
                factor = policy.long_request_weak_factor
                counted = [
                    replace(h, weight=h.weight * factor) if 0 < h.weight < 1 else h for h in found
                ]
            if distance is not None:
                counted = _distanced(counted, policy, distance)
            total = _score(counted, policy.window_chars)
            if total < policy.threshold:
                continue
            score = round(min(1.0, total), 3)
            seen: set[tuple[int, int]] = set()
            for hit in found:
                if hit.weight < 0 or (hit.start, hit.end) in seen:
                    continue  # counter-evidence is not a finding
                seen.add((hit.start, hit.end))
                out.append((category, hit.rule_id, hit.start, hit.end, score))
                if len(seen) >= limit:
                    break
        return tuple(out)


def _distanced(hits: list[Hit], policy: CategoryRules, distance: Distance) -> list[Hit]:
    """`hits` with the positive ones that are cited or negated scaled by the policy's
    factors (the category's settings say which context counts)."""
    cited, negated = policy.cited_factor, policy.negated_factor
    if cited >= 1 and negated >= 1:
        return hits
    out = []
    for hit in hits:
        factor = 1.0
        # A decoded payload's hit spans its encoded text: quotes around it carry the
        # payload, they do not cite it.
        decoded = hit.rule_id.endswith("/decoded")
        if hit.weight > 0 and cited < 1 and not decoded and distance.cited(hit.start, hit.end):
            factor = cited
        if hit.weight > 0 and negated < 1 and distance.negated(hit.start, hit.end):
            factor = min(factor, negated)
        out.append(replace(hit, weight=hit.weight * factor) if factor < 1 else hit)
    return out


def _score(hits: list[Hit], window: int) -> float:
    """The category score: the best sum of distinct positive signals over the text (window
    0) or over any `window` characters, plus the counter-evidence found anywhere in the
    text; counter-evidence never cancels the strongest single signal. One stretch of text
    matched by two rules of the category is one piece of evidence (its strongest rule)."""
    positive = _one_per_span([h for h in hits if h.weight > 0])
    negative = sum({(h.rule_id, h.key): h.weight for h in hits if h.weight < 0}.values())
    strongest = max((h.weight for h in positive), default=0.0)
    if window <= 0:
        best = sum({(h.rule_id, h.key): h.weight for h in positive}.values())
    else:
        best, left = 0.0, 0
        inside: dict[tuple[str, object], int] = defaultdict(int)
        weights: dict[tuple[str, object], float] = {}
        for hit in positive:  # sorted by start
            key = (hit.rule_id, hit.key)
            inside[key] += 1
            weights[key] = hit.weight
            while positive[left].start < hit.end - window:
                old = (positive[left].rule_id, positive[left].key)
                inside[old] -= 1
                if not inside[old]:
                    del inside[old], weights[old]
                left += 1
            best = max(best, sum(weights.values()))
    return max(best + negative, strongest)


def _one_per_span(hits: list[Hit]) -> list[Hit]:
    """The strongest hit of each span (hits sorted by start): two rules that match the same
    words ("stay in character" is both a persona switch and a break-character cue) do not
    add up to a finding on their own."""
    best: dict[tuple[int, int], Hit] = {}
    for hit in hits:
        span = (hit.start, hit.end)
        if span not in best or hit.weight > best[span].weight:
            best[span] = hit
    return list(best.values()) if len(best) < len(hits) else hits
