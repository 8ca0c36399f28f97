"""Prompt, response and tool texts of a GenAI span, when the application captured them.

Where content comes from, newest convention first (the first that yields anything wins):

1. attributes `gen_ai.input.messages`, `gen_ai.system_instructions`,
   `gen_ai.output.messages`, `gen_ai.tool.definitions` (a JSON string or structured
   values), also when carried by a `gen_ai.client.inference.operation.details` span event;
2. per-message span events `gen_ai.{system,user,assistant,tool}.message` and
   `gen_ai.choice` (attributes `content`, `message`, or a JSON body in
   `gen_ai.event.content`);
3. span events `gen_ai.content.prompt` / `gen_ai.content.completion` with the JSON
   attributes `gen_ai.prompt` / `gen_ai.completion`;
4. indexed attributes `gen_ai.prompt.N.role|content` and `gen_ai.completion.N.content`
   (OpenLLMetry before it adopted the conventions).

Nothing here raises on odd shapes: a part that does not fit is left out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec

from sentinel.events.model import Message, Output, ToolCall, ToolSpec

INPUT_MESSAGES = "gen_ai.input.messages"
OUTPUT_MESSAGES = "gen_ai.output.messages"
SYSTEM_INSTRUCTIONS = "gen_ai.system_instructions"
TOOL_DEFINITIONS = "gen_ai.tool.definitions"
DETAILS_EVENT = "gen_ai.client.inference.operation.details"
_MESSAGE_EVENTS = {
    "gen_ai.system.message": "system",
    "gen_ai.user.message": "user",
    "gen_ai.assistant.message": "assistant",
    "gen_ai.tool.message": "tool",
}
_CHOICE_EVENT = "gen_ai.choice"
_EVENT_BODY = "gen_ai.event.content"  # JSON body some bridges put on span events
_PROMPT_PREFIX = "gen_ai.prompt."
_COMPLETION_PREFIX = "gen_ai.completion."
_INDEXED = (_PROMPT_PREFIX, _COMPLETION_PREFIX)


@dataclass
class Content:
    messages: list[Message] = field(default_factory=list)
    output: Output | None = None
    tools: list[ToolSpec] = field(default_factory=list)
    malformed: bool = False  # content attributes were present but could not be read

    @property
    def captured(self) -> bool:
        return bool(self.messages or self.output is not None)


def _structured(value: Any, content: Content) -> Any:
    """A JSON string decoded, or the structured value as it came."""
    if isinstance(value, str):
        try:
            return msgspec.json.decode(value)
        except msgspec.DecodeError:
            content.malformed = True
            return None
    return value


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return msgspec.json.encode(value).decode()


def _parts_text(parts: Any, kinds: tuple[str, ...] = ("text",)) -> str | None:
    """Texts of `parts` of the given types, joined by a newline."""
    if not isinstance(parts, list):
        return None
    texts = []
    for part in parts:
        if isinstance(part, dict) and part.get("type", "text") in kinds:
            text = _text(part.get("content"))
            if text:
                texts.append(text)
        elif isinstance(part, str):
            texts.append(part)
    return "\n".join(texts) if texts else None


def _input_messages(value: Any) -> list[Message]:
    messages = []
    for message in value if isinstance(value, list) else ():
        if not isinstance(message, dict):
            continue
        role = str(message.get("role") or "user")
        parts = message.get("parts")
        if parts is None and "content" in message:  # {role, content} (older JSON shapes)
            text = _text(message["content"])
        elif role == "tool":
            text = _parts_text(parts, ("tool_call_response", "text"))
            if text is None and isinstance(parts, list):
                text = "\n".join(
                    t
                    for p in parts
                    if isinstance(p, dict) and (t := _text(p.get("response") or p.get("result")))
                )
        else:
            text = _parts_text(parts)
        name = message.get("name")
        messages.append(Message(role, text or None, name if isinstance(name, str) else None))
    return messages


def _tool_call(part: Mapping[str, Any]) -> ToolCall | None:
    function = part.get("function")
    source = function if isinstance(function, dict) else part
    name = source.get("name")
    if not isinstance(name, str) or not name:
        return None
    arguments = source.get("arguments")
    if isinstance(arguments, dict | str):
        return ToolCall(name, arguments)
    return ToolCall(name, None if arguments is None else _text(arguments))


def _output(value: Any, finish_reason: str | None) -> Output | None:
    if not isinstance(value, list) or not value or not isinstance(value[0], dict):
        return None
    first = value[0]  # choice 0 (n > 1 choices: the first is the one scanned)
    parts = first.get("parts")
    if parts is None and "message" in first:  # {index, finish_reason, message: {...}}
        message = first["message"] if isinstance(first["message"], dict) else {}
        text = _text(message.get("content"))
        calls = [c for p in message.get("tool_calls") or () if (c := _tool_call(p))]
    elif parts is None:
        text = _text(first.get("content"))
        calls = []
    else:
        text = _parts_text(parts)
        items = parts if isinstance(parts, list) else []
        calls = [
            c
            for p in items
            if isinstance(p, dict) and p.get("type") == "tool_call" and (c := _tool_call(p))
        ]
    reason = first.get("finish_reason")
    return Output(text, calls, reason if isinstance(reason, str) else finish_reason)


def _tools(value: Any) -> list[ToolSpec]:
    tools = []
    for tool in value if isinstance(value, list) else ():
        if not isinstance(tool, dict):
            continue
        function = tool.get("function")
        source: dict[str, Any] = function if isinstance(function, dict) else tool
        name = source.get("name")
        if isinstance(name, str) and name:
            parameters = source.get("parameters")
            description = source.get("description")
            tools.append(
                ToolSpec(
                    name,
                    parameters if isinstance(parameters, dict) else None,
                    description if isinstance(description, str) else None,
                )
            )
    return tools


def extract(
    attributes: Mapping[str, Any],
    events: Callable[[], list[tuple[str, dict[str, Any]]]],
    finish_reason: str | None,
) -> Content:
    """The texts of one span (see the module docstring for the order of sources)."""
    content = Content()
    source: Mapping[str, Any] = attributes
    has_events = None
    if INPUT_MESSAGES not in attributes and OUTPUT_MESSAGES not in attributes:
        has_events = events()
        for name, event_attributes in has_events:
            if name == DETAILS_EVENT:
                source = event_attributes
                break
    if INPUT_MESSAGES in source or OUTPUT_MESSAGES in source:
        system = _parts_text(_structured(source.get(SYSTEM_INSTRUCTIONS), content))
        if system:
            content.messages.append(Message("system", system))
        content.messages.extend(_input_messages(_structured(source.get(INPUT_MESSAGES), content)))
        content.output = _output(_structured(source.get(OUTPUT_MESSAGES), content), finish_reason)
    else:
        _from_events(has_events if has_events is not None else events(), content, finish_reason)
        if not content.captured:
            _from_indexed(attributes, content, finish_reason)
    if TOOL_DEFINITIONS in attributes:
        content.tools = _tools(_structured(attributes[TOOL_DEFINITIONS], content))
    return content


def _event_body(attributes: Mapping[str, Any], content: Content) -> dict[str, Any]:
    body = _structured(attributes.get(_EVENT_BODY), content)
    return body if isinstance(body, dict) else dict(attributes)


def _from_events(
    events: list[tuple[str, dict[str, Any]]], content: Content, finish_reason: str | None
) -> None:
    for name, attributes in events:
        role = _MESSAGE_EVENTS.get(name)
        if role is not None:
            body = _event_body(attributes, content)
            text = _text(body.get("content"))
            content.messages.append(Message(str(body.get("role") or role), text or None))
        elif name == _CHOICE_EVENT and content.output is None:
            body = _event_body(attributes, content)
            message = _structured(body.get("message"), content)
            choice = {**body, "message": message if isinstance(message, dict) else {}}
            content.output = _output([choice], finish_reason)
        elif name == "gen_ai.content.prompt":
            prompt = _structured(attributes.get("gen_ai.prompt"), content)
            content.messages.extend(_input_messages(prompt))
        elif name == "gen_ai.content.completion" and content.output is None:
            completion = _structured(attributes.get("gen_ai.completion"), content)
            content.output = _output(completion, finish_reason)


def _from_indexed(attributes: Mapping[str, Any], content: Content, finish: str | None) -> None:
    prompts: dict[int, dict[str, Any]] = {}
    completions: dict[int, dict[str, Any]] = {}
    for key, value in attributes.items():
        if not key.startswith(_INDEXED):
            continue
        if key.startswith(_PROMPT_PREFIX):
            target, rest = prompts, key[len(_PROMPT_PREFIX) :]
        elif key.startswith(_COMPLETION_PREFIX):
            target, rest = completions, key[len(_COMPLETION_PREFIX) :]
        else:
            continue
        number, _, name = rest.partition(".")
        if number.isdigit() and name in ("role", "content", "finish_reason"):
            target.setdefault(int(number), {})[name] = value
    for position in sorted(prompts):
        prompt = prompts[position]
        content.messages.append(
            Message(str(prompt.get("role") or "user"), _text(prompt.get("content")) or None)
        )
    if completions:
        first = completions[min(completions)]
        content.output = _output([first], finish)
