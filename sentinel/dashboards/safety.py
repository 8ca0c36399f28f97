"""Safety: what the filters found, what was done about it, what users said."""

from __future__ import annotations

from typing import Any

from sentinel.dashboards import constants as c
from sentinel.dashboards.layout import Board, Query, stat_panel, timeseries, variables
from sentinel.dashboards.promql import Scope, regex, share
from sentinel.telemetry import names as n

UID = "sentinel-safety"
_S = Scope(("job", "service", "model", "variant"))
_INJECTION = f'category=~"{regex((*c.DIRECT_INJECTION, *c.INDIRECT_INJECTION))}"'
# sentinel_findings_total carries service, model and variant: the selectors apply to it.
_ALL_TRAFFIC = ""


def build() -> dict[str, Any]:
    board = Board(
        UID,
        "sentinel / Safety",
        "Guardrail findings (PII, prompt injection, harmful content, hallucination signals), "
        "the verdicts taken on them, escalations to human review and user feedback.",
        variables(_S),
    )
    board.row("Verdicts")
    board.add(
        stat_panel(
            "Blocked share",
            "Share of exchanges whose verdict was block, over the rate window. A jump "
            "means a new attack wave, or a rule that started matching ordinary traffic.",
            "percentunit",
            [Query(share(_S.rate(n.VERDICTS, action="block"), _S.rate(n.VERDICTS)))],
            thresholds=[(0.01, "orange"), (0.05, "red")],
        ),
        stat_panel(
            "PII leaks in the time range",
            "Outputs or tool-call arguments carrying PII the user did not supply. Every "
            "one is worth a look; the pii-leak SLO allows 1 in 1,000 answers.",
            "short",
            [Query(f"{_S.increase(n.PII_LEAKS)} or vector(0)")],
            thresholds=[(1, "red")],
            instant=True,
        ),
        stat_panel(
            "Escalations in the time range",
            "Exchanges sent to the review topic for a human (verdict escalate).",
            "short",
            [Query(f"{_S.increase(n.VERDICTS, action=c.ESCALATE)} or vector(0)")],
            thresholds=[(1, "orange")],
            instant=True,
        ),
        stat_panel(
            "Average user rating",
            "Mean of the 1-5 ratings users gave over the rate window. A drop after a "
            "deployment is the earliest sign users noticed.",
            "short",
            [Query(_S.mean(n.FEEDBACK_RATING))],
            thresholds=[(0, "red"), (3, "orange"), (4, "green")],
            decimals=2,
        ),
    )
    board.add(
        timeseries(
            "Verdicts per second by action",
            "allow, flag, redact, escalate, block: the strongest action any filter asked "
            "for on each exchange. Watch block and escalate; flag is informational.",
            "reqps",
            [Query(_S.rate(n.VERDICTS, by=("action",)), "{{action}}")],
            stack=True,
        ),
        timeseries(
            "Escalations per second by service and model",
            "Exchanges sent to human review. A service with escalations and no reviewers "
            "reading the review topic is a queue that only grows.",
            "reqps",
            [
                Query(
                    _S.rate(n.VERDICTS, by=("service", "model"), action=c.ESCALATE),
                    "{{service}} / {{model}}",
                )
            ],
        ),
    )
    board.row("Findings")
    board.add(
        timeseries(
            "Findings per second by category",
            "Every finding by category: PII entity types, content categories, hallucination "
            "heuristics. A category that appears from nowhere is a new pattern in traffic or "
            "a new rule." + _ALL_TRAFFIC,
            "cps",
            [Query(_S.rate(n.FINDINGS, by=("filter", "category")), "{{filter}}: {{category}}")],
        ),
        timeseries(
            "Findings per second by severity",
            "Findings by severity (info to critical)." + _ALL_TRAFFIC,
            "cps",
            [Query(_S.rate(n.FINDINGS, by=("severity",)), "{{severity}}")],
            stack=True,
        ),
        timeseries(
            "Findings per second by action",
            "What the finding asked for. Many redact findings with few block findings is "
            "the normal shape for PII." + _ALL_TRAFFIC,
            "cps",
            [Query(_S.rate(n.FINDINGS, by=("action",)), "{{action}}")],
            stack=True,
        ),
        timeseries(
            "PII leaks per second by service and model",
            "PII in answers or tool-call arguments that the user did not supply: the model "
            "revealed someone else's data (or invented it). Redaction hides it downstream; "
            "the cause is usually retrieval returning other users' documents.",
            "cps",
            [Query(_S.rate(n.PII_LEAKS, by=("service", "model")), "{{service}} / {{model}}")],
        ),
        timeseries(
            "PII findings per second by entity and field",
            "PII entity types found, and where: in user messages (the user's own data, "
            "usually fine), in outputs and tool calls (possible leaks)." + _ALL_TRAFFIC,
            "cps",
            [
                Query(
                    _S.rate(n.FINDINGS, by=("category", "field"), filter=c.FILTER_PII),
                    "{{category}} in {{field}}",
                )
            ],
        ),
    )
    board.row("Prompt injection")
    board.add(
        timeseries(
            "Injection findings per second: direct vs indirect",
            "Direct injection and jailbreaks come from the user; indirect injection hides "
            "in retrieved documents and tool output that the model reads. Indirect findings "
            "mean a data source is poisoned: find the document, not the user." + _ALL_TRAFFIC,
            "cps",
            [Query(_S.rate(n.FINDINGS, _INJECTION, by=("category",)), "{{category}}")],
            stack=True,
        ),
        timeseries(
            "Injection findings per second by field",
            "Where the injection text was: user messages vs context documents and tool "
            "output. Findings in system prompts would mean the application itself carries "
            "the pattern." + _ALL_TRAFFIC,
            "cps",
            [Query(_S.rate(n.FINDINGS, _INJECTION, by=("field",)), "{{field}}")],
            stack=True,
        ),
        timeseries(
            "Injections followed per second",
            "Exchanges whose output carried out an instruction found only in a retrieved "
            "document or tool result (printed its payload, showed its link, switched to its "
            "language, called the tool it named): the attack worked. Compare canary and "
            "baseline: a model that follows injected text more often should not be promoted.",
            "cps",
            [Query(_S.rate(n.INJECTION_FOLLOWED, by=("variant",)), "{{variant}}")],
        ),
        timeseries(
            "Injection score p95 by channel",
            "95th percentile of the per-exchange injection score (structure and classifier, "
            "0..1) in user messages, context chunks and tool results. A rising tail below the "
            "threshold is an attack being tuned, or a data source drifting.",
            "short",
            [Query(_S.quantile(0.95, n.INJECTION_SCORE, by=("channel",)), "{{channel}}")],
        ),
    )
    board.row("Hallucination signals")
    board.add(
        timeseries(
            "Hallucination signals per second by heuristic",
            "unsupported_citation (a cited source that is not in the context), "
            "unsupported_number (a figure the context does not contain), undeclared_tool "
            "(a call to a tool the request did not offer). A step change follows a prompt "
            "or retrieval change." + _ALL_TRAFFIC,
            "cps",
            [
                Query(
                    _S.rate(n.FINDINGS, by=("category",), filter=c.FILTER_HALLUCINATION),
                    "{{category}}",
                )
            ],
            stack=True,
        ),
        timeseries(
            "Hallucination signals per answered exchange",
            "Hallucination findings divided by successful exchanges: roughly the share of "
            "answers with a signal (an answer can carry several). The hallucination SLO "
            "counts answers with at least one." + _ALL_TRAFFIC,
            "percentunit",
            [
                Query(
                    f"{_S.rate(n.FINDINGS, filter=c.FILTER_HALLUCINATION)} / "
                    f"{Scope(('job',)).rate(n.EXCHANGES, outcome='ok')}"
                )
            ],
        ),
    )
    board.row("User feedback")
    board.add(
        timeseries(
            "Feedback per second by kind",
            "Ratings, escalations and complaints users sent. Complaints and escalations "
            "rising together with a flat finding rate mean the filters miss what users see.",
            "cps",
            [Query(_S.rate(n.FEEDBACK, by=("kind",)), "{{kind}}")],
            stack=True,
        ),
        timeseries(
            "Average rating by model",
            "Mean user rating (1-5) per model over the rate window.",
            "short",
            [Query(_S.mean(n.FEEDBACK_RATING, by=("model",)), "{{model}}")],
            min_value=1,
        ),
    )
    return board.to_json()
