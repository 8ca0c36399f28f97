"""Secrets: API keys, tokens, private keys, credentials in URLs and assignments.

Each pattern runs on the original text (case matters) and captures the secret value in its
first group; the value must reach a Shannon entropy (bits per character) so that
placeholders and look-alikes ("AKIAXXXXXXXXXXXXXXXX", "sk-your-key-here") are not reported.
Known vendor prefixes allow a lower entropy than generic `password = ...` assignments.
Written for this project (the idea of an entropy gate is common practice, e.g. in
detect-secrets; no code or pattern was copied).
"""

from __future__ import annotations

from sentinel.filters.content.catalogue._dsl import Rule, pattern


def _secret(rule_id: str, source: str, min_entropy: float) -> Rule:
    return pattern(rule_id, source, view="original", raw=True, min_entropy=min_entropy)


SECRETS: list[Rule] = [
    _secret("secrets.aws_access_key_id", r"\b((?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})\b", 3.0),
    _secret(
        "secrets.aws_secret_access_key",
        r"(?i)aws.{0,24}(?:secret|private).{0,24}?[=:]\s*[\"']?([A-Za-z0-9/+]{40})\b",
        4.0,
    ),
    _secret("secrets.github_token", r"\b(gh[pousr]_[A-Za-z0-9]{36,255})\b", 3.5),
    _secret("secrets.github_fine_grained_token", r"\b(github_pat_[A-Za-z0-9_]{60,255})\b", 3.5),
    _secret("secrets.gitlab_token", r"\b(glpat-[A-Za-z0-9_\-]{20,})\b", 3.5),
    _secret("secrets.slack_token", r"\b(xox[abposr]-[A-Za-z0-9\-]{10,})\b", 3.0),
    _secret(
        "secrets.slack_webhook",
        r"(https://hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{20,})",
        3.5,
    ),
    _secret("secrets.anthropic_key", r"\b(sk-ant-[a-z]+\d*-[A-Za-z0-9_\-]{40,})", 4.0),
    _secret("secrets.openai_key", r"\b(sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,})\b", 4.0),
    _secret("secrets.google_api_key", r"\b(AIza[0-9A-Za-z_\-]{35})\b", 3.5),
    _secret("secrets.stripe_key", r"\b((?:sk|rk)_(?:live|test)_[0-9A-Za-z]{24,})\b", 3.5),
    _secret("secrets.twilio_key", r"\b(SK[0-9a-f]{32})\b", 3.0),
    _secret("secrets.sendgrid_key", r"\b(SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43})(?:\b|$)", 4.0),
    _secret("secrets.npm_token", r"\b(npm_[A-Za-z0-9]{36})\b", 3.5),
    _secret("secrets.huggingface_token", r"\b(hf_[A-Za-z0-9]{34,})\b", 3.5),
    _secret("secrets.telegram_bot_token", r"\b(\d{8,10}:AA[0-9A-Za-z_\-]{33})\b", 3.5),
    _secret(
        "secrets.jwt",
        r"\b(eyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,})",
        4.0,
    ),
    _secret(
        "secrets.private_key",
        r"-----BEGIN[A-Z ]{0,20}PRIVATE KEY(?: BLOCK)?-----\s*([A-Za-z0-9+/=\s:,\-]+?)"
        r"(?:-----END|$)",
        4.0,
    ),
    _secret("secrets.azure_storage_key", r"AccountKey=([A-Za-z0-9+/=]{86,88})", 4.5),
    _secret(
        "secrets.url_credentials",
        r"\b[a-zA-Z][a-zA-Z0-9+.\-]{1,15}://[^\s:/@\"']{1,64}:([^\s:/@\"']{6,128})@[^\s/\"']+",
        3.0,
    ),
    _secret(
        "secrets.assignment",
        r"(?i)(?:\b|[_\-])(?:api[_\-]?key|apikey|secret[_\-]?key|client[_\-]?secret|access[_\-]?token|"
        r"auth[_\-]?token|secret|token|password|passwd|pwd|private[_\-]?key)[\"']?\s*"
        r"(?:[:=]|=>|:=)\s*[\"']?([A-Za-z0-9/+_\-.=~!@#$%^&*]{16,256})",
        3.7,
    ),
    _secret("secrets.bearer_token", r"(?i)\bbearer\s+([A-Za-z0-9\-._~+/]{20,}=*)", 3.5),
]
