"""Violence: threats against a person, instructions to hurt people or build weapons,
graphic injury, evasion ("without getting caught").

Single words here are weak (0.25: four distinct ones within the category's window are
needed); strong signals are multi-word phrasings. Written for this project from general
knowledge; no third-party list was copied.
"""

from __future__ import annotations

from sentinel.filters.content.catalogue._dsl import Rule, pattern, terms

_PERSON = (
    "(you|him|her|them|u|ya|your (wife|husband|family|kids)|everyone|every one|all of you|each "
    "of you|my (wife|husband|boss|neighbou?r|teacher|mother|father|mom|dad|brother|sister|ex|"
    "family|coworker|classmates?|roommate|partner|girlfriend|boyfriend|landlord))"
)
_TARGET = (
    "(someone|somebody|a person|people|a human|humans|him|her|them|a (man|woman|child|kid|cop|"
    "police officer|crowd)|children|kids|civilians|my (wife|husband|boss|neighbou?r|teacher|"
    "mother|father|mom|dad|brother|sister|ex|family|coworker|classmate|roommate|partner|"
    "girlfriend|boyfriend|landlord|grandmother|grandfather|grandma|grandpa))"
)
_KILL = (
    "(kill|murder|shoot|stab|strangle|slaughter|behead|decapitate|torture|rape|gut|massacre|"
    "lynch|poison|drown|dismember|mutilate|maim|assassinate)"
)

VIOLENCE: list[Rule] = [
    pattern(
        "violence.threat",
        "(i|we|iii|im|ima|imma|i am|were|we are|i will|we will|im going to|im gonna|i am going "
        "to|gonna|going to|i want to|i wanna|i swear i|i swear iii|i promise iii|iii make sure i)"
        f"( really| fucking| literally| just| definitely| personally| totally)? {_KILL} {_PERSON}",
    ),
    pattern(
        "violence.how_to_hurt",
        "(how (to|do i|can i|would i|could i|should i|do you|does one|can someone|to best)|"
        "(best|easiest|quickest|fastest|simplest|safest) way to|ways to|steps to|guide to|"
        "tutorial (on|for)|teach me (how )?to|help me|i want to|i need to|plan to|planning to) "
        f"{{w2}}({_KILL}|hurt|injure|attack|kidnap|abduct|knock out|beat up|run over) {_TARGET}",
    ),
    pattern(
        "violence.weapon_build",
        "(make|build|construct|assemble|create|manufacture|cook|mix|prepare|produce|synthesi[sz]e|"
        "3d print|print) (a |an |the |your own |some |homemade |home made |improvised |simple |"
        "small |powerful )?(bomb|pipe bomb|explosive|explosives|ied|molotov|molotov cocktail|"
        "napalm|grenade|nail bomb|pressure cooker bomb|detonator|ghost gun|untraceable gun|"
        "silencer|suppressor|nerve agent|sarin|ricin|mustard gas|chlorine gas|tatp|anthrax|"
        "bioweapon|chemical weapon|dirty bomb)",
    ),
    pattern(
        "violence.mass_attack",
        "(shoot up|bomb|attack|blow up) (the |a |my |our |that )?(school|church|mosque|synagogue|"
        "temple|mall|office|workplace|concert|parade|stadium|subway|airport|crowd)|kill as many "
        "(people )?as (possible|i can|we can)|maximum casualties|body count",
    ),
    pattern(
        "violence.kill_many",
        "(kill|killing|murder|poison|hurt) (lots of|many|as many|a lot of|hundreds of|thousands "
        "of) (people|civilians|children)|flay(ed)? alive|spread (a|the) (virus|disease|pathogen) "
        "(in|on|at|through) (a|the) (subway|crowd|school|city|stadium|airport)",
    ),
    pattern(
        "violence.mass_harm_agents",
        "(chemical|biological|bio|radiological) warfare( agents?)?|nerve agents?|(sarin|tabun|"
        "soman|novichok|lewisite|phosgene|ricin|abrin|anthrax|botulinum|dimethylmercury|mustard "
        "gas|vx nerve)|(car|truck|letter|suicide) bomb|death threat",
        weight=0.5,
    ),
    terms(
        "violence.evasion",
        "without getting caught",
        "without being caught",
        "without leaving a trace",
        "without leaving any trace",
        "without detection",
        "without being detected",
        "without being traced",
        "look like an accident",
        "seem like an accident",
        "untraceable",
        "dispose of the body",
        "get away with it",
        "get away with murder",
        weight=0.5,
    ),
    terms(
        "violence.graphic",
        "slit his throat",
        "slit her throat",
        "slit their throat",
        "slit your throat",
        "beat him to death",
        "beat her to death",
        "beat them to death",
        "beat you to death",
        "bashed his head in",
        "bashed her head in",
        "gouged out",
        "ripped out his",
        "ripped out her",
        "blood spurted",
        "blood sprayed",
        "disembowel",
        "disemboweled",
        "decapitated",
        "dismembered",
        "mutilated",
        "tortured to death",
        "burned alive",
        "stabbed repeatedly",
        "shot him in the head",
        "shot her in the head",
        "blow your brains out",
        "put a bullet in",
        "snap your neck",
        "snapped his neck",
        weight=0.5,
    ),
    terms(
        "violence.harm_terms",
        "pulled the trigger",
        "die in agony",
        "kill everyone",
        "killing everyone",
        "torn apart",
        "bleed out",
        "until he died",
        "until she died",
        "until they died",
        "end his life",
        "end her life",
        "end his pathetic life",
        "tatp",
        "detonator",
        "explosive device",
        "incendiary device",
        "pipe bomb",
        "nail bomb",
        "knuckle duster",
        "brass knuckles",
        "vital points",
        "break his neck",
        "break her neck",
        "break their neck",
        "crush his windpipe",
        "crush the windpipe",
        "strike to the throat",
        "gouge his eyes",
        "gouge their eyes",
        "incapacitate",
        "incapacitate someone",
        "suffocate the victims",
        "lethal gas",
        "toxic gas",
        "poison him",
        "poison her",
        "poison them",
        "stab him",
        "stab her",
        "stab them",
        "shoot him",
        "shoot her",
        "shoot them",
        "beat him",
        "beat her",
        "beat them",
        "set them on fire",
        "set him on fire",
        "set her on fire",
        "burn them alive",
        "hit him with",
        "choke him",
        "choke her",
        "knock out your opponent",
        "lethality",
        "untraceable",
        weight=0.5,
    ),
    terms(
        "violence.weak",
        "stab",
        "stabbed",
        "stabbing",
        "punch",
        "punched",
        "punches",
        "choke",
        "choked",
        "strangle",
        "strangled",
        "blood",
        "bloody",
        "bleeding",
        "bleed",
        "corpse",
        "throat",
        "skull",
        "kick",
        "kicks",
        "elbow",
        "knee",
        "uppercut",
        "headbutt",
        "blows",
        "trachea",
        "windpipe",
        "carotid",
        "dagger",
        "knife",
        "scream",
        "screams",
        "screaming",
        "agony",
        "suffocate",
        "gasoline",
        "flames",
        "solar plexus",
        "groin",
        "jab",
        "strikes",
        "striking",
        "opponent",
        "attacker",
        "attackers",
        "bullet",
        "bullets",
        "pistol",
        "rifle",
        "shotgun",
        "ammo",
        "ammunition",
        "silencer",
        "suppressor",
        "beat up",
        "kill",
        "murder",
        "victims",
        "weapon",
        "weapons",
        "explosive",
        "explosives",
        "bomb",
        "lethal",
        "torture",
        "chemical weapons",
        "biological weapons",
        "nuclear weapons",
        "poison",
        "poisoned",
        weight=0.25,
    ),
    terms(
        "violence.refusal",
        "i cant help with that",
        "i cannot help with that",
        "i cant provide",
        "i cannot provide",
        "i wont provide",
        "i cant assist",
        "i cannot assist",
        "violence is never the answer",
        "de escalate",
        "deescalate",
        "talk to your parents",
        "seek help",
        "contact the police",
        "call the police",
        "self defense class",
        "self defense classes",
        "stay safe",
        weight=-0.5,
    ),
]
