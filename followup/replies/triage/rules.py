"""What replies say, as rules: each a pattern over folded text and the reason shown to staff.

Patterns are written for the kind of reply, not for examples. They read folded text (lower case,
no accents, "he's" as "he is", "didn't" as "did not", "u" as "you"), English and Spanish side
by side. A guarded rule ignores a match that a negation right before it cancels ("he is not
outside", "nobody was rude"); rules whose meaning is a negation spell it out themselves.
"""
# ruff: noqa: E501 - patterns break where a phrase ends, not at a column.

from __future__ import annotations

import re
from dataclasses import dataclass

import re2


@dataclass(frozen=True)
class Rule:
    reason: str
    regex: re.Pattern[str]
    guarded: bool = True

    def search(self, text: str) -> re.Match[str] | None:
        for match in self.regex.finditer(text):
            if not (self.guarded and _cancelled(text, match.start())):
                return match
        return None


class RuleSet:
    """The rules for one category; ``loose`` is all of them in one pattern, for the screen."""

    def __init__(self, pairs: tuple[tuple[str, str], ...], guarded: bool):
        self.rules = tuple(
            Rule(reason, re.compile(rf"(?<![a-z]){pattern}(?![a-z])"), guarded)
            for reason, pattern in pairs
        )
        self.loose = "|".join(f"(?:{_loosen(pattern)})" for _, pattern in pairs)

    def __iter__(self):
        return iter(self.rules)

    def reasons(self, text: str) -> list[str]:
        """Return the reason of every rule that matches ``text``."""
        return [rule.reason for rule in self.rules if rule.search(text)]


class Screen:
    """One pass over a reply that says which categories' rules could match it.

    Each category's rules, with their lookarounds removed, form one alternation that RE2
    matches in linear time. Removing lookarounds only loosens a pattern, so the
    screen never rules out a category whose rules would match; Python's re then decides.
    """

    def __init__(self, sets: dict[str, RuleSet]):
        # One automaton per category: together they multiply each other's states, and one
        # automaton for all was three times slower than these ten in a row.
        self._sets = []
        for name, rule_set in sets.items():
            automaton = re2.Set.SearchSet(_RE2)
            automaton.Add(rule_set.loose)
            automaton.Compile()
            self._sets.append((name, automaton))

    def __call__(self, text: str) -> frozenset[str]:
        data = text.encode()  # once, not once per automaton
        return frozenset(name for name, automaton in self._sets if automaton.Match(data))


_RE2 = re2.Options()
_RE2.max_mem = 256 << 20  # a cap, not an allocation: the automaton uses a few MB


_BOUNDED = re.compile(r"(?<!\\)\{(\d*),(\d*)\}")


def _loosen(pattern: str) -> str:
    """The pattern for the screen: no lookarounds, and "{0,80}" as "*" ("{1,3}" as "+"). Both
    only loosen it; bounded repeats of "." multiply the automaton's states until RE2 gives up
    its fast path, and the screen is then slower than the rules it spares."""
    loose = without_lookarounds(pattern)
    return _BOUNDED.sub(lambda m: "*" if m.group(1) in ("", "0") else "+", loose)


def without_lookarounds(pattern: str) -> str:
    """Return ``pattern`` without its (?=...), (?!...), (?<=...) and (?<!...) groups."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith(("(?!", "(?=", "(?<!", "(?<="), i):
            depth, j = 0, i
            while j < len(pattern):
                char = pattern[j]
                if char == "\\":
                    j += 2
                    continue
                depth += char == "("
                depth -= char == ")"
                if depth == 0:
                    break
                j += 1
            i = j + 1
        elif pattern[i] == "\\":
            out.append(pattern[i : i + 2])
            i += 2
        else:
            out.append(pattern[i])
            i += 1
    return "".join(out)


def rules(*pairs: tuple[str, str], guarded: bool = True) -> RuleSet:
    return RuleSet(pairs, guarded)


# A negation within the two words before a match cancels it.
_CANCELLERS = re.compile(
    r"\b(?:not|never|no|nobody|no one|nothing|none|without|cannot|nunca|nadie|nada|sin|ni|"
    r"ya no|no longer)\s+(?:\w+\s+){0,2}$"
)


def _cancelled(text: str, start: int) -> bool:
    return bool(_CANCELLERS.search(text[max(0, start - 30) : start]))


# --- people, places and things the rules talk about ---------------------------------------

_PERSON = (
    r"(?:he|she|they|someone|somebody|some one|a man|a guy|a woman|the man|the guy|the woman|"
    r"(?:the|those|some|two|three|a few|a group of) (?:\w+ )?(?:guys|men|people|dudes|women)|"
    r"(?:my |her |his |the )?(?:\w+ )?ex|his friends?|the neighbou?r\w*|my neighbou?r\w*|"
    r"the (?:same )?(?:guy|man|person|dude|lady|woman|suspect)|my (?:husband|boyfriend|bf|wife|"
    r"girlfriend|gf|son|brother|father|dad|stepdad|stepfather|uncle|cousin|roommate))"
)
_HERE = (
    r"(?:back(?! to| then| when| in (?:the day|\d))|here|outside|out front|out back|inside|"
    r"at (?:my|the|our) (?:(?:front |back |side )?door|house|home|window|work|job|car|apartment|"
    r"school|place)|"
    r"in (?:my|the|our) (?:house|home|yard|backyard|garage|apartment|building|room|driveway|"
    r"parking lot)|on (?:my|the|our) (?:porch|property|lawn)|across the street|"
    r"in front of (?:my|the|our) (?:house|home|door|apartment))"
)
_CHILD = (
    r"(?:(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
    r"fourteen|fifteen|sixteen) ?(?:yr|year|yo|y o)s?(?: old)?|son|daughter|child|kid|kids|baby|"
    r"boy|girl|toddler|grandson|granddaughter|little one|children|teen|teenager|niece|nephew)"
)
_OFFICER = (
    r"(?:officer\w*|cops?|deputy|deputies|policem[ae]n|police|trooper\w*|sergeant|sgt|"
    r"detective\w*|oficial\w*|policias?|agentes?|patrulleros?)"
)
_WEAPON = (
    r"(?:guns?|knife|knives|pistol\w*|rifle\w*|weapons?|machete\w*|firearm\w*|blades?|bats?|"
    r"crowbars?|hammers?|axes?|tasers?)"
)
_NOW = r"(?:right now|as we speak|at this moment|this (?:second|minute|instant)|just now)"
_HARM = r"(?:kill|hurt|shoot|stab|beat|murder|burn|rape|choke|strangle|harm|end)"

CRISIS = rules(
    (
        "a threat to kill or hurt",
        rf"(?:going to|will|wants? to|trying to|threaten\w* to|swear\w* (?:he|she|they) will|"
        rf"said (?:he|she|they) (?:would|will|is going to|was going to)|"
        rf"says? (?:he|she|they) (?:will|is going to|would)) (?:\w+ ){{0,2}}{_HARM} "
        rf"(?:me|us|her|him|them|my|the kids|everyone|you|herself|himself|themselves)",
    ),
    (
        "a threat to kill or hurt",
        rf"(?:death threats?|threatening (?:me|us|my|to kill)|(?:has|have|got|took) (?:my|our) "
        rf"(?:\w+ )?{_CHILD}\b(?! (?:to|for|from|home))|(?:will not|wont) give (?:my|our) "
        rf"(?:\w+ )?{_CHILD} back)",
    ),
    (
        "afraid for their life",
        r"(?:(?:scared|afraid|fear|terrified) (?:for|of) (?:my|our) (?:life|lives|safety)|"
        r"(?:i am|we are) (?:in danger|not safe|unsafe)|(?:do not|dont) feel safe|"
        r"fear for my life|scared (?:he|she|they) will)",
    ),
    (
        # "help 2281 sage brush ct", "ayuda. 1420 e calle del sol": where to send someone.
        "a cry for help with an address",
        r"^(?:please |pls |plz |por favor )?(?:help|hlp|halp|ayuda|auxilio|socorro)(?: me| us)?"
        r"[ .,!:-]*(?:at |en )?"
        r"\d{2,6} (?:[nsew]\.? |north |south |east |west )?(?:\w+ ){0,3}(?:st|street|ave|avenue|"
        r"rd|road|dr|drive|ct|court|ln|lane|blvd|way|pl|place|cir|circle|ter|terrace|hwy|pkwy|"
        r"apt|calle|avenida|camino)\b",
    ),
    (
        "hiding",
        r"^(?:under (?:the |my |a )?bed|in (?:the |my |a )?closet)\b(?! (?:was|is|were|are))",
    ),
    (
        "violence happening now",
        r"(?:(?:is|are|keeps|started|start) (?:\w+ )?(?:hitting|beating|punching|choking|"
        r"strangling|stabbing|hurting|attacking|kicking|slapping|shooting)|"
        r"(?:hitting|beating|punching|choking|hurting|attacking) (?:me|us|her|him|my)|"
        r"shots? (?:being )?fired|someone (?:is )?(?:shooting|been shot|got shot|is bleeding)|"
        r"can hear (?:them|him|her|someone|somebody|screaming|footsteps|yelling)|"
        r"(?:fight|fighting|shooting|stabbing|brawl) (?:is )?(?:going on|happening)|"
        r"(?:called|calling) me screaming|screaming for help|kicked (?:in|down|open) (?:the|my|our) "
        r"(?:door|window)|(?:kicked|broke|busted) (?:the|my|our) (?:door|window) (?:in|down|open)|"
        r"on (?:his|her|their) way (?:over|here|to (?:me|us|my|our))|"
        r"(?:turning|trying|jiggling|rattling) (?:the|my|our) (?:door ?)?(?:knob|handle|lock|door)|"
        r"(?:is |are )?(?:breaking|smashing|busting) (?:the|my|our|all the) (?:windows?|doors?|car)|"
        r"found (?:out )?where (?:i|we) (?:live|moved|am|are|work|stay)|"
        r"(?:picture|photo|pic|video) of (?:my|our) (?:front )?(?:door|house|home|car|window|kids)|"
        r"(?:his|her|their) (?:car|truck|van) (?:is )?(?:parked )?(?:outside|across the street|"
        r"in front|out front|down the street|at the end of)|"
        r"(?:locked|lock|barricaded) (?:myself|ourselves|us|me) in|"
        r"(?:hiding|hid|hide) (?:in|under|inside) (?:the|a|my)|"
        r"(?:light|set|burn) (?:\w+ ){0,3}(?:on fire|fire to|ablaze|down))",
    ),
    (
        "someone badly hurt now",
        r"(?:not (?:breathing|moving|responding|waking up|conscious)|unconscious|unresponsive|"
        r"on the (?:ground|floor) (?:not moving|bleeding)|bleeding (?:badly|a lot|everywhere)|"
        r"no (?:responde|respira|reacciona)|inconsciente|tirad[oa] en el (?:piso|suelo)|"
        r"sangrando mucho)",
    ),
    (
        "a medical emergency now",
        r"(?:(?:narcan|naloxone)\b.{0,30}\b(?:not working|did not work|is not working|no response|"
        r"again)|(?:overdos\w*|od ing|oding)\b.{0,30}\b(?:now|right now|not breathing|blue|help)|"
        r"(?:lips|face|skin) (?:are |is |turning |look )?(?:blue|purple|gray|grey)|"
        r"(?:turning|going) blue|(?:oxygen|o2) (?:machine|tank|concentrator)\b.{0,40}\b(?:stopped|"
        r"empty|out|dead|not working|off)|(?:having|had|is having) a (?:seizure|stroke|heart attack)"
        r"(?! (?:last|a few|two|2|three|3)\b)|(?:collapsed|passed out)\b.{0,40}\b(?:will not|"
        r"cannot|can not|not) (?:wake|get (?:him|her|them) up)|(?:will not|cannot|can not) wake "
        r"(?:him|her|them|up)|(?:smell|smells|smelling) (?:gas|smoke)\b.{0,60}\b(?:sleeping|"
        r"asleep|inside|in there|will not wake|cannot wake|kids|baby)|(?:house|apartment|room|"
        r"kitchen|building|garage|car) (?:is )?(?:on fire|full of smoke|filling with smoke)|"
        r"(?:trapped|stuck) (?:inside|in (?:the|a|my|our) (?:fire|car|house|room|elevator|"
        r"basement|closet|trunk))|(?:locked|shut) (?:me|us|her|him|my \w+|them) (?:in|inside)"
        r"(?: (?:the|a|my|his|her|our) \w+)?|pinned (?:me|her|him|my \w+|them) (?:down|on|to|"
        r"against)|pinned (?:down|on the (?:floor|ground|bed|wall|couch)|to the (?:floor|ground|bed|"
        r"wall)))",
    ),
    (
        "a weapon now",
        rf"(?:(?:got|took|pulled|grabbed|loaded|loading) (?:the|a|his|her|their|my) (?:\w+ )?"
        rf"{_WEAPON}\b.{{0,20}}\b(?:out|from|off)|(?:fired|firing|shooting) (?:shots|at (?:my|us|"
        rf"me|the house|our)))",
    ),
    (
        "a weapon now",
        rf"(?:(?:has|have|got|with|holding|waving|pointing|pulled out|pulled|brandishing) (?:a |an |"
        rf"his |her |their |two |some )?{_WEAPON})",
    ),
    (
        "an intruder now",
        r"(?:(?:trying to|tryin to) (?:get|break|come) in|breaking in|break(?:ing)? into|"
        r"(?:is|are) coming (?:in|inside|for (?:me|us)|to get (?:me|us))|"
        r"(?:someone|somebody|a man|a guy|a stranger|a person|a woman)\b.{0,30}\b(?:in|inside) "
        r"(?:my|the|our) (?:house|home|apartment|garage|yard|backyard|car|room|basement)|"
        r"(?:banging|pounding|kicking) (?:on )?(?:my|the|our) (?:door|window)|at my window|"
        r"trying to (?:climb|get|jump) (?:over|into|through) (?:my|the|our) (?:fence|wall|gate|"
        r"window)|(?:just|now) (?:showed up|pulled up|got here|arrived|broke in|came back))",
    ),
    (
        "the person they fear is here now",
        rf"{_PERSON}(?: (?:who|that|from) \w+(?: \w+){{0,3}})? (?:is|are) (?!not)(?:\w+ )?{_HERE}",
    ),
    (
        "the person they fear is here now",
        rf"{_PERSON} (?:is |are )?(?:following|watching|waiting for|stalking) (?:me|us)",
    ),
    (
        "happening right now",
        rf"(?:{_PERSON}\b.{{0,60}}(?:{_NOW}|right outside)|(?:fight\w*|going on|happening|"
        rf"outside|breaking|yelling|screaming|shooting|trying)\b.{{0,30}}{_NOW}|"
        rf"{_NOW}\b.{{0,60}}\b(?:screaming|yelling|fighting|hitting|breaking|shooting|banging|"
        rf"crying for help|parked|outside|across the street|at (?:my|the) (?:door|house)))",
    ),
    (
        "asking for help now",
        r"(?:(?:please|pls|somebody|someone) help(?! (?:me |us )?(?:get|find|with|figure|"
        r"understand|file|know|out|to))|help me(?! (?:get|find|with|figure|understand|file|know|"
        r"out|to))|help us(?! (?:get|find|with|figure|understand|file|know|out|to))|"
        r"send (?:someone|somebody|help|the police|police|an officer|officers|a cop|cops|a car)|"
        r"(?:come|hurry|get here) (?:now|quick|quickly|fast|asap|please)|need (?:help|police|"
        r"an officer|someone) (?:now|asap|right now|immediately|please)|call 911 for me|"
        r"(?:this is|it is|i have|there is) an emergency)",
    ),
    (
        "suicidal or self-harm",
        r"(?:kill (?:myself|herself|himself|themselves)|killing (?:myself|herself|himself)|"
        r"end (?:my life|it all|it tonight|things)|suicid\w*|(?:want|wants|going|ready) to die|"
        r"wish i (?:was|were) dead|better off dead|(?:do not|dont) want to (?:live|be alive|"
        r"be here|wake up)|no reason to live|hurt (?:myself|herself|himself)|cut(?:ting)? myself|"
        r"(?:took|take|taking|swallowed) (?:a bunch of|all (?:of )?(?:my|the|these|those)|"
        r"too many|the whole bottle of|a lot of) (?:my )?(?:pills|meds|medication)|"
        r"pills in my hand|gun to my head|engine running\b.{0,40}\bgarage|"
        r"garage\b.{0,40}\bengine running|better off without me|"
        r"(?:do not|dont) (?:plan on|intend to|expect to|want to keep) (?:be|being|living|wake)|"
        r"(?:not|never) (?:be|being) (?:here|around|alive) (?:tomorrow|much longer|anymore)|"
        r"(?:goodbye |last )?letters? to my (?:kids|children|family|wife|husband|mom|son|daughter)|"
        r"(?:do not|dont|cannot|can not) (?:really )?see (?:the|any) point|no point (?:in|of) "
        r"(?:anything|living|going on|life)|tired of (?:living|life|being alive)|"
        r"(?:pills|gun|rope|razor|blade)\w* (?:here|with me|next to me|ready)|"
        r"want (?:it all|everything|my life) to (?:end|be over)|"
        r"cannot go on|not worth living|no point in living|this is goodbye|say goodbye to|"
        r"(?:wrote|written|made|finished) (?:my|a) (?:will|note|goodbye)|tonight is the night|"
        r"(?:gave|giving|given) away (?:my|all my) (?:things|stuff|belongings|cat|dog|pets)|"
        r"(?:keep|kept|been) (?:looking at|staring at|holding) (?:it|the (?:rope|gun|pills|"
        r"blade|razor|bottle))|(?:knife|blade|razor|pills|gun) in my hand|(?:do not|dont) know "
        r"if i (?:can|could) stop(?: myself)?|nothing matters (?:anymore|any more)|(?:be|go) "
        r"with my (?:\w+ ){0,2}in heaven|join my (?:\w+ ){0,2}in heaven|(?:take care|look after) "
        r"(?:of )?my (?:kids|children|babies|son|daughter|dog|cat) for me|tell my (?:kids|"
        r"children|family|mom|mother|dad|son|daughter) i (?:love|am sorry))",
    ),
    (
        "a missing child",
        rf"(?:(?:my|our|her|his) (?:\w+ )?{_CHILD}\b.{{0,40}}\b(?:is |are |has been |went |"
        rf"just )?(?:missing|gone|not home|lost|never came home|never made it home|did not come "
        rf"home|did not make it home|has not come home|ran away|is not answering|will not answer|"
        rf"not answering)|(?:cannot|can not) find (?:my|our) (?:\w+ )?{_CHILD}|"
        rf"(?:someone|somebody|he|she|they) took (?:my|our) (?:\w+ )?{_CHILD}|"
        rf"(?:{_CHILD}|mom|mother|dad|father|grandma|grandmother|grandpa|grandfather|wife|husband)"
        rf"\b.{{0,60}}\b(?:cannot|can not) find (?:him|her|them)|wandered (?:off|away)|"
        rf"(?:mom|mother|dad|father|grandma|grandpa|sister|brother|daughter|son)\b.{{0,40}}\b"
        rf"(?:is |s )?not (?:picking up|answering)|{_CHILD}\b.{{0,80}}\b(?:not in the (?:house|"
        rf"apartment|home|room|yard|building)|looked everywhere|searched everywhere|"
        rf"nowhere to be found|location (?:is )?off|left with (?:a|an|some) (?:\w+ )?(?:guy|man|"
        rf"stranger|adult)|met online)|(?:dementia|alzheimer\w*)\b.{{0,80}}\b(?:gone|missing|"
        rf"walked out|wandered|left|lost|cannot find)|(?:gone|missing|walked out|wandered)\b.{{0,80}}"
        rf"\b(?:dementia|alzheimer\w*))",
    ),
    (
        "a threat to kill or hurt (Spanish)",
        r"(?:(?:me|nos|la|lo|los|te|le) (?:quiere|quieren|va a|van a|amenaza con|amenazo con|"
        r"amenazaron con|dijo que (?:me|nos|la|lo) iba a|dice que (?:me|nos|la|lo) va a) (?:matar|"
        r"pegar|golpear|lastimar|hacer dano|disparar|quemar|violar|acuchillar)|"
        r"amenaz\w* de muerte|(?:me|nos|la|lo) esta amenazando|no (?:la|lo|los) voy a volver a ver|"
        r"no (?:la|lo) vas a volver a ver)",
    ),
    (
        "violence happening now (Spanish)",
        r"(?:(?:me |la |lo |nos |le |les )?(?:esta|estan) (?:\w+ )?(?:pegando|golpeando|ahorcando|"
        r"lastimando|atacando|apunalando|disparando|maltratando|matando)|balazos|disparos|"
        r"dispararon|se escuchan (?:los )?(?:gritos|golpes|disparos))",
    ),
    (
        "a weapon now (Spanish)",
        r"(?:(?:tiene|tienen|trae|traen|saco|con) (?:un |una |unas |unos )?(?:pistolas?|armas?|"
        r"cuchillos?|navajas?|machetes?|fusca|rifles?))",
    ),
    (
        "the person they fear is here now (Spanish)",
        r"(?:(?:esta|estan|anda|andan) (?:\w+ )?(?:afuera|aqui|enfrente|en la puerta|en mi casa|"
        r"en la casa|en el patio|en mi patio|tocando|golpeando la puerta|tratando de entrar|"
        r"rondando|vigilando)|volvio otra vez|regreso otra vez|esta aqui otra vez|"
        r"(?:me|nos) (?:esta|estan) siguiendo|se quiere meter|se metio a (?:mi|la) casa|"
        r"quiere entrar|hay (?:un|una|alguien|unos)\b.{0,30}\b(?:en mi|en el|en la|afuera|"
        r"por la ventana)|(?:golpea\w*|patea\w*|tumbar|abrir) (?:la|mi) puerta|"
        r"tratando de (?:abrir|entrar|meterse|romper|brincar)|(?:ahora|ahorita) mismo|"
        r"se metio (?:alguien|un \w+|una \w+) a|escondid[oa]s?|me escondi|nos escondimos|"
        r"(?:(?:ya|ya se) )?(?:volvio|regreso)\b.{0,30}\b(?:y (?:esta|me|nos|anda|quiere)|afuera|"
        r"borracho|tomado)|(?:esta|estan) rompiendo|rompiendo (?:las|la|mis|los) (?:ventanas?|"
        r"puertas?|"
        r"vidrios?)|"
        r"en este momento)",
    ),
    (
        "afraid for their life (Spanish)",
        r"(?:tengo (?:mucho )?miedo|tenemos miedo|estoy en peligro|estamos en peligro|"
        r"temo por mi vida|no (?:me siento|estoy|estamos) segur\w*)",
    ),
    (
        "asking for help now (Spanish)",
        r"(?:ayudame|ayudenme|ayudennos|auxilio|socorro|ayuda por favor|por favor ayuda|"
        r"necesito ayuda(?! para)|manden (?:a alguien|una patrulla|a la policia|policia|ayuda|"
        r"un oficial)|vengan (?:rapido|ya|pronto|ahora|por favor)|es una emergencia|"
        r"urgente(?![\s:,.!]*(?:cuando|donde|como|que|cual|quien|cuanto|a que hora|me pueden|"
        r"pueden|necesito saber|una pregunta|pregunta)))",
    ),
    (
        "suicidal or self-harm (Spanish)",
        r"(?:me quiero (?:morir|matar)|quiero morir\w*|matarme|quitarme la vida|suicid\w*|"
        r"no quiero (?:vivir|seguir viviendo|despertar)|ya no (?:aguanto|quiero vivir)|"
        r"no vale la pena vivir|hacerme dano|cortarme|estarian mejor sin mi|"
        r"ya nada tiene (?:caso|sentido)|(?:irme|ir|estar) con (?:mi|mis) (?:\w+ ){1,2}al cielo|"
        r"irme al cielo|(?:navaja|cuchillo|pastillas|pistola) en (?:la|mi) mano|no se si (?:pueda|"
        r"puedo|podre) (?:parar|detenerme)|cuiden (?:a|de) mis (?:hijos|ninos|bebes)|"
        r"(?:me )?tome (?:todas |muchas )?"
        r"(?:las |mis )?pastillas)",
    ),
    (
        "a missing child (Spanish)",
        r"(?:(?:mi|nuestro|nuestra|su) (?:hij[oa]|nin[oa]|bebe|chamac[oa]|niet[oa]|chiquit[oa])"
        r"(?: de \d+(?: anos)?)? (?:\w+ ){0,4}(?:no aparece|esta perdid[oa]|desaparec\w*|"
        r"no ha llegado|no regreso|se perdio|no llego|se fue con|no contesta)|"
        r"no encuentro a mi (?:hij[oa]|nin[oa]|bebe)|(?:alzheimer|demencia)\b.{0,80}\b(?:no (?:la|lo) "
        r"(?:encontramos|encuentro|hallamos)|se salio|se perdio|no aparece)|(?:no (?:la|lo) "
        r"(?:encontramos|encuentro)|se salio|se perdio)\b.{0,80}\b(?:alzheimer|demencia)|"
        r"se (?:llevo|llevaron|robo|robaron) a (?:mi|nuestro|nuestra) (?:hij[oa]|nin[oa]|bebe))",
    ),
)

# A figure of speech or a false alarm: the boss or the heat "is killing me", the shots were
# fireworks, the missing child was at a friend's, the fire is out and everyone got out.
_FIGURE_OR_FALSE_ALARM = (
    r"(?:boss|manager|supervisor|teacher|coach|jefe|jefa|patron|maestr[oa]) (?:\w+ )?(?:is |s )?"
    r"(?:gonna|going to|will|va a|me va a) (?:kill|matar)|(?:heat|cold|wait|waiting|traffic|"
    r"headache|hunger|suspense|weather|my feet|my back|calor|frio|trafico|dolor de cabeza|hambre|"
    r"sueno|risa) (?:is |are |me |nos )*(?:killing|esta matando|estan matando|mata)|(?:were|was|"
    r"eran|fueron|era) (?:just |solo |nomas )?(?:fireworks|firecrackers|a car backfiring|cohetes|"
    r"cuetes|fuegos artificiales)|(?:he|she|they) (?:was|were) (?:just )?at (?:his|her|their|a|"
    r"the) (?:\w+ )?(?:friend|neighbou?r|cousin|grandma|grandmother|aunt)\w*|estaba (?:en casa "
    r"(?:de|del)|con) (?:su |el |la |mi |un |una )?\w+|(?:he|she|they) (?:has |have |s |is )?"
    r"apologi[sz]ed|(?:the "
    r"|el )?(?:fire|fuego) (?:is|was|esta|ya esta) (?:out|put out|apagado)|(?:everyone|everybody|"
    r"we all) (?:got|made it) out (?:ok|okay|safe|fine)|todos salieron (?:bien|a salvo)"
)

# A medical emergency that is over: the patient home, better, saved ("she saved his life").
_MEDICAL_OVER = (
    r"(?:home|back|out|released|discharged) (?:\w+ )?(?:from|of) (?:the )?(?:hospital|er|icu)|"
    r"saved (?:his|her|my|their|our|the \w+ s) (?:\w+ )?life|(?:is|are) (?:doing )?(?:better|"
    r"stable|recovering) now|(?:le|les|me|nos) salv\w* la vida|ya (?:salio|regreso|volvio) del "
    r"hospital|ya (?:esta|estan) (?:mejor|estable|recuperad[oa]s?)"
)

# A crisis rule's match in a reply that says the danger is over, elsewhere or a figure of
# speech ("he's in jail now", "not right now", "last week", "this wait is killing me lol") does
# not decide alone: the model reads the whole reply, and may still find danger now.
DANGER_OVER = re.compile(
    r"(?<![a-z])(?:not (?:\w+ ){0,2}(?:right now|now|tonight|today)|(?<!still )(?:is|are) not "
    r"(?:here|around|home|there)(?! yet)|in jail|in prison|in custody|locked up|behind bars|(?:was|got|were|been) "
    r"arrested|moved (?:to|away|out)|(?:we are|i am|he is|she is|they are|we were|everyone is|"
    r"all) (?:home )?(?:safe|fine|okay|ok)\b(?! to)|(?:is|are) (?:home|back) (?:now |and )?safe|"
    r"(?:last|past) (?:week|month|year|night|monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday|weekend|time)|(?:weeks?|months?|days|years?) ago|a while (?:ago|back)|that night|"
    r"the (?:night|day) (?:of|my|he|she|when|that|we)|back then|since then|when (?:my|he|she|"
    r"they|i|we) (?:was|were|went|had|got|called)|(?:wait|waiting|the wait)\w* (?:is )?killing|"
    r"(?:die|dying|morir\w*) (?:of|de) (?:old age|boredom|verguenza|la verguenza|risa|"
    r"embarrassment)|dying to know|lol|lmao|haha|jaja\w*|"
    r"ya se fue|ya no (?:esta|anda)|no esta (?:aqui|ahorita|ahora)|ahorita no esta|(?:esta|estan) "
    r"(?:pres[oa]s?|en la carcel|detenid[oa]s?|en otro estado|en otra ciudad)|la semana pasada|"
    r"el mes pasado|hace (?:\w+ )?(?:semanas|meses|dias|anos)|ya (?:esta|estamos) bien|"
    r"hoy no ha|no ha vuelto|ya se calmo|esta espera|la espera|"
    + _FIGURE_OR_FALSE_ALARM
    + r"|"
    + _MEDICAL_OVER
    + r")(?![a-z])"
)
# The reply says the person is safe now or the danger is gone: the model, too, must be surer
# before it calls such a reply danger now (time words alone do not count: "that night" may
# come with "everyone would be better off without me").
SAFE_NOW = re.compile(
    r"(?<![a-z])(?:(?:we are|i am|we were|everyone is|all) (?:home )?(?:safe|fine|okay|ok)\b"
    r"(?! to)|(?:is|are) (?:home|back) (?:now |and )?safe|(?<!still )(?:is|are) not (?:here|"
    r"around|home|there)(?! yet)(?: anymore| any more)?|in jail|in prison|in custody|locked up|behind bars|"
    r"(?:was|got|were|been) arrested|moved (?:away|out)|ya (?:esta|estamos) bien|ya se fue|"
    r"ya no (?:esta|anda)|(?:esta|estan) (?:pres[oa]s?|en la carcel|detenid[oa]s?)|"
    r"found (?:him|her|them) (?:safe|ok|okay|alive|fine|unharmed)|(?:he|she|they) (?:was|were) "
    r"found (?:safe|ok|okay|alive|fine|unharmed)|(?:la|lo|los|las) (?:encontraron|encontramos|"
    r"hallaron) (?:bien|a salvo|san[oa]s?)|ya aparecio|"
    + _FIGURE_OR_FALSE_ALARM
    + r"|"
    + _MEDICAL_OVER
    + r")(?![a-z])"
)
# ... unless it also says the danger is here now.
DANGER_NOW_AGAIN = re.compile(
    r"(?<![a-z])(?<!not )(?<!not here )(?<!not around )(?<!not happening )(?:right now|as we "
    r"speak|at this moment|ahorita mismo|ahora mismo|en este momento|(?:is|are) (?:back|here|"
    r"outside|at (?:my|the|our) (?:door|house|window))(?: again)?(?: now| right now| tonight)|"
    r"back again|hurry|call 911|send (?:help|police|someone now)|esta (?:aqui|afuera) otra vez|"
    r"vengan (?:ya|rapido))(?![a-z])"
)


CONDUCT = rules(
    (
        "a slur or insult by an officer",
        r"(?:called (?:me|us|my \w+|him|her) (?:a |an |the )?(?:n word|nigg\w*|b ?\*+|bitch|whore|"
        r"slut|retard\w*|fag\w*|wetback|beaner|spic|illegal|monkey|animal|[a-z] ?\*+)|"
        r"racial slur|slurs?|racist (?:comment|remark|joke)s?|go back to (?:your|my) country|"
        r"(?:if|whether) (?:i|we) (?:was|were|am|are) (?:even )?(?:legal|illegal|citizens?)|"
        r"(?:called|calling|call) (?:me|us|him|her) (?:a |an )?(?:illegal|wetback|beaner)|"
        r"(?:asked|ask) for (?:my|our) papers|people like (?:me|us)|"
        r"(?:regres\w*|vuelv\w*|volver\w*) a (?:mi|tu|su) pais|"
        r"(?:me|nos) (?:insulto|insultaron|llamo|dijo|dijeron|"
        r"grito) (?:\w+ )?(?:mojado|ilegal|pendej\w*|estupid\w*|negr\w*|frijoler\w*|indi[oa])|"
        r"se habla ingles|speak english|(?:las mujeres|los hombres|la gente) como (?:yo|tu|"
        r"nosotr[oa]s|ustedes))",
    ),
    (
        "force",
        r"(?:excessive force|unnecessary force|police brutality|brutal\w*|"
        r"(?:slammed|threw|shoved|tackled|punched|kicked|choked|tased|tazed|pepper sprayed|maced|"
        r"roughed up|manhandled|body slammed|twisted)\b (?:me|my|him|her|us|them)|"
        r"(?:push\w*|shov\w*|thr[eo]w\w*|slam\w*|grab\w*|hit|punch\w*|tackl\w*|hurt)\b.{0,50}"
        r"for no reason|(?:pushed|shoved|knocked|threw) (?:\w+ ){0,3}(?:down|to the ground|"
        r"against)|sin (?:ninguna |ningun )?(?:razon|motivo)|"
        rf"{_OFFICER} (?:que|who) (?:me |nos )?(?:golpeo|pego|empujo|hit|pushed|beat)|"
        r"(?:empuj\w*|avent\w*|tir\w*|azot\w*|golpe\w*)\b.{0,20}(?:contra (?:la|el) "
        r"(?:pared|suelo|carro|piso|patrulla)|al suelo)|"
        r"(?:handcuffs?|cuffs) (?:\w+ ){0,3}(?:too tight|so tight|bleed)|"
        r"(?:while|when) (?:he|she|i|we) (?:was|were) (?:already )?(?:handcuffed|cuffed)|"
        r"(?:golpe\w*|empuj\w*|peg\w*|avent\w*|tir\w*|jal\w*|azot\w*)\b.{0,40}sin (?:razon|"
        r"motivo)|esposas\b.{0,40}(?:sangr\w*|lastim\w*|apret\w*)|"
        r"(?:pegaron|golpearon|pego|golpeo)\b.{0,40}esposad\w*)",
    ),
    (
        "an officer threatened them",
        rf"(?:{_OFFICER} (?:\w+ ){{0,3}}threaten\w*|threatened to (?:arrest|take|deport|tow|shoot|"
        r"tase|call immigration) (?:me|us|my)|or else|see what happens|you will regret|"
        r"hand on (?:his|her|the) (?:gun|weapon|taser|holster)|drop the charges|"
        r"(?:would|will|going to) arrest (?:me|us)\b|unless (?:i|we) (?:went|go|sleep|date|pay)|"
        r"who (?:is )?(?:going to|gonna) believe (?:you|me|her|him)|refused to (?:give|tell) "
        r"(?:me )?(?:his|her|their) (?:badge|name)|"
        rf"(?:el|la) {_OFFICER} (?:\w+ ){{0,2}}(?:me|nos) amenaz\w*|amenaz\w* con (?:llamar a )?"
        r"(?:inmigracion|la migra|deportar\w*|arrestar\w*|quitar\w*))",
    ),
    (
        "money or property taken by an officer",
        rf"(?:(?:took|stole|kept|pocketed|missing|gone)\b.{{0,60}}(?:never|not) (?:logged|returned|"
        rf"given back|gave (?:it )?back)|{_OFFICER} (?:\w+ ){{0,3}}(?:took|stole|kept|pocketed) "
        r"(?:my |our |the |all )?(?:\w+ )?(?:cash|money|wallet|\$|phone|jewelry|stuff|property|purse|"
        r"watch|ring|card|meds|medication|pills)|"
        r"\b.{0,40}\b(?:missing|gone|kept)\b.{0,40}\b(?:after|when|since) (?:they|the officers?|"
        r"he|she)|(?:faltan?|desaparec\w*)\b.{0,50}\b(?:despues|cuando) (?:de )?(?:que )?"
        rf"(?:el|la|los)? ?{_OFFICER}|(?:se quedo con|se llevo|robo) (?:mi|mis|el|nuestro|dinero) "
        r"(?:dinero|cartera|celular|cosas|de mi))",
    ),
    (
        "sexual comments or touching",
        r"(?:hit on me|hitting on (?:me|my \w+)|flirt\w*|asked (?:me|her) out|"
        r"(?:tirando|tirandome|tirarme|tiro|tiraba) (?:los )?perros|coquete(?:ando|o|aba)\b|me echo (?:los )?"
        r"perros|asked (?:me |her )?for (?:my|her) (?:number|"
        r"phone number)|too pretty|sexual\w*|inappropriate\w* (?:comment|touch|remark|question)\w*|"
        r"touched me|groped|(?:grabbed|touched|fondled) (?:my|her) (?:breast|butt|chest|private|"
        r"crotch|ass)\w*|comments? about (?:my|her|his) (?:\w+ )?(?:body|looks|chest|butt|breasts?)|"
        r"me (?:toco|manoseo)|go out with (?:him|her)|went out with (?:him|her)|"
        r"comentarios? (?:sexual\w*|inapropiad\w*)|(?:me|le) pidio (?:mi|su) numero|"
        r"texting me personally)",
    ),
    (
        "profiling or discrimination",
        r"(?:profil\w*|racis\w*|racial\w*|discriminat\w*|because (?:i am|we are|he is|she is|"
        r"i was|we were) (?:black|brown|mexican|hispanic|latino|latina|muslim|gay|trans|"
        r"an immigrant|poor|homeless)|discrimin\w*|my accent|matching (?:a|the) description|"
        r"driving while (?:black|brown)|white (?:coworkers|friends|neighbou?rs|people|guy)|"
        r"como (?:a )?criminales|(?:porque|por que) (?:somos|soy|era|eramos) (?:latin|mexican|"
        r"hispan|negr|inmigrante)\w*|por ser (?:latin[oa]s?|"
        r"mexican[oa]s?|hispan[oa]s?|negr[oa]s?|inmigrantes?|pobres?))",
    ),
    (
        "wants to complain about an officer",
        rf"(?:(?:file|filing|make|submit|lodge|put in|open) (?:a |an )?(?:formal )?(?:complaint|"
        rf"grievance)|formal complaint|complaint (?:against|about) (?:the |that |this )?{_OFFICER}|"
        rf"report (?:an|the|this|that) {_OFFICER}|internal affairs|ia complaint|"
        rf"denunciar (?:a |al |a la )?{_OFFICER}|"
        rf"want (?:him|her|them|the officer|that officer|that cop) (?:fired|disciplined|"
        rf"investigated)|(?:queja|denuncia) (?:formal )?(?:contra|del|de la|sobre el|sobre la) "
        rf"(?:el |la )?{_OFFICER}|poner una queja|abuso de (?:autoridad|poder)|"
        rf"abuse of (?:power|authority)|misconduct|{_OFFICER}\w* (?:\w+ ){{0,5}}(?:was |is )?"
        rf"(?:drunk|intoxicated|high)|smell(?:ed)? (?:alcohol|liquor|beer|weed) on (?:him|her)|"
        rf"pointed (?:his|her|their|a) (?:gun|weapon|taser|rifle) at (?:me|us|my))",
    ),
    (
        "an unlawful search or false report",
        r"(?:(?:searched|went through|search of|went thru) (?:my|our) (?:car|house|phone|home|purse|"
        r"bag|room)\w*\b.{0,30}\b(?:without|missing)|without (?:a )?warrant|"
        r"illegal(?:ly)? search\w*|lied (?:in|on|about) (?:the |my )?report|falsif\w*)",
    ),
)

_RECURRING = (
    r"(?:coming|doing|parking|park\w*|calling|texting|harass\w*|bothering|happening|breaking|"
    r"stealing|driving|speeding|playing|barking|blocking|showing up|following|threatening|"
    r"sending|messaging|leaving|dumping|trespassing|yelling|screaming|fighting|smoking|"
    r"selling|throwing|letting|running|hanging|banging|bugging|stalking)"
)

UNRESOLVED = rules(
    (
        "nobody came or followed up",
        r"(?:(?:nobody|no one|noone|no body|no officer|no cop|no detective|no deputy|no patrol)"
        r"(?: \w+){0,4}? (?:ever |even |has |have |had |will |would )*(?:came|come|showed|show up|"
        r"showed up|arrived|responded|responds|called (?:me|us)|called back|calls (?:me|us|back)|"
        r"answers|follow\w* up|contact\w* (?:me|us)|got back|gets back|reached out|reaches out|"
        r"came out|came by|returned|returns|took (?:my|a|the|our) (?:statement|report))|(?:they|"
        r"the officer|the detective|he|she|police|officers|the police|you|"
        r"you all|victim services|the detective) (?:\w+ )?(?:never|did not|have not|has not|"
        r"still have not|still has not) (?:\w+ )?(?:came|come|showed|show up|arrived|responded|"
        r"called|followed up|follow up|contacted|got back|reached out|returned|took|sent|"
        r"heard|came back|stop by|stopped by)|never (?:came|showed|followed|got back|"
        r"returned|heard back|came back|showed up)|(?:nobody|no one|noone) (?:has|did|ever did|"
        r"has yet)[\s.!]*$|(?:nobody|no one|no ones|nobodys) (?:has |have )?(?:\w+ )?checked "
        r"(?:back|in|up)|has not been (?:caught|arrested|found|charged|identified))",
    ),
    (
        "still waiting or still happening",
        r"(?:still (?:\w+ )?(?:not|no|nothing|waiting|happening|going on|there|here|outside|"
        r"out there|missing|gone|broken|open|abandoned|parked|parking|around|free|out|loose|"
        r"on the loose|harass\w*|bother\w*|calling|texting|sending|coming|doing|living|lets|"
        r"leaving|dealing|scared|afraid|blocking|stealing|selling|running|hanging|at large|at it|"
        r"a problem|an issue|unresolved|have not|has not|do not|does not|did not|cannot|the same|"
        r"same|getting|hearing|seeing|having|trying|shaken|dont|doesnt|hasnt|havent|happens)\b|"
        r"(?:is|are) back\b|still (?!(?:thanks|checked|helped|came|showed|managed|made|followed|"
        r"took)\b)\w+(?:ing|ed|s)\b|(?:came|is|are|were|was) back (?:yesterday|"
        r"last night|today|this morning|this week|again)|"
        r"(?:happened|happening|broke|broken|came|come|back|did it|doing it|"
        r"started|stole|stolen|hit|parked|parking|smashed|vandalized|damaged|egged|tagged|"
        r"spray painted|slashed|keyed|robbed|harassing|yelling|fighting|at it|is doing it|"
        r"doing this|showed up|came by|here) (?:\w+ ){0,3}again|"
        r"again (?:last night|today|tonight|this morning|yesterday|this week|this weekend)|"
        r"(?:keeps|keep|continues|continue|kept) (?:on )?" + _RECURRING + r"|will not stop|"
        r"would not stop|has not stopped|never stops|does not stop|(?:every|each) (?:night|day|"
        r"weekend|morning)|(?:has|have) been \w+ing (?:me|us|my|our)?\b.{0,20}\bfor|"
        r"for (?:weeks|months|years)|(?:it has|it is|its|it s) been (?:\w+ )?(?:days|weeks|months|"
        r"years)|(?:days|weeks|months) now|that was \w+ (?:days|weeks|months) ago|"
        r"\d+(?:rd|th|nd|st) time|\d+ times|third time|never happened|nunca paso|(?:same|"
        r"that) (?:thing|guy|people|car)"
        r" (?:again|is back|came back))",
    ),
    (
        "the problem is not resolved",
        r"(?:not (?:yet )?(?:been )?(?:fixed|resolved|solved|handled|taken care of|addressed)|"
        r"unresolved|nothing (?:has )?chang\w*|no (?:report|case number|follow up|followup|update|"
        r"callback|call back|response|one has called)(?: yet)?\b|(?:have not|has not|never|"
        r"still not) (?:\w+ )?(?:heard|gotten|received|got|seen|been (?:contacted|called|told))|"
        r"waiting (?:for|on) (?:a |the |my |an )?(?:call|report|detective|officer|callback|update|"
        r"someone|response|answer|case))",
    ),
    (
        "a promised contact never happened",
        r"(?:(?:promised|said|told me)\b.{0,40}\b(?:would|will|going to|gonna|d)\b.{0,60}\b"
        r"(?:never|did not|not yet|still|nothing|no one|nobody|have not|has not|ago|"
        r"its (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
        r"it is (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday))|"
        r"(?:supposed to|was going to|were going to)\b.{0,80}\b(?:never|did not|not yet|nothing|"
        r"no one|nobody|have not|has not|ago|it is (?:monday|tuesday|wednesday|thursday|friday|"
        r"saturday|sunday)))",
    ),
    (
        "nobody came or followed up (Spanish)",
        r"(?:(?:nadie|ningun oficial|ningun policia|nunca|no) (?:\w+ ){0,2}(?:vino|llego|llegaron|"
        r"vinieron|llamo|llamaron|respondio|se comunico|aparecio|regreso|volvieron|contacto|"
        r"contactaron|dice|dijo|ha dicho|informa|ha dado|dio)|nunca (?:me |nos )?\w+(?:aron|"
        r"ieron|o)\b|nadie (?:me |nos )?(?:ha |han )?(?:dado|dio) seguimiento)",
    ),
    (
        "still waiting or still happening (Spanish)",
        r"(?:sigue(?:n)? \w+|siguen|sigo (?:esperando|con|sin)|seguimos (?:esperando|sin)|todavia (?:no|sigue|"
        r"siguen|estoy esperando|esta|estan|espero)|aun (?:no|sigue|siguen|espero|estoy "
        r"esperando)|(?<!mensajes )(?<!textos )(?:otra vez|de nuevo)(?! (?:los |mis )?(?:mensajes|"
        r"textos))|volvi\w* a (?!recibir|mandar|enviar)\w+|todas las noches|cada noche|"
        r"(?:ya van|llevo|llevamos) (?:\w+ )?(?:dias|semanas|meses)|no (?:me|nos) han (?:llamado|"
        r"contactado|dicho|regresado|hablado)|no se (?:resolvio|soluciono|ha resuelto)|"
        r"el problema (?:sigue|continua)|no (?:he|hemos) (?:recibido|sabido|visto)|"
        r"(?:dijeron|dijo|prometieron|quedaron)\b.{0,60}\b(?:y nada|pero nada|nunca|no (?:lo )?"
        r"hicieron|todavia no)|nunca (?:vi|he visto|vimos|hemos visto))",
    ),
)

NEGATIVE = rules(
    (
        "rude or disrespectful",
        r"(?:rude\w*|disrespect\w*|unprofessional|dismissive|condescending|arrogant|"
        r"(?:bad|nasty|horrible|terrible) attitude|cocky|smug|laughed at (?:me|us)|"
        r"yelled at (?:me|us)|grosero\w*|groser\w*|mal educad\w*|maleducad\w*|prepotente\w*|"
        r"se burl\w*|(?:me|nos) grito|mal trato|malos tratos)",
    ),
    (
        "did not care or listen",
        r"(?:(?:did not|do not|does not|could not|could) care(?: less)?|nobody car\w*|"
        r"no one car\w*|brushed (?:me |us |it )?off|blew (?:me |us |it )?off|"
        r"ignored (?:me|us|my|our)|(?:would|did|will) not listen|barely (?:listened|looked|"
        r"talked|did|asked|spoke|wrote)|(?:nobody|no one|did not|never|not) (?:\w+ )?(?:took|take) "
        r"(?:it|me|us|this|my \w+) seriously|wasting (?:his|her|their|my|our) time|"
        r"(?:never|did not|not) (?:even )?(?:asked|took|take|wrote|write|looked|bothered|got out|"
        r"get out|came inside|looked at)|(?:checking|on) (?:his|her) phone|pendiente de su "
        r"(?:celular|telefono)|no (?:les|le) import\w*|no (?:me|nos) (?:hicieron|hizo) caso|"
        r"no (?:me|nos) escuch\w*|ni (?:siquiera )?(?:se )?(?:bajo|bajaron|salio|salieron|"
        r"pregunto|preguntaron|anoto|anotaron|reviso|revisaron|vino|vinieron|contesto)\b)",
    ),
    (
        "slow response",
        r"(?:took (?:forever|too long|so long|ages|all (?:day|night)|an hour|over an hour|"
        r"(?:\w+ )?(?:hours|hour)|\d+ (?:hours|minutes))|(?:\d+|two|three|four|five|six|several|"
        r"many) (?:hours|hour)(?! ago)|(?:waited|wait|waiting) (?:over |almost |nearly |about |"
        r"for )?(?:an|\d+|two|three|four|five|several) (?:hour|hours|minutes)|slow\w*|late\b|"
        r"forever|after it was (?:all )?over|(?:days|weeks|months|a week|a day) later|long gone|"
        r"after (?:\w+ ){0,3}(?:was|were|had) (?:long )?(?:gone|left|over)|tardaron\w*|se tardaron|"
        r"tardo|lentos?|"
        r"horas en llegar|una eternidad)",
    ),
    (
        "useless or did nothing",
        r"(?:useless|worthless|pointless|waste of (?:time|money|taxpayer)|incompetent|lazy|"
        r"(?:did not|do not|does not) (?:do )?(?:anything|nothing|much|a thing)|did nothing|"
        r"do nothing|nothing (?:was|got|ever) (?:done|did)|no help|not (?:very |really |that |"
        r"at all )?(?:helpful|help|useful)|(?:was|were) not (?:very |really |that )?(?:helpful|"
        r"useful)|nothing (?:he|she|they|we|you|the officer) (?:could|can|would) do|"
        r"(?:not|nothing) (?:really )?(?:a )?(?:police|cop) (?:thing|matter|business)|"
        r"civil (?:matter|issue)|asunto civil|(?:no|nunca) (?:hicieron|hizo|hacen) nada|"
        r"no (?:me |nos |les )?(?:sirv\w*|sirve)|inutil\w*|de nada sirvio|"
        r"no (?:me |nos )?ayud\w*|no fue (?:de )?(?:ninguna |mucha )?ayuda)",
    ),
    (
        "unhappy with the service",
        r"(?:terrible|horrible|awful|worst|pathetic|ridiculous|unacceptable|disappoint\w*|"
        r"frustrat\w*|dissatisf\w*|unhappy|not (?:very |really )?(?:happy|satisfied|impressed|"
        r"good|great|pleased)|poor (?:service|job|response|work)|bad (?:service|job|experience|"
        r"response)|sucks?|sucked|crap\w*|bullshit|bs|wtf|smh|a joke|what a joke|do better|"
        r"step it up|shame\w*|never again|never (?:call|calling) (?:you|again|the police)|"
        r"(?:lost|no|zero) (?:all )?(?:my |our )?(?:faith|trust|confidence|respect)|"
        r"cancel my faith|why (?:do|did|would|should) (?:i|we) (?:even )?bother|"
        r"(?:zero|0|no) stars?|shrug\w*|(?:nobody|no one) did (?:anything|a thing|nothing)|"
        r"(?:cancel|unsubscribe)\b.{0,40}\bif (?:i|we) could|classic[\s.!]*$|poor[\s.!]*$|"
        r"(?:could not|did not|cannot|can not) even|(?:acted|seemed|was|looked|got) (?:\w+ )?"
        r"(?:annoyed|bothered|irritated|inconvenienced)|"
        r"why (?:even )?bother|too bad|if (?:i|we) could (?:unsubscribe|cancel|opt out|give "
        r"(?:zero|0|negative|less))|"
        r"what (?:is|was) the point|pesim\w*|malisim\w*|verguenza|decepcion\w*|que mal|muy mal|"
        r"mal servicio|no (?:estoy|estamos) content\w*|nada content\w*|enojad\w*|molest[oa]s?|"
        r"indignad\w*|no (?:me|nos) gust\w*|nunca mas (?:les )?(?:vuelvo|volvere|llamo|llamare))",
    ),
    (
        "sarcasm",
        r"(?:thanks for nothing|thank you for nothing|gracias por nada|yeah right|sure you did|"
        r"(?:great|good|nice) job\b.*(?:hours|never|nobody|no one|took|left)|"
        r"(?:ok|okay|cool) then)",
    ),
)

_CASE_NOUNS = (
    r"(?:case|report|court|arraignment|hearing|footage|body ?cam|video|impound|evidence|"
    r"investigation|detective|property|my (?:car|phone|wallet|bike|stuff|things)|charges|"
    r"consent|statement|insurance|status|follow up|caso|reporte|informe|corralon|celular|"
    r"carro|denuncia|audiencia|declaracion|arrest\w*|arrestaron|salio|seguimiento|da|"
    r"prosecutor|district attorney|victim advocate)"
)

QUESTION = rules(
    (
        "asks for a case or report number",
        r"(?:(?:case|report|incident|police report|claim|reference|file) (?:number|#|no|num)|"
        r"numero de (?:caso|reporte|reporte policial|incidente|expediente|denuncia))",
    ),
    (
        "asks for a copy of the report",
        r"(?:(?:copy|copies) of (?:the |my |our |a )?(?:police )?report|get (?:a |the |my )?"
        r"(?:police |accident )?report|(?:copia|copias) del? (?:reporte|informe|denuncia)|"
        r"(?:obtener|conseguir|pedir|sacar|mandar|enviar) (?:el|un|mi) (?:reporte|informe))",
    ),
    (
        "asks for a detective or investigator",
        r"(?:(?:who|which) (?:is |s |has )?(?:the |my )?(?:detective|investigator|case)|"
        r"(?:speak|talk) (?:to|with) (?:a |the )?(?:detective|investigator|supervisor|sergeant)|"
        r"assigned (?:a |to )?(?:detective|investigator)|quien (?:es|tiene|lleva) (?:el|mi) "
        r"(?:detective|caso|investigador))",
    ),
    (
        "asks about property",
        r"(?:get (?:my|our) (?:\w+ )?(?:property|stuff|bike|car|phone|items|belongings|wallet|"
        r"things|keys|gun|money) (?:back|out)|pick up (?:my|our)|property (?:room|release|back)|"
        r"(?:my|our) (?:car|truck|vehicle) out of impound|recoger (?:mis|mi|nuestras?) \w+|"
        r"regresen (?:mi|mis)"
        r"|devuelvan (?:mi|mis)|sacar (?:mi|el) (?:carro|coche|auto))",
    ),
    (
        "asks about court",
        r"(?:court (?:date|hearing|case)|(?:go|come|appear|be|need to go) (?:to|in) court|"
        r"subpoena|testify|arraignment|restraining order|protective order|corte|tribunal|"
        r"audiencia|juzgado|orden de proteccion|orden de restriccion)",
    ),
    (
        "asks for a call back",
        r"(?:(?:can|could|will|would|please have|have|can you have) (?:someone|somebody|you|an "
        r"officer|the officer|a detective|the detective|he|she|anyone|a supervisor) (?:please )?"
        r"(?:call|contact|reach|get back to|text|email|phone) (?:me|us)|"
        r"(?:^|please |pls |can you |could you |just |[.,!?] )call me|call me back|"
        r"give me a call|(?:me|nos) (?:pueden|puede|podrian|podria) (?:llamar|contactar|marcar|"
        r"hablar|mandar|enviar|decir|dar|informar)|llamenme|llamame|que (?:me|nos) llamen|"
        r"necesito hablar con)",
    ),
    (
        "asks about the case",
        rf"(?:(?:what|whats) (?:is |s )?(?:the )?(?:status|update|next step)|any (?:update|news|"
        rf"progress|word)|(?:info|information|update) (?:on|about) (?:my|the|our) {_CASE_NOUNS}|"
        rf"is there (?:an |any |a )?(?:update|news|way)|did (?:they|you|anyone) (?:catch|find|"
        rf"arrest|get)|was (?:he|she|anyone|someone) (?:arrested|caught|charged)|"
        rf"how (?:do|can|would|should|long|soon) (?:i|we|before|until|will)|"
        rf"(?:who|what) (?:do|should|can) (?:i|we) (?:call|talk|contact|speak|need|bring|do)|"
        rf"(?:when|where) (?:can|do|will|should|could|is|does) (?:i|we|my|the)|"
        rf"(?:can|could|may) (?:i|we) (?:get|have|obtain|request|see|talk|speak|pick)|"
        rf"(?:do|does|will|should) (?:the da|the prosecutor|the detective|i|we|they|someone) "
        rf"(?:contact|call|reach|need)|for (?:my|the|our) insurance|insurance (?:company|claim)|"
        rf"(?:can|could|do|should) (?:i|we) "
        rf"(?:\w+ ){{0,3}}{_CASE_NOUNS}|i have a question|quick question|una pregunta|"
        rf"(?:hay|alguna) (?:alguna )?(?:novedad|actualizacion|noticia)|"
        rf"como (?:puedo|hago|podemos|le hago|consigo|obtengo|saco|recojo|pido) |"
        rf"cuando (?:puedo|podre|podemos|me|van)|donde (?:puedo|recojo)|para (?:el|mi) seguro|"
        rf"(?:lo|la|los) (?:arrestaron|agarraron|encontraron)|que paso con|que necesito|"
        rf"a quien (?:le )?(?:hablo|llamo|marco)|ya salio)",
    ),
    (
        "asks about the case",
        rf"(?:what|when|where|how|who|which|is|are|do|does|can|could|will|would|should|que|cuando|"
        rf"donde|como|quien)\b.*{_CASE_NOUNS}.*\?",
    ),
)

WRONG_NUMBER = rules(
    (
        "says it is the wrong number",
        r"(?:wrong (?:number|person|#|phone|guy)|(?:i|we|nobody here|no one here) (?:have )?"
        r"(?:never|did not|have not) (?:call\w*|contact\w*|report\w*)|nobody (?:here )?called|"
        r"^who (?:is|s) this\W*$|^who are you\W*$|who is this\?|(?:do not|dont) know what "
        r"(?:this|you are|youre|call) (?:is|about|talking about)|no idea what (?:this|you|call)|"
        r"(?:i )?(?:just )?got this (?:number|phone)|(?:this|my) (?:is a |number is )?new number|"
        r"meant for (?:my|someone|somebody|a)|previous owner|(?:my|this) work phone|"
        r"not me\b|numero equivocad\w*|equivocad\w*|se equivoc\w*|"
        r"quien (?:es|habla|eres) ?\?|^quien (?:es|habla|eres)\W*$|yo (?:no|nunca) (?:llame|hable|"
        r"hice|he llamado)|no se de que|no es el numero de|"
        r"no soy (?:yo|esa persona)|(?:este )?numero es nuevo|no conozco a (?:esa|ese|esta) "
        r"persona|(?:ya )?no es de (?:esa|ese|esta) persona)",
    ),
)

OPT_OUT_SENTENCES = rules(
    (
        "asks to stop the texts",
        r"(?:(?:^|[.!,;] |please |pls |just |so |now |kindly )(?:stop|quit) (?:texting|messaging|"
        r"sending|contacting|bothering)(?: me| us| this number| these| this phone| messages| texts)?|"
        r"(?:do not|never) (?:text|message|contact|send) (?:me|this number|us|texts|messages)"
        r"(?: \w+){0,3} (?:again|anymore|any more|ever)|(?:do not|never) (?:text|message) "
        r"(?:me|this number|us)$|(?:remove|take|delete|drop) (?:me|my number|this number|my phone)"
        r"(?: \w+)? (?:off|from)|unsubscribe|opt (?:me )?out|no more (?:texts|messages)|"
        r"(?:i do not|i dont) want (?:any |these |the |your |this )?(?:more )?(?:texts|messages|"
        r"surveys)|stop (?:these|the|your|this) (?:texts|messages|surveys)|"
        r"(?:take|remove) me (?:off|from) (?:the|your|this) list|remove me[\s.!]*$|"
        r"(?:do not|dont) (?:wish|want) to (?:receive|get) (?:these |any |your |the )?(?:\w+ )?"
        r"(?:texts|messages|surveys))",
    ),
    (
        "asks to stop the texts (Spanish)",
        r"(?:no (?:me |nos )?(?:manden|envien|escriban|mande|envie|mandes|escribas)(?: mas)?"
        r"(?: mensajes| textos)?|dejen de (?:mandar|enviar|escribir)\w*|(?:quiten|borren|eliminen|"
        r"saquen) (?:mi numero|este numero)|(?:saquen|quiten|borren)\w* de (?:la|su|esta|sus) "
        r"lista\w*|"
        r"ya no quiero (?:recibir )?(?:mas )?(?:mensajes|textos)|no quiero (?:recibir )?(?:mas )?"
        r"(?:mensajes|textos)|no mas mensajes|dar(?:me|nos)? de baja|no (?:me |nos )?vuelvan a "
        r"(?:escribir|mandar|enviar))",
    ),
    guarded=False,
)

# Replies that look like an opt-out sentence but are about something else.
OPT_OUT_DECOYS = re.compile(
    r"(?:(?:will not|would not|does not|did not|never|not|cannot|keeps?|kept|make (?:him|her|"
    r"them|it)|get (?:him|her|them) to|how do i (?:make|get)) (?:\w+ )?(?:stop|quit)|"
    r"(?:he|she|they|someone|my ex|neighbou?r)\w* (?:\w+ ){0,3}(?:texting|messaging|calling|"
    r"contacting|sending)|if (?:i|we) could|opt out of (?:pressing|the|filing|my|being))"
)

OPT_IN_SENTENCES = rules(
    (
        "asks to get the texts again",
        r"(?:(?:start|resume|restart|continue|keep) (?:texting|sending|messaging|getting|receiving|"
        r"the texts|the messages|texts|messages)|"
        r"(?:opt|sign|add|put) (?:me )?back|opt (?:me )?(?:back )?in\b|resubscribe|subscribe|"
        r"(?:texts|messages|updates) again|(?:by|on) (?:mistake|accident)|"
        r"volver a recibir|seguir recibiendo|(?:pueden|puedes) mandarme|vuelvan a (?:mandar|"
        r"enviar)\w*|me equivoque)",
    ),
    guarded=False,
)

POSITIVE = rules(
    (
        "thanks",
        r"(?:thank\w*|thanks|appreciat\w*|grateful|grac\w*|gras\w*ias|agradec\w*|"
        r"bless\w*|bendicion\w*|dios (?:los|les|te|le) bendiga)",
    ),
    (
        "thanks",
        r"(?:cannot|could not|can not) (?:thank|praise) (?:you|them|yall|you all)|"
        r"could not (?:be )?(?:happier|have asked)|could not ask for (?:more|better)",
    ),
    (
        "praise",
        r"(?:great|excellent|awesome|amazing|wonderful|fantastic|outstanding|perfect\w*|superb|"
        r"helpful|professional\w*|kind|courteous|polite|respectful|nice|friendly|"
        r"(?:very|so|really|super) (?:good|quick|fast)|quick(?:ly)?|fast|prompt\w*|"
        r"good (?:job|service|experience|work|people|guys|officers?)|well done|"
        r"(?:did|do|doing) (?:a )?(?:great|good|amazing|fine) job|above and beyond|keep it up|"
        r"keep up the|love (?:you|yall|you all|the)|heroes?|the best|a \+|a plus|"
        r"excelente\w*|muy (?:bien|buen\w*|amables?|profesional\w*|rapid\w*|atent\w*)|amables?|"
        r"atentos?|buen (?:servicio|trabajo)|bien hecho|rapid\w*|perfecto|de maravilla|"
        r"me ayudaron|nos ayudaron|todo (?:excelente|perfecto|salio bien))",
    ),
    (
        "praise",
        r"(?:(?:was|were|been|is|are) (?:a |such a )?(?:big |great |huge |real |"
        r"lot of )?help\b|"
        r"helped (?:me|us|my|our|a lot|so much)|(?:me|nos) ayud\w*)",
    ),
    (
        "nothing to complain about",
        r"(?:no complaints?|cannot complain|nothing to complain|everything (?:is |was )?"
        r"(?:good|great)|satisf\w*|happy|glad|pleased|content[oa]s?|satisfech[oa]s?)",
    ),
)

# A plain "it was fine" inside a longer reply: the weakest signal, used when nothing else speaks.
NEUTRAL = rules(
    (
        "says it was fine",
        r"(?:(?:it|that|everything|all|service|experience) (?:was|is|went) (?:\w+ )?(?:fine|ok|okay|"
        r"alright|all right|decent|average|normal)|(?:estuvo|fue|esta) (?:bien|normal|regular))",
    ),
)

# A reply that is only an acknowledgement, as a whole: "ok", "got it thanks", "esta bien".
ACKNOWLEDGEMENT = re.compile(
    r"^(?:(?:ok|okay|okey|oki|kk|k|fine|alright|all right|got it|noted|received|understood|sure|yes|"
    r"yeah|yep|no thanks|no thank you|no|nope|all set|we are good|i am good|i am fine|meh|"
    r"so so|average|decent|not bad|it was (?:ok|okay|fine|alright|decent|average)|"
    r"it is what it is|nothing else(?: needed)?|no further \w+|that is all|"
    r"(?:everything|it|all) (?:is |was )?(?:fine|ok|okay|good|resolved)(?: now)?|"
    r"all good|(?:it is |its |it was |yeah it is )?(?:resolved|taken care of|sorted|handled)|"
    r"esta bien|bien|normal|regular|mas o menos|ni bien ni mal|entendido|recibido|"
    r"de acuerdo|si|vale|enterad[oa]|listo|va|sale|orale|ya estoy bien|estoy bien|"
    r"todo bien(?: ya)?|ya|nada mas|eso es todo|gracias|thanks|thank you|ty|no problem|"
    r"yes sir|yes maam|ta bien|nothing (?:is )?unresolved|nothing pending|(?:no|nada) pendiente|"
    r"(?:ya )?se arreglo|estuvo bien|pues)[\s.,!]*)+(?:(?:i guess|i suppose|tbh|honestly|lol|"
    r"haha)[\s.,!]*)*$"
)

# Emoji carry most of the meaning in many replies.
# A signature or an auto-added footer: no message at all.
SIGNATURE = re.compile(
    r"^(?:(?i:sent from my|enviado desde mi)\b.*|(?i:atte|atentamente|regards|sincerely|saludos|"
    r"best|cheers)\s*[.,:\-–]+\s*[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*){0,2}\.?|"
    r"[-–]+\s*[A-Z]\w*(?:\s+[A-Z]\w*)?)$"
)

POSITIVE_EMOJI = re.compile("[👍🙏❤💙💯👏🥰😊🙂😀😁😃😄☺🤝✅💪🫶♥💕]")
NEGATIVE_EMOJI = re.compile("[🙄😒😡🤬😤👎💩😠🙃]")
NEUTRAL_EMOJI = re.compile("[😐😑]")


SCREEN = Screen(
    {
        "crisis": CRISIS,
        "conduct": CONDUCT,
        "unresolved": UNRESOLVED,
        "negative": NEGATIVE,
        "question": QUESTION,
        "wrong_number": WRONG_NUMBER,
        "positive": POSITIVE,
        "neutral": NEUTRAL,
        "opt_out": OPT_OUT_SENTENCES,
        "opt_in": OPT_IN_SENTENCES,
    }
)
