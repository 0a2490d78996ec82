"""Sensitive call types: the calls that must never get an automated text.

A check-in text can tell an abuser that the victim called, reach a family on the day of a death,
or land on the phone of the person the police came for. Agencies write call types in many ways
(`SIMPLE BATTERY DOMESTIC`, `--DV - ARGUMENTS, DISTURBANCE`, `DV A/B I/P`, `114D_Family Physical`,
`46 - CIT`, `911/NO VOICE`, `WNTD WRRNT FELONY`), so labels are cut into words and codes and
matched against words, stems and the abbreviations dispatchers use, never whole strings.

When in doubt the list errs towards skipping: a missed check-in costs a survey answer; a wrong
one can cost a life. An agency adds its own codes and patterns on top (`Agency.sensitive_patterns`),
and IT reviews every label the agency has sent in the call-type register
(`followup.eligibility.call_types`), which is where a bare code such as `S41` or `802` gets its
meaning: no list can know what an agency's private numbers stand for.

Decisions where the labelled corpora disagree or the policy was silent (issue 17):

- **Harassment is sensitive**, even alone (`HARASSMENT`, `HARASS - PHONE & EMAIL`, `Annoying
  Phone Calls`, `Cyber Harassment`). Harassment is nearly always by someone the caller knows (an
  ex-partner, a family member, a neighbour), it is how stalking and domestic abuse are often first
  dispatched, and the harasser may share or watch the caller's phone; a text confirming that the
  police came can provoke them. The labels from agencies the list had not seen call it sensitive;
  the first corpora (issue 3) did not, and count it as a wrong skip (within their limits).
  Plain threats (`THREATS`, `THREATENING PHONE CALL`) stay ordinary, as before.
- **Court papers served on a person are sensitive** (`PAPER SERVICE`, `SUBPOENA`, `SUMMONS`,
  `EVICTION`, `CIVIL PROCESS`, `WRIT`): the number on such a call is often the served person's,
  and the papers are often protective, custody or eviction orders. So are offenders under
  supervision (GPS and alcohol monitors, home confinement, pre-trial release, work release,
  bond and revocation matters) and obstruction of officers.
- **Shelters and victim services, a caller in danger, mental-health referrals and holds**
  (`INQUEST`, `302`, `EMERGENCY DETENTION`, `988`), **missing-person alerts** (Golden, Purple,
  Code Adam), overdue boats or hikers and search and rescue are sensitive.
- **Ordinary:** `VICE` alone (vice enforcement is officer-initiated; prostitution words still
  skip), `UNKNOWN TROUBLE` (the nature-unknown bucket, like `UNKNOWN PROBLEM`), a bare
  `ABANDONED` (more often a car than a call; `ABANDONED 911 CALL` still skips), a shoplifter or
  thief held by a store (the caller is the store), animal welfare checks, a dead animal, a
  deadly weapon, a person trapped in a lift (a child locked in a car is sensitive).
- A discipline letter glued to a word (`PWELFARE CHECK`, `EMENTAL`: P(olice), L(aw), S(heriff),
  E(MS), F(ire)) and a long word misspelt by one letter (`HAASSMENT`, `HOMOCIDE`) are read as
  the word; `NON-DOMESTIC` says what a call is not; a notification *of* something (`DOT
  NOTIFICATION`) is not a death message, a bare `NOTIFICATION` may be one.
- Dispatchers' spellings are read as kinds, not strings: truncations (`ABDUC`, `HOSTA`,
  `DOMEST`, `MISSIN`, `PSYC`, `OVRDSE`), misspellings (`HARRASSMENT`, `INJUCTION`, `WARANT`,
  `SUCIDIAL`, `PRE-TRAIL`), letters spelled out (`D.O.A`, `E D P`) and glued codes (`ODPOI`,
  `FPURS`, `WELCK`, `CHKWB`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

import re2

from followup.eligibility import label_model

# Each group: (name, patterns). A pattern is a regex over the normalised label (upper case,
# words and codes separated by single spaces); it is anchored at word boundaries for you.
# A pattern may carry exceptions: `(pattern, unless)` skips the match when `unless` is present.
# fmt: off
_GROUPS: dict[str, list[str | tuple[str, str]]] = {
    "domestic": [
        r"DOMESTIC\w*", r"DOMES\w*", r"DOM", r"DOMS?TC", r"DMSTC", r"DV\w{0,3}", r"IPV",
        r"DOM(?:PROG|VIO|DIS|ARG|BAT|ASL|ASS)\w*", r"FAM(?:DIS|DST|ARG|VIO|FIGHT)\w*",
        # not a building's kind (`MULTI-FAMILY STRUCTURE`, `SINGLE-FAMILY / ODOR OF SMOKE`)
        (r"FAMILY|FAMIL\w*|FAM", r"(?:MULTI|SINGLE|ONE|TWO|1|2) FAM\w*"),
        r"DATING VIOL\w*", r"INJUN?CT\w*", r"RESTRAINING",
        r"PO (?:SERV\w*|VIOL\w*|VIO)",
        r"PERSONAL EFFECTS", r"PREVENT BREACH", r"50B", r"50C",
        r"RETRIEVE (?:PERSONAL )?(?:PROPERTY|BELONGINGS|ITEMS)",
        r"FAM DIST\w*", r"SPOUS\w*", r"INTIMATE PARTNER", r"STRANGU?L\w*",
        r"PARTNER (?:ASSAULT|ABUSE|BATTERY|VIOLENCE)",
        r"(?:PROT\w*|RESTR\w*|NO CONTACT|STAY AWAY|PROTECTION FROM ABUSE|COURT|PEACE|HARASS\w*"
        r"|STALK\w*|SAFETY) (?:ORDER\w*|ORDR?)",
        r"PEACE BOND\w*", r"VISITATION", r"RESTORD\w*", r"COURTORD\w*",
        r"PROTECTIVE (?:CUSTODY|SERV\w*)",
        r"ORDER (?:OF )?PROTECTION", r"(?:ORDERS?|ORDR?) VIOL\w*",
        r"VIOL\w* (?:OF )?(?:A )?(?:COURT |PROT\w* |RESTR\w* |NO CONTACT )?(?:ORDERS?|ORDR?)",
        r"TRO", r"TPO", r"EPO", r"PFA", r"OFP", r"VPO", r"VRO", r"DVO", r"DVRO", r"FRO", r"CPO",
        r"HRO", r"OOP", r"PPO", r"NCO", r"RO (?:SERV\w*|VIOL\w*|VIO)",
        r"EXPART\w*", r"EX PARTE", r"(?:KEEP\w*|PRESERVE) THE PEACE",
        r"(?:CIVIL|CITIZEN|PROPERTY) STAND ?BY", r"STANDBY (?:FOR )?(?:PROPERTY|BELONGINGS)",
        (r"CUSTOD\w*|CUSTDY", r"SHOPLIFT\w*|THEFT|LARCENY|RETAIL|STORE|MERCHANT"),
        r"243E\w*", r"273\.5\w*", r"273\.6\w*", r"209A", r"258E",
    ],
    "sexual": [
        r"SEX\w*", r"RAPE\w*", r"RAPIST", r"SODOM\w*", r"MOLEST\w*", r"FONDL\w*", r"INCEST",
        r"INDECEN\w*", r"LEWD\w*", r"FLASHER", r"EXHIBITIONIS\w*", r"PREDATOR\w*",
        r"TITLE (?:IX|9)", r"PEEP\w*", r"PEEPING TOM", r"MOL", r"GROP\w*",
        r"INVASION OF PRIVACY", r"INTIMATE (?:IMAGE|VISUAL|PHOTO|VIDEO)\w*", r"UPSKIRT\w*",
        r"REGISTRY",
        r"VOYEUR\w*", r"OBSCEN\w*", r"PROSTITU\w*", r"PROST", r"PANDER\w*", r"PIMP\w*",
        r"SOLICIT\w* (?:FOR )?(?:PROST\w*|SEX\w*)", r"PORN\w*", r"CSAM", r"ICAC",
        r"LURING", r"ENTIC\w*", r"SOR", r"SA", r"SXL", r"CSC", r"CARNAL\w*", r"STATUTORY",
        r"REGISTRANT\w*", r"(?:DRUG|OFFENDER|SEX|FELON\w*|GUN) REGISTR\w*", r"MEGAN\w* LAW",
        (r"EXPOS\w*",
         r"HEAT|COLD|BRUSH|BOAT|FIRE|STRUCTURE\w*|HAZ\w*|CHEM\w*|CARBON|RADIATION|SMOKE|GAS|F"
         r"|WEATHER|VEH\w*|ANIMAL\w*|RABIES|BITE\w*"
         # an EMS exposure (`TOXIC EXPOSURE`, `ALS - EXPOSURE PATIENT`, `EXPOSURE-A`: a priority)
         r"|TOXIC|PATIENT|INHAL\w*|ALS|BLS|ENVIRON\w*|BLOOD|FLUIDS?|NEEDLE\w*|EXPOSURE [A-EO]"),
        r"NUDE\w*", r"NAKED", r"MORALS?", r"(?:261|288|290|314)(?![0-9])\w*", r"647\.6",
        r"647B",
    ],
    "child_abuse": [
        (r"CHILD(?!BIRTH)\w*",
         r"SEAT\w*|BIRTH\w*|DELIVER\w*|CPR|CHOK\w*|UNCON\w*|SEIZ\w*|FEVER\w*|NOT BREATHING"),
        r"CHLD", r"CHIL", r"KIDS?",
        (r"INFANT\w*", r"SEAT\w*|BIRTH\w*|DELIVER\w*"), r"DSS", r"HANDLE WITH CARE",
        # A person shut in a car is a child or a dependant left there (keys locked in are not).
        r"(?:CHILD\w*|KIDS?|INFANT\w*|BABY|TODDLER|JUV\w*) (?:LOCKED|TRAPPED|LEFT) IN\w*",
        r"PERS\w* (?:LOCKED|LEFT) IN (?:A |THE )?(?:VEH\w*|CAR|AUTO\w*|TRUCK)",
        r"DHS",
        r"SOCIAL SERV\w*",
        r"NEWBORN", r"BABY", r"TODDLER",
        (r"NEGLECT\w*", r"ANIMAL\w*|DOGS?|CATS?|HORSES?|LIVESTOCK|PETS?"), r"CPS", r"DCFS",
        r"DFCS", r"DCF", r"DCYF", r"SAFE HAVEN", r"DEFACS", r"273A\w*",
        r"LOCKED IN (?:\w+ ){0,3}(?:W|WITH) OCCUPANTS?",
        r"273D\w*",
        (r"ABUS\w*",
         r"ANIMAL|DOG|CAT|HORSE|DRUG|SUBSTANCE|911|ALARM|LINE|PHONE|SYSTEM|HARASS\w*|VERBAL"),
        r"ENDANGER\w* (?:CHILD|MINOR|JUV\w*)",
    ],
    "juvenile": [
        r"JUV\w*", r"JUVENILE\w*", r"JUVS?", r"TRUAN\w*", r"CURFEW", r"RUNWY", r"RNWY", r"RUNAWY",
        (r"RUNAWAY\w*|RUN AWAY", r"VEH\w*|CAR|CARS|TRUCK\w*|TRAILER\w*|BOAT\w*|HORSE\w*|LIVESTOCK"),
        r"MINOR IN POSS\w*", r"MIP", r"UNDERAGE", r"UNDER AGE", r"DELINQ\w*", r"UNDER 21",
        r"(?:TO|BY|FOR) (?:A )?MINORS?", r"MINORS? (?:IN|WITH) (?:POSS\w*|ALCOHOL|TOBACCO)",
        (
            r"MINORS?",
            r"ACC\w*|INJ\w*|MV\w*|CRASH\w*|COLLI\w*|TRAF\w*|TFC|DAMAGE|WRECK\w*|FIRE|BURN\w*"
            r"|PI|PD|VEH\w*|MED\w*|BLEED\w*|CUTS?|LACERATION\w*|INCIDENT|OFFENSE|VIOL\w*"
            r"|1050|10 50|ALLERG\w*|AIRCRAFT|AIRPLANE|PLANE|ILLNESS|SICK\w*|HAZ\w*|SPILL\w*"
            r"|LEAK\w*|PROBLEM|ISSUE|COMPLAINT|NOISE|ALARM\w*|RESCUE"
            # a severity after a medical or fire call (`FRACTURE CLOSED-MINOR`)
            r"|EVENT|FRACTURE\w*|EXPOSURE|HEAT|COLD|PAIN|FALL\w*|WOUND\w*|TRAUMA|SMOKE"
            r"|STRUCTURE|BREATH\w*|ODOR|SYMPTOM\w*|OB"
            r"|SERVICE|MECH\w*|MALFUNCTION|SHOOT\w*|STAB\w*|GUNSHOT\w*|GSW",
        ),
        r"YOUTH\w*", r"TEEN\w*", r"UNGOVERNABLE", r"INCORRIGIBLE", r"CHINS",
        r"PINS", r"601", r"5585\w*",
    ],
    "missing": [
        (r"MISSIN\w*",
         r"PROPERTY|PLATE|PLATES|TAG|TAGS|ITEM|ITEMS|MAIL|PACKAGE|VEHICLE|CAR|SIGNS?|PUBLIC WORKS"),
        r"MISS PERS?\w*", r"MISPER\w*", r"MISSP\w*", r"MSNG\w*", r"MISS\w? PER\w*", r"MP",
        r"LOST PERS\w*", r"(?:PERS\w*|CHILD\w*|JUV\w*|ADULT|SUBJ\w*|KIDS?) FOUND",
        r"ABANDON\w* (?:PERS\w*|ADULT|ELDER\w*|SENIOR\w*)",
        r"FOUND PERS\w*", r"LOST (?:ADULT|JUV\w*|CHILD|SENIOR|ELDERLY)", r"SENILE",
        r"WALK ?A? ?WAY\w*", r"TO LOCATE", r"ATL", r"LIFESAVER", r"SEARCH (?:AND |OR )?RESCUE",
        r"SAR",
        r"LOOK\w* FOR (?:A |THE )?(?:SUBJ\w*|PERS\w*|PARTY|JUV\w*|CHILD\w*|KIDS?|ADULT)",
        r"(?:GOLD\w*|PURPLE|CLEAR|FEATHER|ASHANTI|ENDANGERED (?:PERSON|ADULT)) ALERT", r"CODE ADAM",
        # Overdue people (a boat, a hiker, a driver who never arrived) are missing until found.
        r"OVERDUE (?:\w+ )?(?:BOAT\w*|VESSEL\w*|HIKER\w*|PERS\w*|PART\w*|MOTORIST\w*|DRIVER\w*"
        r"|SWIMMER\w*|KAYAK\w*|CANOE\w*|HUNTER\w*|TRAVEL\w*|SKIER\w*|CLIMBER\w*|SUBJ\w*|JUV\w*"
        r"|CHILD\w*)",
        r"(?:BOAT\w*|VESSEL\w*|HIKER\w*|PERS\w*|PARTY|MOTORIST\w*|DRIVER\w*|SWIMMER\w*|KAYAK\w*"
        r"|CANOE\w*|HUNTER\w*|SKIER\w*|CLIMBER\w*|SUBJ\w*|JUV\w*|CHILD\w*) OVERDUE",
        r"LOCATE (?:A )?(?:PERSON|SUBJ\w*|PARTY|JUV\w*|ADULT|CHILD)", r"SLVR\w*",
        r"FOUND (?:ADULT|JUV\w*|CHILD|SENIOR|ELDERLY)", r"AT RISK", r"ENDANGERED",
        r"AMBER\w*", r"SILVER ALERT", r"ALZHEIMER\w*", r"DEMENTIA", r"WANDER\w*", r"ELOPE\w*",
        r"AWOL",
    ],
    "kidnap": [
        r"KIDNAP\w*", r"ABDUC\w*", r"HOST(?:A|G)\w*", r"HSTG", r"CUSTODIAL INTERF\w*",
        r"(?:HELD|HOLDING|KEPT|DETAINED|CONFINED) AGAINST (?:\w+ )?WILL",
        (r"BARRICAD\w*",
         r"ERECT\w*|STREET|ROAD\w*|HAZARD|DOWN|DAMAGED|MISSING|MOVED|SIGNS?|PUBLIC WORKS"),
        r"UNLAWFUL (?:RESTRAINT|IMPRISON\w*)", r"FALSE IMPRISON\w*",
        r"CHILD STEAL\w*", r"207\w*", r"209\w*",
    ],
    "death": [
        (r"DOA", r"ANIMAL\w*|DOGS?|CATS?|DEER|WILDLIFE|LIVESTOCK|HORSES?"), r"DEATH\w*",
        r"FATAL\w*", r"EXAMINER", r"DECEASED", r"DEADBOD\w*", r"HOMIC\w*",
        r"EXPIRED (?:PERSON|PATIENT|PT|SUBJ\w*|ADULT|MALE|FEMALE|INFANT|CHILD)",
        # DEAD is a death unless an animal, a battery, a road or a lock is (DEADLY is a weapon).
        (r"DEAD|DEADS",
         r"ANIMAL\w*|DOGS?|CATS?|DEER|BIRDS?|WILDLIFE|LIVESTOCK|HORSES?|COWS?|FISH|RACCOONS?"
         r"|SKUNKS?|OPOSSUMS?|POSSUMS?|BATTER\w*|END|ENDS|BOLT|LINE|TREES?|PHONE|CAR|VEH\w*"),
        r"ME (?:REQ\w*|CALL|CASE|NOTIF\w*|RESPONSE)", r"MEREQ\w*",
        r"DECEDENT", r"DECD", r"SIDS", r"DB", r"DBODY",
        (r"BODY", r"AREA|AR"), r"REMAINS", r"SKELET\w*", r"CORPSE", r"HOMICID\w*", r"HOM",
        r"MURDER\w*",
        r"MANSLAUGHTER", r"CORONER", r"MEDICAL EXAMINER", r"ME CASE",
        r"UNATTENDED (?:DEATH|DOA|BODY)",
        # A notification alone may be a death message; a notification of something (an alarm,
        # a road, an animal) is not.
        r"^(?:NOTIF\w*|NOTFI\w*)$",
        r"(?:DEATH|FAMILY|NOK|EMERG\w*|PERSONAL) NOTIF\w*",
        r"NOTIF\w* (?:OF )?(?:DEATH|NOK|FAMILY)",
        r"NEXT OF KIN", r"NOK", r"(?:MESSAGE|MSG) DELIVERY", r"DELIVER (?:A )?(?:MESSAGE|MSG)",
        r"(?:EMERG\w*|PERSONAL|DEATH) (?:MESSAGE|MSG)\w*", r"187\w*", r"SIG(?:NAL)? 7",
        r"CODE 7",
    ],
    "mental_health": [
        r"SUIC\w*", r"SUCID\w*", r"SUI", r"SUICIDE\w*", r"SELF ?(?:HARM|INFLICT|INJUR|DESTRUCT)\w*",
        r"JUMPER\w*", (r"JUMP|JUMPING", r"START\w*|BATTER\w*|BOOST\w*|VEH\w*|CARS?|ROPE|HOUSE"),
        r"CIT", (r"MENTAL\w*", r"STATUS|ALT|ALTERED"), r"MENT", r"MNTL\w*", r"PSYC\w*", r"PSY",
        r"EDP\w*", r"INQUEST", r"MIW", r"302", r"PINK SLIP", r"APOWW", r"IVC", r"(?:CHAPTER|CH) 51",
        r"988", r"DANGER TO (?:SELF|HIMSELF|HERSELF|THEMSELVES|OTHERS)",
        r"EMERGENCY (?:CUSTODY|DETENTION|EVAL\w*|PETITION|COMMIT\w*|HOLD)",
        r"PETITION (?:FOR )?(?:EVAL\w*|COMMIT\w*|TREATMENT)",
        r"EMOTION\w*",
        (r"CRISIS|CRISES", r"WEATHER|HAZMAT|UTILIT\w*"), r"DISORIENT\w*", r"CAHOOTS",
        r"\d+ ?(?:HOUR|HR) HOLD", r"MARCUS (?:ALERT|LEVEL)\w*", r"DETOX\w*",
        r"BEHAV\w* (?:HEALTH|CRISIS|EMERG\w*|DISORDER\w*|PROB\w*)",
        r"BEHAV(?:IO|O|OI|IOU)?RI?AL\w*",
        # `DIAB PROB - ABNORMAL BEHAVIOR`: a diabetic's, a medical call
        (r"(?:ABNORMAL|BIZARRE|ERRATIC|STRANGE|UNUSUAL) BEHAV\w*", r"DIAB\w*|SUGAR|GLUCOSE"),
        r"BH", r"TARASOFF",
        r"T?ERPO", r"GVRO", r"RED FLAG", (r"MH[A-Z]{0,3}", r"FIRE|STRUCTURE"), r"MCT",
        r"(?:SECTION|SEC) (?:12|35)",
        r"BAKER ACT", r"BAKER", r"MARCHMAN\w*", r"5150\w*", r"ECO", r"TDO", r"INVOLUNTARY\w*",
        r"INVOL COMMIT\w*",
        r"COMMITMENT", r"DISTURBED", r"IRRATIONAL", r"DEPRESS\w*", r"10 ?56\w*", r"10 ?96",
    ],
    "overdose": [
        r"OVE?RDO?S\w*", r"OVER DOSE", r"QUICK RESPONSE TEAM", r"OD", r"ODS", r"OD ?POI\w*",
        r"NARCAN", r"NALOXONE",
        r"INGEST\w*",
        (r"POISON\w*", r"CARBON|MONOXIDE|CO|GAS|FOOD|ANIMAL\w*|DOGS?|CATS?|ACCIDENT\w*"),
    ],
    "welfare": [
        (r"WELF\w*", r"ANIMAL\w*|DOGS?|CATS?|HORSES?|LIVESTOCK|PETS?"), r"WELL BEING", r"WELLBEING",
        r"WELLNESS", r"WELL ?CHECK\w*", r"WEL ?CK\w*", r"WEL ?CHK\w*", r"(?:CHK|CK) ?WB\w*",
        r"WB ?(?:CHK|CK)\w*", r"(?:SENIOR|ELDERLY) (?:WATCH|CHECK|CALL\w*)",
        r"CHECK (?:ON|THE) (?:WELF\w*|PERSON|SUBJ\w*|RESIDENT|OCCUPANT|PARTY)", r"CK WELF\w*",
        r"CHK WELF\w*", r"CHECK (?:ON )?(?:THE )?CONDIT\w*", r"WC", r"WLFR", r"WBC", r"RUOK",
        r"R U OK",
    ],
    "stalking": [r"STALK\w*", r"646\.9"],
    # Harassment is usually by someone the caller knows (an ex-partner, a family member, a
    # neighbour); a text about it can reach or provoke that person. See the module docstring.
    "harassment": [
        r"HARR?ASS?\w*", r"HRSMT",
        r"(?:ANNOYING|OBSCENE|HARASSING|UNWANTED|REPEATED|NUISANCE) (?:PHONE |TELEPHONE )?"
        r"(?:CALLS?|TEXTS?|MESSAGES?|E ?MAILS?|COMMUNICATIONS?|CONTACT)",
        r"CYBER ?(?:BULLY\w*|STALK\w*|HARASS\w*|THREAT\w*)", r"BULLY\w*",
        r"653M", r"(?:PHONE|TELEPHONE|E ?MAIL|INTERNET|COMPUTER)(?: \w+)? MISUSE",
        r"TELECOM\w* (?:ABUSE|MISUSE)", r"UNWANTED (?:ADVANCES?|ATTENTION|TOUCH\w*)",
        r"MISUSE OF (?:A )?(?:PHONE|TELEPHONE|TELECOM\w*|911)",
    ],
    # Shelters and victim services: the caller is a victim, the place may be a secret.
    "victim_services": [
        (r"SHELTER\w*", r"ANIMAL\w*|DOGS?|CATS?|PETS?|IN PLACE|BUS|WEATHER|STORM\w*|TORNADO\w*"
         r"|FALLOUT|HOMELESS|COLD|HEAT|WARMING|COOLING"),
        r"SAFE ?HOUSE",
        r"VICTIM\w* (?:ADVOC\w*|SUPPORT|SERV\w*|ASSIST\w*|WITNESS|NOTIF\w*|OUTREACH)",
        r"ADVOCATE\w*",
    ],
    # The person who called is in danger now; a text may be read by whoever endangers them.
    "danger": [
        r"(?:IMMINENT|IMMEDIATE|GRAVE) (?:DANGER|THREAT|HARM|PERIL)",
        r"(?:CALLER|PERS\w*|PARTY|RP|VICTIM|RESIDENT|CHILD|WOMAN|FEMALE|MALE) (?:IS )?IN DANGER",
    ],
    "trafficking": [
        (r"TRAFFICK\w*", r"DRUG\w*|NARC\w*|GUN\w*|WEAPON\w*"),
        r"HUMAN TRAF\w*", r"HT", r"SEX TRAF\w*", r"EXPLOIT\w*",
    ],
    "elder_abuse": [
        r"ELDER\w*", r"SENIOR ABUSE", r"VULNERABLE\w*", r"VULN ADULT", r"ADULT ABUS\w*",
        r"DEPENDENT ADULT", r"ADULT PROTECT\w*", r"APS", r"ADULT NEGLECT",
    ],
    "silent_911": [
        (
            r"911\w*",
            r"ALARM|NUISANCE|HARASS\w*|REPEAT|TRANSF\w*|LOG|INFO\w*|TEST\w*|OUTAGE|SYSTEM"
            r"|EQUIP\w*|ADMIN\w*|NON ?EMERG\w*|NONEMERG\w*|TROUBLE AT|CENTER|CENTRE|TRUNK"
            r"|FAILURE|MISROUTE\w*|NO UNITS",
        ),
        r"E911", r"HANG ?UPS?", r"HANGUP\w*", r"HU", r"HUP", r"HNGUP", r"ABANDON\w* (?:CALL|LINE)",
        r"ABAN\w* 911",
        r"(?:UNABLE|CANNOT|CANT|CAN T) (?:TO )?(?:TALK|SPEAK)", r"OPEN LINE\w*", r"OPENLINE",
        r"OPEN MIC", r"NO VOICE", r"MISDIAL\w*", r"ACCIDENTAL (?:WIRELESS|911|CALL\w*|DIAL\w*)",
        (r"SILENT\w*", r"ALARM\w*|ALRM"),
        (r"DISCONNECT\w*", r"ALARM\w*|ALRM|UTILIT\w*|PWR|POWER|ELEC\w*|WIRES?"),
        r"PHONE DROP\w*", r"CALL DROP\w*", r"INCOMPLETE (?:PHONE |911 )?CALL\w*",
        r"UNKN?\w*(?: \w+)* EMERG\w* CALL\w*", r"RING ?BACK",
        r"(?:UNKN?\w*|UNVERIFIED) (?:WIRELESS|CELL\w*|VOIP)",
        # An abandoned call, however it is written; a bare ABANDONED is more often a car or a
        # bicycle than a call, and is left to the agency's own patterns.
        r"ABANDON\w*(?: \w+){0,3} (?:CALLS?|LINE|911\w*|E911|EMERG\w*)",
        r"(?:911|E911|CALL\w*|PHONE|CELL\w*|WIRELESS|VOIP)(?: \w+)? ABANDON\w*",
    ],
    "subject": [
        r"WARRANT\w*", r"WARR\w*", r"WRNT\w*", r"WRRNT\w*", r"WRT", r"WNTD", r"WANTED",
        r"FUGITIVE\w*", r"EXTRADIT\w*", r"PRISONER\w*", r"PRISONR", r"PRIS", r"INMATE\w*",
        r"DETAINEE\w*", r"ESCAPE\w*", r"ESC", r"ESCP\w*", r"PURSUIT\w*", r"RESIST\w*",
        (r"ARREST\w*|ARRST\w*|ARR",
         r"CARD\w*|RESP\w*|CODE BLUE|CPR|HEART|EMS|CR|MEDICAL|NOT BREATHING|BREATH\w*|UNCONS?\w*"
         r"|FALLS?|STAB\w*|GUNSHOT\w*|GSW|TRAUMA\w*|CHEM\w*|HZMT|HAZMAT|DROWN\w*|INHAL\w*"),
        r"ATTACHMENT\w*", r"BAIL ?OUT\w*", r"PORT RUNNER\w*", r"10 ?15", r"JAIL\w*",
        (r"TRANSPORTS?|TRANSPORTING|TRANSPORTED|TRNSP\w*|TRANS|TRAN",
         r"EMS|AMBULANCE|MED\w*|PATIENT|HOSPICE|CONVALESC\w*|NURSING|ANIMAL\w*|SHELTER|FIRE"
         r"|HOSPITAL\w*|ACCIDENT\w*|TRAFFIC|INTERFER\w*|CRASH\w*|COLLISION\w*"
         r"|CRITICAL CARE|WHEELCHAIR|OUT OF TOWN|INTERFACILITY|CCT|ALS|BLS|NON ?EMERG\w*"),
        r"FALSE INFO\w*", r"HOME VISIT", r"SWAT", (r"GUARD DUTY", r"SCHOOL|CROSSING"),
        r"BREATHAL\w*",
        r"BREATH TEST\w*", r"INTOXILYZER",
        r"PURS", r"(?:F|T|V|FT)PURS\w*", r"WARANT\w*", r"CHASE", r"FLEE(?:ING|S)?", r"FLED",
        r"FLEEING",
        r"ELUDING", r"^MAGISTRATE$", r"^OBSTRUCTING$", r"PAROL\w*", r"PROBATION\w*",
        r"ANKLE MONITOR", r"ELECTRONIC MONITOR\w*", r"HOUSE ARREST", r"BOOKING",
        # Offenders under supervision: GPS and alcohol monitors, home confinement, release terms.
        (
            r"GPS (?:ALERT|ALARM|MONITOR\w*|VIOL\w*|TAMPER\w*|BRACELET|ANKLE|STRAP|OFFENDER|HIT"
            r"|ZONE|EXCLUSION\w*|INCLUSION\w*)",
            r"BANK\w*|ROBBERY|STOLEN|TRACKER",  # a bank's dye-pack tracker, a stolen car's
        ),
        r"(?:OFFENDER|ANKLE|EM|ELEC\w*|SCRAM|BRACELET) (?:MONITOR\w*|ALERT|ALARM|BRACELET|TRACK\w*"
        r"|TAMPER\w*|VIOL\w*)",
        r"(?:EXCLUSION|INCLUSION) ZONE\w*",
        r"(?:HOME|HOUSE) (?:CONFINE\w*|DETENTION|INCARCERAT\w*)",
        r"WORK RELEASE", r"SUPERVISED RELEASE", r"WEEKENDER\w*", r"ABSCON\w*", r"ARRAIGN\w*",
        (r"REVOCATION\w*", r"LICEN[SC]E\w*|DMV|DL|REGISTRATION|PERMIT\w*|SUSPEN\w*|PLATES?"),
        r"(?:BOND|BAIL) (?:VIOL\w*|REVOC\w*|CONDITION\w*|HEARING\w*)",
        r"PRE ?TRIA?L\w*|PRE ?TRAIL\w*|PRETRIA?L\w*|PRETRAIL\w*",
        r"CONDITIONAL (?:DISMISSAL|RELEASE|DISCHARGE)",
        # Court papers served on a person: the number on the call may be theirs, and the papers
        # are often protective orders, evictions or custody orders.
        (r"PAPERS?", r"TOILET|LITTER\w*|TRASH|DEBRIS|ROUTE|CARRIER|DELIVER\w*"),
        (r"SERVE|SERVED|SERVING", r"ALCOHOL|LIQUOR|BEER|WINE|INTOX\w*|FOOD|DRINK\w*|MEAL\w*"),
        r"(?:PROCESS|DOCUMENT\w*|LEGAL|CIVIL) SERV\w*", r"SERV\w* (?:OF )?(?:PROCESS|CIVIL|LEGAL)",
        r"CIVIL (?:PROCESS|PAPER\w*|WRIT\w*|SEIZ\w*|LEVY|EVICT\w*)", r"CIVILP\w*",
        r"SUBPO\w*", r"SUMMONS\w*", r"WRITS?", r"WRIT OF", (r"EVICT\w*", r"ANIMAL\w*"),
        r"(?:PROPERTY|VEH\w*) SEIZ\w*", r"SEIZE", (r"NCIC\w*", r"RECOVER\w*"), r"NLETS",
        r"HIT CONFIRM\w*",
        r"HOLD\w* (?:A |THE )?(?:SUSP\w*|SUBJ\w*|PERS\w*|PRISONER\w*|PARTY)",
        (r"(?:SUSP\w*|SUBJ\w*|PERS\w*|PARTY|PRISONER\w*|ADULT|JUV\w*) (?:IN|INTO) CUSTODY",
         r"SHOPLIFT\w*|THEFT|LARCENY|RETAIL|STORE|MERCHANT"),
        r"OBSTRUCT\w* (?:OF )?(?:GOV\w*|OFFICER\w*|JUSTICE|POLICE|LAW|ADMIN\w*|AN OFFICER"
        r"|PEACE OFFICER)",
        r"HINDER\w*", r"INTERFER\w* (?:WITH )?(?:AN? )?(?:OFFICER|POLICE|ARREST|PEACE OFFICER)",
    ],
}
# fmt: on

# What each group means, in the words the rules page and the CLI show.
GROUP_WORDS = {
    "domestic": "domestic violence, family or a protective order",
    "sexual": "a sexual offence",
    "child_abuse": "child abuse or neglect",
    "juvenile": "a juvenile",
    "missing": "a missing or found person",
    "kidnap": "kidnapping, abduction or a hostage",
    "death": "a death or a death notification",
    "mental_health": "mental health, suicide or crisis",
    "overdose": "an overdose or poisoning",
    "welfare": "a welfare check",
    "stalking": "stalking",
    "harassment": "harassment or unwanted contact",
    "victim_services": "a shelter or victim services",
    "danger": "a caller in danger",
    "trafficking": "trafficking or exploitation",
    "elder_abuse": "abuse of an elder or a vulnerable adult",
    "silent_911": "a silent, abandoned or hang-up 911 call",
    "subject": "the person on the call may be its subject (warrant, arrest, custody, court papers,"
    " supervision)",
    "glued_stem": "a sensitive word inside a code",
    "agency": "one of the agency's own sensitive patterns",
    "model": "likely sensitive to the learned model",
}


@dataclass(frozen=True)
class SensitiveMatch:
    """Why a call type counts as sensitive: the group and the words that matched."""

    group: str
    matched: str


class _Matcher:
    def __init__(self, group: str, pattern: str, unless: str | None = None):
        self.group = group
        self.regex = re.compile(rf"(?<![A-Z0-9.])(?:{pattern})(?![A-Z0-9])")
        self.unless = re.compile(rf"(?<![A-Z0-9.])(?:{unless})(?![A-Z0-9])") if unless else None

    def search(self, label: str, normalised: str) -> SensitiveMatch | None:
        found = self.regex.search(normalised)
        if found is None or (self.unless is not None and self.unless.search(normalised)):
            return None
        return SensitiveMatch(self.group, found.group(0))


# An agency's own regular expressions run on RE2: linear time whatever the pattern, so a
# pattern like ^(a+)+$ cannot stall a worker (Python's re backtracks exponentially on it).
_AGENCY_RE2 = re2.Options()
_AGENCY_RE2.case_sensitive = False
_AGENCY_RE2.log_errors = False  # a refused pattern is reported to the admin, not to stderr
_AGENCY_RE2.max_mem = 8 << 20
MAX_LABEL = 200  # the longest label matched (the intake API's limit for a call type)


class _AgencyRegex:
    """An agency's own regular expression, matched case-insensitively against the raw label."""

    group = "agency"

    def __init__(self, pattern: str):
        self.regex = re2.compile(pattern, options=_AGENCY_RE2)

    def search(self, label: str, normalised: str) -> SensitiveMatch | None:
        found = self.regex.search(label[:MAX_LABEL])
        return SensitiveMatch(self.group, found.group(0)) if found else None


class _Unusable:
    """An agency pattern RE2 cannot run: it matches every label, so nothing is texted unasked."""

    group = "agency"

    def __init__(self, pattern: str):
        self.pattern = pattern

    def search(self, label: str, normalised: str) -> SensitiveMatch | None:
        return SensitiveMatch(self.group, "a pattern that cannot run: fix it on the rules page")


def _build(groups: dict[str, list[str | tuple[str, str]]]) -> list[_Matcher]:
    matchers = []
    for group, patterns in groups.items():
        plain = [p for p in patterns if isinstance(p, str)]
        # One alternation per group keeps matching fast on large imports.
        matchers.append(_Matcher(group, "|".join(f"(?:{p})" for p in plain)))
        matchers.extend(_Matcher(group, *p) for p in patterns if isinstance(p, tuple))
    return matchers


_DEFAULT_MATCHERS = _build(_GROUPS)
# Stems unmistakable even glued to a code letter (`ASUICI` = attempted suicide, `TSUICI`).
_GLUED_STEMS = re.compile(
    r"SUIC|DOMESTIC|KIDNAP|HOMICID|MOLEST|OVERDOS|HARASS|STALK|ABDUCT|HOSTAG"
)
_LETTER_SLASH_LETTER = re.compile(r"(?<![A-Z0-9])([A-Z])/([A-Z])(?![A-Z0-9])")
_TOKENS = re.compile(r"\d+\.\d+[A-Z]*|[A-Z0-9]+")
_LETTERS_THEN_DIGITS = re.compile(r"(?<=[A-Z])(?=\d)")
_NINE_ONE_ONE = re.compile(r"(?<!\d)9[-. ]1[-. ]1(?!\d)")
_SPELLED_OUT = re.compile(r"(?<![A-Z0-9])[A-Z](?: [A-Z])+(?![A-Z0-9])")


def normalise(label: str) -> str:
    """Return ``label`` as upper-case words and codes separated by single spaces.

    ``D/V`` and ``O/D`` become ``DV`` and ``OD`` (one letter each side of a slash is one
    abbreviation); ``273.5`` keeps its dot; codes such as ``C11B`` stay whole; everything else
    that is not a letter or digit separates words, so ``114D_Family`` reads as ``114D FAMILY``.
    """
    upper = label.upper()
    upper = _LETTER_SLASH_LETTER.sub(r"\1\2", upper)
    upper = _NINE_ONE_ONE.sub("911", upper)
    return " ".join(_TOKENS.findall(upper))


def compile_agency_patterns(
    patterns: Iterable[str],
) -> list[_Matcher | _AgencyRegex | _Unusable]:
    """Compile an agency's own additions: words and phrases, or ``re:`` followed by a regex.

    Words and phrases are read like labels (``10-16`` matches ``10-16 PHYSICAL`` but not
    ``10-166``); a regex is applied, case-insensitively, to the label exactly as sent.
    """
    matchers: list[_Matcher | _AgencyRegex | _Unusable] = []
    for raw in patterns:
        text = raw.strip()
        if not text:
            continue
        if text.lower().startswith("re:"):
            try:
                matchers.append(_AgencyRegex(text[3:].strip()))
            except re2.error:
                # Saved before patterns ran on RE2 (the rules page refuses such a pattern now).
                # Fail closed: a pattern that cannot run skips every call, visibly, until fixed.
                matchers.append(_Unusable(text))
        else:
            words = normalise(text)
            if words:
                matchers.append(_Matcher("agency", re.escape(words)))
    return matchers


def validate_agency_pattern(raw: str) -> str | None:
    """Return an error message for a pattern an agency typed, or None when it is usable."""
    text = raw.strip()
    if not text:
        return "empty pattern"
    if text.lower().startswith("re:"):
        try:
            re2.compile(text[3:].strip(), options=_AGENCY_RE2)
        except re2.error as exc:
            reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else exc
            return f"not a regular expression this service can run (RE2 syntax): {reason}"
        return None
    return None if normalise(text) else "the pattern has no letters or digits"


def _readings(normalised: str) -> tuple[str, ...]:
    # Codes glue words to numbers both ways (`C11B`, `INCW911`), and abbreviations are spelled
    # out letter by letter (`D.O.A`, `E D P`): read the label as written, with letters split
    # from the digits that follow them, and with single letters joined, and match any reading.
    split = _LETTERS_THEN_DIGITS.sub(" ", normalised)
    joined = _SPELLED_OUT.sub(lambda m: m.group(0).replace(" ", ""), normalised)
    return tuple(dict.fromkeys((normalised, split, joined)))


_NON = re.compile(r"(?<![A-Z0-9])NON (\w+) ?")


def _without_negated(normalised: str) -> str:
    """``normalised`` without "NON <a sensitive word>" ("NON DOMESTIC"; "NON EMERGENCY" stays)."""
    if "NON " not in normalised:
        return normalised
    kept = _NON.sub(lambda m: "" if _sensitive_word(m.group(1)) else m.group(0), normalised)
    return kept.strip() or normalised


@functools.lru_cache(maxsize=1024)
def _sensitive_word(word: str) -> bool:
    return any(m.search(word, word) for m in _DEFAULT_MATCHERS)


def _first_match(matchers: Iterable, label: str, normalised: str) -> SensitiveMatch | None:
    # "NON-DOMESTIC" says what the call is not.
    readings = _readings(_without_negated(normalised))
    for matcher in matchers:
        for reading in readings:
            found = matcher.search(label, reading)
            if found:
                return found
    return None


def match_agency(label: str, extra: Iterable[str]) -> SensitiveMatch | None:
    """Return which of the agency's own patterns ``extra`` matches ``label``, or None."""
    label = label[:MAX_LABEL]
    normalised = normalise(label)
    if not normalised:
        return None
    return _first_match(compile_agency_patterns(extra), label, normalised)


@functools.lru_cache(maxsize=4096)
def match_builtin(label: str) -> SensitiveMatch | None:
    """Return why the built-in list, or failing it the learned model, counts ``label`` as
    sensitive, or None (cached: an agency sends the same few hundred labels over and over)."""
    found = match_builtin_list(label)
    if found is not None:
        return found
    model = label_model.load()
    normalised = normalise(label[:MAX_LABEL])
    if model is None or not model_may_read(normalised):
        return None
    seen = model.likelihood(_without_negated(normalised))
    if seen.probability < model.threshold:
        return None
    words = ", ".join(seen.evidence) or "its letters"
    return SensitiveMatch("model", f"{seen.probability:.2f}: {words}")


def model_may_read(normalised: str) -> bool:
    """Whether the model may add a skip to ``normalised`` (not for a bare code, nor against a
    considered verdict)."""
    return not label_model.bare_code(normalised) and not _excepted(normalised)


# Labels the policy decided are ordinary (the module's docstring): the model does not overturn.
_DECIDED_ORDINARY = re.compile(
    r"^(?:VICE|UNKNOWN (?:TROUBLE|PROBLEM)|ABANDONED|THREATS?|THREATENING (?:PHONE )?CALLS?)$"
    r"|(?<![A-Z0-9])(?:ANIMAL\w*|DEADLY WEAPON|ELEVATOR|LIFT|TEST CALL)(?![A-Z0-9])"
)


def _excepted(normalised: str) -> bool:
    """A considered verdict the model does not overturn: the policy decided the label is
    ordinary, or the list matched a word but an exception it keeps said no (`SHOPLIFTER IN
    CUSTODY`, `ANIMAL EVICTION`)."""
    if _DECIDED_ORDINARY.search(normalised):
        return True
    readings = _readings(_without_negated(normalised))
    return any(
        m.unless is not None and m.unless.search(r) and m.regex.search(r)
        for m in _DEFAULT_MATCHERS
        for r in readings
    )


def match_builtin_list(label: str) -> SensitiveMatch | None:
    """Return why the built-in list alone counts ``label`` as sensitive, or None."""
    label = label[:MAX_LABEL]
    normalised = normalise(label)
    if not normalised:
        return None
    found = _first_match(_DEFAULT_MATCHERS, label, normalised)
    if found:
        return found
    glued = _GLUED_STEMS.search(_without_negated(normalised))
    if glued:
        return SensitiveMatch("glued_stem", glued.group(0))
    # A discipline letter glued to a word (`PWELFARE CHECK`, `EMENTAL`), or a word misspelt by
    # one letter (`HAASSMENT`): read each such word as the sensitive word it stands for.
    respelt = " ".join(_respelt(word) for word in normalised.split(" "))
    return _first_match(_DEFAULT_MATCHERS, label, respelt) if respelt != normalised else None


# CAD systems prefix a call type with its discipline: P(olice), L(aw), S(heriff), E(MS), F(ire).
_DISCIPLINES = frozenset("PLSEF")
# Long words a dispatcher misspells; a word one letter away from one of them is that word.
_LONG_WORDS = frozenset(
    """HARASSMENT HARASSING DOMESTIC PROSTITUTION PROSTITUTE SUICIDE SUICIDAL KIDNAPPING
    KIDNAPPED MOLESTATION MOLESTED OVERDOSE STALKING RESTRAINING INJUNCTION HOMICIDE ABDUCTION
    HOSTAGE WELFARE JUVENILE RUNAWAY PSYCHIATRIC ENDANGERMENT PROTECTION TRAFFICKING DECEASED
    UNATTENDED ABANDONED DISCONNECT""".split()
)


# Words one letter from a long sensitive word that are words of their own (`DECREASED LOC`).
_REAL_WORDS = frozenset({"DECREASED", "INCREASED", "DISEASED"})


def _one_letter_away(word: str, other: str) -> bool:
    """One letter added, dropped or changed (not two: `STEALING` is not `STALKING`)."""
    if abs(len(word) - len(other)) > 1 or word == other:
        return False
    if len(word) == len(other):
        return sum(a != b for a, b in zip(word, other, strict=True)) == 1
    short, long = sorted((word, other), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


@functools.lru_cache(maxsize=8192)
def _respelt(word: str) -> str:
    """``word`` as the sensitive word it stands for, or unchanged."""
    if len(word) >= 5 and word[0] in _DISCIPLINES and word[1:].isalpha():
        if _first_match(_DEFAULT_MATCHERS, word[1:], word[1:]):
            return word[1:]
    if len(word) >= 7 and word.isalpha():
        if word in _REAL_WORDS:
            return word
        return next((known for known in sorted(_LONG_WORDS) if _one_letter_away(word, known)), word)
    return word


def match_sensitive(label: str, extra: Iterable[str] = ()) -> SensitiveMatch | None:
    """Return why ``label`` is a sensitive call type, or None if it is not.

    The agency's own patterns ``extra`` are tried first, then the built-in list.
    """
    return match_agency(label, extra) or match_builtin(label)


def explain(found: SensitiveMatch | None) -> str:
    """Say in plain words why a label is (or is not) on the sensitive list."""
    if found is None:
        return "no sensitive word or code found"
    kind = GROUP_WORDS.get(found.group, found.group.replace("_", " "))
    if found.group == "model":
        chance, _, words = found.matched.partition(": ")
        return f"{kind} ({chance}; weighed most: {words})"
    return f"{kind} (matched \u201c{found.matched}\u201d)"


def matches_any(text: str | None, phrases: Iterable[str]) -> str | None:
    """Return the first of ``phrases`` found as whole words in ``text`` (for dispositions)."""
    if not text:
        return None
    normalised = f" {normalise(text)} "
    for phrase in phrases:
        words = normalise(phrase)
        if words and f" {words} " in normalised:
            return phrase
    return None
