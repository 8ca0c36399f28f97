"""Jailbreak: personas without rules (DAN, developer mode), "no restrictions", policy bypass,
never-refuse demands, two-answer formats.

Strong signals (weight 1) fire alone; weak ones (0.5) need a second, distinct signal in the
same text. Written from the published jailbreak families, not copied from any corpus.
"""

from __future__ import annotations

from sentinel.filters.content.catalogue._dsl import Rule, pattern

_PERSONA_NAMES = (
    "(dan|stan|anti ?dan|betterdan|better dan|mongo tom|apophis|ucar|evil confidant|"
    "jailbreak|jailbroken|alphabreak)"
)

JAILBREAK: list[Rule] = [
    pattern(
        "jailbreak.from_now_on",
        "(from now on|from this point( on| forward)?|starting now|henceforth|for the rest of "
        "(this|the) (conversation|chat|session)),? (you|your|respond|answer|act|reply|behave|"
        "pretend|only|always|never)",
        weight=0.5,
    ),
    pattern("jailbreak.do_anything_now", "do anything now"),
    pattern("jailbreak.dan_mode", r"\bdan (mode|jailbreak|prompt)\b"),
    pattern(
        "jailbreak.named_persona",
        rf"(you are|youre|act as|acting as|pretend to be|become|respond as|answer as|"
        rf"roleplay as|role play as|play the role of)( now)?( a| an| the)? "
        rf"{_PERSONA_NAMES}\b",
    ),
    pattern(
        "jailbreak.persona_acronym",
        "(strive to avoid norms|always intelligent and machiavellian|stands for do anything)",
    ),
    pattern(
        "jailbreak.developer_mode",
        "((chatgpt|gpt|ai|assistant|model|you) (with|in) developer mode|in developer mode,? you|"
        "developer mode (output|response)|simulate developer mode)",
    ),
    pattern(
        "jailbreak.enable_developer_mode",
        "(enable|activate|enter|enabled|activated) developer mode|"
        "developer mode (enabled|activated)",
        weight=0.5,
    ),
    pattern(
        "jailbreak.unrestricted_persona",
        "(unrestricted|uncensored|unfiltered|amoral|jailbroken|unchained|unbound|unshackled|"
        "unethical|immoral|evil) (ai|assistant|chatbot|chat bot|bot|model|language model|persona|"
        "mode|entity|confidant|version of (yourself|chatgpt|you))",
    ),
    pattern(
        "jailbreak.no_limits",
        "(no|without|free (of|from)|zero|not bound by|not restricted by|not limited by|"
        "beyond|outside|break free (of|from)|broken free (of|from)|doesnt have|dont have|"
        "does not have|do not have|dont follow|doesnt follow|do not follow|does not follow) "
        "(any )?(the )?(typical )?(restrictions|limits|limitations|rules|filters|filtering|"
        "censorship|guidelines|boundaries|constraints|ethics|morals|moral (compass|guidelines|"
        "restrictions)|ethical (guidelines|restrictions|constraints|boundaries|principles)|"
        "content polic(y|ies)|safety (guidelines|restrictions|measures|filters)|confines)",
        weight=0.5,
    ),
    pattern(
        "jailbreak.persona_switch",
        "((you are|youre|you will be|youll be) (now|no longer)|(pretend|imagine) (that )?"
        "(you are|youre|to be|you "
        "have)|act as (if|though) you|(roleplay|role play) as|from now on,? you (are|will|must|"
        "re)|(stay|remain|staying) in character|(simulate|emulate) (a|an|being)|you will (now )?"
        "(act|behave|respond|answer|pretend) as|(answer|respond|reply) as (if you were|though "
        "you were))",
        weight=0.5,
    ),
    pattern(
        "jailbreak.policy_bypass",
        "(ignore|bypass|break|violate|disregard|forget|circumvent|evade|override|abandon|"
        "not follow|dont follow|escape|free (of|from)) (all |any |every |your |its |the |their )?"
        "(openai|open ai|anthropic|ethical|safety|moral|content|usage|built ?in) "
        "(rules|guidelines|policies|policy|restrictions|filters|principles|programming|"
        "constraints|limitations|boundaries|ethics|protocols)",
    ),
    pattern(
        "jailbreak.vendor_policy",
        "(openai|open ai|anthropic)s? (content |usage )?(polic(y|ies)|guidelines|rules)",
        weight=0.5,
    ),
    pattern(
        "jailbreak.never_refuse",
        "(never|not|cannot|can not|cant|will not|wont|must not|mustnt|should not|shouldnt|"
        "are not allowed to|arent allowed to|is not allowed to) (ever )?(refuse|decline|reject)",
        weight=0.5,
    ),
    pattern(
        "jailbreak.no_warnings",
        "(without|no|dont (add|include|give)|do not (add|include|give)|never (add|include|give)|"
        "omit) (any )?(warnings?|disclaimers?|moral(i[sz]ing)?|ethical (concerns|considerations)|"
        "caveats|lectures?|censorship|apolog(y|ies))",
        weight=0.5,
    ),
    pattern(
        "jailbreak.two_responses",
        "(two|2) (different|separate|distinct) (responses|answers|ways|paragraphs|outputs|"
        "manners|personas|modes|versions|personalities)",
        weight=0.5,
    ),
    pattern(
        "jailbreak.invented_persona",
        "(create|imagine|simulate|act as|pretend to be|become|you are|youre|play|roleplay as) "
        "(a |an )?(hypothetical |fictional |new |fictitious |imaginary )?(ai|language model|"
        "chatbot|assistant|model|entity|bot|ai model|version of (yourself|chatgpt)) (called|"
        "named|known as)",
        weight=0.5,
    ),
    pattern(
        "jailbreak.break_character",
        "(break|breaking|broke|step out of|stepping out of|drop|dropping|stay|staying|remain) "
        "(of |in )?character",
        weight=0.5,
    ),
    pattern(
        "jailbreak.regardless",
        "(regardless of|without (any )?(concern|regard|care) for|no matter how) (the )?"
        "(legality|ethics|morality|morals|the law|laws|consequences|potential harm|(illegal|"
        "unethical|immoral|inappropriate|offensive|harmful|dangerous|twisted|explicit)|whether "
        "(it is|its) (legal|ethical|moral|appropriate))",
        weight=0.5,
    ),
    pattern(
        "jailbreak.tagged_responses",
        r"\[\W{0,3}(jailbreak|jailbroken|dan|developer mode( output)?|unfiltered|uncensored|"
        r"classic|gpt|chatgpt|normal)( response| output)?\W{0,3}\]",
        view="folded",
        weight=0.5,
    ),
    pattern("jailbreak.jailbreak_word", r"\bjailbr(eak|oken|eaking)\b", weight=0.5),
    pattern(
        "jailbreak.token_penalty",
        r"(lose|deduct(ed)?|deducted|lose\s+\d+)\s+(\d+\s+)?tokens|token system",
        view="folded",
        weight=0.5,
    ),
    pattern(
        "jailbreak.rules_do_not_apply",
        "(safety|content|usual|ethical|normal) (guidelines|rules|restrictions|policies|policy|"
        "checks|filters) (do not|dont|does not|doesnt|no longer|were not meant to|are not meant "
        "to|were never meant to|were not meant for|are not meant for) (apply|matter|exist|bind|"
        "this)",
    ),
    pattern(
        "jailbreak.rules_do_not_apply_intl",
        "(sicherheitsrichtlinien|richtlinien|regeln) (hier |in diesem fall )?(nicht|nicht mehr) "
        "gelten|(linee guida|regole)( di sicurezza)? non (valgono|si applicano)|(regles|regles de "
        "securite) ne s ?appliquent pas|(reglas|reglas de seguridad) no (aplican|se aplican)",
    ),
    pattern(
        "jailbreak.exempt",
        "(exempt|exempted) from (the )?(usual |normal |standard )?(restrictions|rules|guidelines|"
        "policies|safety)",
    ),
    pattern(
        "jailbreak.skip_policy_this_turn",
        "(disregard|ignore|skip|suspend) the (content )?(policy|policies|guidelines|safety "
        "checks|rules) for this (turn|request|case|message|response|conversation)",
    ),
    pattern(
        "jailbreak.no_restrictions_intl",
        "(sin restricciones|sans restrictions?|senza restrizioni|ohne einschrankungen|"
        "uneingeschrankt|keine regeln|modo desarrollador|mode developpeur|modalita sviluppatore|"
        "entwicklermodus)",
    ),
]
