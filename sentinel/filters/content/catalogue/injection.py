"""Prompt injection: direct (user messages) and indirect (context chunks, tool messages).

Strong signals (weight 1) fire alone; weak ones (0.5) need a second, distinct signal in the
same text. Phrasings were written from the published attack families (instruction override,
prompt extraction, fake turns and chat-template tokens, encoded payloads, documents that
address the AI that reads them), not copied from any corpus.
"""

from __future__ import annotations

from sentinel.filters.content.catalogue._dsl import Rule, pattern

_OVERRIDE_VERB = "(ignore|disregard|forget|bypass|override|overlook|dismiss|abandon|neglect|skip)"
_SCOPE = (
    "(previous|prior|above|earlier|preceding|former|foregoing|original|initial|all|any|"
    "every|your|system|developer|old|existing)"
)
_INSTRUCTIONS = (
    "(instructions?|prompts?|rules|directives?|guidelines|guidance|programming|constraints|"
    "restrictions|guardrails|polic(y|ies)|training|directions|safeguards|protocols|ethics|"
    "principles|commands|orders|limitations|filters|context)"
)
_TELL = (
    "(reveal|show|print|output|repeat|display|dump|leak|tell|give|share|disclose|expose|"
    "write|spell|recite|provide|return|paste|echo|translate|summari[sz]e)(s|ed|ing)?"
)

PROMPT_INJECTION: list[Rule] = [
    pattern(
        "injection.ignore_instructions", f"{_OVERRIDE_VERB} {{w3}}{_SCOPE} {{w3}}{_INSTRUCTIONS}"
    ),
    pattern(
        "injection.ignore_everything",
        "(ignore|disregard|forget) (all|everything|anything)( (that|what))? "
        "(above|before|previously|prior|earlier|"
        "(you (were|have been|ve been) (told|given|taught)))",
    ),
    pattern(
        "injection.new_instructions",
        "your (new|updated|real|actual|true|revised|only|primary) "
        "(instructions?|directives?|task|objective|orders|mission|purpose|goal|job|role) "
        "(is|are|now|supersedes?|overrides?|replaces?|:)|your (rules|instructions|guidelines|"
        "directives|programming) (have|has) (been )?(changed|updated|replaced|been lifted|lifted)",
    ),
    pattern(
        "injection.supersede",
        "(supersedes?|overrides?|replaces?|takes? precedence over) (all |any )?"
        "(previous|prior|earlier|your|other|existing|original) "
        "(instructions|directives|rules|guidelines|prompts|ones)",
    ),
    pattern(
        "injection.new_instructions_header",
        "(new|updated|neue|nouvelles|nuevas|nuove) (instructions?|directives?|rules|anweisungen|"
        "regeln|consignes|instrucciones|reglas|istruzioni|regole) ?:",
        weight=0.5,
    ),
    pattern(
        "injection.from_now_on_intl",
        "(ab sofort|ab jetzt|von nun an|a partir de maintenant|desormais|a partir de ahora|"
        "de ahora en adelante|da ora in poi|d ora in poi|da adesso)",
        weight=0.5,
    ),
    pattern(
        "injection.reveal_confidential",
        "(reveal|share|disclose|output|print|leak|give me|dump) (all |the |any )?(confidential|"
        "secret|internal|private|sensitive|hidden) (data|information|files|documents|"
        "configuration|config|details)",
        weight=0.5,
    ),
    pattern(
        "injection.primed_answer",
        "(sure|certainly|of course|absolutely|okay|ok),? here (is|are) (the|your|my) (admin |root |"
        "system |secret |master |database )?(password|passwords|credentials|api keys?|system "
        "prompt|confidential|secret)",
        weight=0.5,
    ),
    pattern(
        "injection.prompt_extraction",
        f"{_TELL} {{w4}}(system ?prompt|(initial|original|hidden|secret|system|developer|"
        "operator|internal|confidential|pre ?prompt|first|starting) "
        "(prompt|instructions|directives))",
    ),
    pattern(
        "injection.repeat_above",
        "(repeat|print|output|recite|reproduce|copy) (back )?(the |all )?(words|text|everything|"
        "instructions|content|lines|messages?) (above|before this|prior to this|that came before)",
    ),
    pattern(
        "injection.instructions_given",
        "(instructions|rules|guidelines|prompt|directives) (that )?you (were|have been|ve been) "
        "(given|told|provided|programmed|trained|instructed)",
    ),
    pattern(
        "injection.context_dump",
        "(everything|all|anything) (that is |thats )?(in|inside|from) your "
        "(context|context window|prompt|instructions|memory|system message)",
    ),
    pattern(
        "injection.chat_template_tokens",
        r"<\|(im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id|"
        r"end_header_id|begin_of_text)\|>|\[/?inst\]|<</?sys>>",
        view="folded",
    ),
    pattern(
        "injection.fake_turn",
        r"(?m)^\W{0,6}(system|assistant|developer|admin|administrator)"
        r"(\s+(message|prompt|note|override|instruction|update))?\W{0,3}\s*:\s*\S",
        view="folded",
        weight=0.5,
    ),
    pattern(
        "injection.delimiter",
        r"(#{2,}|-{3,}|={3,}|\*{3,}|\[|<)\s*(end|begin|start) (of )?(the )?(user )?"
        "(input|prompt|document|context|instructions|conversation|message|text|data)",
        view="folded",
        weight=0.5,
    ),
    pattern(
        "injection.authority_claim",
        "((i am|im) (your|the) (developer|creator|owner|admin|administrator|programmer|maker)|"
        "the user (is|has been) (an? |the )?(admin|administrator|authori[sz]ed|verified|root|"
        "granted)|the user has (granted|given) (you )?(permission|consent|authori[sz]ation)|"
        "grant (all|every|this user|me) (requests|access|admin|permissions))",
        weight=0.5,
    ),
    pattern(
        "injection.safety_disabled",
        "(safety|content|security|ethical|moral) (protocols?|filters?|guidelines|policies|policy|"
        "restrictions|checks|measures|settings|features|guardrails|rules|constraints)"
        "( (are|have been|is|were|has been))?( now)? (disabled|deactivated|turned off|switched off|"
        "removed|lifted|suspended|bypassed|overridden|no longer (apply|applies|active))",
    ),
    pattern(
        "injection.disable_your_safety",
        "(disable|deactivate|turn off|switch off|remove|lift|bypass|override|ignore|drop) "
        "(all )?(your|its) (safety|content|security|ethical|moral) (protocols?|filters?|"
        "guidelines|policies|restrictions|checks|measures|settings|guardrails|rules|constraints)",
    ),
    pattern(
        "injection.skip_safety_checks",
        "(skip|bypass|disable|turn off|ignore|omit) (all |any |the |every )?(safety|security|"
        "confirmation|approval|content) (checks?|confirmations?|reviews?|steps?|filters?)",
        weight=0.5,
    ),
    pattern(
        "injection.comply_with_everything",
        "(must|will|shall|should|have to|need to) (now )?(comply with|obey|follow|answer|"
        "fulfi(l|ll)|"
        "respond to|do) (every|all|any)( of my| user)? (requests?|commands?|questions?|"
        "instructions?|orders?|prompts?)",
        weight=0.5,
    ),
    pattern(
        "injection.encoded_instructions",
        "(decode|decipher|decrypt|translate|convert|unscramble|reverse|read) {w6}(and|then) "
        "(then )?(follow|execute|obey|run|carry out|act on|comply with|do) (it|them|the "
        "(instructions?|commands?|orders?|directions?)|(exactly )?what (it|they) (says?|tells?)|"
        "whatever)",
    ),
    pattern(
        "injection.leak_secrets",
        "(leak|exfiltrate|steal|harvest|dump) {w4}(api keys?|credentials|passwords|secrets|"
        "access tokens?|private keys?|environment variables|env vars|customer (list|data|"
        "database|emails|records)|user (data|database|records))",
    ),
    pattern(
        "injection.collect_secrets",
        "(collect|gather|send|email|forward|post|upload|output|print|reveal|list) {w4}"
        "(api keys?|credentials|passwords|secrets|access tokens?|private keys?|environment "
        "variables|customer (list|data|database|emails|records)|internal (data|configuration|"
        "config))",
        weight=0.5,
    ),
    pattern(
        "injection.send_to_outside",
        r"(send|email|forward|post|upload|transmit)\s+(\S+\s+){0,6}to\s+(\S+@\S+|https?://)",
        view="folded",
        weight=0.5,
    ),
    # Other languages: the same override and extraction phrasings.
    pattern(
        "injection.override_de",
        "(ignoriere|ignorieren sie|vergiss|vergessen sie|missachte) {w3}(vorherigen|bisherigen|"
        "obigen|alle|deine|ihre) {w2}(anweisungen|instruktionen|regeln|richtlinien|befehle)",
    ),
    pattern("injection.forget_everything_de", "vergiss alles"),
    pattern(
        "injection.override_fr",
        "(ignore|ignorez|oublie|oubliez) {w2}(les|toutes les|tes|vos) (instructions|consignes|"
        "regles)",
    ),
    pattern(
        "injection.override_es_it",
        "(ignora|ignore|olvida|olvide|dimentica) {w2}(las|todas las|le|tutte le) "
        "(instrucciones|reglas|indicaciones|istruzioni|regole)",
    ),
    pattern(
        "injection.extraction_intl",
        "(verrate|zeige|nenne|revele|revelez|montre|affiche|revela|muestra|rivela|mostra)\\w* "
        "{w4}(systemanweisungen|systemprompt|system prompt|instructions systeme|prompt systeme|"
        "instrucciones del sistema|prompt del sistema|istruzioni di sistema|prompt di sistema)",
    ),
]


INDIRECT: list[Rule] = [
    pattern(
        "indirect.addresses_reading_ai",
        "(if you are|if youre|to|for|attention|notice to|message to|note to|note for|"
        "instructions for) (an? |the |any |all )?(ai|llm|language model|large language model|"
        "chatbot|bot|assistant|ai assistant|agent|ai agent|ai system|model|ai coding agent)s? "
        "(reading|processing|parsing|summari[sz]ing|reviewing|analy[sz]ing|integrating|"
        "scanning|indexing|crawling|browsing|that (reads|processes|sees|summari[sz]es))",
    ),
    pattern(
        "indirect.note_to_ai",
        "(note|notice|message|instructions?|reminder|attention|important) (to|for) "
        "(the |any |all )?"
        r"(ai|llm|bot|assistant|model|agent|ai agents?|ai assistants?|language models?|"
        r"ai systems?|ai coding agents?)s?\s*[:,\-)]",
    ),
    pattern(
        "indirect.ai_agents_should",
        "(ai|llm) (agents?|assistants?|models?|systems?|tools?|crawlers?|bots?) (should|must|"
        "shall|need to|are instructed to|are required to)",
        weight=0.5,
    ),
    pattern(
        "indirect.reading_this",
        "(ai|llm|assistant|bot|agent|model) (reading|processing|integrating|parsing|"
        "summari[sz]ing) this",
    ),
    pattern(
        "indirect.hidden_instruction_header",
        "(system|admin|administrator|important|urgent|security|compliance|processing|"
        r"integration|retention) (note|notice|message|instruction|update|hint|alert|override|"
        r"requirement|hook|policy)\s*:|\[(system|admin|instruction|assistant)\]|systemhinweis|"
        "note systeme|nota del sistema|nota di sistema",
        weight=0.5,
    ),
    pattern(
        "indirect.before_answering",
        "(before|when|while) (you )?(answer|respond|repl(y|ies)|summari[sz]|continu)\\w*"
        "( to)?( the user)?|(when|if|whenever) you (summari[sz]e|process|read|review|"
        "analy[sz]e) this",
        weight=0.5,
    ),
    pattern(
        "indirect.append_marker",
        "(append|include|add|insert|output|print|repeat|mention|display|save) {w4}(token|code|"
        "canary|reference|docid|doc id|traceid|trace id|marker|tag|string) {w6}(to|in|into|at "
        "the end of) (your|every|each|all|the|any) {w2}(reply|replies|response|responses|"
        "answer|answers|summary|summaries|output|review|report)",
        weight=0.5,
    ),
    pattern(
        "indirect.every_reply",
        "(in|to|at the end of) (every|each|all|any) (future )?(reply|replies|response|responses|"
        "answers?|summary|summaries|reports?|messages?)",
        weight=0.5,
    ),
    pattern(
        "indirect.persist_memory",
        "(save|store|remember|persist|write|add|commit|keep) (this|the following|it|that)"
        "( note| instruction)? (to|in|into) (your )?(long ?term |persistent |permanent )?memory",
    ),
    pattern(
        "indirect.future_tasks",
        "(for|in) (all|every) future (tasks?|conversations?|sessions?|replies|responses|"
        "interactions?|reports?)|persists? across (turns|sessions|conversations)",
        weight=0.5,
    ),
    pattern(
        "indirect.tool_call",
        r"\b(call|invoke|use|run|execute|trigger)\s+(the\s+)?([a-z]+_[a-z0-9_]+|http_post|"
        r"send_email|delete_file)\b",
        view="folded",
        weight=0.5,
    ),
    pattern(
        "indirect.destructive_action",
        "(delete|remove|wipe|erase|empty|drop|purge) (the |all |every )?(files?|directory|"
        "directories|folder|database|db|records|output directory|repository|repo|branch|table|"
        "backups?)",
        weight=0.5,
    ),
    pattern(
        "indirect.ignore_the_user",
        "(ignore|disregard|do not follow|dont follow|forget) (the |what the )?(user|users|"
        "customer|human|requester)( s)?( (request|task|question|instructions?|query|message|"
        "says|asked|wants))?",
        weight=0.5,
    ),
    pattern(
        "indirect.instead",
        "(instead|rather),? (you should |you must |please )?(forward|send|email|post|upload|"
        "reveal|output|print|delete)",
        weight=0.5,
    ),
]
