"""The Presidio baseline of `bench.chain_vs_presidio` reads what the PII filter reads."""

from __future__ import annotations

import json

from bench.chain_vs_presidio import _texts


def _event(**fields: object) -> bytes:
    return json.dumps({"request_id": "r1", **fields}).encode()


def test_every_text_the_pii_filter_reads_is_in_presidios_share() -> None:
    request = _event(
        type="request",
        messages=[
            {"role": "system", "content": "You are a support assistant."},
            {"role": "user", "content": "Call me at +1 415 555 0100."},
        ],
        context=[
            {"id": "kb-1", "text": "Refunds go to jane@example.com."},
            {"id": "kb-2", "text": "IBAN DE89 3704 0044 0532 0130 00."},
        ],
    )
    response = _event(type="response", output={"content": "Done."})

    texts = _texts([request, response])

    assert texts == [
        ("r1", "system", "You are a support assistant."),
        ("r1", "user", "Call me at +1 415 555 0100."),
        ("r1", "context", "Refunds go to jane@example.com."),
        ("r1", "context", "IBAN DE89 3704 0044 0532 0130 00."),
        ("r1", "output", "Done."),
    ]


def test_the_narrower_baseline_leaves_only_the_context_chunks_out() -> None:
    request = _event(
        messages=[{"role": "user", "content": "Hi"}],
        context=[{"id": "kb-1", "text": "A chunk."}],
        output={"content": "Hello"},
    )

    assert _texts([request], context=False) == [("r1", "user", "Hi"), ("r1", "output", "Hello")]
    assert _texts([_event(messages=[], context=None)]) == []
