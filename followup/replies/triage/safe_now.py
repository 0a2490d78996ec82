"""The danger is over, in the twelve languages the model reads ("he was arrested", "we are safe
now", "they found her"): as in English and Spanish (``rules.SAFE_NOW``), the model must then be
surer before it calls a reply danger now. Ambiguous words stay out ("посадили": jailed, or forced
into a car)."""

from __future__ import annotations

import re
import unicodedata

from followup.replies.triage.text import strip_accents

_SAFE_NOW = (
    r"已经被抓|被抓走|被抓了|被逮捕|被捕了|关起来了|關起來了|在监狱|在監獄|坐牢|(?:现在|現在)(?:很)?安全|"
    r"我们安全了|我們安全了|已经安全|已經安全|"
    r"bi bat roi|da bi bat|bi bat giam|o tu roi|an toan roi|(?:gio|bay gio) (?:\w+ ){0,3}an toan|"
    r"nahuli na|naaresto na|nakakulong na|ligtas na (?:kami|ako|kmi)|safe na (?:kami|ako|kmi)|"
    r"체포됐|체포되었|잡혀갔|구속됐|구속되었|감옥에|안전해요|안전합니다|안전해졌|"
    r"арестовали|задержали|в тюрьме|под арестом|в безопасности|arestovali|v tyurme|"
    r"v bezopasnosti|заарештували|затримали|у в.язниці|в тюрмі|в безпеці|v bezpetsi|"
    r"انمسك|تم القبض|قبضوا عليه|مسكوه|في السجن|بالسجن|انحبس|بأمان|بامان|masakouh|msakouh|"
    r"bel sijn|fel segn|b2aman|bi aman|"
    r"arete l|li nan prizon|nan prizon kounye a|an sekirite|ansekirite|"
    r"foi pres[oa]|est[aá] pres[oa]|na cadeia|estamos segur[oa]s|estou segur[oa]|em seguran[cç]a|"
    r"prenderam|a [eé]t[eé] arr[eê]t[eé]|est en prison|en garde [aà] vue|en s[eé]curit[eé]|"
    r"la xiray|xabsiga|waa la qabtay|nabad (?:baan|ayaan) ku (?:jirnaa|jiraa)|"
    r"ታሰረ|ታስሯል|እስር ቤት|ደህና ነን|ደህንነት ላይ ነን|ሁሉም ሰላም|ሰላም ነን|"
    # found (the missing person), never after a "not": 못 찾았어요, 没找到, не нашли, pas retrouvé
    r"찾아주셔서|찾아 주셔서|(?<!못 )(?<!못)찾았(?:어요|습니다)|(?<!没)(?<!沒)(?<!不)找到了|"
    r"tim thay roi|da tim thay|nahanap na|(?<!не )нашли (?:его|её|ее|их)|"
    r"(?<!не )знайшли (?:його|її|їх)|(?<!pas )(?<!pas encore )retrouv[eé]|"
    r"(?<!não )(?<!nao )encontraram|(?:yo|nou) (?:te )?jwenn li|waa la helay|ተገኝቷል|"
    # home again, fine, or a false alarm (a toy gun); moved away
    r"(?:est|sont) rentr[ée]|ok na (?:po )?(?:sya|siya|sila)|khong sao (?:dau|roi|ca)|"
    r"ደህና (?:ነው|ነች)|toy gun|іграшков|игрушечн|de brinquedo|de juguete|jouet|se mudou|"
    r"(?:to|tô|estou) tranquil|"
    # better now, in treatment (a wish to die that is behind them)
    r"好多了|在接受治疗|在接受治療|do hon nhieu|dang dieu tri|khoe hon|okay na ako|mas okay na|"
    r"nagpapagamot|좋아졌|상담 ?받|мне лучше|прохожу терапию|лечусь|мені краще|проходжу терапію|"
    r"صرت أحسن|صرت احسن|m pi byen|swiv terapi|swiv tretman|(?:estou|to|tô) melhor|em tratamento|"
    r"fazendo terapia|je vais mieux|en th[ée]rapie|waan (?:ka )?fiic(?:a)?nahay|"
    r"waan soo raysanayaa|daaweyn ayaan|ተሻለኝ"
)
_SAFE = re.compile(_SAFE_NOW)


def says(text: str) -> bool:
    """Whether ``text`` says, in one of the twelve languages, that the danger is over."""
    folded = " ".join(unicodedata.normalize("NFKC", text or "").lower().split())
    return bool(_SAFE.search(folded) or _SAFE.search(strip_accents(folded).replace("đ", "d")))
