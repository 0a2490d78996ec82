"""Opt-outs in the languages callers write besides English and Spanish (a data table).

A caller in a limited-English household writes "退订", "SISPANN" or "не пишите мне больше", not
STOP. The law and the product promise are the same: a request to stop the texts is honoured at
once. So, as for English and Spanish, an opt-out is acted on only when it is unmistakable: a stop
word as the whole message (politeness words around it allowed), or a sentence about the texts
themselves (stop sending messages, remove my number, I do not want these texts). Anything less
sure is left to the model, which may only suggest it to a commander.

Matched on the reply lower-cased (NFKC), in its own script and in the Latin spellings people
use (Vietnamese without accents, Russian and Arabic in Latin letters).
"""
# ruff: noqa: E501 - patterns break where a phrase ends, not at a column.

from __future__ import annotations

import functools
import re
import unicodedata

import re2

from followup.replies.triage.rules import without_lookarounds
from followup.replies.triage.text import strip_accents

# Whole-message stop words, by language.
STOP_WORDS = {
    "zh": {"退订", "td", "取消订阅", "取消訂閱", "停止", "停止发送", "停止發送", "退訂"},
    "vi": {
        "ngừng", "ngung", "dừng", "dung", "hủy", "huỷ", "huy", "hủy đăng ký", "huy dang ky",
        "từ chối", "tu choi",
    },
    "tl": {"tigil", "itigil", "hinto", "tigilan"},
    "ko": {"중지", "그만", "수신거부", "수신 거부", "구독 취소", "구독취소", "해지", "중단"},
    "ru": {"стоп", "отписаться", "отписка", "отмена", "otpisatsya", "stop"},
    "uk": {"стоп", "відписатися", "скасувати", "відписка", "vidpysatysia", "vidpysatysya"},
    "ar": {
        "أوقف",
        "اوقف",
        "وقف الرسائل",
        "إيقاف",
        "ايقاف",
        "توقف",
        "الغاء",
        "إلغاء",
        "الغاء الاشتراك",
        "إلغاء الاشتراك",
        "وقف",
    },
    "ht": {"sispann", "anile", "kanpe", "rete", "dezabonman", "dezabònman"},
    "pt": {"parar", "pare", "sair", "cancelar", "descadastrar", "descadastre"},
    "fr": {
        "arrêt",
        "arret",
        "arrêter",
        "arreter",
        "annuler",
        "désabonner",
        "desabonner",
        "désinscrire",
        "desinscrire",
    },
    "so": {"jooji", "baaji", "joogso"},
    "am": {"አቁም", "አቁሙ", "ሰርዝ", "አቋርጥ", "akum", "akumu", "serz"},
}
# Words said around a stop word that do not change it ("STOP svp", "STOP 谢谢", "tigil po").
POLITE = {
    "please",
    "pls",
    "plz",
    "thanks",
    "thank",
    "you",
    "stop",
    "svp",
    "merci",
    "stp",
    "pfv",
    "pf",
    "obrigado",
    "obrigada",
    "obg",
    "po",
    "na",
    "salamat",
    "fadlan",
    "mahadsanid",
    "pozhaluysta",
    "пожалуйста",
    "спасибо",
    "будь",
    "ласка",
    "дякую",
    "bud",
    "laska",
    "tanpri",
    "mèsi",
    "mesi",
    "souple",
    "谢谢",
    "謝謝",
    "唔該",
    "吧",
    "giùm",
    "dùm",
    "giúm",
    "dum",
    "gium",
    "ạ",
    "a",
    "nha",
    "해주세요",
    "주세요",
    "감사합니다",
    "من",
    "فضلك",
    "شكرا",
    "min",
    "fadlak",
    "shukran",
    "እባክህ",
    "እባካችሁ",
    "አመሰግናለሁ",
    "ebakih",
    "ebakachu",
    "walaal",
    "плиз",
    "пж",
    "non",
    "ya3ni",
    "不要了",
    "不要",
    "ok",
    "ya",
    "intaas",
    "igu",
    "filan",
    "요",
    "停",
    "minutes",
    "mga",
}
_STOP_SETS = {
    code: {
        variant
        for word in words
        for variant in (word, strip_accents(word).replace("đ", "d"))
        for variant in (variant, re.sub(r"([^\W\d_])\1+", r"\1", variant))
    }
    for code, words in STOP_WORDS.items()
}
_PUNCT = re.compile(r"[^\w\s]|_", re.UNICODE)

# Sentences about the texts themselves, by language (lower case, NFKC; Latin-script patterns are
# matched without accents too, so "Làm ơn ngưng gửi tin nhắn" and "lam on ngung gui tin nhan"
# read alike, and doubled letters are single: "стопп" is "стоп").
_SENTENCES = {
    "zh": r"(?:不要|别|勿|唔好|不用|不必|毋须|无须)(?:再|在)?(?:给我|給我|俾我|畀我)?(?:发|發|傳|传|send|寄)"
    r"|(?:删|刪|移除|去掉)(?:掉|除)?.{0,8}(?:号码|號碼)|(?:号码|號碼).{0,8}(?:删|刪|移除)"
    r"|(?:不|唔)想再?(?:收到|接收)|(?:从|從).{0,10}(?:名单|名單).{0,4}(?:删|刪|移除|去掉)"
    r"|(?:名单|名單)(?:里|裡|度|中)?(?:删|刪)|取消订阅|取消訂閱|退订|退訂|停止(?:发送|發送|发信息|發訊息|短信|简讯)"
    r"|tingzhi fasong|bie (?:zai )?fa|bu yao (?:zai )?fa|unsub|我(?:就|要)?(?:回|回复|回覆) ?td",
    "vi": r"(?:xoa|bo|go|rut) (?:\w+ ){0,4}khoi danh sach|(?:xoa|bo|go) (?:so|ten) (?:dt|dien thoai)(?: cua)? toi|(?:khong|ko|k|hong) can (?:nhan tin|gui tin|gui)(?: \w+){0,2} nua|(?:khong|ko|dung) (?:nhan|gui) tin (?:cho (?:toi|em) )?nua|dung lam phien (?:\w+ ){0,4}tin nhan|(?<!khong )(?<!chua )(?<!van )(?:dung|thoi|khoi|khong can|ngung|ngung gui|dung gui) (?:\w+ ){0,2}(?:nhan|gui)(?: tin)?"
    r"|(?:khong|ko|k) muon (?:\w+ )?nhan|(?:bo|xoa|go) (?:so|ten)(?: cua)? toi"
    r"|huy dang ky|huy nhan tin|ngung gui|dung nhan tin|unsub",
    "tl": r"(?:wag|huwag) (?:\w+ ){0,5}(?:i-?text|itext|mag-?text|i-?message)|tama na(?: po)? (?:ang |ng |sa )?(?:mga )?(?:text|message|mensahe)|tigil(?:an|in)? (?:\w+ ){0,3}pagte-?text|ayoko na (?:po )?ng (?:mga )?survey|(?:pa-?|paki-?|i-?)remove (?:\w+ ){0,3}sa (?:list|listahan)|stop na (?:po )?sa (?:mga )?text|(?:wag|huwag|wag na|huwag na) (?:\w+ ){0,3}(?:i-?text|mag-?text|mag-?message|i-?message"
    r"|text|mag-?send|padalhan)|(?:i|paki|pa)?tigil(?:an|in)? (?:\w+ ){0,4}(?:pag-? ?)?(?:text|"
    r"message|mensahe)|(?:pakitanggal|tanggalin|paki-?remove|i-?remove|alisin|pakialis)"
    r"(?: na)?(?: po)? (?:yung |ang |ung )?(?:ako|number|numero|sa listahan)|ayoko na (?:po )?(?:makatanggap|ng "
    r"text|ng mga text|ng message|ng mensahe)|ayaw (?:ko|namin) na (?:po )?ng (?:text|"
    r"message)|tama na (?:po )?(?:ang|sa|sa pag|ng) (?:\w+ )?(?:text|message|mensahe)",
    "ko": r"^(?:stop|스탑|스톱) ?해 ?주세요[.! ]*$|연락 ?(?:안 ?하셨으면|하지 않으셨으면)|"
    r"(?:번호|명단)(?:를|을|에서)? ?(?:명단에서 )?(?:삭제|지워)|보내는 ?거.{0,6}그만|(?:이 번호로 )?연락 (?:안 주|하지 않|주지 않)|(?:문자|설문|메시지|알림)\S* (?:\S+ ){0,2}안 ?받고 싶|문자 ?(?:는 |를 )?(?:그만|보내지 ?마|끊어|사절|안 ?받|원하지 않|필요 ?없)|(?:받고|수신하고) 싶지 않|"
    r"(?:번호|명단)(?:를|에서)? ?(?:명단에서 )?빼|수신 ?거부|연락(?:하지| 하지) ?마|그만 ?(?:좀 )?"
    r"보내|알림 ?(?:꺼|끄|해지)|구독 ?(?:취소|해지)|보내지 마세요|스탑",
    "ru": r"прошу (?:больше )?не (?:присылать|писать|отправлять|слать|беспокоить)(?! (?:ему|ей|еи|им|его|её|ее|их|ним|ней|неи))|прошу прекратить|(?:уберите|исключите) (?:мой номер|меня)|не надо (?:больше )?(?:\S+ )?(?:опрос|сообщен|смс|писать|присылать)|не (?:пиши|пишите|присылай|присылайте|отправляйте|шлите)|отпиши(?:те)? меня|(?:прекратите|"
    r"перестаньте|хватит) (?:мне )?(?:присылать|писать|отправлять|слать|рассылку)|не хочу "
    r"(?:больше )?получать|удалите (?:меня|мой номер)|отписаться|ne pishite|otpishite|"
    r"uberite moy nomer|prekratite|ne prisyla[jiy]te|хватит (?:смс|сообщений)|"
    r"hvatit (?:mne )?(?:pisat|prisylat|slat)|стоп (?:рассылк|сообщени|смс)",
    "uk": r"(?:хватить|годі) (?:мені |нам )?(?:писати|писать|надсилати|слати|смс)|відчепіться (?:з|із|від) (?:\S+ )?(?:смс|повідомлен|опитуван)|прошу (?:більше )?не (?:надсилати|писати|турбувати)(?! (?:йому|иому|їй|іи|їм|ім|його|иого|її|ним|ній|ніи))|не (?:пиш(?:іть|и)|надсилайте|надсилай|шліть)|(?:припиніть|перестаньте|досить) (?:мені )?"
    r"(?:надсилати|писати|слати|розсилку)|видаліть (?:мій номер|мене)|не хочу (?:більше )?"
    r"отримувати|більше не хочу отримувати|відпишіть|більше не турбуйте|досить повідомлень|"
    r"vidpysat|vidpyshit|prypynit|ne pyshit|ne nadsylajte|стоп (?:розсилк|повідомлен|смс)|"
    r"vydal\w* (?:miy|mij|mii|mij) nomer",
    "ar": r"ma ba?d+[ie] (?:hal )?(?:rasa[2y]el|msgs|messages)|(?:ما في|مافي|لا) داعي (?:\S+ )?(?:ترسلوا|ترسلو|تبعتوا|الرسائل|رسائل)|wa[9q2]f[ou]? (?:had |hadi )?(?:l|el )?(?:messagat|rasayel|msgs)|(?:توقفوا|وقفوا|بطلوا|بطّلوا|اوقفوا|أوقفوا|ووقفوا|أوقف|اوقف|وقف)(?: عن)?(?: \S+)? ?(?:إرسال|"
    r"ارسال|تبعتو|الرسائل|رسايل|الرسايل|هالرسايل|الرسالة|الميساجات)|(?:لا|ما|متبعتوش) "
    r"(?:ترسلوا|ترسلون|تبعتوا|تبعتولي|تبعثوا|تراسلوني|ترسل)|(?<![\u0600-\u06ff])(?:شيلوا|احذفوا|امسحوا) "
    r"(?:رقمي|نمرتي|نمبري|اسمي من (?:القائمة|الليستة|اللستة|القايمة))|(?<![\u0600-\u06ff])(?:حيدوني|"
    r"شيلوني|احذفوني)|لا (?:أرغب|ارغب|أريد|اريد) (?:في )?(?:استلام|تلقي|رسائل)|ما (?:بدي|بغيت|"
    r"بغيتش|ابي|أبي|ابغى) (?:\S+ )?(?:هالرسائل|الرسائل|رسائل|رسايل|الرسايل|الميساجات|هاد)|"
    r"(?:كفاية|بس|يكفي) (?:\S+ )?(?:رسايل|رسائل|الرسائل)|عدم (?:مراسلتي|إرسال|ارسال)|"
    r"wa[29q]e?f[ou]? (?:had |hadi )?(?:l|el )?(?:rasayel|rasa2el|messagat|msgs)|la tb3ato|"
    r"bala rasayel|ma ba?ddi rasayel|"
    r"bad+ish (?:hal )?(?:rasa[2y]el|msgs|messages)",
    "ht": r"(?:m|mwen) pa bezwen (?:\w+ ){0,2}(?:mesaj|teks|sondaj)|pa bezwen voye (?:m |mwen )?(?:mesaj|teks)|stop (?:mesaj|teks)|sispann (?:kontakte|voye|ekri|tekste)|sispann (?:voye|ekri|tekste|tèks|teks)|pa (?:voye|ekri|tekste)(?: \w+){0,3} (?:ankò|anko)|"
    r"retire nimewo|(?:m|mwen) pa vle (?:\w+ ){0,2}(?:resevwa|tèks|teks|mesaj)|dezab[oò]n|"
    r"pa voye (?:m|mwen) (?:tèks|teks|mesaj)|ase (?:mesaj|tèks|teks|voye)|kanpe (?:voye|ekri)|"
    r"kite m anrepo",
    "pt": r"n(?:ão|ao) precisa(?:m)? (?:me )?(?:mandar|enviar) mais|n(?:ão|ao) quero receber (?:\w+ ){0,3}mensage|cancelar (?:essas|estas|as) (?:mensagens|sms)|(?:deixem|deixe|parem|pare) de (?:me )?(?:contactar|contatar|escrever)|sair da lista|tira (?:o )?meu n[uú]mero|chega de (?:mandar )?(?:sms|mensage|texto)|(?:(?:para|parar|parem|pare) de|deixem de|deixe de) (?:me )?(?:mandar|enviar)|n(?:ão|ao) "
    r"(?:me )?(?:enviem|mandem|mande|envie)(?: \w+)? mais|(?:me tira|me tire|tirem?) (?:d[ae]ss?a|"
    r"da) lista|(?:re)?tir(?:e|em) (?:o )?meu n[uú]mero|n(?:ão|ao) quero (?:receber mais|mais (?:receber|mensage|sms|texto))|chega de "
    r"mensage|cancelar (?:a )?inscri|descadastr|deixem-me em paz|me deixem em paz",
    "fr": r"(?:ne )?(?:souhaite|veux|desire|désire) plus recevoir|(?:plus|pu|pus) besoin de (?:me |m.)(?:texter|écrire|ecrire|contacter|envoyer)|l[aâ]chez-?moi avec (?:vos|ces|les) (?:sondages|messages|sms|textos)|ne plus (?:me )?(?:contacter|écrire|ecrire|texter|envoyer)|arr[eê]t(?:ez|e) (?:de m|d.?[eé]crire|d.?envoyer|les (?:messages|sms|textos)|vos "
    r"(?:textos|sms|messages)|ces (?:messages|sms))|retir(?:er|ez)(?:-moi| moi| mon num[eé]ro)"
    r"|je (?:ne )?veux plus (?:recevoir )?(?:ces |de |vos )?(?:textos|sms|messages)|plus de "
    r"(?:sms|textos|messages)|m.?envoyez (?:plus|pu) de|laissez-moi tranquille|d[eé]sinscri|"
    r"d[eé]sabonn|pas besoin de me recontacter|ne m.?[eé]crivez plus|ne plus m.?envoyer",
    "so": r"ma rabo (?:\w+ ){0,2}fariin|ma rabo (?:inaan )?helo|ha (?:i|igu) soo (?:dirin|qorin|dir)|mar dambe (?:ha |ha ii |ha i )?(?:soo )?(?:la xiriirin|xiriirin|dirin|qorin)|(?:fariimaha|fariin\w*|farriin\w*|far+i+[mn]\w*) (?:\w+ )?joo?ji|joo?ji(?:ya|sa)? (?:\w+ )?(?:far+i+[nm]|"
    r"farriin)|ha (?:ii|u) soo (?:dirin|qorin)|lambarkayga ka saar|ma rabo fariim|(?:iska|iga) "
    r"daaya fariim|iga jooji",
    "am": r"(?:መልእክ|መልዕክ)\S* (?:መላክ )?(?:አቁሙ|አትላኩ|አቁም)|ከዝርዝሩ (?:\S+ )?(?:አስወጡኝ|አውጡኝ|ሰርዙኝ)|እንዳታገኙኝ|(?:መልእክት|መልዕክት|መልእክቱን|መልዕክቱን)(?:ም)? (?:መላክ )?(?:አቁሙ|አትላኩ)|(?:መልእክት|መልዕክት) "
    r"(?:አትላኩልኝ|አልፈልግም)|ከእንግዲህ .{0,20}(?:አትላኩ|አልፈልግም)|ቁጥሬን .{0,10}(?:አውጡ|ሰርዙ|አስወግዱ)|"
    r"መቀበል አልፈልግም|ይበቃል መልዕክ|አትጻፉልኝ|አታግኙ|ሰርዙኝ|atlakulign|atilakulign|"
    r"melak akum|akumu",
}
# Kinds found among the training sets' missed opt-outs (2026-12-04): a number taken off the
# mailing list, "leave me in peace with these texts", "enough texts", "don't write to me".
_MORE = {
    "zh": r"(?:不要|不用|别|別|无须|無須)再?(?:联系|聯繫|联络|聯絡)我"
    r"|(?:別|不准|不準|唔好再)(?:再)?(?:给我|給我|俾我|畀我)?(?:发|發|傳|传)",
    "ko": r"문자 ?(?:받기|받는 ?거) ?싫|(?:연락|문자)(?:는|를)? ?안 ?주셔도 (?:됩니다|돼요|되요)|설문 ?안 ?해요"
    r"|보내지 ?말아 ?주세요|보내지 ?말아요",
    "tl": r"tigil(?:an|in) (?:\w+ ){0,3}(?:ako|kami) sa (?:mga )?(?:text|message)"
    r"|paki-?stop (?:na )?(?:po )?(?:yung |ang )?(?:mga )?(?:text|message)"
    r"|(?:paki-?|pa-?)?alis (?:po |na )*(?:ang |yung |ung )?(?:number|numero) ko"
    r"|no need na (?:po )?(?:mag-?)?(?:text|message)|(?:wag|huwag) (?:\w+ ){0,3}i-?survey"
    r"|tanggalin (?:\w+ ){0,2}(?:ko|ako) (?:dito|sa (?:list|listahan))"
    r"|(?:paki-?|pa-?|i-?)?delete (?:na |po |nyo |niyo )*(?:ang |yung |ung )?(?:number|numero) ko"
    r"|(?:wag|huwag) (?:\w+ ){0,3}(?:kontakin|kontakan|i-?contact|guluhin|istorbohin|abalahin)"
    r"|alisin (?:\w+ ){0,3}sa (?:list|listahan)|tigil(?:an|in)? (?:\w+ ){0,3}pag ?-?survey",
    "ru": r"(?:удалите|уберите|udalite|uberite) (?:\w+ ){0,2}(?:номер|nomer) (?:\w+ ){0,2}(?:из|iz) "
    r"(?:рассылки|rassylki|списка|spiska)|опрос\w*.{0,20}отстаньте|отстаньте.{0,20}(?:смс|сообщен|опрос)"
    r"|udalite (?:moi|moy|moj) nomer|не (?:связывайтесь|беспокойте) (?:со мной|меня)|"
    r"^оставьте меня в покое[.! ]*$|(?:смс|сообщени\w*|опрос\w*) (?:мне )?больше не (?:надо|нужн\w*)"
    r"|не надо (?:мне )?(?:слать|присылать|писать)",
    "uk": r"(?:приберіть|видаліть|pryberit|vydalit) (?:\w+ ){0,2}(?:номер|nomer) (?:\w+ ){0,2}"
    r"(?:з|із|z|iz) (?:розсилки|rozsylky|списку|spysku)|досить (?:\w+ )?(?:смс|повідомлень|опитувань)"
    r"|дайте (?:мені )?спокій (?:з|із) (?:цими |ціми )?(?:смс|повідомлен\w*)|смс.{0,15}дайте спокій"
    r"|не треба більше (?:смс|повідомлень|опитувань)|^стоп,? досить"
    r"|відчепіться (?:вже )?(?:зі|з|із) (?:\S+ )?(?:смс|повідомлен|опитуван)"
    r"|(?:опитуван|смс|повідомлен)\S*.{0,30}дайте (?:мені )?спокій|не (?:контактуйте|зв.язуйтесь)"
    r" (?:зі|з|із) мною|(?:смс|повідомлен\w*|опитуван\w*) (?:мені )?(?:більше )?не треба",
    "ar": r"(?:mesh|mish|msh|mosh) (?:3ayez|3ayza|3awez) (?:\w+ )?(?:rasayel|rasa2el|msgs|messages)"
    r"|shel(?:o|ou|u) (?:ra2mi|ra2ami|nomrati) (?:men|mn|min) (?:el )?(?:list|qa2ema)"
    r"|(?:رسال|رسائل).{0,30}سيبوني في حالي|سيبوني في حالي.{0,30}(?:رسال|رسائل)"
    r"|متتواصلوش|(?:لا|ما) تتواصلوا (?:معي|معايا)|ما عاد بدي (?:\S+ )?(?:رسائل|رسايل)|لا تزعجوني"
    r"|متزعجونيش|متبعتوليش|(?:ma|la) ?t(?:ba3t|b3at|b3t)(?:o|ou|u)(?:li|lna|ni)"
    r"|(?:ma|la|mat|matb) ?t?b[3a]+[a3]?t(?:o|ou|u)(?:li|lna|ni)?(?:sh|ch)?\b(?: \w+){0,3} (?:ba3d|tani|abadan|kaman)"
    r"|(?:ma|la) t(?:ba3t|b3at|b3t)(?:o|ou|u)(?:li|lna|ni)",
    "ht": r"kite m anp[eè] (?:ak|avek|avèk) (?:\w+ ){0,2}mesaj|mesaj.{0,40}kite m anp[eè]"
    r"|pa (?:janm |jamè |jame )?(?:kontakte|rele|kontak|ekri|voye) (?:m|mwen)(?: \w+){0,3}? ?"
    r"(?:ankò|anko)|efase nimewo (?:mwen|m|sa)|retire (?:m|mwen) nan (?:lis|lista)"
    r"|(?:sondaj|mesaj|tèks|teks).{0,40}kite m anp[eè]",
    "pt": r"(?:apaga|apague|apaguem|deleta|delete|exclua|excluam) (?:o )?meu n[uú]mero"
    r"|n(?:ão|ao) (?:me )?(?:contat|contact)\w* mais|nunca mais (?:me )?(?:mandem|mande|enviem|"
    r"envie|contat\w*|contact\w*)",
    "fr": r"laissez[- ]moi tranquille avec (?:\w+ ){0,2}(?:textos|sms|messages)"
    r"|supprim(?:ez|er) (?:mon num[eé]ro|moi)|ne me (?:re)?contactez plus|foutez[- ]moi la paix"
    r" avec (?:vos|ces|les) (?:textos|sms|messages)|stop (?:les|vos|ces) (?:sms|textos|messages)"
    r"|(?:sondage|sms|textos|messages).{0,40}laissez[- ]moi tranquille|^laissez[- ]moi tranquille"
    r"|arr[eê]tez (?:vos|les|ces) (?:sondages|textos|sms|messages)",
    "am": r"አትፃፉልኝ|አትላኩልኝ|ተዉኝ.{0,20}መልእክት|(?:መልእክት|መልዕክት).{0,20}ተዉኝ"
    r"|ቁጥሬን .{0,12}(?:አጥፉ|አውጡ|ሰርዙ|አስወግዱ)|(?:ጽሑፍ|ጽሁፍ|መልእክት|መልዕክት) አልፈልግም"
    r"|(?:ጥና[ትታ]|መልእክት|መልዕክት)\S* መላክ አቁሙ|(?:ጥና[ትታ]|መልእክት|መልዕክት)\S*.{0,30}በሰላም ተዉኝ"
    r"|(?:melikt|melekt|meliekt|mel[ei]kt\w*) (?:\w+ )?(?:atlaku|atilaku|akumu)\w*|atlakulgn",
    "so": r"iga daa (?:\w+ )?(?:fariim|farriin|msg)\w*|fariin (?:\w+ )?ha (?:ii|i) soo dir\w*"
    r"|lambarkayga (?:\w+ )?ka (?:saar|tirtir)\w*|ha (?:i|ii|ila|igu) soo xiriir\w*"
    r"|far+i+[mn]\w* (?:dambe |kale )?ma rabo|iga daa\w* (?:sms|fariim|farriin)\w*"
    r"|(?:sahan|fariim|farriin)\w*.{0,30}nabad iga daa",
    "vi": r"stop (?:giup|gium|dum|ho) (?:em|toi)|(?:dung|khong|ko|dung co) (?:\w+ ){0,1}lien lac "
    r"(?:\w+ ){0,2}nua|dung lam phien (?:toi|em|chung toi|minh) nua",
}
for _code, _more in _MORE.items():
    _SENTENCES[_code] = f"{_SENTENCES[_code]}|{_more}"
_LATIN = ("vi", "tl", "ht", "pt", "fr", "so")
_CYRILLIC = ("ru", "uk")
_DOUBLES = re.compile(r"([^\W\d_])\1+")


class Phrases:
    """Phrases of the twelve languages, one pattern group per language, matched on a reply
    lower-cased (NFKC) and again without accents and with doubled letters single. Latin and
    Cyrillic patterns start at a word. One RE2 pass (linear time, lookarounds removed, so it
    only ever says yes too often) tells most replies apart from the few that need the
    language-by-language look."""

    def __init__(self, patterns: dict[str, str]):
        self.by_language = {
            code: re.compile(rf"(?<![\w])(?:{p})" if code in _LATIN + _CYRILLIC else f"(?:{p})")
            for code, p in patterns.items()
        }
        self._screen = re2.Set.SearchSet(re2.Options())
        for pattern in self.by_language.values():
            self._screen.Add(without_lookarounds(pattern.pattern))
        self._screen.Compile()

    def find(self, text: str) -> tuple[str, str] | None:
        """(language, the words matched) of the first language whose phrase ``text`` holds."""
        folded, plain = _forms(text)
        if not (self._screen.Match(folded) or self._screen.Match(plain)):
            return None
        for code, pattern in self.by_language.items():
            found = pattern.search(folded) or pattern.search(plain)
            if found:
                return code, found.group(0)
        return None


@functools.lru_cache(maxsize=256)  # one reply is looked at by several tables of phrases
def _forms(text: str) -> tuple[str, str]:
    """``text`` lower-cased (NFKC), and the same without accents and with doubled letters single."""
    folded = normalise(text)
    return folded, _DOUBLES.sub(r"\1", strip_accents(folded).replace("đ", "d"))


SENTENCES = Phrases(_SENTENCES)


def normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text or "").lower().split())


@functools.lru_cache(maxsize=256)  # read twice per reply (the keyword, then the opt-out)
def stop_word(text: str) -> str | None:
    """The language whose stop word is the whole message (politeness aside), or None."""
    folded = _DOUBLES.sub(r"\1", normalise(text))
    words = [w for w in _PUNCT.sub(" ", folded).split() if w not in POLITE]
    if not words:
        return None
    message = " ".join(words)
    candidates = {message, strip_accents(message).replace("đ", "d")}
    for code, found in _STOP_SETS.items():
        if candidates & found:
            return code
    return None


# Asking for the texts back, in words that contain a stop word ("我之前回了退订，现在想继续收到").
_BACK = re.compile(
    r"继续收到|繼續收到|重新订阅|重新收到|再次收到|恢复|다시 받|снова получать|знову отримувати|"
    r"voltar a receber|recevoir à nouveau|recevoir (?:\w+ ){0,3}(?:à|de) nouveau|ankò voye|"
    r"(?<!pa )vle resevwa (?:\w+ ){0,3}ank[oò]"
)
# Someone else who does not stop ("he doesn't stop sending me messages"): not a request.
_NOT_STOPPING = re.compile(
    r"n[aã]o para(?:m)? de|pa (?:janm |jamè )?sispann|(?:ما|لم) (?:وقف|يوقف|توقف)|"
    r"не перестает|не перестає|không ngừng|khong ngung|不停|안 멈"
)


def opt_out_sentence(text: str) -> str | None:
    """The language of an unmistakable request to stop the texts, or None."""
    folded = normalise(text)
    if _BACK.search(folded) or _NOT_STOPPING.search(folded):
        return None
    found = SENTENCES.find(text)
    return found[0] if found else None
