"""A request to stop the texts, acted on only when it is unmistakable (precision first).

The law and the product promise are the same: a caller who asks to stop is not texted again. But
a wrong opt-out silences a caller who still needs the police, so the rules act only on what can
mean nothing else, and the learned model may only *suggest* the rest to a commander.

Unmistakable, in English and Spanish (read on folded text, ``followup.replies.triage.text``):

- a part of the reply (between full stops, commas or line breaks) that is nothing but a stop word
  and the words people wrap around one: "STOP", "omg stop", "stop.. thx", "Basta ya", "Stpo";
- a sentence about the texts themselves: stop/cancel/end the texts, do not text me again, remove
  my number, take me off the list, unsubscribe, I do not want these messages, no me manden más
  mensajes, sáquenme de la lista, ya no quiero recibir mensajes;
- saying one already asked: "I said STOP", "what part of stop don't you understand".

Never an opt-out: someone else who will not stop ("he won't stop texting me"), stop in another
sense ("stop by", "stop sign", "make him stop"), or a request to keep the texts ("don't
unsubscribe me", "no dejen de mandarme mensajes"). Other languages: ``other_languages``.
"""
# ruff: noqa: E501 - patterns break where a phrase ends, not at a column.

from __future__ import annotations

import re

from followup.replies.triage import other_languages

# Stop words, as a whole part of a reply: doubled letters are collapsed first ("stoooop" ->
# "stop", "altoo" -> "alto"), so only misspellings that are not doubles are listed.
STOP_WORDS = frozenset(
    """stop stp stpo sotp sop stahp stap unsub unsubscribe unsubcribe unsuscribe unsubscrib
    cancel cancle canel cancell quit end optout stopal remove rmv unenrol revoke
    alto basta parar paren parenle cancelar cancelen salir fin terminar baja bja cancelr detener
    detengan para desuscribir
    desuscribirme desuscribanme quitenme sacenme saquenme borrenme""".split()
)
# Said around a stop word without changing it.
FILLERS = frozenset(
    """please plz plox pls thanks thank you thx ty now just ok okay omg bruh bro dude lol fr
    already again seriously jeez god man guys hey hi hello sorry kindly asap immediately right
    away all it this that these them already yes yeah no nope stop means i said sir maam
    por favor gracias ya porfa fa xfa pues oye senores oigan ahora mismo todo esto eso so
    and y con the texts messages texting""".split()
)
_PARTS = re.compile(r"\s*[.!?;,\n]+\s*")
_SIGNED = re.compile(r"\s+-+\s*[a-z]+$")  # "stop - linda"
_FOOTER = re.compile(r"(?:sent from my|enviado desde mi) .*$", re.S)
_DOUBLES = re.compile(r"(\w)\1+")

_NOUNS = (
    r"(?:texts?|texting|text messages|messages?|messaging|msgs?|sms|surveys?|notifications?|"
    r"alerts|communications?|updates|follow ?-? ?ups?|check ?-? ?ins?)"
)
_NOUNS_ES = (
    r"(?:mensajes?|mensajitos|textos?|msjs?|sms|encuestas?|notificaciones|whatsapps?|"
    r"actualizaciones)"
)
_ADDRESSED = r"(?:me|us|this (?:number|phone|cell)|my (?:number|phone|cell))"
_EN = (
    r"take (?:it|me|us|this number|my number|this phone) off (?:your|the|ur) (?:texts?|list|"
    r"messages|texting list|text list|mailing list)",
    rf"(?:stop|quit|cease|discontinue|end|cancel|halt|block) (?:all |the |these |this |your |"
    rf"those |any |ur |with the |sending |sending me ){{0,2}}(?:further )?(?:survey |text )?"
    rf"{_NOUNS}",
    rf"(?:stop|quit|cease)(?: and desist)? (?:sending|contacting|bothering|messaging|texting|"
    rf"msging) (?:{_ADDRESSED}|any|them|these|those|this)",
    r"stop (?:this|my) (?:number|phone) from",
    r"(?:way to|how (?:do|can) i) stop (?:these|the texts|this|them|getting)",
    r"(?<!got )(?<!get )(?<!received )no (?:more|further) (?:texts?|messages?|msgs?|surveys?|"
    r"follow ?ups?|contact|check ?ins?|notifications|textos|mensajes)",
    r"(?:do not|never) (?:ever )?(?:text|message|msg|sms) (?:me|us|this (?:number|phone|cell))",
    r"(?:do not|never) want to (?:be (?:contacted|texted|messaged)|hear from (?:you|this|the))",
    r"(?:do not|never) need to hear from (?:you|this number)(?: all| guys)?(?: again| anymore| any "
    r"more| ever again)",
    r"(?:stpo|sotp|stp) (?:texting|messaging|sending|contacting) (?:me|us)",
    r"(?:can|could|will) (?:you|you all|you guys) (?:just |please |pls )?not (?:text|message|"
    r"contact) (?:me|us)(?: anymore| any more| again)?",
    r"(?:you|you all|you guys) can stop (?:with |w )(?:the |these |your )?(?:texts|messages)",
    r"(?:do not|never) bother (?:texting|messaging|contacting)(?: me| us)?(?: again| anymore| any "
    r"more|$)",
    r"(?:i am |am |i will |will |i m )?(?:reporting|report|blocking) (?:this|your) (?:number|#)"
    r"(?: as spam| now)?",
    r"(?:reporting|report) (?:this|these|you|your texts)(?: \w+)? as spam",
    r"leave (?:me|us) off (?:these|this|them|the texts|your texts)",
    r"no need to (?:text|message|contact) (?:me|us)(?: anymore| any more| again)?",
    r"(?:prefer|rather|would like) not (?:to )?(?:get|receive|be (?:texted|contacted)|"
    r"have)(?: [\w-]+){0,4} (?:texts?|messages?|surveys?|ups?|contact)",
    r"(?:do not|never) want to (?:receive|get) (?:these|them|this|those)(?: \w+)? (?:anymore|"
    r"any more|again)",
    r"(?:prefer|rather|would like) not (?:to )?(?:get|receive) (?:these|them|those)(?: \w+)? "
    r"(?:anymore|any more|again)",
    r"^(?:i )?do not want (?:these|them|those)(?: anymore| any more| again)?$",
    r"(?:how do i|how can i|how to) (?:make|get) (?:these|them|the texts|the messages) (?:to )?"
    r"stop (?:coming|being sent)",
    r"(?:revoke|revoking|withdraw|withdrawing) (?:my )?consent (?:to |for )?(?:receive|"
    r"receiving|get|getting|these|this|texts?|sms|messages|being (?:texted|contacted))",
    rf"(?:i want|get me|count me) out of (?:these|the|your|this|ur) (?:\w+ )?{_NOUNS}",
    rf"(?:do not|never|please do not|can you (?:guys |all )?not|you can stop) (?:ever )?"
    rf"(?:text|message|contact|send|msg|bother)(?:ing)? (?:{_ADDRESSED} )?(?:these |them |this "
    rf"|those )?(?:any|anything|"
    rf"further|by text|again|anymore|any more|{_NOUNS}|ever)",
    r"^(?:please )?do not (?:text|contact|message)(?: me| us)?$",
    rf"(?:remove|take|delete|lose|drop|erase|block|get) (?:me|us|my (?:number|#|phone|cell)|"
    rf"this (?:number|phone))(?: \w+){{0,2}} (?:off|from) (?:\w+ ){{0,3}}(?:list|lista|"
    rf"{_NOUNS}|system|contacts?|registry)",
    r"(?:remove|delete|lose|erase|take off) (?:my|this) (?:number|#|phone number|cell number)",
    r"take my (?:number|#|phone) off",
    r"(?:i want|i would like|put me|get me|i am) (?:to be )?off (?:this|the|your|ur) list",
    r"unsu[bs]+c?ri\w*|unsub|unenrol\w*|opt(?:ing|ed)? (?:me |us )?out",
    rf"(?:i do not|do not|i am not|not) (?:want|need|wish|interested)(?: in| to)? (?:receiving |"
    rf"getting |receive |get |any |these |the |your |this |ur |those |more |further |of |"
    rf"anymore )*{_NOUNS}",
    rf"(?:do not|dont) (?:wish|want) to (?:receive|get) (?:\w+ ){{0,2}}{_NOUNS}",
    r"(?:do not|never) consent to (?:receiving|receive|these|any|text|being|further|more)",
    rf"(?:enough|done) with (?:the|these|your|ur|all the|all these) {_NOUNS}",
    rf"(?:i want|i would like|i need) (?:these|the|your|ur|all) {_NOUNS} to (?:stop|end)",
    r"(?:cancel|end) (?:my |the |this )?subscription",
    r"(?:just|please|so|now|can you|could you|will you|you can) stop(?: it| now| already| please| "
    r"pls| them| these| sending)?$",
    r"(?:i|i have|i already|already|i just|i literally) (?:said|replied|texted|typed|wrote|sent|"
    r"asked you to) stop",
    r"(?:how many times|what part of)(?: \w+){0,6} stop",
    r"(?:quit|stop) blowing up my phone",
    r"(?:if you|you could|could you|can you|would you) (?:please )?(?:stopped|stop) (?:texting|"
    r"messaging|sending|contacting)",
    r"leave (?:me|us|my number) (?:off|out of) (?:\w+ ){0,2}(?:list|texts|messages)",
    r"(?:do not|never) (?:contact|text|message) (?:me|us) (?:at|on) (?:this|my) (?:number|phone)",
    r"stop means stop",
    rf"stop (?:these|the|your|this|all (?:these|the|your)|it with the) (?:\w+ ){{0,2}}{_NOUNS}",
    r"stop sending (?:stuff |things |anything |these |this |them |that |it )?(?:\w+ ){0,2}to "
    r"this (?:number|phone|cell)",
    r"take (?:me|us|my (?:number|phone|cell)|this number) out of (?:the|your|this|ur) "
    r"(?:system|list|database|registry)",
    r"get (?:me|us|my number) off (?:this|the|your|ur) (?:thing|list|system)",
    r"(?:please )?(?:do not|dont) text (?:it|here|this one)\b",
    r"(?:is there a way|how do i|how can i) (?:to )?(?:make |get )?(?:these texts|these messages|"
    r"these|the texts|this|them) (?:to )?stop\b.*(?:please|pls|just stop|stop them|do it|"
    r"i do not want (?:them|these|it|any))",
    r"take (?:this|my) (?:number|#|phone|cell)(?: number)? off",
    rf"(?:like|want|wish|need) to stop (?:receiving|getting) (?:\w+ ){{0,2}}{_NOUNS}",
    rf"leave (?:me|us) alone (?:with|about) (?:\w+ ){{0,2}}{_NOUNS}",
    r"no more of (?:these|this|them|your (?:texts|messages|surveys))",
    r"i(?: will| am going to| am gonna|m gonna) block (?:this|your|you|the) ?(?:number|#|texts)?$",
)
_ES = (
    rf"(?:paren|parenle|para|parar|pare|dejen de|deja de|basta|ya basta|alto|cancelar|cancelen|"
    rf"cancela|anular|terminar|quiero cancelar|eliminar|eliminen|no mas|ya no mas|suspendan|"
    rf"detengan|stop)(?: ya)?(?: de| con)? (?:los |las |sus |tus |estos |estas |esos |esas |"
    rf"mandar |enviar |recibir |mandarme |enviarme |molestar con (?:los |sus )?|tanto )*(?:mas )?"
    rf"{_NOUNS_ES}",
    rf"(?:no|ya no|tampoco) (?:quiero|kiero|quiere|quieren|deseo|desea|necesito|me gusta|"
    rf"queremos)"
    rf"(?: que (?:me |nos )?(?:manden|envien|escriban|sigan mandando))?"
    rf"(?: recibir| contestar| mas| sus| los| las| estos| estas| ningun| ningunos| tantos)* {_NOUNS_ES}",
    r"no (?:me |nos )?(?:manden|envien|escriban|mande|envie|mandes|escribas|contacten|contactes)"
    r"(?: \w+){0,2} (?:mas|nada|nunca)",
    r"(?:ya )?no (?:me |nos |le |les )?(?:escriban|escribas|manden|mandes|envien|envies|"
    r"contacten|textien|textean|textees|texteen|mensajeen)(?= *$| *[.,!]| (?:mas|otra vez|"
    r"nunca|nada|a este|aqui|"
    r"por favor|porfa|plis|gracias|ya|wey|guey|pues|por este|por mensaje|por texto|"
    r"\w+ (?:mensajes|textos)))",
    r"no (?:quiero|queremos|quiere) que (?:me |nos |le )?(?:escriban|manden|envien|contacten|"
    r"sigan \w+)",
    rf"(?:no|ya no) (?:me|le|nos) interesa (?:recibir )?(?:\w+ )?{_NOUNS_ES}",
    r"(?:dar(?:me|nos|le)?|denme|dense|den|darnos) de baja|bajenme|sacame de|quitame de",
    rf"no (?:me |nos )?(?:manden|envien|escriban|contacten|molesten)(?: \w+)? (?:{_NOUNS_ES}|"
    rf"por (?:este medio|aqui|mensaje|texto))",
    rf"no (?:me |nos )?molesten (?:mas )?(?:con )?(?:\w+ )?{_NOUNS_ES}",
    r"no (?:me |nos )?vuelvan a (?:escribir|mandar|enviar|contactar|textear|mensajear)(?:me|nos)?",
    r"favor de no (?:enviar|mandar|escribir)",
    r"(?:deja|deje|dejen|dejes) de (?:mandar|enviar|escribir|molestar|textear)\w*",
    r"paren de (?:escribir|mandar|enviar|textear)\w*",
    r"(?:no|ya no) (?:quiero|kiero|queremos) recibir (?:esto|eso|nada|mas)",
    r"(?:saquen|quiten|borren|eliminen|borra|borrar|eliminar|elimina|quita|saca)(?:me|nos|la|lo)? "
    r"(?:mi|este|su) numero",
    r"(?:saquen|quiten|borren|eliminen|sacame|quitame|borrame|saquenme|quitenme|borrenme|"
    r"eliminenme|quitenla|quitenlo|saquenla|saquenlo) de (?:la|los|las|su|sus|tu|esta|esa|estos|"
    r"estas) "
    rf"(?:lista|{_NOUNS_ES}|\w+ de {_NOUNS_ES})",
    r"desuscri\w*|anular (?:la |mi )?suscripci\w*|cancelar (?:la |mi )?suscripci\w*",
    r"(?:quiero |queremos )?salir de (?:esta|la|su|sus) lista",
    r"(?:quite|quiteme|quitenme|saque|sacar|sacarme|saqueme|quitar|quitarme|borrar|borrarme)"
    r"(?:me)? de (?:esta|la|su|sus) lista",
    r"(?:dejenme|dejame|dejen) en paz con (?:\w+ )?" + _NOUNS_ES,
    r"no (?:me |nos )?vuelvan a (?:mandar|enviar|escribir)\w*",
    r"ya no (?:me |nos )?(?:manden|envien|mande) (?:esto|eso|nada|mas)",
    r"ya (?:les |te )?dije (?:que )?(?:alto|stop|basta|paren|ya no)",
    r"(?:saquenme|sacame|quitenme|quitame|borrenme|borrame) de (?:esto|aqui|ahi)",
    rf"(?:no|ya no) quiero que (?:me |nos )?(?:lleguen|sigan llegando)(?: \w+)? {_NOUNS_ES}",
    rf"para que (?:ya )?no (?:me |nos )?(?:lleguen|sigan llegando)(?: \w+)? {_NOUNS_ES}",
    r"(?:los|las|les) voy a bloquear|voy a bloquear (?:este numero|su numero|el numero)",
    r"(?:los|las|les) bloqueo\b|(?:voy a )?reportar (?:este|su|el) numero (?:como|por|x) spam",
    rf"no (?:me |nos )?(?:jodan|chinguen|fastidien|molesten) (?:mas )?con (?:los |sus |tantos )?"
    rf"{_NOUNS_ES}",
    r"(?:parad|dejad) de (?:mandar|enviar|escribir)\w*",
    r"ni (?:me |nos )?vuelvan a (?:escribir|mandar|enviar|contactar)",
    r"ya no quiero que me (?:texteen|manden|escriban|envien)",
    r"olv[ií]dense de mi numero",
    rf"(?:dejenme|dejame|dejen) (?:tranquil[ao]s?|en paz) con (?:sus |estos |tantos )?{_NOUNS_ES}",
    r"stop a (?:los|sus|estos) (?:mensajes|textos)",
)
SENTENCES = re.compile(rf"(?<![a-z])(?:{'|'.join(_EN + _ES)})(?![a-z])")

# Someone else who will not stop, stop in another sense, or asking to keep the texts.
DECOYS = re.compile(
    # unsubscribing from something else ("unsubscribe from the church newsletter", "clicked
    # unsubscribe on a fake email")
    r"(?:click\w*|hit|hitting|press\w*|tap\w*) (?:on )?(?:the |an? )?unsub\w* (?:link|button|on|in)|"
    r"(?:newsletter|news letter|mailing list|e-?mails?|boletin|bulletin)\S*(?: \S+){0,3} "
    r"unsub|unsub\w* (?:from |to |of )?(?:the |my |a |our |your |that )?(?:\w+ ){0,3}(?:newsletter|"
    r"e-?mails?|mailing|bulletin)|"
    r"(?<![a-z])(?:(?:will not|would not|does not|did not|never|not|cannot|(?<!you )keeps?|kept|"
    r"make (?:him|her|them|it)|get (?:him|her|them) to|tell (?:him|her|them) to|"
    r"told (?:him|her|them) to|how do i (?:make|get) (?:him|her|them)) (?:\w+ )?(?:stop|quit|texting|calling)|"
    r"(?:he|she|they|someone|somebody|my ex|ex|neighbou?r|landlord|scammers?|him|her)\w* "
    r"(?:\w+ ){0,3}(?:texting|messaging|calling|contacting|sending|harassing)|"
    r"stop (?:by|sign|signs|light|lights|at|in|over|him|her|them from|the (?:car|guy|man|woman|"
    r"kids|fight|truck|noise))|bus stop|traffic stop|"
    r"(?:do not|dont|no need to|please do not|never|no) (?:\w+ )?(?:stop|unsubscribe|remove|"
    r"take me off|cancel|delete)|"
    r"no (?:dejen|deje|dejes) de|no (?:me |nos )?(?:borren|quiten|saquen|eliminen|cancelen)|"
    r"unsubscrib\w* (?:me |us )?from(?! (?:\w+ ){0,2}(?:texts?|messages?|list|surveys?|alerts|"
    r"notifications|you|yall|you all|these|service|program|system)(?![a-z])| this(?= *$| *[.,!?]|"
    r" (?:service|number|list|program|thing)))|"
    r"(?:opt|opting) out of (?:pressing|filing|being|the (?:lineup|case|report)|my)|"
    # "STOP... just kidding", "STOP... non je rigole": a joke, unless "not kidding"
    r"(?<!not )(?<!no )(?<!pas )(?:jk|j k|just kidding|kidding|je rigole|je plaisante|es broma|"
    r"era broma|brincadeira|to brincando|шучу|жартую|dua thoi|dua chut|joke lang|biro lang|"
    r"농담|开玩笑|開玩笑|بمزح|عم بمزح|m ap jwe|m ap ri)(?! but| pero| mais| ,? but)|"
    # "I'd cancel my subscription to the police if I could lol": a wish, in the same sentence
    r"if (?:i|we) could[^.!?\n]{0,30}(?:stop|unsub|opt|cancel)|(?:stop|unsub|opt out|cancel)"
    r"[^.!?\n]{0,50}if (?:i|we) could|(?:do not|no) (?:close|cierren|cerrar|drop) (?:my|the|mi|el)|"
    r"(?:no|please|pls) keep (?:them|the texts|texting|sending)|keep me (?:posted|updated|"
    r"informed)|by (?:accident|mistake)|add me back|wait,? i mean|opted out (?:earlier|before|"
    r"by mistake)|(?:turn|turned|switch) (?:it |them |these )?back on|"
    r"(?:he|she|they|it|who|neighbou?rs?|guy|kids) (?:finally |has |have |had |then )?"
    r"(?:quit|stopped|stops|quits))(?![a-z])"
)
# A part of a reply that is, whole, a request to be left alone by these texts.
WHOLE_PARTS = re.compile(
    r"(?:please |pls |just |so |can you |ok )*(?:leave (?:me|us) alone|dejenme en paz|"
    r"dejame en paz|do not contact(?: me)?|remove me|rmv me|take me off|no (?:more )?(?:texts|"
    r"messages|surveys|text messages)|no mas (?:mensajes|textos|encuestas)|not interested|"
    r"no (?:me )?interesa|stop (?:these|this|it|now|already|all|sending(?: them| these| me)?)|"
    r"no (?:calls?|texts|messages|contact)(?:,? (?:no|and no|or) (?:calls?|texts|messages|contact|"
    r"emails?|visits?))+(?:,? nothing)?|no mas (?:texts|msjs|mensajitos|sms)|"
    r"quit it|enough|ya basta|remove me from (?:this|these|here)|(?:can|could|will) you "
    r"(?:please |all |guys )?stop(?: it| now| please)?|"
    r"cancel(?:ar)? (?:these|this|esto|eso)|cancelen (?:esto|eso)|no mas|ya no mas)"
    r"(?: please| pls| plis| thanks| thank you| thx| now| already| ok| okay| por favor| gracias|"
    r" ya)*"
)
_LEADING_CAPS_STOP = re.compile(
    r"^\W*STOP\b(?!\s*(?:SIGN|LIGHT|BY|AT|IN|OVER|HIM|HER|THEM|THE\b|HITTING|HURTING|"
    r"FOLLOWING|CALLING|IT\b\s*\w))"
)


_POINTING = {"it", "all", "this", "that", "them", "now", "right", "away"}


# The unsubscribe line of a forwarded advertisement or notice ("Reply STOP to unsubscribe",
# "回TD退订", "무료수신거부 080-...", "Responda SAIR para não receber", "STOP au 36173", "soan TC gui
# 789", "отправьте STOP на 1234"): it tells the reader how to stop someone else's texts; it is not
# a request to stop ours.
_ADVERT = re.compile(
    r"\b(?:reply|text|txt|send|responde|responda|envia|envie|mande|manda|digite|repondez"
    r"|envoyez|tapez|reponn|voye)\s+(?:stop|end|cancel|unsubscribe|quit|stopall|baja|alto|salir"
    r"|sair|parar|cancelar|sispann)\s+(?:to|2|for|para|al|p/|au|pour|pou)\s+(?:\w+\s+){0,3}?"
    r"(?:opt\W?out|unsub\w*|cancel\w*|end (?:msgs|messages|alerts)|stop (?:msgs|messages|alerts)"
    r"|no recibir|darte de baja|n[aã]o receber|nao receber|sair da lista|descadastr\w*|\d{3,})"
    r"|\bstop\s+(?:au|à)\s+\d{4,}"
    # the instruction first: "To opt out reply STOP", "Para sair da lista responda SAIR"
    r"|\b(?:to (?:unsubscribe|opt\W?out|stop (?:receiving|msgs|messages|alerts))|(?:para|pra) "
    r"(?:sair|cancelar|n[aã]o receber|darte de baja|no recibir|dejar de recibir)|pour (?:vous )?"
    r"d[ée]sabonner)\b[^.!?\n]{0,30}\b(?:reply|text|txt|send|responda|responde|envie|envia|"
    r"digite|mande|r[ée]pondez|envoyez)\s+[\"'«]?(?:stop|end|sair|parar|baja|alto|cancelar|"
    r"salir|stopall)\b"
    r"|(?:回复?|回覆|回)\s*(?:td|t|n|r|0)\s*(?:退订|退訂|拒收)|退订回\s*t|拒收请回复"
    r"|무료\s*수신\s*거부|무료\s*거부|수신\s*거부\s*[:：]?\s*0\d0|^\s*\(광고\)"
    r"|\bso[aạ]n\s+\w+\s+g[uử]i\s+\d{3,}|\bt[uừ] ch[oố]i (?:qc|quang cao|quảng cáo)"
    r"|(?:отправьте|отправь|надішліть)\s+\S+\s+на\s+(?:номер\s+)?\d{3,}|для (?:отписки|відписки)"
    r"|(?:لإلغاء|لالغاء|للإلغاء)\s+الاشتراك\s+(?:أرسل|ارسل)",
    re.IGNORECASE,
)


# The same, written around another language ("동네 뉴스레터는 unsubscribe 하고 싶은데 이 문자는 계속
# 받아도 돼요": the newsletter, not these texts).
_UNSUBSCRIBE_ELSEWHERE = re.compile(
    r"(?:뉴스레터|newsletter|通讯|通訊|邮件|郵件|рассылк\w* (?:магазина|новостей)|бюлетен)"
    r"[^.!?\n]{0,12}unsub"
    r"|(?:d[ée]sinscri|d[ée]sabonn|descadastr|dezab[oò]n|desuscri)\w*[^.!?\n]{0,25}(?:newsletter"
    r"|infolettre|liste de diffusion|boletim|e-?mails?|bolet[ií]n)", re.IGNORECASE
)


def advert(raw: str, folded: str) -> bool:
    """Whether ``raw`` carries a forwarded advertisement's or notice's unsubscribe line."""
    return bool(_ADVERT.search(raw) or _ADVERT.search(folded))


def without_advert(raw: str) -> str:
    """``raw`` without the unsubscribe lines of what it forwards (what the caller wrote)."""
    return _ADVERT.sub(" ", raw)


def reasons(raw: str, folded: str) -> list[str]:
    """Why ``raw`` (``folded`` its folded form) is an unmistakable request to stop the texts;
    [] when it is not."""
    body = _SIGNED.sub("", _FOOTER.sub("", folded).strip())
    if DECOYS.search(body) or _UNSUBSCRIBE_ELSEWHERE.search(raw):
        return []
    parts = [part for part in _PARTS.split(body) if part]
    if any(_only_stop_words(part) or WHOLE_PARTS.fullmatch(part) for part in parts):
        return ["asks to stop the texts"]
    if SENTENCES.search(body):
        return ["asks to stop the texts"]
    if _LEADING_CAPS_STOP.match(raw.strip()):
        return ["asks to stop the texts (STOP first)"]
    code = other_languages.stop_word(raw) or other_languages.opt_out_sentence(raw)
    if code:
        return [f"asks to stop the texts ({code})"]
    return []


def _collapsed(words) -> frozenset[str]:
    return frozenset(_DOUBLES.sub(r"\1", w) for w in words)


_STOPS, _FILLERS = _collapsed(STOP_WORDS), _collapsed(FILLERS | other_languages.POLITE)


# "no para" is "it does not stop" (the neighbour's music), not a request.
_NEGATED_STOP = re.compile(r"\b(?:no|not|never|nunca) (?:para|end|fin|quit|salir|baja|cancel)\b")


_WORDS = re.compile(r"\w+")


def _only_stop_words(part: str) -> bool:
    if _NEGATED_STOP.search(part):
        return False
    found = _WORDS.findall(part)
    if len(found) > 6:  # longer than any stop with its politeness (checked again below)
        return False
    words = [_DOUBLES.sub(r"\1", w) for w in found]
    stops = [w for w in words if w in _STOPS or w.startswith(("unsub", "unsus", "unsuc"))]
    return (
        bool(stops)
        and all(w in stops or w in _FILLERS for w in words)
        and (len(words) <= 6)
        and not _only_fillers_with_ambiguous(words, stops)
    )


def _only_fillers_with_ambiguous(words: list[str], stops: list[str]) -> bool:
    """ "end it all", "remove it": stop words that are a stop only when alone or with politeness."""
    ambiguous = {"end", "remove", "quit", "fin", "salir", "baja", "para", "cancel"}
    if all(w in ambiguous for w in stops):
        return any(w in _POINTING for w in words)
    return False
