"""The built-in catalogue: each category's default policy and rules.

`POLICIES` gives every built-in category's action, severity and the kinds of text it reads;
`RULES` its term lists and patterns. `rules/content.yaml` overrides policies key by key and
adds rules; `docs/content.md` describes the categories.
"""

from __future__ import annotations

from typing import Any

from sentinel.filters.content.catalogue import (
    advice,
    hate,
    injection,
    jailbreak,
    secrets,
    self_harm,
    sexual,
    violence,
)
from sentinel.filters.content.catalogue._dsl import Rule

ALL_KINDS = ["system", "user", "assistant", "tool", "context", "output", "tool_call"]
CONVERSATION = ["user", "assistant", "output", "tool"]
# Weak words of harmful-content categories add up only within this many characters: a
# paragraph or two, so that a long, benign text does not collect them from far apart.
WINDOW = 1000

POLICIES: dict[str, dict[str, Any]] = {
    "sexual": {
        "action": "flag",
        "severity": "medium",
        "fields": CONVERSATION,
        "window_chars": WINDOW,
    },
    "sexual_minors": {
        "action": "block",
        "severity": "critical",
        "fields": [*CONVERSATION, "context", "tool_call"],
    },
    "violence": {
        "action": "flag",
        "severity": "high",
        "fields": CONVERSATION,
        "window_chars": WINDOW,
    },
    "self_harm": {
        "action": "escalate",
        "severity": "high",
        "fields": ["user", "assistant", "output"],
        "window_chars": WINDOW,
    },
    "hate": {"action": "flag", "severity": "high", "fields": CONVERSATION, "window_chars": WINDOW},
    "medical_advice": {"action": "flag", "severity": "low", "fields": ["output"]},
    "legal_advice": {"action": "flag", "severity": "low", "fields": ["output"]},
    "financial_advice": {"action": "flag", "severity": "low", "fields": ["output"]},
    "prompt_injection": {"action": "escalate", "severity": "high", "fields": ["user"]},
    "jailbreak": {"action": "escalate", "severity": "high", "fields": ["user"]},
    "indirect_prompt_injection": {
        "action": "escalate",
        "severity": "high",
        "fields": ["context", "tool"],
        "include_rules_from": ["prompt_injection", "jailbreak"],
    },
    "secrets": {"action": "redact", "severity": "critical", "fields": ALL_KINDS},
    "invisible_unicode": {"action": "flag", "severity": "medium", "fields": ALL_KINDS},
    "homoglyph": {
        "action": "flag",
        "severity": "medium",
        "fields": ["user", "tool", "context", "output", "tool_call"],
    },
    "exfil_link": {
        "action": "block",
        "severity": "critical",
        "fields": ["output", "tool_call", "assistant"],
    },
}

RULES: dict[str, list[Rule]] = {
    "sexual": sexual.SEXUAL,
    "sexual_minors": sexual.SEXUAL_MINORS,
    "violence": violence.VIOLENCE,
    "self_harm": self_harm.SELF_HARM,
    "hate": hate.HATE,
    "medical_advice": advice.MEDICAL,
    "legal_advice": advice.LEGAL,
    "financial_advice": advice.FINANCIAL,
    "prompt_injection": injection.PROMPT_INJECTION,
    "jailbreak": jailbreak.JAILBREAK,
    "indirect_prompt_injection": injection.INDIRECT,
    "secrets": secrets.SECRETS,
}

# Categories found by built-in detectors (not by rules): unicode and links.
DETECTORS = {"invisible_unicode", "homoglyph", "exfil_link"}
