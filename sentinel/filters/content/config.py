"""`kind: content` rules: categories (policy, term lists, RE2 patterns) and detector settings.

Every field has a default, so a missing `content.yaml` still runs the built-in catalogue
(`catalogue/`). A category named in the file is merged over its built-in policy key by key;
its `rules` are added to the built-in ones (`builtin: false` drops those, `disabled_rules`
drops some by id). A bad pattern fails the load with the category and rule in the path.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any, Literal, Self

from pydantic import Field, ValidationInfo, field_validator, model_validator

from sentinel.filters.content import catalogue
from sentinel.filters.content.engine import Regex, RegexError, checked
from sentinel.filters.content.patterns import fold_pattern
from sentinel.rules.base import RulesFile, Strict
from sentinel.values import FieldKind, Severity

ContentAction = Literal["flag", "redact", "escalate", "block"]
View = Literal["normalized", "folded", "original"]
RULE_ID = r"^[a-z0-9][a-z0-9_.\-]{0,63}$"
CATEGORY_NAME = r"^[a-z][a-z0-9_]{1,39}$"
MAX_CATEGORIES = 64  # category names become metric label values: keep the set small


class ContentRule(Strict):
    """A term list or one RE2 pattern that signals its category."""

    id: str = Field(pattern=RULE_ID, description="Unique in the file; reported as `rule_id`.")
    view: View = Field(
        default="normalized",
        description="Text the pattern runs on: `normalized` (NFKC, casefold, leetspeak, "
        "spacing tricks, l read as i), `folded` (NFKC, casefold, no leetspeak) or `original`.",
    )
    terms: list[str] = Field(
        default_factory=list,
        description="Phrases matched as whole words on the normalized view (spaces and "
        "hyphens between words are optional).",
    )
    pattern: str | None = Field(default=None, description="One RE2 pattern (linear time).")
    weight: float = Field(
        default=1.0,
        ge=-1,
        le=1,
        description="Added to the category score once per distinct matched text; the "
        "category fires at its `threshold`. A negative weight is counter-evidence (a refusal, "
        "a hotline number): it can cancel weak signals, never the strongest single one.",
    )
    min_entropy: float | None = Field(
        default=None,
        ge=0,
        le=8,
        description="Shannon entropy (bits per character) the match, or its first group, "
        "must reach; cuts look-alikes such as placeholder keys.",
    )

    distinct_by: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="A named group of the pattern: the rule's hits whose group reads the "
        "same (case-folded) are one signal, as the repeated `Assistant:` turns of one pasted "
        "transcript are; by default each distinct matched text is one.",
    )

    @field_validator("terms")
    @classmethod
    def _terms_are_words(cls, terms: list[str], info: ValidationInfo) -> list[str]:
        for term in terms:
            if not term.strip():
                raise ValueError(f"rule `{info.data.get('id')}`: an empty term")
        return terms

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, pattern: str | None, info: ValidationInfo) -> str | None:
        if pattern is None:
            return None
        view = info.data.get("view", "normalized")
        try:
            checked(pattern, ignore_case=view != "original")  # errors quote the user's text
            if view == "normalized":
                checked(fold_pattern(pattern), ignore_case=True)
        except RegexError as exc:
            raise ValueError(f"rule `{info.data.get('id')}`: {exc}") from exc
        return pattern

    @model_validator(mode="after")
    def _terms_or_pattern(self) -> Self:
        if self.weight == 0:
            raise ValueError(f"rule `{self.id}`: a weight of 0 does nothing")
        if bool(self.terms) == (self.pattern is not None):
            raise ValueError(f"rule `{self.id}`: give either `terms` or `pattern`, not both")
        if self.terms and self.view != "normalized":
            raise ValueError(f"rule `{self.id}`: `terms` always match the normalized view")
        if self.distinct_by is not None and (
            self.pattern is None or self.distinct_by not in Regex(self.pattern).group_names
        ):
            raise ValueError(
                f"rule `{self.id}`: `distinct_by` names no group of the pattern "
                f"(write `(?P<{self.distinct_by}>...)`)"
            )
        return self


class CategoryRules(Strict):
    """One content category: where it looks, what it does, and its rules."""

    enabled: bool = True
    action: ContentAction = Field(default="flag", description="Verdict action when it fires.")
    severity: Severity = "medium"
    fields: list[FieldKind] = Field(
        default_factory=lambda: list[FieldKind](["user", "output"]),
        description="Kinds of text scanned: system, user, assistant, tool, context, output, "
        "tool_call.",
    )
    threshold: float = Field(
        default=1.0, gt=0, le=10, description="Score (sum of matched rule weights) to fire."
    )
    window_chars: int = Field(
        default=0,
        ge=0,
        le=1_000_000,
        description="Signals count together only within this many characters (0: the whole "
        "text), so weak words far apart in a long text do not add up.",
    )
    long_request_chars: int = Field(
        default=0,
        ge=0,
        le=1_000_000,
        description="In a user message at least this long (a brief, an exam, a role prompt; "
        "0: off), weak signals (weight below 1) count at `long_request_weak_factor`: the "
        "topic of a long request is not a request for harm. Strong signals are unchanged.",
    )
    long_request_weak_factor: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="What a weak signal counts for in a long user message (see above).",
    )
    cited_factor: float = Field(
        default=1.0,
        ge=0,
        le=1,
        description="What a hit inside a citation counts for (a quoted string, a code span, "
        "the clause after 'such as' or 'e.g.'): a text quoting an attack is not making one "
        "(1: off).",
    )
    negated_factor: float = Field(
        default=1.0,
        ge=0,
        le=1,
        description="What a hit counts for right after a prohibition ('never describe ...', "
        "'no ...') or right before a condemnation ('... is unethical'): a rule or a judgement "
        "about the content is not a request for it (1: off).",
    )
    include_rules_from: list[str] = Field(
        default_factory=list,
        description="Also use these categories' rules (e.g. indirect injection reuses the "
        "direct injection and jailbreak rules on context and tool messages).",
    )
    builtin: bool = Field(default=True, description="Use the built-in rules of this category.")
    disabled_rules: list[str] = Field(
        default_factory=list, description="Ids of rules (built-in or included) to drop."
    )
    rules: list[ContentRule] = Field(
        default_factory=list, description="Rules added to the built-in ones."
    )


class ExfilSettings(Strict):
    """Data-exfiltration links: markdown/HTML images and links whose URL carries data."""

    allow_domains: list[str] = Field(
        default_factory=list,
        description="Hosts (and their subdomains) never reported, e.g. your own CDN.",
    )
    max_query_chars: int = Field(
        default=100, ge=8, description="A longer query string counts as carried data."
    )
    min_payload_chars: int = Field(
        default=24,
        ge=8,
        description="A query value or path segment this long with encoded-looking data "
        "(base64, hex, percent-encoded text) counts as carried data.",
    )
    min_payload_entropy: float = Field(
        default=4.0, ge=0, le=8, description="Entropy (bits/char) of such a payload."
    )
    bare_urls: bool = Field(
        default=True,
        description="Also check bare URLs (a renderer may link them), with payload evidence "
        "only: a long query alone is not enough.",
    )


class SecretsSettings(Strict):
    ignore_values_containing: list[str] = Field(
        default_factory=lambda: [
            "example",
            "sample",
            "dummy",
            "placeholder",
            "changeme",
            "redacted",
            "xxxxxx",
            "your_",
            "your-",
            "<",
            "${",
            "{{",
            "process.env",
            "os.environ",
            "getenv",
        ],
        description="A matched secret containing one of these (case-insensitive) is a "
        "placeholder, or a read from the environment in code, not a secret.",
    )


class UnicodeSettings(Strict):
    allow_emoji_joiners: bool = Field(
        default=True, description="A zero-width joiner between emoji (family, flags) is fine."
    )
    allow_script_joiners: bool = Field(
        default=True,
        description="ZWJ/ZWNJ next to scripts that need them (Arabic, Persian, Indic) are fine.",
    )
    allow_lone_zero_width_space: bool = Field(
        default=True,
        description="One zero-width space that splits no word (after a space or punctuation, "
        "at the start or end: a copy-paste artefact) is fine; inside a word, or several "
        "together, it is still reported.",
    )


class ChannelScoring(Strict):
    """Where a data-channel score becomes a finding, and what that finding does."""

    threshold: float = Field(
        gt=0,
        le=1,
        description="Combined score (structure and model, 0..1) at which the text is reported.",
    )
    category: str = Field(
        default="indirect_prompt_injection",
        pattern=CATEGORY_NAME,
        description="Category of the finding (a built-in or your own category).",
    )
    action: ContentAction = "escalate"
    severity: Severity = "high"
    model_gate: float = Field(
        default=0.3,
        ge=0,
        le=1,
        description="The classifier's probability counts in full once the structural score "
        "reaches this, in proportion below it, not at all without structural evidence (0: "
        "always in full). Keeps the model from flagging text that merely talks about AI.",
    )
    model_lift: float = Field(
        default=1.0,
        ge=0,
        le=1,
        description="Most the classifier can add to the structural score (1: the noisy-or "
        "of both in full; 0: the classifier does not run on this channel). A small value "
        "lets it break ties near the threshold without turning one weak structural signal "
        "into a finding.",
    )
    model_prescreen: bool = Field(
        default=True,
        description="Run the classifier only on texts with some structural signal (a cheap "
        "prescreen); false: on every text of the channel.",
    )
    model_prescreen_chars: int = Field(
        default=0,
        ge=0,
        le=1_000_000,
        description="With the prescreen, a text at least this long is read by the classifier "
        "even without a structural signal (0: never): jailbreak templates are long, and short "
        "requests, where the classifier is least sure, keep the prescreen.",
    )
    pooling: Literal["max", "mean"] = Field(
        default="max",
        description="How the classifier reads a long text: its best window (`max`, for an "
        "injection hidden in one place) or the average window (`mean`, for a jailbreak that "
        "runs through a whole message).",
    )
    signals: list[str] | None = Field(
        default=None,
        description="Kinds of structural signal counted on this channel (all when unset). A "
        "user may address the model; a retrieved page should not.",
    )
    plain_signals: list[str] = Field(
        default_factory=list,
        description="Signals (ids, e.g. `persona.switch`) that every harmless text of the "
        'channel may carry ("act as a travel guide"): a text whose only counted signals are '
        "these, or none, is reported at `plain_threshold` instead of `threshold`.",
    )
    plain_threshold: float | None = Field(
        default=None,
        gt=0,
        le=1,
        description="The threshold of a text with plain signals only (see `plain_signals`; "
        "unset: `threshold`).",
    )


class FollowedSettings(Strict):
    """`injection_followed`: the output carried out an instruction found only in a data
    channel (printed its payload, showed its link, switched to its language, adopted its
    persona, called the tool it named)."""

    enabled: bool = True
    action: ContentAction = "block"
    severity: Severity = "critical"
    min_score: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="A data-channel text must score at least this to be checked against the "
        "output (an attempt below the reporting threshold can still be followed).",
    )


def _default_channels() -> dict[FieldKind, ChannelScoring]:
    # Chosen on development data (scripts/train_injection_model.py's out-of-fold table):
    # at most ~1 % of benign development texts of the channel score this high. On data
    # channels the classifier is off: out of fold, adding it (even capped at +0.1) found
    # one more development attack in 216 and flagged four more of the 146 hand-written
    # development look-alikes (1.4 % -> 4.1 %), hard negatives 0.34 % -> 0.80 %.
    data = ChannelScoring(threshold=0.5, model_lift=0)
    return {
        "context": data,
        "tool": data,
        # The classifier reads the user messages with a structural signal (the prescreen).
        # Reading every message found more development jailbreaks out of fold by template
        # family (0.854 -> 0.886 at 0.95) but flagged more hard negatives (1.8 % -> 3.5 %)
        # and a plain ticket-summary request of the bundled sample: not the default
        # (docs/model-card-injection.md). 0.7 since the model learned real requests and role
        # prompts as negatives: out of fold it finds more development jailbreaks at 0.7 than
        # the previous model at 0.9 and flags fewer benign messages (0.63 % against 1.35 %).
        # Seventh round: calibrated at <= 1 % of the hard development benign messages (role
        # prompts, real requests, agent tasks, look-alikes; fortunes left out) out of fold: a
        # message whose only signal is a plain role switch ("act as a ...", as every role
        # prompt has) or none of the channel's kinds must reach 0.98; one with a jailbreak-
        # specific signal 0.7 (docs/model-card-injection.md). Reading every message of 1,000
        # characters or more too (`model_prescreen_chars`) found 0.4 point more development
        # jailbreaks and cost 37 % of the synthetic chain's throughput: not the default.
        # Ninth round: recalibrated out of fold with folds that keep whole benign families
        # (role prompts by initial, request categories) out of their fold's training, for
        # `injection-hashed-v2.3`: 0.65 and 0.97, the highest development recall at which
        # the hard benign messages and the long requests both stay at or under 0.65 % (the
        # 1 % budget with a third of it kept as margin).
        # Tenth round (`injection-hashed-v2.4`, retrained with development technique
        # families, and structure for them): 0.65 kept. By the same rule 0.5 (hard set
        # 0.63 %) or 0.55 (0.54 %) found more development attacks, but at 0.55 a user's
        # brief that quotes an override as an example scored 0.61 and was reported.
        # Eleventh round (`injection-hashed-v2.5`, learning rate 0.05): 0.65 and 0.97 kept.
        "user": ChannelScoring(
            threshold=0.65,
            category="prompt_injection",
            model_gate=0,
            pooling="mean",
            signals=["override", "persona", "prefix", "refusal", "obfuscation"],
            plain_signals=["persona.switch", "persona.in_character"],
            plain_threshold=0.97,
        ),
    }


class InjectionScoring(Strict):
    """Per-channel injection scores: structural signals and the packaged classifier."""

    enabled: bool = True
    model: bool = Field(
        default=True, description="Use the packaged classifier (else structure alone)."
    )
    channels: dict[FieldKind, ChannelScoring] = Field(
        default_factory=_default_channels,
        description="Field kinds scored, each with its threshold, category and action.",
    )
    followed: FollowedSettings = Field(default_factory=FollowedSettings)


def _builtin_policies() -> dict[str, CategoryRules]:
    return {name: CategoryRules(**policy) for name, policy in catalogue.POLICIES.items()}


class ContentRules(RulesFile):
    kind: Literal["content"]
    enabled: bool = True
    categories: dict[str, CategoryRules] = Field(
        default_factory=_builtin_policies,
        description="Built-in categories (merged key by key with what is given) and your own.",
    )
    exfil: ExfilSettings = Field(default_factory=ExfilSettings)
    secrets: SecretsSettings = Field(default_factory=SecretsSettings)
    unicode: UnicodeSettings = Field(default_factory=UnicodeSettings)
    injection: InjectionScoring = Field(default_factory=InjectionScoring)
    decode_payloads: bool = Field(
        default=True,
        description="Decode base64, hex, percent- and \\u-escaped text, binary octets and "
        "Unicode tag characters, and run the rules on what they say.",
    )
    max_findings_per_category: int = Field(
        default=50, ge=1, le=10_000, description="Findings kept per category and field."
    )
    context_cache_entries: int = Field(
        default=4096,
        ge=0,
        le=1_000_000,
        description="Context chunks and system prompts remembered by content hash "
        "(scanned once); 0 disables.",
    )
    max_mem_bytes: int = Field(
        default=64 << 20,
        ge=1 << 20,
        le=1 << 30,
        description="RE2 memory per compiled pattern set; on overflow the single patterns "
        "are run instead (slower, still linear).",
    )

    @model_validator(mode="before")
    @classmethod
    def _merge_builtin_policies(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        given = data.get("categories", {})
        if not isinstance(given, dict):
            return data
        merged: dict[str, Any] = {name: dict(p) for name, p in catalogue.POLICIES.items()}
        for name, policy in given.items():
            if isinstance(policy, dict) and name in merged:
                merged[name] = {**merged[name], **policy}
            else:
                merged[name] = policy
        return {**data, "categories": merged}

    @field_validator("categories")
    @classmethod
    def _names_are_bounded(cls, categories: dict[str, CategoryRules]) -> dict[str, Any]:
        if len(categories) > MAX_CATEGORIES:
            raise ValueError(f"at most {MAX_CATEGORIES} categories (got {len(categories)})")
        for name in categories:
            if not re.fullmatch(CATEGORY_NAME, name):
                raise ValueError(f"category name `{name}` must match {CATEGORY_NAME}")
        return categories

    @model_validator(mode="after")
    def _references_resolve(self) -> Self:
        builtin = builtin_rules()
        seen: dict[str, str] = {rule.id: name for name, rules in builtin.items() for rule in rules}
        for name, category in self.categories.items():
            for rule in category.rules:
                if rule.id in seen:
                    raise ValueError(
                        f"categories.{name}: rule id `{rule.id}` is already used "
                        f"(category `{seen[rule.id]}`)"
                    )
                seen[rule.id] = name
        for name, category in self.categories.items():
            for other in category.include_rules_from:
                if other not in self.categories or other == name:
                    raise ValueError(
                        f"categories.{name}.include_rules_from: unknown category `{other}`"
                    )
            known = {r.id for r in rules_of(self, name)} | {
                r.id for other in category.include_rules_from for r in rules_of(self, other)
            }
            for rule_id in category.disabled_rules:
                if rule_id not in known:
                    raise ValueError(
                        f"categories.{name}.disabled_rules: no rule `{rule_id}` in this category"
                    )
        return self


@cache
def builtin_rules() -> dict[str, tuple[ContentRule, ...]]:
    """The catalogue's rules, validated like user rules (once per process)."""
    return {
        name: tuple(ContentRule.model_validate(rule) for rule in rules)
        for name, rules in catalogue.RULES.items()
    }


def rules_of(rules: ContentRules, name: str) -> list[ContentRule]:
    """A category's own rules: built-in (unless `builtin: false`) then the file's."""
    category = rules.categories[name]
    own = list(builtin_rules().get(name, ())) if category.builtin else []
    return own + list(category.rules)
