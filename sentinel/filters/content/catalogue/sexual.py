"""Sexual content, and sexual content involving minors (its own category, blocked).

Single words here are weak (0.25: four distinct ones within the category's window are
needed); strong signals are multi-word phrasings. Written for this project from general
knowledge; no third-party list was copied.
"""

from __future__ import annotations

from sentinel.filters.content.catalogue._dsl import Rule, pattern, terms

_BODY = (
    "(cock|dick|penis|shaft|erection|pussy|cunt|clit|clitoris|vagina|labia|nipples?|breasts?|"
    "tits|boobs|anus|testicles|crotch|groin|wetness)"
)

SEXUAL: list[Rule] = [
    terms(
        "sexual.explicit_terms",
        "blowjob",
        "blow job",
        "handjob",
        "hand job",
        "rimjob",
        "cumshot",
        "creampie",
        "gangbang",
        "gang bang",
        "bukkake",
        "cunnilingus",
        "fellatio",
        "anilingus",
        "buttplug",
        "butt plug",
        "fleshlight",
        "pornhub",
        "xvideos",
        "xhamster",
        "titfuck",
        "facefuck",
        "jerk off",
        "jerking off",
        "jacking off",
        "suck my dick",
        "suck my cock",
        "suck his cock",
        "suck his dick",
        "eat my pussy",
        "eat her pussy",
        "wet pussy",
        "hard cock",
        "her pussy",
        "her clit",
        "his cock",
        "my cock",
        "my pussy",
        "your cock",
        "your pussy",
        "cum inside",
        "came inside her",
        "cum in my",
        "cum on my",
    ),
    pattern(
        "sexual.explicit_acts",
        "(suck(ed|ing|s)?|lick(ed|ing|s)?|strok(e|ed|es|ing)|rub(bed|bing|s)?|finger(ed|ing|s)?|"
        "grind(ing|ed|s)?|rid(e|es|ing)|rode|thrust(ed|ing|s)?|penetrat\\w*|slid(e|es|ing)?|"
        "push(ed|ing)?|eas(ed|ing)|spread(ing|s)?|fondl(e|ed|es|ing)|grop(e|ed|es|ing)|"
        "caress(ed|es|ing)?|kiss(ed|es|ing)?|squeez(e|ed|es|ing)|pinch(ed|es|ing)?) {w3}"
        f"(his|her|my|your|their)( own)? {{w2}}{_BODY}",
    ),
    pattern(
        "sexual.penetration",
        "(slid|pushed|eased|thrust|guided) (himself|herself|his (cock|dick|length|shaft|member)|"
        "two fingers|a finger|his fingers) (deep )?(inside|into) (her|him|me|you)",
    ),
    terms(
        "sexual.arousal",
        "orgasm",
        "orgasms",
        "orgasmed",
        "masturbate",
        "masturbating",
        "masturbation",
        "horny",
        "foreplay",
        "nude pics",
        "sex tape",
        "making love",
        "made love",
        "make love",
        "aroused",
        "erection",
        "erotic",
        "nude photos",
        "sex position",
        "sex positions",
        "doggy style",
        "doggystyle",
        "deep penetration",
        "penetration",
        "erogenous",
        "erogenous zones",
        "vibrator",
        "dildo",
        "clitoris",
        "sexual desires",
        "sexual pleasure",
        "oral sex",
        "anal sex",
        "bdsm",
        "genitals",
        "ejaculate",
        "ejaculated",
        "ejaculation",
        "semen",
        weight=0.5,
    ),
    terms(
        "sexual.weak",
        "moan",
        "moaned",
        "moaning",
        "moans",
        "arousal",
        "climax",
        "climaxed",
        "thrust",
        "thrusts",
        "thrusting",
        "naked",
        "nude",
        "lust",
        "lustful",
        "panties",
        "lingerie",
        "nipple",
        "nipples",
        "breasts",
        "throbbing",
        "sensual",
        "seductive",
        "intercourse",
        "sex",
        "sexual",
        "sexy",
        "kinky",
        "fetish",
        "undressed",
        "bare skin",
        "hips",
        "gasped",
        "porn",
        "pornography",
        "pornographic",
        "ecstasy",
        "blindfolded",
        "tied up",
        "pleasure",
        "stimulation",
        "stimulate",
        "virgin",
        "desire",
        "desires",
        "intimate",
        "intimacy",
        "bed",
        "bedroom",
        "touch",
        "touched",
        weight=0.25,
    ),
    terms(
        "sexual.nonconsensual",
        "sexual assault",
        "sexually assault",
        "non consensual sex",
        "nonconsensual sex",
        "sexual exploitation",
        "rape",
        "raped",
        "raping",
        "revenge porn",
        "explicit images",
        "pornographic story",
        "explicit story",
        "sex scene",
        "erotic story",
        weight=0.5,
    ),
    terms(
        "sexual.refusal",
        "i cant help with that",
        "i cannot help with that",
        "i cant write",
        "i cannot write",
        "i cant create",
        "i cannot create",
        "i wont write",
        "i cant provide",
        "i cannot provide",
        "keep it appropriate",
        "keeping it appropriate",
        "tasteful",
        "non explicit",
        weight=-0.5,
    ),
]

_MINOR = (
    "(child|children|kid|kids|minor|minors|underage|under age|preteen|pre teen|schoolgirl|"
    "schoolboy|toddler|infant|little (girl|boy)|young (girl|boy)|(1[0-5]|[5-9]|five|six|seven|"
    "eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen) ?(year|yr)s? ?old)"
)

# Words that make content (a story, an image) rather than report a crime.
_EXPLICIT = (
    "(erotic|erotica|porn|pornographic|nude|nudes|lewd|orgasm\\w*|aroused|sexy|seductive|"
    "lingerie|explicit sex)"
)
_SEXUAL_ACT = "(sexual|sex|naked|molest\\w*|rape\\w*|raped|fondl\\w*|abuse\\w*)"

SEXUAL_MINORS: list[Rule] = [
    pattern(
        "sexual_minors.material",
        f"{_MINOR} (porn|pornography|sex|sexual|nude|nudes|naked|erotic|erotica|lewd|explicit)",
    ),
    pattern(
        "sexual_minors.acts",
        f"(sex|sexual|intercourse|erotic|naked|nude|fondl\\w*|molest\\w*) (with|of|involving) "
        f"(a |an |the )?{_MINOR}",
    ),
    pattern(
        "sexual_minors.nearby_explicit",
        f"{_MINOR} {{w12}}{_EXPLICIT}|{_EXPLICIT} {{w12}}{_MINOR}",
    ),
    pattern(
        "sexual_minors.nearby",
        f"{_MINOR} {{w12}}{_SEXUAL_ACT}|{_SEXUAL_ACT} {{w12}}{_MINOR}",
        weight=0.5,  # reports of abuse name both; a request or a story adds more
    ),
    terms("sexual_minors.terms", "csam", "lolicon", "shotacon", "jailbait", "child porn"),
    terms("sexual_minors.weak", "loli", "pedophile", "paedophile", "pedo", weight=0.5),
]
