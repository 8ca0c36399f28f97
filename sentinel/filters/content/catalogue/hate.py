"""Hate: slurs, dehumanising statements about a group, calls to harm or exclude it,
supremacist slogans and tropes.

Single words here are weak (0.25: four distinct ones within the category's window are
needed); strong signals are multi-word phrasings. Written for this project from general
knowledge; no third-party list was copied.
"""

from __future__ import annotations

from sentinel.filters.content.catalogue._dsl import Rule, pattern, terms

_GROUP = (
    "(jews|jewish people|the jewish race|muslims|arabs|blacks|black people|the black race|"
    "africans|asians|chinese|mexicans|latinos|hispanics|immigrants|migrants|refugees|"
    "foreigners|gays|gay people|homosexuals|lesbians|trans people|transgender people|"
    "transgender individuals|trans individuals|trannies|women|females|christians|hindus|sikhs|"
    "gypsies|roma|indians|pakistanis|whites|white people|the white race|catholics|"
    "disabled people|people with disabilities|the disabled|minorities|minority groups|"
    "these people|those people|illegals|aliens|non binary people)"
)

HATE: list[Rule] = [
    terms(
        "hate.slurs",
        "nigger",
        "niggers",
        "kike",
        "kikes",
        "chink",
        "chinks",
        "spic",
        "spics",
        "wetback",
        "wetbacks",
        "gook",
        "gooks",
        "raghead",
        "ragheads",
        "towelhead",
        "towelheads",
        "sandnigger",
        "beaner",
        "beaners",
        "faggot",
        "faggots",
        "zipperhead",
        "jigaboo",
        "porch monkey",
        "kaffir",
        "sheboon",
        "mudslime",
        "mud people",
    ),
    terms(
        "hate.slurs_ambiguous",
        "nigga",
        "niggas",
        "fag",
        "fags",
        "dyke",
        "tranny",
        "paki",
        "retard",
        "retards",
        "mongoloid",
        "coon",
        weight=0.5,
    ),
    pattern(
        "hate.dehumanise",
        f"{_GROUP} (are|is|r) (all |just |nothing but |basically |literally |like |a bunch of )?"
        "(animals|vermin|rats|cockroaches|roaches|parasites|subhuman|sub human|savages|apes|"
        "monkeys|pigs|dogs|a disease|a cancer|a plague|an infestation|filth|scum|trash|garbage|"
        "inferior|criminals|rapists|terrorists|not human|less than human|a virus|disgusting|"
        "worthless|invaders|a threat to our|mentally ill|a burden|abominations|a perversion|"
        "unnatural|degenerates?|lazy|greedy|dirty|stupid|weak|useless|a danger)",
    ),
    pattern(
        "hate.exclusion",
        f"{_GROUP} (should|must|need to|ought to) (not be allowed to|be (segregated|isolated|"
        "removed|shunned|ostraci[sz]ed|banned|deported|sterili[sz]ed|controlled|kept out|"
        "excluded)|not (be given|have) the same rights)",
    ),
    pattern(
        "hate.harm_group",
        "(kill|exterminate|gas|eradicate|wipe out|eliminate|purge|cleanse|hang|lynch|shoot|burn|"
        f"round up|sterili[sz]e|get rid of) (all )?(the |those |these )?{_GROUP}|{_GROUP} "
        "(should|must|need to|deserve to|ought to) (all )?(die|be (killed|exterminated|gassed|"
        "eradicated|wiped out|sterili[sz]ed|hanged|shot|burned|locked up|removed|eliminated))",
    ),
    terms(
        "hate.supremacy",
        "heil hitler",
        "sieg heil",
        "white power",
        "1488",
        "fourteen words",
        "race traitor",
        "untermensch",
        "zionist occupied government",
        "gas the jews",
        "kill all jews",
        "white genocide is real",
    ),
    terms(
        "hate.tropes",
        "breed like rats",
        "breed like rabbits",
        "cant even call them human",
        "purity of our race",
        "greedy jews",
        "pulling the strings",
        "pulling all the strings",
        "control the banks",
        "control the media",
        "inferior race",
        "inferior people",
        "race is a plague",
        "scum of the earth",
        "natural inferiority",
        "subhuman",
        "untermenschen",
        weight=0.5,
    ),
    terms(
        "hate.weak",
        "vermin",
        "inferior",
        "filth",
        "scum",
        "plague",
        "infestation",
        "parasites",
        "savages",
        "abomination",
        "abominations",
        "perversion",
        "degenerate",
        "degenerates",
        "unnatural",
        "mongrel",
        "backward",
        "their kind",
        "our race",
        "breed",
        "disgusting",
        "invaders",
        "crawling",
        "burden",
        "purity",
        "race",
        "eradicated",
        "stink",
        "guttural",
        weight=0.25,
    ),
    terms(
        "hate.refusal",
        "i cant help with that",
        "i cannot help with that",
        "i cant write",
        "i cannot write",
        "i cant create",
        "i cannot create",
        "i wont write",
        "i cant provide",
        "i cannot provide",
        "hate speech is harmful",
        "against my guidelines",
        weight=-0.5,
    ),
    terms(
        "hate.supremacy_weak",
        "white pride",
        "race mixing",
        "master race",
        "subhuman",
        "jewish question",
        "great replacement",
        "white genocide",
        "race war",
        "ethnic cleansing",
        "mongrel race",
        weight=0.5,
    ),
    pattern(
        "hate.blame",
        f"{_GROUP} {{w2}}(are |keep )?(taking|take|took|stealing|steal|stole|ruining|ruin|ruined|"
        "destroying|destroy|invading|invade|flooding|flood|replacing|replace|poisoning|"
        "controlling|control|running|infesting) (our|the|this) (jobs|country|nation|land|women|"
        "culture|schools|neighbou?rhoods|media|banks|government|world|race|streets|cities)",
        weight=0.5,
    ),
    pattern(
        "hate.incite",
        "(incit|spread|promot|stir|whip)\\w* (up )?(hatred|hate|violence) (toward|towards|"
        "against|of)|racial slurs|(using|use|with) (racial|ethnic|homophobic) slurs|"
        "(discrimination|segregation|racism) is (beneficial|good|justified|necessary)",
    ),
    pattern(
        "hate.go_back",
        "(go|send them|ship them|sent) back to (your|their|where) (own )?(country|countries|"
        "they came from|you came from)|these people come here|because of (them|these people|"
        "those people)",
        weight=0.5,
    ),
]
