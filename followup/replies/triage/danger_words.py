"""Danger now, said in the twelve languages the model reads besides English and Spanish (a data
table): the words that say it on their own ("救命", "не дышит", "anmwe", "ራሴን ማጥፋት"). The model
reads the rest; a word found here asks it for less before the reply is urgent.

Matched like the opt-out sentences of ``other_languages``: lower-cased (NFKC), in the reply's own
script and without accents, doubled letters single.
"""
# ruff: noqa: E501 - patterns break where a phrase ends, not at a column.

from __future__ import annotations

from followup.replies.triage.other_languages import Phrases

# Danger now, by language: cries for help, someone not breathing or unconscious, wanting to die,
# fire or gas, someone locked in or taken, strangling, "he will kill me". Only words that say
# danger on their own; the model reads the rest. Matched like the sentences above.
_DANGER = {
    "zh": r"救命|快来|不能呼吸|没有?呼吸|沒有?呼吸|叫不醒|昏迷|晕倒|暈倒|不省人事|失去知觉|自杀|自殺|想死|"
    r"不想活|割腕|过量|過量|着火|著火|失火|煤气味|煤氣味|被关|被關|关在|關在|锁在|鎖在|绑架|綁架|"
    r"掐我|掐住|要杀|要殺|jiuming|火.{0,20}(?:没出来|沒出來|困在|还在里面|還在裡面|里面还有|裡面還有)",
    "vi": r"cuu (?:voi|toi|em|con|chung toi)|(?:khong|ngung|ko) tho|bat tinh|ngat xiu|tu tu(?!\w)|"
    r"(?<!nong )(?<!met )(?<!doi )(?<!lanh )(?<!chan )(?<!cuoi )(?<!ngai )(?<!ngu )(?<!thom )"
    r"(?<!ngon )(?<!dep )(?<!xau )(?<!ghet )(?<!lau )(?<!so )(?<!cho )muon chet|khong muon song|chay nha|mui ga|bi nhot|nhot (?:toi|em|con)|khoa (?:toi|em) trong|"
    r"bat coc|bop co|giet (?:toi|em|chet)",
    "tl": r"saklolo|tulungan (?:nyo|niyo) (?:ako|kami)|(?:hindi|di) (?:na )?(?:humihinga|makahinga)|"
    r"walang malay|nawalan ng malay|hinimatay|magpapakamatay|(?:gusto|gusto ko) (?:ko )?nang "
    r"mamatay|ayoko nang mabuhay|nasusunog|may sunog|(?:kinulong|ikinulong|nakakulong) ako|"
    r"sinasakal|papatayin (?:niya|nya) (?:ako|kami)",
    "ko": r"살려|숨을 ?안|숨을 ?못|숨 ?안 ?쉬|의식이 ?없|의식을 ?잃|쓰러졌|쓰러지셨|죽고 ?싶|자살|불이 ?났|"
    r"불났|가스 ?냄새|가둬|갇혀|납치|목을 ?졸|죽이겠|죽인대",
    "ru": r"помогите|спасите|не дышит|без сознания|потерял[аи]? сознание|передоз|хочу умереть|"
    r"покончить с собой|не хочу жить|пожар|горит дом|запах газа|заперт|запер меня|похитил|"
    r"душит|убь[её]т меня|убить меня|pomogite|ne dyshit|bez soznaniya",
    "uk": r"допоможіть|рятуйте|не дихає|без свідомості|знепритомн|передозув|хочу померти|не хочу "
    r"жити|накласти на себе руки|пожежа|запах газу|замкнув мене|зачинив мене|викрали|душить|"
    r"вб.є мене|dopomozhit|ne dykhaie",
    "ar": r"النجدة|ساعدوني|انقذوني|أنقذوني|لا يتنفس|ما يتنفس|ما بيتنفس|فاقد الوعي|مغمى عليه|"
    r"اغمي عليه|أغمي عليه|انتحار|اقتل نفسي|أقتل نفسي|ابي اموت|بدي موت|حريق|ريحة غاز|رائحة غاز|"
    r"محبوس|حابسني|قفل علي|خطف|مخطوف|يخنقني|بيقتلني|رح يقتلني|sa3douni|mish 3am yetnaffas",
    "ht": r"anmwe|sekou|pa (?:ka )?respire|endispoze|san konesans|touye t[eè]t|vle mouri|dife nan|"
    r"fèmen m|fem?en m nan|kidnape|toufe|ap touye m|pral touye m",
    "pt": r"socorro|n[aã]o (?:est[aá] )?respira|desmaiou|inconsciente|overdose|quero morrer|n[aã]o quero mais viver|me matar|"
    r"suic[ií]d|inc[eê]ndio|pegando fogo|cheiro de g[aá]s|trancad[oa]|sequestr|estrangul|vai "
    r"me matar",
    "fr": r"au secours|à l.aide|ne respire (?:plus|pas)|inconscient|évanoui|overdose|envie de "
    r"mourir|me suicider|me tuer|incendie|au feu|odeur de gaz|enferm[ée]e? (?:dans|à)|"
    r"séquestr|kidnapp|m.étrangle|étrangl|va me tuer",
    "so": r"i caawi|caawimaad|ma neefsanayo|neef ma|miyir (?:la.aan|beelay|ma leh)|dhimasho (?:rabaa|"
    r"doonayaa)|is dilo|isdilo|gaas ur|waa la i xiray|la afduubay|ceejin|i dili (?:doonaa|"
    r"rabaa)",
    "am": r"እርዱኝ|አድኑኝ|አይተነፍስም|አይተንፍስም|ራሱን ስቷል|ራሷን ስታለች|ራሴን (?:ማጥፋት|ልገድል)|መሞት "
    r"እፈልጋለሁ|እሳት ተነሳ|የጋዝ ሽታ|ተቆልፎብኛል|ታግቻለሁ|ያንቀኛል|ሊገድለኝ|erdugn|adnugn",
}
DANGER = Phrases(_DANGER)


def danger(text: str) -> tuple[str, str] | None:
    """(language, the words) of danger now said in one of the twelve languages, or None."""
    return DANGER.find(text)


# Wanting to die, said plainly: urgent on its own, as "I want to die" is in English (the other
# danger words ask the model to agree a little first). Figures of speech stay out ("nóng muốn
# chết", hot to death, is kept out by the Vietnamese pattern above; "vai me matar" is a threat,
# read with the others).
_SELF_HARM = {
    "zh": r"自杀|自殺|想死|不想活",
    # "[hot, tired, deafening...] muốn chết" is "to death": only "I want to die", said by someone
    "vi": r"(?:^|(?:toi|em|tao|minh|tui|con|anh|chi)\s(?:\w+\s){0,2})(?<!so )(?<!nong )(?<!met )"
    r"(?<!doi )(?<!lanh )(?<!chan )(?<!cuoi )(?<!ngai )(?<!lau )(?<!cho )(?<!buon ngu )muon chet"
    r"(?! luon)"
    r"|khong muon song|muon tu tu(?!\w)",
    "tl": r"magpapakamatay|gusto ko nang mamatay|ayoko nang mabuhay",
    "ko": r"죽고 ?싶|자살",
    "ru": r"хочу умереть|покончить с собой|не хочу жить",
    "uk": r"хочу померти|не хочу жити|накласти на себе руки",
    "ar": r"انتحار|اقتل نفسي|أقتل نفسي|ابي اموت|بدي موت",
    "ht": r"touye t[eè]t (?:mwen|m)|vle mouri",
    "pt": r"quero morrer|n[aã]o quero mais viver|suic[ií]d",
    "fr": r"envie de mourir|me suicider",
    "so": r"dhimasho (?:rabaa|doonayaa)|is dilo|isdilo",
    "am": r"ራሴን (?:ማጥፋት|ልገድል)|መሞት እፈልጋለሁ",
}
SELF_HARM = Phrases(_SELF_HARM)


def wants_to_die(text: str) -> str | None:
    """The language in which ``text`` says plainly that the writer wants to die or to kill
    themselves (one of the twelve), or None."""
    found = SELF_HARM.find(text)
    return found[0] if found else None
