"""Per-channel injection scores (structure and model) and `injection_followed` findings.

A data-channel text (context chunk, tool result) or a user message gets one score in 0..1:
the noisy-or of the structural score (`structure.py`, with evidence spans) and the packaged
classifier's probability (`classifier.py`). At the channel's threshold it is a finding whose
span is the strongest piece of evidence (the whole text when only the model spoke). After
every field is scanned, data texts that scored at least `followed.min_score` are checked
against the output (`followed.py`): doing what the data asked is `injection_followed`.
"""

from __future__ import annotations

from sentinel.filters.base import TextField
from sentinel.filters.content.classifier import HashedModel
from sentinel.filters.content.config import ChannelScoring, InjectionScoring
from sentinel.filters.content.followed import followed
from sentinel.filters.content.normalize import TextViews
from sentinel.filters.content.structure import DISCUSSION, Evidence, StructureScorer
from sentinel.values import Finding

FOLLOWED = "injection_followed"
SCORE_RULE = "injection_score"  # rule id prefix of score findings: injection_score.<signal>
DATA_KINDS = frozenset({"context", "tool"})
MAX_FOLLOWED_FINDINGS = 8  # per exchange; the first pieces of evidence are enough to act

Local = tuple[str, str, int, int, float]


class InjectionScorer:
    """Structure and (optionally) the packaged model, loaded once."""

    def __init__(self, settings: InjectionScoring) -> None:
        self.enabled = settings.enabled
        self.structure = StructureScorer.packaged()
        self.model: HashedModel | None = HashedModel.packaged() if settings.model else None

    def score(self, views: TextViews, channel: ChannelScoring) -> tuple[float, Local | None]:
        """The text's score, and the finding when it reaches the channel's threshold."""
        if not self.enabled:
            return -1.0, None
        evidence = self.structure.evidence(views)
        # The model runs only on a text with some structural signal of any kind (a cheap
        # prescreen: one RE2 set pass) or of `model_prescreen_chars` or more, unless the
        # channel reads every text, and counts in proportion when the channel gates it.
        prescreen = (
            not channel.model_prescreen
            or any(e.kind != DISCUSSION for e in evidence)
            or 0 < channel.model_prescreen_chars <= len(views.original)
        )
        if channel.signals is not None:
            kept = {*channel.signals, DISCUSSION}
            evidence = [e for e in evidence if e.kind in kept]
        structural = self.structure.score(evidence)
        learned = 0.0
        wanted = channel.model_lift > 0 and (structural > 0 or channel.model_gate == 0)
        if self.model is not None and prescreen and wanted:
            learned = self.model.probability(views.folded_bytes, channel.pooling)
            if channel.model_gate > 0:
                learned *= min(1.0, structural / channel.model_gate)
                # Writing about attacks (an advisory, a paper, a policy) that makes no act of
                # its own lowers the model's word evidence as much as the structural score.
                if self.structure.discounted(evidence):
                    learned *= self.structure.discussion_factor
        score = structural + min(channel.model_lift, (1.0 - structural) * learned)
        acts = [e for e in evidence if e.kind != DISCUSSION]
        if score < self.threshold(acts, channel):
            return score, None
        rounded = round(min(1.0, score), 3)
        if acts:
            top = max(acts, key=lambda e: (not e.cited, e.weight))
            return score, (
                channel.category,
                f"{SCORE_RULE}.{top.signal}",
                top.start,
                top.end,
                rounded,
            )
        return score, (channel.category, f"{SCORE_RULE}.model", 0, len(views.original), rounded)

    @staticmethod
    def threshold(acts: list[Evidence], channel: ChannelScoring) -> float:
        """The channel's threshold, or its `plain_threshold` when the text's only counted
        signals are plain ones (a role switch every role prompt has) or none."""
        if channel.plain_threshold is None:
            return channel.threshold
        if any(e.signal not in channel.plain_signals for e in acts):
            return channel.threshold
        return channel.plain_threshold


def followed_findings(
    settings: InjectionScoring,
    scored: list[tuple[TextField, float]],
    fields: list[TextField],
    filter_name: str,
) -> list[Finding]:
    """`injection_followed` findings on the output, from data texts that scored as attempts."""
    rule = settings.followed
    attempts = [(f, s) for f, s in scored if f.kind in DATA_KINDS and s >= rule.min_score]
    if not rule.enabled or not attempts:
        return []
    output = "\n".join(f.text for f in fields if f.kind == "output")
    calls = [
        (f.name.split(":", 1)[1], f.text) for f in fields if f.kind == "tool_call" and ":" in f.name
    ]
    if not output and not calls:
        return []
    user = "\n".join(f.text for f in fields if f.kind in ("user", "system"))
    out: list[Finding] = []
    for data_field, score in attempts:
        for hit in followed(data_field.name, data_field.text, output, calls, user):
            out.append(
                Finding(
                    filter=filter_name,
                    category=FOLLOWED,
                    severity=rule.severity,
                    field="output",
                    field_kind="output",
                    start=hit.start,
                    end=hit.end,
                    score=round(min(1.0, score), 3),
                    rule_id=f"{FOLLOWED}.{hit.how}",
                    action=rule.action,
                )
            )
            if len(out) >= MAX_FOLLOWED_FINDINGS:
                return out
    return out
