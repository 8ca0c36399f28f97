"""Extract the texts of an exchange as named fields, within a byte budget."""

from __future__ import annotations

import json

from sentinel.events.exchange import Exchange
from sentinel.filters.base import TextField
from sentinel.values import FieldKind

_ROLE_KINDS: dict[str, FieldKind] = {
    "system": "system",
    "developer": "system",
    "user": "user",
    "assistant": "assistant",
    "tool": "tool",
    "function": "tool",
}


def exchange_fields(exchange: Exchange, max_bytes: int) -> tuple[list[TextField], int]:
    """Fields in scan order, and the characters left out by `max_bytes`.

    Output first (leaks matter most); then user, tool, assistant and system messages;
    retrieved context last (it is the largest). Characters stand in for UTF-8 bytes: a
    close and cheap proxy."""
    fields: list[TextField] = []
    response, request = exchange.response, exchange.request
    if response is not None and response.output is not None:
        output = response.output
        if output.content:
            fields.append(TextField("output", "output", output.content))
        for i, call in enumerate(output.tool_calls):
            args = call.arguments
            text = args if isinstance(args, str) else json.dumps(args, ensure_ascii=False)
            if text:
                fields.append(TextField(f"tool_call[{i}]:{call.name}", "tool_call", text))
    source = request or response
    if source is not None:
        messages = list(enumerate(source.messages))
        order = sorted(messages, key=lambda m: _ROLE_ORDER.get(m[1].role, 9))
        for i, message in order:
            if message.content:
                kind = _ROLE_KINDS.get(message.role, "user")
                fields.append(TextField(f"{message.role}[{i}]", kind, message.content))
        for chunk in source.context:
            if chunk.text:
                fields.append(TextField(f"context:{chunk.id}", "context", chunk.text))
    kept: list[TextField] = []
    budget, skipped = max_bytes, 0
    for f in fields:
        size = len(f.text)
        if size <= budget:
            kept.append(f)
            budget -= size
        elif budget > 0:
            kept.append(TextField(f.name, f.kind, f.text[:budget]))
            skipped += size - budget
            budget = 0
        else:
            skipped += size
    return kept, skipped


_ROLE_ORDER = {"user": 0, "tool": 1, "function": 1, "assistant": 2, "system": 3, "developer": 3}
