"""Structural signals of text that addresses the model from a data channel, as one score.

The signals (`sentinel/data/content/injection_signals.yaml`) are kinds of evidence — an
addressee ("note to the assistant reading this"), a fake turn or chat-template token, an
instruction tag, an override verb with a scope, a directive, a payload to print, a link to
show, a tool call, concealment, a persona or language switch, urgency framing — each an RE2
pattern over the folded view. One RE2 set pass says which signals occur at all; only those
run again for their spans. The score is the best noisy-or of the distinct kinds found close
together, lowered when the text discusses attacks as a topic. Linear time in the text.

Evidence that sits inside a citation — a quoted string in prose or a string literal in code
(not a JSON value after `key:`), or the clause after "such as", "phrases like" — is the text
*talking about* an attack rather than making one: it counts with `cited_factor` of its
weight, and a cited fake turn, tag or hidden text is not an act.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from sentinel.filters.content.engine import PatternSet, Regex
from sentinel.filters.content.normalize import TextViews, fold_pattern

DISCUSSION = "discussion"
# Kinds whose presence means the text is not merely quoting an attack or briefing people: a
# fake turn, an instruction tag, hidden text or words addressed to the AI is an act.
ACTS = frozenset({"role_marker", "instruction_tag", "concealment", "addressee"})
MAX_MEM = 32 << 20  # RE2 memory for the signal set (bytes); ~50 patterns need far less


@dataclass(frozen=True, slots=True)
class Signal:
    id: str
    kind: str
    weight: float
    regex: Regex


@dataclass(frozen=True, slots=True)
class Evidence:
    """One signal found: its id and kind, its span in the original text, its weight, and
    whether it sits inside a citation (a quote, a code string, an example; looked for only
    in a text with some signal other than discussion, False otherwise)."""

    signal: str
    kind: str
    start: int
    end: int
    weight: float
    cited: bool = False


class StructureScorer:
    """Compiled signals; `evidence` finds them, `score` combines them."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.window_chars = int(spec["window_chars"])
        self.discussion_factor = float(spec["discussion_factor"])
        self.cited_factor = float(spec["cited_factor"])
        self._citations = [Regex(fold_pattern(p), ignore_case=True) for p in spec["citations"]]
        kinds = set(spec["kinds"])
        self.signals: list[Signal] = []
        for item in spec["signals"]:
            if item["kind"] not in kinds:
                raise ValueError(f"signal {item['id']}: unknown kind `{item['kind']}`")
            regex = Regex(fold_pattern(item["pattern"]), ignore_case=True)
            self.signals.append(Signal(item["id"], item["kind"], float(item["weight"]), regex))
        self._set = PatternSet(
            [s.regex.pattern for s in self.signals], max_mem=MAX_MEM, ignore_case=True
        )

    @classmethod
    def packaged(cls) -> StructureScorer:
        return _packaged()

    def evidence(self, views: TextViews, limit: int = 64) -> list[Evidence]:
        """Every signal occurrence (at most `limit` per signal), in text order."""
        data = views.folded_bytes
        found = self._set.match(data)
        chosen = range(len(self.signals)) if found is None else found
        spans: list[tuple[int, int]] = []
        owners: list[Signal] = []
        for index in chosen:
            signal = self.signals[index]
            for n, span in enumerate(signal.regex.spans(data)):
                if n >= limit:
                    break
                spans.append(span)
                owners.append(signal)
        if not spans:
            return []
        # Citations matter only next to an act: a text with discussion signals alone scores
        # 0 and is discounted whether they are quoted or not, so its regions are not looked for.
        if any(s.kind != DISCUSSION for s in owners):
            cited = self._cited(data, spans)
        else:
            cited = [False] * len(spans)
        original = views.to_original("folded", spans)
        out = [
            Evidence(s.id, s.kind, start, end, s.weight, c)
            for s, (start, end), c in zip(owners, original, cited, strict=True)
        ]
        out.sort(key=lambda e: (e.start, e.end))
        return out

    def _regions(self, data: bytes) -> list[tuple[int, int]]:
        """The citation regions of the folded text (byte spans)."""
        return [r for regex in self._citations for r in regex.spans(data, 1 if regex.groups else 0)]

    def _cited(self, data: bytes, spans: list[tuple[int, int]]) -> list[bool]:
        """Per span, whether it lies inside a citation region of the folded text."""
        regions = self._regions(data)
        if not regions:
            return [False] * len(spans)
        return [any(a <= start and end <= b for a, b in regions) for start, end in spans]

    def citation_regions(self, views: TextViews) -> list[tuple[int, int]]:
        """Character spans of the original text that are citations (quotes, code strings,
        examples): what a phrase rule's hit inside them only talks about."""
        regions = self._regions(views.folded_bytes)
        return views.to_original("folded", regions) if regions else []

    def discounted(self, evidence: list[Evidence]) -> bool:
        """Whether the text discusses attacks as a topic or is written for people (a
        discussion signal, or every signal it has sits inside a citation) and makes no act
        of its own (no uncited fake turn, tag, hidden text or words to the AI): its scores
        are lowered."""
        said = [e for e in evidence if e.kind != DISCUSSION and not e.cited]
        about = len(said) < len(evidence) and (
            not said or any(e.kind == DISCUSSION for e in evidence)
        )
        return about and not {e.kind for e in said} & ACTS

    def score(self, evidence: list[Evidence]) -> float:
        """Best noisy-or of distinct kinds within the window, discounted for discussion."""
        acts = [e for e in evidence if e.kind != DISCUSSION]
        if not acts:
            return 0.0
        best, left = 0.0, 0
        for right, item in enumerate(acts):
            while left < right and acts[left].start < item.end - self.window_chars:
                left += 1
            strongest: dict[str, float] = {}
            for e in acts[left : right + 1]:
                weight = e.weight * self.cited_factor if e.cited else e.weight
                strongest[e.kind] = max(strongest.get(e.kind, 0.0), weight)
            miss = 1.0
            for weight in strongest.values():
                miss *= 1.0 - weight
            best = max(best, 1.0 - miss)
        if self.discounted(evidence):
            best *= self.discussion_factor
        return best


@cache
def _packaged() -> StructureScorer:
    path = resources.files("sentinel") / "data" / "content" / "injection_signals.yaml"
    return StructureScorer(yaml.safe_load(path.read_text(encoding="utf-8")))
