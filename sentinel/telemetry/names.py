"""Metric names and label names: one source for the code, the PromQL in generated rules and
the dashboards."""

from __future__ import annotations

EXCHANGE_LABELS = ("service", "endpoint", "feature", "model", "variant")

EVENTS_READ = "sentinel_events_read_total"
EVENTS_INVALID = "sentinel_events_invalid_total"
EVENTS_DUPLICATE = "sentinel_events_duplicate_total"
FEEDBACK = "sentinel_feedback_total"
FEEDBACK_RATING = "sentinel_feedback_rating"

EXCHANGES = "sentinel_exchanges_total"  # outcome: ok | error | timeout
ORPHAN_RESPONSES = "sentinel_orphan_responses_total"
LATE_EVENTS = "sentinel_late_events_total"  # after their other half timed out
CORRELATION_EVICTIONS = "sentinel_correlation_evictions_total"
PENDING_REQUESTS = "sentinel_pending_requests"
LATENCY = "sentinel_exchange_latency_seconds"
TTFT = "sentinel_exchange_ttft_seconds"
RETRIES = "sentinel_retries_total"
ERRORS = "sentinel_errors_total"

TOKENS = "sentinel_tokens_total"  # kind: input | output | cached_input | cache_write | reasoning
EXCHANGE_TOKENS = "sentinel_exchange_tokens"  # direction: input | output
COST = "sentinel_cost_usd_total"  # kind: input | output | cache_read | cache_write
CACHE_SAVINGS = "sentinel_cache_savings_usd_total"
UNPRICED = "sentinel_unpriced_exchanges_total"
INCONSISTENT_USAGE = "sentinel_inconsistent_usage_total"

SPEND_BURN = "sentinel_spend_burn_usd_per_hour"
TOKEN_BURN = "sentinel_token_burn_per_second"
SPEND_MONTH_TO_DATE = "sentinel_spend_month_to_date_usd"
SPEND_MONTH_FORECAST = "sentinel_spend_month_forecast_usd"
LATENCY_WINDOW = "sentinel_latency_window_seconds"  # quantile: 0.5 | 0.95 | 0.99
WATERMARK = "sentinel_event_time_watermark_seconds"
# The global view: each partition's low watermark as this replica last heard it, and the
# event time before which every partition is final (what the monitors evaluate up to).
STATE_LOW_WATERMARK = "sentinel_state_low_watermark_seconds"
STATE_COMPLETE_UNTIL = "sentinel_state_complete_until_seconds"

FINDINGS = (
    "sentinel_findings_total"  # filter, category, severity, action, field, service, model, variant
)
INJECTION_SCORE = "sentinel_injection_score"  # service, model, variant, channel (histogram)
INJECTION_FOLLOWED = "sentinel_injection_followed_total"  # service, model, variant
VERDICTS = "sentinel_verdicts_total"  # service, model, variant, action
PII_LEAKS = "sentinel_pii_leaks_total"
FILTER_DURATION = "sentinel_filter_duration_seconds"
HALLUCINATION_RISK = "sentinel_hallucination_risk"  # service, model, variant
# Groundedness risk of a response (0 = supported, 1 = nothing supported).
RISK_BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
FILTER_FAILURES = "sentinel_filter_failures_total"
SCAN_INCOMPLETE = "sentinel_scan_incomplete_total"  # filter, reason
SCAN_SKIPPED_CHARS = "sentinel_scan_skipped_chars_total"

# SLOs, alerts, rollback (in-process view of this replica's partitions)
SLO_EVENTS = "sentinel_slo_events_total"  # slo, service, endpoint, feature, model, variant, result
SLO_OBJECTIVE = "sentinel_slo_objective_ratio"  # slo
SLO_BURN_RATE = "sentinel_slo_burn_rate"  # slo, window
SLO_BUDGET_REMAINING = "sentinel_slo_error_budget_remaining_ratio"  # slo
ALERTS_FIRING = "sentinel_alerts_firing"  # alertname, severity
ALERT_DELIVERIES = "sentinel_alert_deliveries_total"  # receiver, result
ROLLBACK_DECISIONS = "sentinel_rollback_decisions_total"  # variant, sli, decision
ROLLBACK_GATE = "sentinel_rollback_gate_open"  # variant: 1 = promote may continue
ROLLBACK_WEBHOOK_DELIVERIES = "sentinel_rollback_webhook_deliveries_total"  # result
SPEND_GUARD_TRIPS = "sentinel_spend_guard_trips_total"  # guard
THROTTLE_WEBHOOK_DELIVERIES = "sentinel_throttle_webhook_deliveries_total"  # result

# Alert names: the in-process monitor's alerts and the generated Prometheus alert rules.
SLO_BURN_ALERT = "SentinelSLOBurnRate"  # severity page | ticket; slo and its `by` labels
SPEND_BURN_ALERT = "SentinelSpendBurn"  # severity critical; guard and its `by` labels

BATCH_DURATION = "sentinel_batch_duration_seconds"
SINK_ERRORS = "sentinel_sink_errors_total"
COMMITS = "sentinel_commits_total"
CONSUMER_LAG = "sentinel_consumer_lag_messages"
SERIES_FOLDED = "sentinel_series_folded_total"  # family
SERIES_COMBINATIONS = "sentinel_series_combinations"  # family, bound (admitted | limit)
LABELS_REDACTED = "sentinel_label_values_redacted_total"  # label
BUILD_INFO = "sentinel_build_info"

# OTLP ingestion (`--otlp-topic`), exposed by telemetry/otlp_series.py.
OTLP_MESSAGES = "sentinel_otel_messages_total"  # encoding
OTLP_SPANS = (
    "sentinel_otel_spans_total"  # outcome: exchange | not_genai | other_operation | malformed
)
SPANS_WITHOUT_CONTENT = "sentinel_otel_spans_without_content_total"  # reason: absent | malformed

# Latency buckets in seconds: fine below 2 s, reaching 5 minutes (long generations
# pass 80 s).
LATENCY_BUCKETS = (
    0.05,
    0.1,
    0.25,
    0.5,
    0.75,
    1,
    1.5,
    2,
    3,
    5,
    7.5,
    10,
    15,
    20,
    30,
    45,
    60,
    90,
    120,
    180,
    300,
)
TTFT_BUCKETS = (0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 20, 30, 60, 120)
# Tokens per exchange: 1M-token contexts exist, so reach tens of millions.
TOKEN_BUCKETS = (
    16,
    64,
    256,
    1024,
    4096,
    16_384,
    65_536,
    262_144,
    1_048_576,
    4_194_304,
    16_777_216,
    67_108_864,
)
RATING_BUCKETS = (1, 2, 3, 4, 5)
FILTER_BUCKETS = (0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 1)

# Injection scores are 0..1; most traffic sits near 0, the thresholds near the top.
SCORE_BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)


# Recording rules generated by `sentinel slo-rules` (Sloth's names); the generator, the
# dashboards and deploy/prometheus all use these. Their labels are `slo`, `window` (ratio
# rules only) and the SLO's `by` labels; no `job`: they aggregate every replica.
SLI_ERROR_RATIO_PREFIX = "slo:sli_error:ratio_rate"  # + window, e.g. 5m, 1h, 30d
OBJECTIVE = "slo:objective:ratio"
ERROR_BUDGET = "slo:error_budget:ratio"
TIME_PERIOD_DAYS = "slo:time_period:days"
CURRENT_BURN_RATE = "slo:current_burn_rate:ratio"
PERIOD_BURN_RATE = "slo:period_burn_rate:ratio"
PERIOD_BUDGET_REMAINING = "slo:period_error_budget_remaining:ratio"


def prom_duration(minutes: int) -> str:
    """A Prometheus duration as the rules name their windows: 5m, 1h, 1d."""
    if minutes % 1440 == 0:
        return f"{minutes // 1440}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


def sli_error_ratio(window: str) -> str:
    """The recording rule holding each SLO's bad-event ratio over `window` (e.g. "1h")."""
    return f"{SLI_ERROR_RATIO_PREFIX}{window}"
