"""Rules compiled once into per-field-kind plans, and matched with one RE2 set per view.

For each kind of text (user, context, output, ...) and each view the rules of the categories
that read that kind go into one `PatternSet`: one linear pass says which rules match at all,
and only those run again for their spans. A set that overflows its memory is detected (its
canary goes missing) and the rules are run one by one instead.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field

from sentinel.filters.content import catalogue
from sentinel.filters.content.config import ContentRule, ContentRules, rules_of
from sentinel.filters.content.detectors import is_secret
from sentinel.filters.content.engine import PatternSet, Regex
from sentinel.filters.content.normalize import TextViews
from sentinel.filters.content.patterns import fold_pattern, terms_pattern
from sentinel.values import FieldKind

VIEWS = ("normalized", "folded", "original")


@dataclass(frozen=True, slots=True)
class CompiledRule:
    category: str
    rule_id: str
    regex: Regex
    group: int  # 1: the first capturing group is the reported span (and the secret value)
    weight: float
    min_entropy: float | None
    key_group: int = 0  # > 0: hits whose group reads the same are one signal (`distinct_by`)


@dataclass(slots=True)
class ViewPlan:
    view: str
    rules: list[CompiledRule]
    patterns: PatternSet
    overflows: int = 0  # scans where the set ran out of memory and rules ran one by one


@dataclass(slots=True)
class KindPlan:
    """Everything to run on one kind of text."""

    views: list[ViewPlan] = field(default_factory=list)
    detectors: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class Hit:
    category: str
    rule_id: str
    start: int  # original characters
    end: int
    weight: float
    key: Hashable  # what makes two hits of a rule distinct (the matched text, a span)


def _source(rule: ContentRule) -> str:
    if rule.terms:
        return terms_pattern(rule.terms)
    assert rule.pattern is not None  # validated: terms or pattern
    return fold_pattern(rule.pattern) if rule.view == "normalized" else rule.pattern


def build_plans(rules: ContentRules) -> dict[FieldKind, KindPlan]:
    """Compile every enabled category's rules into one plan per kind of text."""
    compiled: dict[tuple[str, str], Regex] = {}
    grouped: dict[FieldKind, dict[str, list[CompiledRule]]] = defaultdict(lambda: defaultdict(list))
    plans: dict[FieldKind, KindPlan] = defaultdict(KindPlan)
    for name, category in rules.categories.items():
        if not category.enabled:
            continue
        candidates = rules_of(rules, name) + [
            rule for other in category.include_rules_from for rule in rules_of(rules, other)
        ]
        seen: set[str] = set()
        for rule in candidates:
            if rule.id in category.disabled_rules or rule.id in seen:
                continue
            seen.add(rule.id)
            source = _source(rule)
            key = (rule.view, source)
            if key not in compiled:
                compiled[key] = Regex(source, ignore_case=rule.view != "original")
            regex = compiled[key]
            # A secret-like rule (min_entropy) reports its first group: the value, not its label.
            group = 1 if regex.groups and rule.min_entropy is not None else 0
            key_group = regex.group_names[rule.distinct_by] if rule.distinct_by else 0
            entry = CompiledRule(
                name, rule.id, regex, group, rule.weight, rule.min_entropy, key_group
            )
            for kind in category.fields:
                grouped[kind][rule.view].append(entry)
        if name in catalogue.DETECTORS:
            for kind in category.fields:
                plans[kind].detectors.add(name)
    # Kinds that read the same rules in a view share one set (and so its DFA cache, which
    # texts of every kind warm up): the original view's rules are usually the same for all.
    sets: dict[tuple[str, tuple[str, ...]], PatternSet] = {}
    for kind, by_view in grouped.items():
        for view in VIEWS:
            entries = by_view.get(view)
            if entries:
                shared = (view, tuple(e.regex.pattern for e in entries))
                if shared not in sets:
                    sets[shared] = PatternSet(
                        list(shared[1]), max_mem=rules.max_mem_bytes, ignore_case=view != "original"
                    )
                plans[kind].views.append(ViewPlan(view, entries, sets[shared]))
    return dict(plans)


def match_rules(
    plan: ViewPlan, views: TextViews, rules: ContentRules, max_spans_per_rule: int
) -> list[Hit]:
    """Hits of the rules of one view plan, mapped to the original text."""
    data = views.encoded(plan.view)
    matched = plan.patterns.match(data)
    if matched is None:
        plan.overflows += 1
        matched = [i for i, rule in enumerate(plan.rules) if rule.regex.search(data)]
    found: list[tuple[CompiledRule, int, int, bytes]] = []
    for index in matched:
        rule = plan.rules[index]
        count = 0
        for start, end, key in _spans(rule, data):
            if rule.min_entropy is not None and not is_secret(
                data[start:end], rule.min_entropy, rules.secrets
            ):
                continue
            found.append((rule, start, end, key))
            count += 1
            if count >= max_spans_per_rule:
                break
    if not found:
        return []
    spans = views.to_original(plan.view, [(s, e) for _, s, e, _ in found])
    return [
        Hit(rule.category, rule.rule_id, start, end, rule.weight, key)
        for (rule, _, _, key), (start, end) in zip(found, spans, strict=True)
    ]


def _spans(rule: CompiledRule, data: bytes) -> Iterator[tuple[int, int, bytes]]:
    """(start, end, what makes the hit distinct) of each match of `rule` in `data`."""
    if not rule.key_group:
        for start, end in rule.regex.spans(data, rule.group):
            yield start, end, data[start:end]
        return
    for (start, end), (key_start, key_end) in rule.regex.group_spans(
        data, rule.group, rule.key_group
    ):
        if start >= 0:
            yield start, end, data[key_start:key_end].lower()
