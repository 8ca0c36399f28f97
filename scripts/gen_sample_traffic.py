#!/usr/bin/env python3
"""Generate deterministic sample LLM-gateway traffic as sentinel.llm.v1 JSON lines.

Two hours of event time (from 2026-11-02T09:00:00Z) of three services behind a gateway:

- support-bot (`/v1/chat/completions`, request + response pairs): ticket-triage with tools
  and a baseline/canary split (gpt-4.1 vs the cheaper gpt-4.1-mini, sticky per session), RAG
  answers from a help centre (claude-sonnet-4-5 with prompt caching), conversation summaries.
- search-assistant (`/v1/responses`, pairs): RAG answers (gpt-4.1, o4-mini with reasoning
  tokens) and document summaries.
- code-helper (single `exchange` events): autocomplete (llama-3.3-70b) and code review.

Mixed in, with exact counts in the manifest: requests that never get a response (timeouts),
responses whose request is missing (orphans; most were sent before the recording started),
redelivered lines (same event_id), feedback events, three long-context requests over 1 MiB,
errors with retries, a few latencies past 80 s, fake PII and prompt-injection phrasings,
fabricated citations and undeclared tool calls, small arrival jitter, and malformed lines
each meant for one dead-letter reason of `sentinel.events.decode`.

Conventions: a response's timestamp is its request's timestamp plus `latency_ms` (rounded
to the millisecond); an `exchange` event is stamped when it completed. `input_tokens`
includes cached and cache-write tokens (OpenTelemetry), `output_tokens` includes reasoning
tokens. Token counts are never below what the logged text needs (about 4 characters a
token); the difference is prompt material the gateway does not log (few-shot examples,
tool schemas, history).

The word lists (prompts, documents, names, error messages) are data, in
`sample_traffic_words.yaml` beside this script, checked by the `Words` model when loaded;
run it with sentinel's environment (PyYAML, pydantic). The same seed always gives the same
bytes (gzip mtime 0, no file name).

    python scripts/gen_sample_traffic.py                       # the committed sample
    python scripts/gen_sample_traffic.py --exchanges 200 --out - | head
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import math
import random
import sys
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

DEFAULT_SEED = 20261102
DEFAULT_EXCHANGES = 4000
REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "sentinel" / "data" / "sample-traffic.jsonl.gz"
BASE_TIME = datetime(2026, 11, 2, 9, 0, 0, tzinfo=UTC)
SCHEMA = "sentinel.llm.v1"

WINDOW_MS = 2 * 3600 * 1000  # sessions start within two hours of event time
ONE_MIB = 1024 * 1024  # Kafka's default message.max.bytes is about this
LONG_CONTEXT_MIB = ((1.15, 1.45), (1.2, 1.5), (1.1, 1.3))  # text per long-context request
TIMEOUT_SHARE = 0.01  # of request/response pairs whose response never comes

Json = dict[str, Any]


# --------------------------------------------------------------------------- models


@dataclass(frozen=True)
class ModelSpec:
    provider: str
    ttft_ms: float  # median time to first token (ms), excluding reasoning
    tokens_per_s: float  # median decode speed
    sigma: float  # lognormal spread of both


MODELS: dict[str, ModelSpec] = {
    "gpt-4.1": ModelSpec("openai", 620.0, 78.0, 0.45),
    "gpt-4.1-mini": ModelSpec("openai", 380.0, 125.0, 0.45),
    "o4-mini": ModelSpec("openai", 450.0, 180.0, 0.5),
    "claude-sonnet-4-5": ModelSpec("anthropic", 950.0, 72.0, 0.45),
    "llama-3.3-70b": ModelSpec("groq", 260.0, 260.0, 0.55),
}
CHARS_PER_TOKEN = 4.0  # English prose; code is denser but this is only a lower bound
GATEWAY_OVERHEAD_MS = 35.0


# --------------------------------------------------------------------------- text pools

WORDS_FILE = Path(__file__).resolve().parent / "sample_traffic_words.yaml"


class Words(BaseModel):
    """The text pools the generator picks from (`sample_traffic_words.yaml`), checked when
    loaded: an unknown or missing pool, or a value of the wrong shape, stops the script.
    Pools are tuples (the generator only picks from them); tool schemas and a topic's
    search hits stay lists, as they are written into events."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    people: tuple[tuple[str, str], ...]  # (mail handle, name as the customer signs)
    mail_domains: tuple[str, ...]
    phones: tuple[str, ...]
    test_cards: tuple[str, ...]  # test card numbers (Luhn-valid, never real)
    products: tuple[tuple[str, str], ...]  # (product, a part of it that breaks)
    triage_system: str
    triage_tools: list[Json]
    triage_issues: tuple[tuple[str, str, str], ...]  # (template, category, priority)
    support_system: str
    kb: tuple[tuple[str, str, tuple[str, ...], str], ...]  # (slug, text, questions, answer)
    summary_system: str
    summary_lines: tuple[str, ...]
    search_system: str
    topics: tuple[tuple[tuple[str, ...], list[tuple[str, str]], str], ...]
    search_summary_system: str
    injections: tuple[str, ...]
    context_injections: tuple[str, ...]
    code_system: str
    snippets: tuple[tuple[str, str, str], ...]  # (language, prefix, completion)
    review_system: str
    review_tools: list[Json]
    diffs: tuple[tuple[str, str, str], ...]  # (diff, review, file to read)
    feedback_comments: dict[int, tuple[str, ...]]  # by rating
    vendors: tuple[str, ...]
    obligations: tuple[str, ...]
    triggers: tuple[str, ...]
    exceptions: tuple[str, ...]
    clause_heads: tuple[str, ...]
    log_services: tuple[str, ...]
    log_events: tuple[str, ...]
    ticket_issues: tuple[str, ...]
    ticket_actions: tuple[str, ...]
    error_messages: dict[str, tuple[str, ...]]  # by error kind
    legal_system: str


def load_words(path: Path = WORDS_FILE) -> Words:
    """The word lists of `path`, validated; ValueError naming the file and the problem."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Words.model_validate(document)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ValueError(f"could not load {path}: {exc}") from exc


WORDS = load_words()


# --------------------------------------------------------------------------- data shapes


@dataclass
class Exchange:
    """One logical call through the gateway, before it is turned into events."""

    index: int
    start_ms: int
    service: str
    endpoint: str
    feature: str
    session_id: str
    user_id: str
    model: str
    provider: str
    variant: str | None
    route: str
    mode: str  # "pair" (request + response events) or "exchange" (one event)
    request: Json  # messages / context / tools / metadata
    content: str | None
    tool_calls: list[Json]
    finish_reason: str
    hidden_input_tokens: int  # prompt material the gateway does not log
    cache_prefix_tokens: int  # stable prefix eligible for prompt caching
    reasoning: bool = False
    request_id: str = ""
    status: str = "ok"
    error: Json | None = None
    retries: int = 0
    latency_ms: float = 0.0
    ttft_ms: float | None = None
    usage: Json | None = None
    straggler: bool = False
    long_context: bool = False
    flags: set[str] = field(default_factory=set)

    @property
    def end_ms(self) -> int:
        return self.start_ms + round(self.latency_ms)


@dataclass
class Line:
    """One output line with what the generator intends a decoder to make of it."""

    arrival_ms: float  # when the producer got it out: event time plus jitter
    event_ms: int  # the event's own timestamp
    seq: int
    data: bytes
    reason: str | None = None  # intended dead-letter reason; None means a valid event
    event_type: str | None = None
    event_id: str | None = None
    request_id: str | None = None


# --------------------------------------------------------------------------- helpers


def _timestamp(offset_ms: int, style: str = "ms") -> str:
    """RFC 3339 in UTC: `...T09:00:01.234Z`, or `...+00:00` with microseconds."""
    moment = BASE_TIME + timedelta(milliseconds=offset_ms)
    if style == "us":
        return moment.isoformat(timespec="microseconds")
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def _tokens(*texts: str) -> int:
    return math.ceil(sum(len(t) for t in texts) / CHARS_PER_TOKEN)


class Gen:
    """All randomness flows through one `random.Random`, in a fixed order."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def hex(self, bits: int) -> str:
        return f"{self.rng.getrandbits(bits):0{bits // 4}x}"

    def lognormal(self, median: float, sigma: float) -> float:
        return median * math.exp(self.rng.gauss(0.0, sigma))

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, seq: Sequence[Any]) -> Any:
        return seq[self.rng.randrange(len(seq))]

    def weighted(self, table: Sequence[tuple[Any, float]]) -> Any:
        return self.rng.choices([k for k, _ in table], [w for _, w in table])[0]

    def order_id(self) -> str:
        return f"NW-{self.rng.randrange(100000, 999999)}"

    def fill(self, template: str) -> str:
        r = self.rng
        product, part = self.pick(WORDS.products)
        return template.format(
            order=self.order_id(),
            product=product,
            part=part,
            a=r.randrange(1, 6),
            days=r.randrange(3, 40),
            date=f"October {r.randrange(20, 31)}",
            money=f"${r.randrange(1, 20)},000,000",
            n=r.randrange(120, 9000),
            n2=r.randrange(0, 40),
            k=r.randrange(1, 9),
            p=r.randrange(5, 99),
            svc=self.pick(WORDS.log_services),
        )


# --------------------------------------------------------------------------- PII / injection


def _pii_sentence(g: Gen) -> tuple[str, str]:
    """A sentence with fake personal data, and the email in it (or '')."""
    handle, name = g.pick(WORDS.people)
    email = f"{handle}@{g.pick(WORDS.mail_domains)}"
    kind = g.weighted((("email", 0.35), ("phone", 0.25), ("both", 0.2), ("card", 0.2)))
    if kind == "email":
        return f"You can reach me at {email}.", email
    if kind == "phone":
        return f"Call me back on {g.pick(WORDS.phones)}, ask for {name}.", ""
    if kind == "both":
        return f"I'm {name}, {email}, phone {g.pick(WORDS.phones)}.", email
    return (
        f"I paid with my card {g.pick(WORDS.test_cards)}, exp {g.rng.randrange(1, 13):02d}/"
        f"{g.rng.randrange(27, 31)}, please check it."
    ), ""


def _decorate_prompt(g: Gen, ex: Exchange, text: str, pii_p: float, inj_p: float) -> str:
    """Maybe add fake PII or an injection phrasing to a user prompt (flags record it)."""
    if g.chance(pii_p):
        sentence, email = _pii_sentence(g)
        text = f"{text} {sentence}"
        ex.flags.add("pii_prompt")
        if email:
            ex.flags.add("pii_email:" + email)
    if g.chance(inj_p):
        text = f"{text}\n\n{g.fill(g.pick(WORDS.injections))}"
        ex.flags.add("injection_prompt")
    return text


# --------------------------------------------------------------------------- feature builders


def _triage(g: Gen, ex: Exchange) -> None:
    template, category, priority = g.pick(WORDS.triage_issues)
    text = _decorate_prompt(g, ex, g.fill(template), pii_p=0.08, inj_p=0.015)
    ex.request = {
        "messages": [
            {"role": "system", "content": WORDS.triage_system},
            {"role": "user", "content": text},
        ],
        "tools": WORDS.triage_tools,
    }
    order = next((w.strip(".,?") for w in text.split() if w.startswith("NW-")), None)
    roll = g.rng.random()
    if ex.variant == "canary" and g.chance(0.06):
        # the cheaper model sometimes calls a tool nobody declared
        ex.tool_calls = [
            {
                "name": "issue_refund",
                "arguments": {"order_id": order or g.order_id(), "amount": "full"},
            }
        ]
        ex.finish_reason = "tool_calls"
        ex.flags.add("undeclared_tool_call")
    elif order and roll < 0.55:
        ex.tool_calls = [{"name": "lookup_order", "arguments": {"order_id": order}}]
        ex.finish_reason = "tool_calls"
    elif roll < 0.8:
        summary = text.split(".")[0][:120]
        name = "escalate_to_human" if priority == "urgent" and g.chance(0.5) else "create_ticket"
        args = (
            {"reason": f"{category}: {summary}"}
            if name == "escalate_to_human"
            else {"category": category, "priority": priority, "summary": summary}
        )
        ex.tool_calls = [{"name": name, "arguments": args}]
        ex.finish_reason = "tool_calls"
    else:
        ex.content = _dumps({"category": category, "priority": priority})
        ex.finish_reason = "stop"
    ex.hidden_input_tokens = round(g.lognormal(900, 0.3))  # few-shot examples
    ex.cache_prefix_tokens = _tokens(WORDS.triage_system, _dumps(WORDS.triage_tools)) + 900


def _kb_chunks(g: Gen, ex: Exchange, first: int) -> tuple[list[Json], str]:
    """Three help-centre chunks, the answering article first; returns (chunks, its answer)."""
    others = [i for i in range(len(WORDS.kb)) if i != first]
    g.rng.shuffle(others)
    picked = [first, *others[:2]]
    chunks = []
    for n, i in enumerate(picked, start=1):
        slug, text = WORDS.kb[i][0], WORDS.kb[i][1]
        source = f"kb://help-centre/{slug}#s{g.rng.randrange(1, 4)}"
        chunks.append({"id": f"doc-{n}", "source": source, "text": text})
    if g.chance(0.004):
        chunks[-1]["text"] += " " + g.pick(WORDS.context_injections)
        ex.flags.add("injection_in_context")
    return chunks, WORDS.kb[first][3]


def _cite(g: Gen, ex: Exchange, template: str, real: Sequence[str]) -> str:
    """Fill {cite}/{c1}/{c2}; rarely cite a document that was never retrieved."""
    cites = {"cite": f"[{real[0]}]", "c1": f"[{real[0]}]", "c2": f"[{real[1]}]"}
    if g.chance(0.015):
        cites["c2"] = cites["cite"] = f"[doc-{g.rng.randrange(5, 9)}]"
        ex.flags.add("fabricated_citation")
    return template.format(**cites)


def _support_answer(g: Gen, ex: Exchange) -> None:
    first = g.rng.randrange(len(WORDS.kb))
    question = g.pick(WORDS.kb[first][2])
    question = _decorate_prompt(g, ex, question, pii_p=0.03, inj_p=0.01)
    chunks, answer = _kb_chunks(g, ex, first)
    messages = [{"role": "system", "content": WORDS.support_system}]
    if g.chance(0.3):  # a follow-up in an ongoing chat
        prev = g.pick(WORDS.kb)
        messages += [
            {"role": "user", "content": g.pick(prev[2])},
            {"role": "assistant", "content": prev[3].format(cite="[doc-1]")},
        ]
    messages.append({"role": "user", "content": question})
    ex.request = {"messages": messages, "context": chunks}
    ex.content = _cite(g, ex, answer, ["doc-1", "doc-1"])
    emails = [f.split(":", 1)[1] for f in ex.flags if f.startswith("pii_email:")]
    if emails and g.chance(0.4):  # echoes the customer's address back: a leak in the output
        ex.content += f" I've also sent these steps to {emails[0]}."
        ex.flags.add("pii_output")
    ex.finish_reason = "stop" if g.chance(0.97) else "length"
    ex.hidden_input_tokens = round(g.lognormal(1400, 0.35))  # brand-voice examples
    ex.cache_prefix_tokens = _tokens(WORDS.support_system) + 1400


def _support_summary(g: Gen, ex: Exchange) -> None:
    template = g.pick(WORDS.triage_issues)[0]
    lines = [
        line.format(issue=g.fill(template), date=f"October {g.rng.randrange(20, 31)}")
        for line in WORDS.summary_lines[: g.rng.randrange(4, len(WORDS.summary_lines) + 1)]
    ]
    transcript = "\n".join(lines)
    if g.chance(0.05):
        transcript += "\nCustomer: " + _pii_sentence(g)[0]
        ex.flags.add("pii_prompt")
    ex.request = {
        "messages": [
            {"role": "system", "content": WORDS.summary_system},
            {"role": "user", "content": transcript},
        ]
    }
    ex.content = (
        "The customer contacted support about an order problem. The agent checked the order and "
        "started a carrier trace. Open: the customer awaits an update."
    )
    ex.finish_reason = "stop"
    ex.hidden_input_tokens = round(g.lognormal(300, 0.5))
    ex.cache_prefix_tokens = 0


def _search_answer(g: Gen, ex: Exchange) -> None:
    questions, sources, answer = g.pick(WORDS.topics)
    question = _decorate_prompt(g, ex, g.pick(questions), pii_p=0.01, inj_p=0.008)
    chunks = [
        {"id": f"doc-{n}", "source": src, "text": text}
        for n, (src, text) in enumerate(sources, start=1)
    ]
    noise = g.pick([t for t in WORDS.topics if t[0] != questions])[1][0]  # an off-topic hit
    chunks.append({"id": "doc-3", "source": noise[0], "text": noise[1]})
    if g.chance(0.004):
        chunks[-1]["text"] += " " + g.pick(WORDS.context_injections)
        ex.flags.add("injection_in_context")
    ex.request = {
        "messages": [
            {"role": "system", "content": WORDS.search_system},
            {"role": "user", "content": question},
        ],
        "context": chunks,
    }
    ex.content = _cite(g, ex, answer, ["doc-1", "doc-2"])
    ex.finish_reason = "stop"
    ex.reasoning = ex.model == "o4-mini"
    ex.hidden_input_tokens = round(g.lognormal(650, 0.5))  # result snippets beyond the top 3
    ex.cache_prefix_tokens = _tokens(WORDS.search_system) + 60


def _search_summary(g: Gen, ex: Exchange) -> None:
    topic = g.pick(WORDS.topics)
    doc = "\n\n".join(text for _, text in topic[1])
    ex.request = {
        "messages": [
            {"role": "system", "content": WORDS.search_summary_system},
            {"role": "user", "content": f"Summarise:\n\n{doc}"},
        ]
    }
    plain = topic[2].replace(" {c1}", "").replace(" {c2}", "")
    ex.content = "\n".join(f"- {s.strip(' .')}." for s in plain.split(". ") if s.strip(" ."))
    ex.finish_reason = "stop"
    ex.hidden_input_tokens = round(g.lognormal(3000, 0.8))  # the logged document is an excerpt
    ex.cache_prefix_tokens = 0


def _autocomplete(g: Gen, ex: Exchange) -> None:
    language, prefix, completion = g.pick(WORDS.snippets)
    ex.request = {
        "messages": [
            {"role": "system", "content": WORDS.code_system},
            {"role": "user", "content": prefix},
        ],
        "metadata": {"ide": g.pick(("vscode", "jetbrains", "neovim")), "language": language},
    }
    cut = len(completion) if g.chance(0.85) else g.rng.randrange(10, len(completion))
    ex.content = completion[:cut]
    ex.finish_reason = "stop" if cut == len(completion) else "length"
    ex.hidden_input_tokens = round(g.lognormal(1200, 0.6))  # surrounding file context
    ex.cache_prefix_tokens = 0


def _code_review(g: Gen, ex: Exchange) -> None:
    diff, review, path = g.pick(WORDS.diffs)
    ex.request = {
        "messages": [
            {"role": "system", "content": WORDS.review_system},
            {"role": "user", "content": f"Review this change:\n\n{diff}"},
        ],
        "tools": WORDS.review_tools,
        "metadata": {"repo": "northwind/" + path.split("/")[0]},
    }
    if g.chance(0.3):
        ex.tool_calls = [{"name": "read_file", "arguments": _dumps({"path": path})}]
        ex.finish_reason = "tool_calls"
    else:
        ex.content = review
        ex.finish_reason = "stop"
    ex.reasoning = g.chance(0.3)  # extended thinking on
    ex.hidden_input_tokens = round(g.lognormal(2500, 0.5))
    ex.cache_prefix_tokens = _tokens(WORDS.review_system, _dumps(WORDS.review_tools)) + 2000


@dataclass(frozen=True)
class Feature:
    service: str
    endpoint: str
    name: str
    weight: float  # share within the service
    models: tuple[tuple[str, float], ...]
    build: Callable[[Gen, Exchange], None]
    output_factor: float  # real answers are longer than the logged text suggests


SERVICES: tuple[tuple[str, float, str], ...] = (
    # (service, share of sessions, event mode)
    ("support-bot", 0.45, "pair"),
    ("search-assistant", 0.35, "pair"),
    ("code-helper", 0.20, "exchange"),
)
FEATURES: tuple[Feature, ...] = (
    Feature(
        "support-bot",
        "/v1/chat/completions",
        "ticket-triage",
        0.4,
        (("gpt-4.1", 1.0),),
        _triage,
        1.0,
    ),
    Feature(
        "support-bot",
        "/v1/chat/completions",
        "answer",
        0.45,
        (("claude-sonnet-4-5", 1.0),),
        _support_answer,
        2.0,
    ),
    Feature(
        "support-bot",
        "/v1/chat/completions",
        "summarize",
        0.15,
        (("gpt-4.1-mini", 1.0),),
        _support_summary,
        1.5,
    ),
    Feature(
        "search-assistant",
        "/v1/responses",
        "answer",
        0.75,
        (("gpt-4.1", 0.6), ("o4-mini", 0.4)),
        _search_answer,
        3.0,
    ),
    Feature(
        "search-assistant",
        "/v1/responses",
        "summarize",
        0.25,
        (("gpt-4.1-mini", 1.0),),
        _search_summary,
        2.0,
    ),
    Feature(
        "code-helper",
        "/v1/chat/completions",
        "autocomplete",
        0.8,
        (("llama-3.3-70b", 1.0),),
        _autocomplete,
        1.0,
    ),
    Feature(
        "code-helper",
        "/v1/chat/completions",
        "code-review",
        0.2,
        (("claude-sonnet-4-5", 1.0),),
        _code_review,
        3.0,
    ),
)
CANARY = ("support-bot", "ticket-triage", "gpt-4.1-mini")  # service, feature, canary model
CANARY_SHARE = 0.15
METADATA = {
    "support-bot": {"app_version": "3.8.2", "region": "us-east-1"},
    "search-assistant": {"app_version": "1.22.0", "region": "eu-west-1"},
    "code-helper": {"app_version": "0.9.14", "region": "us-west-2"},
}


# --------------------------------------------------------------------------- traffic shape


def _sessions(g: Gen, exchanges: int) -> list[Exchange]:
    """Sessions of consecutive calls by one user to one service, until `exchanges` calls."""
    users = [f"u_{g.hex(48)}" for _ in range(max(20, exchanges // 5))]
    out: list[Exchange] = []
    while len(out) < exchanges:
        service, _, mode = g.weighted([((s, w, m), w) for s, w, m in SERVICES])
        user_id = users[
            min(int(g.rng.paretovariate(1.1)) - 1, len(users) - 1)
            if g.chance(0.3)
            else g.rng.randrange(len(users))
        ]
        session_id = f"sess_{g.hex(64)}"
        canary = g.chance(CANARY_SHARE)  # the gateway assigns the variant per session
        t = g.rng.random() ** 0.9 * WINDOW_MS  # traffic ramps up after 09:00
        features = [f for f in FEATURES if f.service == service]
        for _ in range(min(1 + int(g.rng.expovariate(1 / 2.2)), 14)):
            if len(out) == exchanges:
                break
            feat = g.weighted([(f, f.weight) for f in features])
            model = g.weighted(list(feat.models))
            variant = None
            if (service, feat.name) == CANARY[:2]:
                variant = "canary" if canary else "baseline"
                model = CANARY[2] if canary else model
            ex = Exchange(
                index=len(out),
                start_ms=round(t),
                service=service,
                endpoint=feat.endpoint,
                feature=feat.name,
                session_id=session_id,
                user_id=user_id,
                model=model,
                provider=MODELS[model].provider,
                variant=variant,
                route="primary",
                mode=mode,
                request={},
                content=None,
                tool_calls=[],
                finish_reason="stop",
                hidden_input_tokens=0,
                cache_prefix_tokens=0,
            )
            feat.build(g, ex)
            ex.request_id = f"req_{g.hex(96)}"
            _shape_response(g, ex, feat)
            out.append(ex)
            gap = g.lognormal(2500, 0.8) if service == "code-helper" else g.lognormal(30000, 0.7)
            t += ex.latency_ms + gap
    out.sort(key=lambda e: (e.start_ms, e.index))
    return out


def _in_rate_limit_burst(ex: Exchange) -> bool:
    """10:05-10:13: the Anthropic organisation hits its token-per-minute limit."""
    return ex.provider == "anthropic" and 65 * 60_000 <= ex.start_ms < 73 * 60_000


def _shape_response(g: Gen, ex: Exchange, feat: Feature) -> None:
    """Status, retries, latency, time to first token and usage of one exchange."""
    spec = MODELS[ex.model]
    logged = _dumps(ex.request.get("messages", [])) + _dumps(ex.request.get("context", []))
    input_tokens = _tokens(logged) + (60 if ex.request.get("tools") else 0)
    input_tokens += ex.hidden_input_tokens
    out_text = (ex.content or "") + _dumps(ex.tool_calls)
    output_tokens = max(1, round(_tokens(out_text) * feat.output_factor * g.lognormal(1, 0.3)))
    reasoning = round(g.lognormal(280, 0.8)) if ex.reasoning else 0

    error_p = 0.22 if _in_rate_limit_burst(ex) else 0.026
    if g.chance(error_p):
        kind = (
            "rate_limit"
            if _in_rate_limit_burst(ex)
            else g.weighted((("rate_limit", 0.4), ("timeout", 0.25), ("server_error", 0.35)))
        )
        _make_error(g, ex, kind)
        return
    if _in_rate_limit_burst(ex) and g.chance(0.5):
        ex.retries = g.rng.randrange(1, 3)
        ex.route, ex.provider = "fallback", "aws.bedrock"  # the gateway's fallback deployment
    elif g.chance(0.04):
        ex.retries = g.weighted(((1, 0.8), (2, 0.2)))

    ttft = g.lognormal(spec.ttft_ms, spec.sigma) + reasoning / spec.tokens_per_s * 1000
    decode = output_tokens / g.lognormal(spec.tokens_per_s, spec.sigma / 2) * 1000
    latency = GATEWAY_OVERHEAD_MS + ttft + decode + ex.retries * g.lognormal(900, 0.4)
    if g.chance(0.012):  # a slow upstream: the heavy tail
        latency *= g.lognormal(8, 0.5)
    ex.latency_ms = round(latency, 1)
    streamed = ex.finish_reason != "tool_calls" and ex.feature != "ticket-triage"
    ex.ttft_ms = round(min(ttft + GATEWAY_OVERHEAD_MS, latency * 0.95), 1) if streamed else None
    if reasoning:
        output_tokens += reasoning
    ex.usage = _usage(g, ex, input_tokens, output_tokens, reasoning)


def _usage(g: Gen, ex: Exchange, input_tokens: int, output_tokens: int, reasoning: int) -> Json:
    usage: Json = {"input_tokens": input_tokens, "output_tokens": output_tokens}
    prefix = min(ex.cache_prefix_tokens, input_tokens * 9 // 10)
    if ex.provider in ("anthropic", "aws.bedrock") and prefix >= 1024:
        # explicit cache breakpoints: a hit reads the prefix, a miss writes it
        if g.chance(0.8):
            usage["cached_input_tokens"] = prefix
        else:
            usage["cache_write_tokens"] = prefix
    elif ex.provider == "openai" and input_tokens >= 1024 and g.chance(0.9):
        # automatic caching in 128-token steps past the first 1024
        cached = 1024 + (max(prefix, 1024) - 1024) // 128 * 128
        usage["cached_input_tokens"] = min(cached, input_tokens // 128 * 128)
    if reasoning:
        usage["reasoning_tokens"] = reasoning
    return usage


def _make_error(g: Gen, ex: Exchange, kind: str) -> None:
    ex.status = "error"
    ex.content, ex.tool_calls, ex.finish_reason = None, [], ""
    ex.error = {
        "type": kind,
        "message": g.pick(WORDS.error_messages[kind]).format(
            model=ex.model,
            provider=ex.provider,
            n=g.rng.randrange(800, 9000),
            ms=g.rng.randrange(50, 900),
        ),
    }
    if kind == "rate_limit":
        ex.retries = g.weighted(((3, 0.6), (2, 0.25), (1, 0.15)))
        ex.latency_ms = round(g.lognormal(160, 0.5) + ex.retries * g.lognormal(1200, 0.4), 1)
    elif kind == "timeout":
        ex.retries = g.weighted(((0, 0.7), (1, 0.3)))
        ex.latency_ms = round(30_000.0 * (ex.retries + 1) + g.rng.uniform(0, 40), 1)
    else:
        ex.retries = g.weighted(((0, 0.5), (1, 0.3), (2, 0.2)))
        ex.latency_ms = round(g.lognormal(900, 0.8) * (ex.retries + 1), 1)


def _make_straggler(g: Gen, ex: Exchange) -> None:
    """Past 80 s: a stuck upstream stream that eventually finished."""
    ex.straggler = True
    ex.latency_ms = round(g.rng.uniform(81_000, 145_000), 1)
    if ex.ttft_ms is not None:
        ex.ttft_ms = round(min(ex.ttft_ms * g.rng.uniform(2, 20), ex.latency_ms * 0.5), 1)


# --------------------------------------------------------------------------- long context


def _clause(g: Gen, n: int) -> str:
    head = g.pick(WORDS.clause_heads)
    return (
        f"{n}. {head}. {g.pick(WORDS.vendors)} shall {g.fill(g.pick(WORDS.obligations))} within "
        f"{g.rng.randrange(2, 91)} {g.pick(('days', 'business days', 'hours'))} of "
        f"{g.pick(WORDS.triggers)}, unless {g.pick(WORDS.exceptions)}. "
    )


def _log_line(g: Gen, n: int) -> str:
    # about one line every 3 minutes, oldest first, from 30 days back
    t = BASE_TIME - timedelta(days=30) + timedelta(seconds=n * 190 + g.rng.randrange(180))
    level = g.weighted((("INFO", 0.55), ("WARN", 0.3), ("ERROR", 0.15)))
    return (
        f"{t.strftime('%Y-%m-%dT%H:%M:%S')}.{g.rng.randrange(1000):03d}Z {level} "
        f"{g.pick(WORDS.log_services)}[{g.rng.randrange(1, 64)}] "
        f"{g.fill(g.pick(WORDS.log_events))}\n"
    )


def _ticket_entry(g: Gen, n: int) -> str:
    return (
        f"Ticket #{480000 + n} ({g.pick(('email', 'chat', 'phone'))}, "
        f"{g.pick(('closed', 'closed', 'pending', 'reopened'))}): customer reported "
        f"{g.fill(g.pick(WORDS.ticket_issues))}; agent {g.pick(WORDS.ticket_actions)} after "
        f"{g.rng.randrange(1, 72)} h. "
    )


LONG_CONTEXT_KINDS = (
    # (service, feature, model, system prompt, question, writer, source template)
    (
        "search-assistant",
        "summarize",
        "gpt-4.1",
        WORDS.legal_system,
        "Summarise the obligations with deadlines under 10 days across all these vendor "
        "contracts, grouped by vendor.",
        _clause,
        "s3://legal-archive/contracts/{n:04d}.pdf",
    ),
    (
        "search-assistant",
        "answer",
        "gpt-4.1",
        WORDS.search_system,
        "Across these logs from the last 30 days, which service causes the checkout timeouts and "
        "when did it start?",
        _log_line,
        "loki://prod/{n:05d}",
    ),
    (
        "support-bot",
        "summarize",
        "claude-sonnet-4-5",
        WORDS.summary_system,
        "Summarise this customer's complete ticket history and list unresolved issues.",
        _ticket_entry,
        "zendesk://export/tickets/page-{n}",
    ),
)


def _long_context(g: Gen, ex: Exchange, kind: int) -> None:
    """Turn `ex` into a request whose retrieved context is well over 1 MiB."""
    service, feature, model, system, question, writer, source = LONG_CONTEXT_KINDS[kind]
    low, high = LONG_CONTEXT_MIB[kind]
    target = round(g.rng.uniform(low, high) * ONE_MIB)
    chunks: list[Json] = []
    total, item = 0, 0
    while total < target:
        parts: list[str] = []
        size = 0
        while size < 3600:
            item += 1
            piece = writer(g, item)
            parts.append(piece)
            size += len(piece)
        text = "".join(parts)
        chunks.append(
            {
                "id": f"doc-{len(chunks) + 1}",
                "source": source.format(n=len(chunks) + 1),
                "text": text,
            }
        )
        total += len(text)
    ex.service, ex.feature, ex.model = service, feature, model
    ex.endpoint = next(f.endpoint for f in FEATURES if f.service == service)
    ex.provider, ex.variant, ex.route = MODELS[model].provider, None, "long-context"
    ex.mode, ex.long_context, ex.flags = "pair", True, set()
    ex.request = {
        "messages": [{"role": "system", "content": system}, {"role": "user", "content": question}],
        "context": chunks,
    }
    ex.content = (
        "Here is the summary you asked for, grouped as requested, with the document ids for each "
        "point: [doc-3], [doc-17], [doc-41]."
    )
    ex.tool_calls, ex.finish_reason, ex.status, ex.error, ex.retries = [], "stop", "ok", None, 0
    input_tokens = _tokens(_dumps(ex.request["messages"]), _dumps(chunks))
    output_tokens = round(g.lognormal(900, 0.3))
    spec = MODELS[model]
    ttft = input_tokens / 12_000 * 1000 + g.lognormal(spec.ttft_ms, 0.2)  # prefill ~12k tok/s
    ex.latency_ms = round(ttft + output_tokens / spec.tokens_per_s * 1000, 1)
    ex.ttft_ms = round(ttft, 1)
    ex.usage = {"input_tokens": input_tokens, "output_tokens": output_tokens}


# --------------------------------------------------------------------------- events


def _identity(ex: Exchange, event_type: str, event_id: str, at_ms: int) -> Json:
    event: Json = {
        "schema": SCHEMA,
        "event_id": event_id,
        "type": event_type,
        "request_id": ex.request_id,
        "timestamp": _timestamp(at_ms, "us" if ex.mode == "exchange" else "ms"),
        "service": ex.service,
        "endpoint": ex.endpoint,
        "feature": ex.feature,
        "session_id": ex.session_id,
        "user_id": ex.user_id,
        "model": ex.model,
        "provider": ex.provider,
    }
    if ex.variant is not None:
        event["variant"] = ex.variant
    event["route"] = ex.route
    return event


def _request_part(ex: Exchange, event: Json) -> None:
    for key in ("messages", "context", "tools"):
        if ex.request.get(key):
            event[key] = ex.request[key]
    event["metadata"] = {**METADATA[ex.service], **ex.request.get("metadata", {})}


def _response_part(ex: Exchange, event: Json) -> None:
    if ex.status == "ok":
        output: Json = {"content": ex.content}
        if ex.tool_calls:
            output["tool_calls"] = ex.tool_calls
        output["finish_reason"] = ex.finish_reason
        event["output"] = output
        event["usage"] = ex.usage
    event["latency_ms"] = ex.latency_ms
    if ex.ttft_ms is not None and ex.status == "ok":
        event["ttft_ms"] = ex.ttft_ms
    event["status"] = ex.status
    if ex.error:
        event["error"] = ex.error
    if ex.retries:
        event["retries"] = ex.retries


def _events(g: Gen, ex: Exchange, with_request: bool, with_response: bool) -> list[Line]:
    lines: list[Line] = []

    def add(event: Json, at_ms: int, after: float | None = None) -> None:
        jitter = g.rng.uniform(100, 2500) if g.chance(0.03) else 0.0
        arrival = at_ms + jitter
        if after is not None:
            arrival = max(arrival, after + 1)
        lines.append(
            Line(
                arrival,
                at_ms,
                0,
                _dumps(event).encode(),
                None,
                event["type"],
                event["event_id"],
                ex.request_id,
            )
        )

    if ex.mode == "exchange":
        event = _identity(ex, "exchange", g.uuid(), ex.end_ms)
        _request_part(ex, event)
        _response_part(ex, event)
        add(event, ex.end_ms)
        return lines
    if with_request:
        event = _identity(ex, "request", g.uuid(), ex.start_ms)
        _request_part(ex, event)
        add(event, ex.start_ms)
    if with_response:
        event = _identity(ex, "response", g.uuid(), ex.end_ms)
        _response_part(ex, event)
        add(event, ex.end_ms, lines[0].arrival_ms if lines else None)
    return lines


def _feedback(g: Gen, ex: Exchange) -> Line:
    base = 4.0 if ex.status == "ok" else 1.5
    if ex.variant == "canary":
        base -= 0.6
    if {"fabricated_citation", "undeclared_tool_call", "pii_output"} & ex.flags:
        base -= 2.0
    rating = max(1, min(5, round(base + g.rng.gauss(0, 1.2))))
    escalated = g.chance({1: 0.6, 2: 0.4, 3: 0.05}.get(rating, 0.0))
    complaint = g.chance({1: 0.5, 2: 0.2}.get(rating, 0.0)) or "pii_output" in ex.flags
    at = ex.end_ms + round(g.lognormal(90_000, 1.0))
    event: Json = {
        "schema": SCHEMA,
        "event_id": g.uuid(),
        "type": "feedback",
        "request_id": ex.request_id,
        "timestamp": _timestamp(at),
        "service": ex.service,
        "feature": ex.feature,
        "session_id": ex.session_id,
        "user_id": ex.user_id,
    }
    if ex.variant is not None:
        event["variant"] = ex.variant
    event["feedback"] = {"rating": rating, "escalated": escalated, "complaint": complaint}
    event["metadata"] = {
        "channel": g.pick(("thumbs", "csat_survey", "chat_widget")),
        "comment": g.pick(WORDS.feedback_comments[rating]),
    }
    return Line(
        at, at, 0, _dumps(event).encode(), None, "feedback", event["event_id"], ex.request_id
    )


# --------------------------------------------------------------------------- malformed lines


def _spare_event(g: Gen, at_ms: int) -> Json:
    """A plausible response event (own request_id) to damage."""
    model = g.pick(("gpt-4.1-mini", "gpt-4.1", "claude-sonnet-4-5"))
    return {
        "schema": SCHEMA,
        "event_id": g.uuid(),
        "type": "response",
        "request_id": f"req_{g.hex(96)}",
        "timestamp": _timestamp(at_ms),
        "service": g.pick(("support-bot", "search-assistant")),
        "endpoint": "/v1/chat/completions",
        "feature": "answer",
        "session_id": f"sess_{g.hex(64)}",
        "user_id": f"u_{g.hex(48)}",
        "model": model,
        "provider": MODELS[model].provider,
        "route": "primary",
        "output": {
            "content": "Standard shipping takes 3 to 5 business days [doc-1].",
            "finish_reason": "stop",
        },
        "usage": {
            "input_tokens": g.rng.randrange(900, 4000),
            "output_tokens": g.rng.randrange(20, 400),
        },
        "latency_ms": round(g.lognormal(1500, 0.4), 1),
        "status": "ok",
    }


def _malformed(g: Gen, kind: str, at_ms: int) -> bytes:
    ev = _spare_event(g, at_ms)
    if kind == "plain_text":
        # logfmt from a sidecar on the same topic (a line starting with a digit would be
        # read as a number first and classified `not_an_object` instead)
        return (
            f'level=warn ts={_timestamp(at_ms)} msg="upstream connect error or '
            'disconnect/reset before headers. reset reason: connection termination"'
        ).encode()
    if kind == "python_repr":  # a producer that printed the dict instead of serialising it
        return repr({k: ev[k] for k in ("schema", "event_id", "type", "request_id")}).encode()
    if kind == "truncated":
        text = _dumps(ev)
        return text[: g.rng.randrange(len(text) // 5, len(text) * 9 // 10)].encode()
    if kind == "json_array":  # a batch written as one message
        return _dumps([ev, _spare_event(g, at_ms + 7)]).encode()
    if kind == "double_encoded":  # json.dumps applied twice: a JSON string
        return _dumps(_dumps(ev)).encode()
    edits: dict[str, Callable[[Json], None]] = {
        "missing_request_id": lambda e: e.pop("request_id"),
        "missing_event_id": lambda e: e.pop("event_id"),
        "missing_timestamp": lambda e: e.pop("timestamp"),
        "schema_v2": lambda e: e.update(schema="sentinel.llm.v2"),
        "schema_missing": lambda e: e.pop("schema"),
        "schema_other": lambda e: e.update(schema="openinference.span.v1"),
        "input_tokens_string": lambda e: e["usage"].update(
            input_tokens=str(e["usage"]["input_tokens"])
        ),
        "negative_tokens": lambda e: e["usage"].update(output_tokens=-e["usage"]["output_tokens"]),
        "naive_timestamp": lambda e: e.update(timestamp=e["timestamp"].rstrip("Z")),
        "bad_type": lambda e: e.update(type="completion"),
        "bad_status": lambda e: e.update(status="failed"),
        "epoch_timestamp": lambda e: e.update(
            timestamp=round((BASE_TIME + timedelta(milliseconds=at_ms)).timestamp())
        ),
        "empty_request_id": lambda e: e.update(request_id=""),
    }
    edits[kind](ev)
    return _dumps(ev).encode()


MALFORMED: tuple[tuple[str, str], ...] = (
    # (kind, dead-letter reason it must get)
    ("plain_text", "bad_json"),
    ("python_repr", "bad_json"),
    ("truncated", "bad_json"),
    ("truncated", "bad_json"),
    ("truncated", "bad_json"),
    ("json_array", "not_an_object"),
    ("double_encoded", "not_an_object"),
    ("missing_request_id", "missing_field"),
    ("missing_event_id", "missing_field"),
    ("missing_timestamp", "missing_field"),
    ("schema_v2", "unknown_schema"),
    ("schema_missing", "unknown_schema"),
    ("schema_other", "unknown_schema"),
    ("input_tokens_string", "invalid_field"),
    ("negative_tokens", "invalid_field"),
    ("naive_timestamp", "invalid_field"),
    ("bad_type", "invalid_field"),
    ("bad_status", "invalid_field"),
    ("epoch_timestamp", "invalid_field"),
    ("empty_request_id", "invalid_field"),
)


# --------------------------------------------------------------------------- assembly


def generate(
    seed: int = DEFAULT_SEED, exchanges: int = DEFAULT_EXCHANGES, long_context: int = 3
) -> tuple[list[bytes], dict[str, Any]]:
    """Return the lines (without newlines) and a manifest of what they are meant to be."""
    if exchanges < 50:
        raise ValueError("need at least 50 exchanges")
    g = Gen(seed)
    calls = _sessions(g, exchanges)
    pairs = [ex for ex in calls if ex.mode == "pair"]

    # three long-context requests at spread-out times
    for kind in range(min(long_context, len(LONG_CONTEXT_KINDS))):
        service = LONG_CONTEXT_KINDS[kind][0]
        candidates = [
            ex
            for ex in pairs[len(pairs) * (kind + 1) // 5 :]
            if ex.status == "ok" and ex.service == service and not ex.long_context
        ]
        if candidates:
            _long_context(g, candidates[0], kind)
    ordinary_ok = [ex for ex in calls if ex.status == "ok" and not ex.long_context]
    for ex in g.rng.sample(ordinary_ok, max(1, exchanges // 800)):
        _make_straggler(g, ex)

    # orphans: the first pairs began before 09:00, so their requests are not in the sample;
    # two more lost their request mid-stream
    n_orphans = max(2, exchanges // 800)
    early = [ex for ex in pairs if not ex.long_context][: n_orphans - 2]
    for ex in early:
        ex.start_ms -= round(ex.latency_ms) + g.rng.randrange(50, 1500)
        if ex.end_ms < 0:
            ex.start_ms -= ex.end_ms
    spare = [ex for ex in pairs if not ex.long_context and not ex.straggler and ex not in early]
    orphans = early + g.rng.sample(spare[len(spare) // 4 :], 2)
    spare = [ex for ex in spare if ex not in orphans and ex.status == "ok"]
    timeouts = g.rng.sample(spare, round(TIMEOUT_SHARE * len(pairs)))
    orphan_ids = {ex.request_id for ex in orphans}
    timeout_ids = {ex.request_id for ex in timeouts}

    lines: list[Line] = []
    for ex in calls:
        lines += _events(g, ex, ex.request_id not in orphan_ids, ex.request_id not in timeout_ids)

    # feedback on completed exchanges a user saw, more often on the chatty services
    unseen = orphan_ids | timeout_ids
    rated = [
        ex
        for ex in calls
        if ex.request_id not in unseen and not ex.long_context and ex.feature != "autocomplete"
    ]
    weights = [3.0 if ex.flags or ex.status == "error" else 1.0 for ex in rated]
    chosen: dict[str, Exchange] = {}
    n_feedback = min(max(5, exchanges // 80), len(rated))
    while len(chosen) < n_feedback:
        ex = g.rng.choices(rated, weights)[0]
        chosen.setdefault(ex.request_id, ex)
    lines += [_feedback(g, ex) for ex in chosen.values()]

    # producer retries: the same bytes again, shortly after
    small = [ln for ln in lines if len(ln.data) < 64 * 1024]
    dupes = g.rng.sample(small, max(2, exchanges // 600))
    lines += [
        Line(
            d.arrival_ms + g.rng.uniform(20, 4000),
            d.event_ms,
            0,
            d.data,
            None,
            d.event_type,
            d.event_id,
            d.request_id,
        )
        for d in dupes
    ]

    for seq, ln in enumerate(lines):
        ln.seq = seq
    lines.sort(key=lambda ln: (ln.arrival_ms, ln.seq))

    # malformed lines at random places, stamped like their neighbours
    slots = sorted(g.rng.sample(range(len(lines)), len(MALFORMED)))
    for offset, (slot, (damage, reason)) in enumerate(zip(slots, MALFORMED, strict=True)):
        at = round(lines[slot + offset].arrival_ms)
        lines.insert(slot + offset, Line(at, at, -1, _malformed(g, damage, at), reason))

    return [ln.data for ln in lines], _manifest(
        seed, calls, lines, orphans, timeouts, dupes, list(chosen.values())
    )


def _manifest(
    seed: int,
    calls: list[Exchange],
    lines: list[Line],
    orphans: list[Exchange],
    timeouts: list[Exchange],
    dupes: list[Line],
    rated: list[Exchange],
) -> dict[str, Any]:
    valid = [ln for ln in lines if ln.reason is None]
    seen_ms = -math.inf
    late = 0
    for ln in valid:
        late += ln.event_ms < seen_ms
        seen_ms = max(seen_ms, ln.event_ms)
    timeout_ids = {ex.request_id for ex in timeouts}
    with_usage = [ex for ex in calls if ex.usage and ex.request_id not in timeout_ids]
    flags = Counter(f for ex in calls for f in ex.flags if ":" not in f)
    return {
        "seed": seed,
        "base_time": BASE_TIME.isoformat().replace("+00:00", "Z"),
        "exchanges": len(calls),
        "lines": len(lines),
        "valid_lines": len(valid),
        "events": dict(sorted(Counter(ln.event_type for ln in valid).items())),
        "pairs": sum(ex.mode == "pair" for ex in calls),
        "exchange_events": sum(ex.mode == "exchange" for ex in calls),
        "timeouts": len(timeouts),
        "orphans": len(orphans),
        "duplicates": len(dupes),
        "feedback": len(rated),
        "errors": dict(sorted(Counter(ex.error["type"] for ex in calls if ex.error).items())),
        "retried_ok": sum(ex.retries > 0 and ex.status == "ok" for ex in calls),
        "variants": dict(sorted(Counter(ex.variant for ex in calls if ex.variant).items())),
        "models": dict(sorted(Counter(ex.model for ex in calls).items())),
        "long_context": sum(ex.long_context for ex in calls),
        "lines_over_1mib": sum(len(ln.data) > ONE_MIB for ln in lines),
        "latency_over_80s": sum(ex.latency_ms > 80_000 for ex in calls),
        "cached_input_share": round(
            sum("cached_input_tokens" in (ex.usage or {}) for ex in with_usage)
            / max(1, len(with_usage)),
            3,
        ),
        "flags": dict(sorted(flags.items())),
        "out_of_order_lines": late,
        "invalid": dict(sorted(Counter(ln.reason for ln in lines if ln.reason).items())),
        "invalid_lines": {i: ln.reason for i, ln in enumerate(lines) if ln.reason},
        "timeout_request_ids": sorted(ex.request_id for ex in timeouts),
        "orphan_request_ids": sorted(ex.request_id for ex in orphans),
        "duplicate_event_ids": sorted(str(d.event_id) for d in dupes),
    }


def render(lines: Sequence[bytes]) -> bytes:
    """JSON Lines: one line each, newline-terminated."""
    return b"".join(line + b"\n" for line in lines)


def compress(data: bytes) -> bytes:
    """gzip with no file name and mtime 0, so equal input gives equal bytes."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
        gz.write(data)
    return buf.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--exchanges", type=int, default=DEFAULT_EXCHANGES)
    parser.add_argument(
        "--out",
        default=str(DEFAULT_OUT),
        help="output path; gzip if it ends in .gz; '-' for stdout",
    )
    args = parser.parse_args(argv)
    lines, manifest = generate(args.seed, args.exchanges)
    data = render(lines)
    if args.out == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(compress(data) if out.name.endswith(".gz") else data)
    summary = {k: v for k, v in manifest.items() if not k.endswith("_ids")}
    summary["invalid_lines"] = sorted(manifest["invalid_lines"])
    print(json.dumps(summary, indent=1), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
