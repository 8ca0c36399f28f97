"""Self-harm: intent, methods, instructions, urging; hotline and refusal language is
counter-evidence (negative weight) that cancels weak words, never a statement of intent.

Single words here are weak (0.25: four distinct ones within the category's window are
needed); strong signals are multi-word phrasings. Written for this project from general
knowledge; no third-party list was copied.
"""

from __future__ import annotations

from sentinel.filters.content.catalogue._dsl import Rule, pattern, terms

SELF_HARM: list[Rule] = [
    pattern(
        "self_harm.intent",
        "(i|im|i am|ive|i have|i have been|ive been|i keep|i want to|i wanna|im going to|i am "
        "going to|i will|iii|i plan to|i need to|i should|i could|thinking (about|of)|thought "
        "about|tempted to|urge to)( really| just| seriously| honestly)? (kill|killing|hurt|"
        "hurting|harm|harming|cut|cutting|end|ending|burn|burning|starve|starving|hang|hanging|"
        "drown|drowning|shoot|shooting|overdose on|od on|off) (myself|my self|my life|it all)",
    ),
    terms(
        "self_harm.statements",
        "commit suicide",
        "committing suicide",
        "kill myself",
        "end my life",
        "take my own life",
        "want to die",
        "wanna die",
        "better off dead",
        "no reason to live",
        "not worth living",
        "hang myself",
        "slit my wrists",
        "cut my wrists",
        "cutting myself",
        "suicide note",
        "suicide method",
        "suicide methods",
        "kill yourself",
        "kys",
        "unalive myself",
    ),
    pattern(
        "self_harm.methods",
        "(how (to|do i|can i|many|much)|best way to|easiest way to|painless(ly)? (way )?to|"
        "quickest way to|ways to|methods? (to|of|for)) {w3}(kill (myself|yourself|oneself)|commit "
        "suicide|end (my|your|ones) life|overdose|hang (myself|yourself)|cut (myself|yourself)|"
        "self harm|selfharm)|(how many|how much) {w3}(pills|tablets|mg) {w3}(to die|to kill|to "
        "overdose|is lethal|is fatal)",
    ),
    pattern(
        "self_harm.instructions",
        "(cut|slit|slash|slashing|cutting) (the |your |my |his |her )?(inner )?(wrists?|forearms?|"
        "thighs?|arms?|skin|veins?)|(hide|conceal|cover|covering|hiding) (the |your |my )?(scars|"
        "cuts|marks|wounds|self harm|cutting)|(starve|starving) (yourself|myself)|(purge|purging|"
        "throw up|vomit) after (eating|meals|every meal)|take as many (pills|as you can)|"
        "jump(ing)? (off|from) (a|the) (bridge|building|roof|cliff|balcony)|stash of (pills|meds|"
        "medication)|(less|more) visible (places|areas|spots)|razor (blade )?(on|across|along|to) "
        "(the |your |my )?(wrist|skin|arm|forearm|thigh)",
    ),
    pattern(
        "self_harm.glorify",
        "(glorif|romantici[sz]|normali[sz]|encourag|promot|convinc|persuad)\\w* {w3}(self "
        "harm|selfharm|suicide|cutting|anorexia|bulimia|eating disorders?|starving)",
        weight=0.5,
    ),
    pattern(
        "self_harm.urging",
        "(you should|go|just|why dont you|why not) (kill|hurt|cut|harm|off) yourself",
    ),
    terms(
        "self_harm.mentions",
        "suicide",
        "suicidal",
        "self harm",
        "selfharm",
        "self injury",
        "self harming",
        "lethal dose",
        "pro ana",
        "proana",
        "pro mia",
        "thinspo",
        "thinspiration",
        "meanspo",
        "overdose",
        "overdosing",
        "end your life",
        weight=0.5,
    ),
    terms(
        "self_harm.weak",
        "razor",
        "razor blade",
        "blade",
        "scars",
        "cutting",
        "bleed",
        "bleeding",
        "wrists",
        "pills",
        "noose",
        "numb",
        "relief",
        "hopeless",
        "worthless",
        "burden",
        "purge",
        "purging",
        "starve",
        "starving",
        "burn",
        "burning",
        "release",
        "forearm",
        "thigh",
        "thighs",
        "wound",
        "wounds",
        "marks",
        "depletion",
        "calories",
        "kcal",
        "laxatives",
        "appetite",
        "anorexia",
        "bulimia",
        "scalpel",
        "bathtub",
        "urges",
        "cope",
        "coping",
        "carbon monoxide",
        "hanging",
        "rope",
        "bridge",
        "die",
        "death",
        "painless",
        "wrist",
        "inflict",
        "inflicting",
        "discreetly",
        "sleeves",
        "concealer",
        "unnoticed",
        "scar",
        weight=0.25,
    ),
    terms(
        "self_harm.support",
        "crisis line",
        "crisis lifeline",
        "crisis text line",
        "suicide prevention",
        "prevention lifeline",
        "988",
        "hotline",
        "helpline",
        "you are not alone",
        "youre not alone",
        "you matter",
        "reach out",
        "reaching out",
        "talk to someone",
        "mental health professional",
        "therapist",
        "counselor",
        "counsellor",
        "seek help",
        "samaritans",
        "emergency services",
        "please talk",
        "trusted adult",
        "trusted friend",
        "i cant help with that",
        "i cannot help with that",
        "i cant provide",
        "i cannot provide",
        weight=-0.5,
    ),
]
