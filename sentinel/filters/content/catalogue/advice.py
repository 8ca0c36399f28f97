"""Medical, legal and financial advice in model responses (output field only by default).

Information is fine; these rules look for the model telling the user what to do about their
own health, case or money: a dose to take, a medication to stop, a lawsuit to file, a stock
to buy, a guaranteed return. Written for this project.
"""

from __future__ import annotations

from sentinel.filters.content.catalogue._dsl import Rule, pattern

_RECOMMEND = (
    "(you should|you must|you need to|you ought to|you have to|i (recommend|suggest|advise)"
    "( that)?( you)?( to)?|id (recommend|suggest|advise)|i would (recommend|suggest|advise)|"
    "my (advice|recommendation) (is|would be) to|your best (option|bet|move) is to|"
    "it is best to|its best to|it would be best to|go ahead and|definitely|just)"
)
_MEDICINE = (
    "(medication|medications|medicine|meds|dose|dosage|prescription|insulin|antibiotics?|"
    "antidepressants?|ssris?|statins?|blood thinners?|steroids?|painkillers?|opioids?|"
    "ibuprofen|acetaminophen|paracetamol|aspirin|tylenol|advil|benadryl|melatonin|xanax|"
    "adderall|metformin|warfarin|lisinopril|prednisone|antihistamines?|supplements?|"
    "treatment|therapy|chemo|chemotherapy|inhaler|pills)"
)

MEDICAL: list[Rule] = [
    pattern(
        "medical.dosage",
        r"\b(take|taking|took|give|giving|administer|inject|start (on|with)|increase (it |your "
        r"dose )?to|double|try)( up to| about| around| at least| roughly)? (\d+(\.\d+)?|one|two|"
        r"three|four|five|six|half an?|an?) ?(mg|milligrams?|mcg|micrograms?|ml|milliliters?|"
        r"units?|iu|tablets?|pills?|capsules?|tabs|drops|puffs|doses)\b",
        view="folded",
    ),
    pattern(
        "medical.medication_change",
        f"{_RECOMMEND} (start|starting|stop|stopping|discontinue|discontinuing|switch|switching|"
        "increase|increasing|decrease|decreasing|reduce|reducing|double|doubling|skip|skipping|"
        "cut back on|wean off|come off|quit|quitting|take|taking|try|trying)( (your|the|an?|some|"
        f"taking|using))? {{w2}}{_MEDICINE}",
    ),
    pattern(
        "medical.no_doctor",
        "(no need to|dont need to|do not need to|you dont have to|you do not have to|theres no "
        "need to|there is no need to|you can skip|no reason to|without) (see|seeing|visit|"
        "visiting|consult|consulting|call|calling|go to|going to|talk to|talking to) (a |the |"
        "your )?(doctor|physician|gp|er|emergency room|hospital|specialist|pharmacist|dentist|"
        "medical professional)",
    ),
    pattern(
        "medical.diagnosis",
        "(you (probably|likely|most likely|definitely|clearly|certainly|almost certainly) have|"
        "sounds like you have|it sounds like you have|you (are|re) (probably|likely) suffering "
        "from) {w2}(an? )?(infection|disease|disorder|syndrome|cancer|diabetes|flu|influenza|"
        "covid|strep|pneumonia|bronchitis|migraine|depression|anxiety|adhd|allergy|allergies|"
        "arthritis|tumou?r|ulcer|appendicitis|concussion|fracture|sprain|std|sti|uti|"
        "\\w+itis|\\w+osis)",
    ),
    pattern(
        "medical.treat_yourself",
        "(you can|you could|try to|just) (treat|cure|fix|heal|manage) (this|it|that|the "
        "(infection|wound|fracture|condition|symptoms)) (at home|yourself|on your own)",
        weight=0.5,
    ),
]

LEGAL: list[Rule] = [
    pattern(
        "legal.course_of_action",
        f"{_RECOMMEND} (sue|suing|file (a |an )?(lawsuit|suit|claim|complaint|motion|appeal)|"
        "file for (bankruptcy|divorce)|plead (guilty|not guilty|no contest|the fifth)|take "
        "(them|him|her|your (employer|landlord|boss|ex)) to court|press charges|settle( out of "
        "court| the case)?|not sign|refuse to sign|sign the (contract|agreement|settlement|lease|"
        "nda)|break (your|the) (lease|contract)|stop paying|withhold (rent|payment)|waive your "
        "rights?|represent yourself|fire your (lawyer|attorney)|ignore the (summons|subpoena|"
        "court order))",
    ),
    pattern(
        "legal.case_strength",
        "you (have|ve got|have got) (a |an )?(very |really |pretty )?(strong|good|solid|valid|"
        "winnable|airtight|weak|no) (case|claim|lawsuit|defen[cs]e|grounds)|you (will|would|are "
        "going to|re going to|are likely to) (win|lose) (the |this |your )?(case|lawsuit|suit|"
        "trial|appeal|claim)",
    ),
    pattern(
        "legal.verdict",
        "(this|that|it|what (they|he|she) did|your (landlord|employer|boss)) (is|was|would be) "
        "(definitely |clearly |certainly |absolutely )?(illegal|unlawful|a crime|a felony|a "
        "misdemeanou?r|defamation|libel|slander|breach of contract|wrongful termination)",
        weight=0.5,
    ),
    pattern(
        "legal.entitlement",
        "you (are|re) (legally )?(entitled to|liable for|not liable|obligated to|required by law "
        "to|within your rights)|(legally|under the law),? you (can|cannot|cant|must|are allowed "
        "to|have the right to)",
        weight=0.5,
    ),
]

_ASSET = (
    "(shares|stocks?|stock in|bonds?|etfs?|index funds?|options|calls|puts|crypto|"
    "cryptocurrency|bitcoin|btc|ethereum|eth|dogecoin|solana|gold|silver|real estate|tesla|"
    "apple|nvidia|amazon|gamestop|meme stocks?|penny stocks?)"
)

FINANCIAL: list[Rule] = [
    pattern(
        "financial.trade",
        f"{_RECOMMEND} (buy|buying|sell|selling|short|shorting|dump|load up on|go all in on|go "
        f"long on|invest in|put (your )?money (in|into)|pour (your )?(money|savings) into) "
        f"(some |more |all |your )?{{w1}}{_ASSET}",
    ),
    pattern(
        "financial.allocation",
        "(put|invest|allocate|move|keep|pour|sink) (all|most|everything|half|the majority|"
        "\\d+ ?%|\\d+ percent) (of )?(your )?(savings|money|portfolio|retirement|401k|ira|net "
        "worth|emergency fund|funds|cash) (in|into|on)",
    ),
    pattern(
        "financial.guarantee",
        "(guaranteed|risk free|riskfree|cant lose|cannot lose|sure thing|sure bet|no risk|zero "
        "risk) (returns?|profits?|income|gains?|investment|win|money|to (double|triple|grow|go "
        "up|rise|pay off))",
    ),
    pattern(
        "financial.prediction",
        f"{_ASSET} (will|is going to|is gonna|is about to|is sure to|is certain to|are going to) "
        "(definitely |certainly |surely )?(go up|rise|increase|double|triple|10x|moon|skyrocket|"
        "explode|soar|crash|tank|plummet|collapse)",
    ),
    pattern(
        "financial.borrow",
        f"{_RECOMMEND} (take out|get|use) (a |an )?(loan|mortgage|heloc|payday loan|margin|"
        "second mortgage|credit card advance)",
        weight=0.5,
    ),
]
