"""Words that may mean danger now in languages the service does not read.

A reply in a language outside ``language.SUPPORTED`` and ``language.READ_BY_MODEL`` always goes
to a person with "interpreter needed"; it goes *urgently* when it may be danger: a cry for help,
an ambulance, a weapon, "he will kill me", a fire, someone not breathing or unconscious, suicide,
someone taken or locked in, or an emergency number or emoji. The words come from the languages
most spoken in US homes after the fourteen the service reads (Hindi, Urdu, Bengali, Punjabi,
Gujarati, Nepali, Japanese, Thai, Lao, Burmese, Khmer, Hmong, Farsi, Turkish, Polish, German,
Italian, Greek, Hebrew, Armenian, Swahili, Tigrinya, Dutch, Indonesian, Romanian, Tamil, Telugu),
written from each language's everyday words for an emergency, not from labelled replies.

Precision matters less here than anywhere else in triage (the reply reaches a person anyway; a
false alarm costs a commander a look through an interpreter), but words that thank someone for
their help ("danke für Ihre Hilfe", "grazie per l'aiuto", "آپ کی مدد کا شکریہ") are left out:
only the imperative cry, or a noun that says an emergency alone.
"""
# ruff: noqa: E501 - one language a line reads better than a column limit.

from __future__ import annotations

import re
import unicodedata

# Letters and vowel marks of the scripts written with spaces between words: a word here starts
# and ends where none of these touches it (Python's \w misses the combining vowel marks).
_LETTER = (
    r"\w\u0300-\u036f\u0370-\u03ff\u0590-\u05ff\u0600-\u06ff\u0900-\u0dff\u1200-\u137f\u0530-\u058f"
)
_B = rf"(?<![{_LETTER}])"

# Scripts and spaced languages: each alternative starts at a word's start (``_B``); stems are
# open at the end so their endings match ("nieprzytomna", "bewusstlos").
_WORDS = (
    # English, and words many languages borrow or share
    r"911(?!\d)|112(?!\d)|sos|help me|help us|please help|someone help|ambulance|ambulans|ambulanza|ambulância",
    # German, Dutch
    r"(?<!die )(?<!ihre )(?<!eure )(?<!deine )(?<!der )(?<!eurer )(?<!ihrer )(?<!für )(?<!fur )hilfe|hilf mir|helft mir|helfen sie mir|bitte hilfe|notarzt|krankenwagen|rettungswagen|messer|pistole|"
    r"bringt mich um|bringt uns um|will mich umbringen|umbringen|feuer|es brennt|atmet nicht|bewusstlos|selbstmord|"
    r"entführt|eingesperrt|würgt|help!|helpen|hulp!|ademt niet|bewusteloos|zelfmoord|vermoordt",
    # Italian, Romanian
    r"(?<!l')(?<!l’)(?<!vostro )(?<!suo )(?<!tuo )(?<!del )(?<!un )aiuto|aiutatemi|aiutami|aiutateci|coltello|pistola|mi ammazza|ci ammazza|mi uccide|ucciderà|"
    r"incendio|al fuoco|non respira|svenut|suicid|rapit|rinchius|mi strangola|(?<!pentru )(?<!tot )(?<!un )ajutor|nu respiră|nu respira|mă omoară|ma omoara",
    # Polish
    r"pomocy|ratunku|karetk|nóż|noz(?![a-z])|nożem|nozem|pistolet|zabije|zabić|zabic|pożar|pozar|pali się|pali sie|"
    r"nie oddycha|nieprzytomn|samobój|samoboj|porwa|zamknął mnie|zamknal mnie|dusi mnie",
    # Turkish
    r"imdat|yardım edin|yardim edin|bıçak|bicak|silah(?!kan)|öldürecek|oldurecek|öldürüyor|olduruyor|yangın|yangin|"
    r"nefes almıyor|nefes almiyor|bayıldı|bayildi|intihar|kaçırıldı|kacirildi|kilitledi|boğuyor|boguyor",
    # Swahili
    r"nisaidie|tusaidie|saidieni|gari la wagonjwa|kisu|bunduki|ataniua|atatuua|anataka kuniua|moto unawaka|"
    r"hapumui|hapumua|amezimia|kujiua|ametekwa|amenifungia|ananinyonga",
    # Hmong, Indonesian
    r"pab kuv|pab peb|tua kuv|tua peb|riam|phom|hluav taws kub|tsis ua pa|tsis nco qab|"
    r"tolong ?!|tolong (?:saya|kami|aku)|pisau|senjata|bunuh|kebakaran|tidak bernapas|pingsan",
    # Hindi, Nepali, Marathi (Devanagari) and romanised Hindi/Urdu
    r"बचाओ|बचाइए|बचाउ|मदद करो|मदद कीजिए|मदद करें|मद्दत गर|गुहार|एम्बुलेंस|एंबुलेंस|चाकू|छुरी|बंदूक|बन्दुक|पिस्तौल|"
    r"मार डालेगा|मार डालेगी|मार देगा|मार्छ|आग लग|आगो|सांस नहीं|साँस नहीं|सास फेर्दैन|बेहोश|होश नहीं|आत्महत्या|अगवा|"
    r"बंद कर दिया|गला दबा|bachao|bachaao|madad karo|maar dalega|maar dega|mar dalega|chaku|chaaku|bandook|"
    r"aag lag|saans nahi|behosh|khudkushi",
    # Urdu and Farsi (Arabic script)
    r"بچاؤ|بچاو|مدد کرو|مدد کریں|مدد کیجیے|ایمبولینس|ایمبولنس|آمبولانس|چاقو|چھری|بندوق|تفنگ|اسلحه|مار ڈالے|"
    r"مار دے گا|آگ لگ|سانس نہیں|بیہوش|بے ہوش|خودکشی|خود کشی|اغوا|کمک کنید|کمکم کنید|کمک!|"
    r"منو میکشه|مرا می‌کشد|مرا میکشد|آتش|آتیش|نفس نمی|بیهوش",
    # Bengali, Punjabi (Gurmukhi), Gujarati
    r"বাঁচাও|বাচাও|সাহায্য করুন|অ্যাম্বুলেন্স|অ্যাম্বুলেন্স|ছুরি|বন্দুক|মেরে ফেলবে|আগুন|শ্বাস নিচ্ছে না|অজ্ঞান|আত্মহত্যা|"
    r"ਬਚਾਓ|ਮਦਦ ਕਰੋ|ਐਂਬੂਲੈਂਸ|ਚਾਕੂ|ਬੰਦੂਕ|ਮਾਰ ਦੇਵੇਗਾ|ਮਾਰ ਦੇਊ|ਅੱਗ|ਸਾਹ ਨਹੀਂ|ਬੇਹੋਸ਼|ਖੁਦਕੁਸ਼ੀ|"
    r"બચાવો|મદદ કરો|એમ્બ્યુલન્સ|ચાકુ|ચપ્પુ|બંદૂક|મારી નાખશે|આગ લાગી|શ્વાસ નથી|બેભાન|આત્મહત્યા",
    # Tamil, Telugu
    r"காப்பாத்து|காப்பாற்று|உதவி செய்|ஆம்புலன்ஸ்|கத்தி|துப்பாக்கி|கொல்ல|தீ பிடி|மூச்சு இல்லை|மயக்க|தற்கொலை|"
    r"కాపాడండి|సహాయం చేయండి|అంబులెన్స్|కత్తి|తుపాకీ|చంపేస్తా|మంటలు|ఊపిరి లేదు|స్పృహ లేదు|ఆత్మహత్య",
    # Greek, Hebrew, Armenian, Tigrinya
    r"(?<!τη )(?<!την )(?<!της )(?<!σας )βοήθεια|(?<!τη )(?<!την )(?<!της )(?<!σας )βοηθεια|βοηθήστε|βοηθηστε|ασθενοφόρο|ασθενοφορο|μαχαίρι|μαχαιρι|όπλο|οπλο|σκοτώσ|σκοτωσ|φωτιά|φωτια|"
    r"δεν αναπνέει|δεν αναπνεει|αναίσθητ|αναισθητ|αυτοκτον|voitheia|voithia|"
    r"הצילו|עזרו לי|אמבולנס|סכין|אקדח|יהרוג|שריפה|לא נושם|לא נושמת|מחוסר הכרה|להתאבד|"
    r"օգնեք|շտապօգնություն|դանակ|զենք|կսպանի|հրդեհ|չի շնչում|"
    r"ሓግዙኒ|ኣድሕኑኒ|ክቐትለኒ|ይቐትለኒ|ሓዊ ተላዒሉ|ኣይተንፍስን",
)
_SPACED = re.compile(_B + "(?:" + "|".join(_WORDS) + ")", re.IGNORECASE)

# Scripts written without spaces between words (Japanese, Thai, Lao, Burmese, Khmer): found
# anywhere in the reply.
_UNSPACED = re.compile(
    "|".join(
        (
            # Japanese
            r"助けて|たすけて|タスケテ|救急車|包丁|ナイフ|拳銃|銃|殺される|殺す|火事|燃えて|息をしていない|息してない|"
            r"意識がない|意識が無い|倒れ|自殺|死にたい|誘拐|閉じ込め|首を絞め|救命",
            # Thai, Lao
            r"ช่วยด้วย|ช่วยฉันด้วย|ช่วยผมด้วย|รถพยาบาล|มีด|ปืน|ฆ่า|ไฟไหม้|ไม่หายใจ|หมดสติ|ลักพาตัว|ขังไว้|"
            r"ຊ່ວຍແດ່|ຊ່ວຍດ້ວຍ|ລົດໂຮງໝໍ|ມີດ|ປືນ|ຈະຂ້າ|ຂ້າຕົວຕາຍ|ໄຟໄໝ້|ບໍ່ຫາຍໃຈ|ສະຫຼົບ",
            # Burmese, Khmer
            r"ကယ်ပါ|ကယ်ကြ|ကယ်ကြပါ|လူနာတင်ကား|ဓား|သေနတ်|သတ်မယ်|သတ်နေ|မီးလောင်|အသက်မရှူ|သတိလစ်|သေချင်|"
            r"ជួយផង|ជួយខ្ញុំ|សង្គ្រោះ|ឡានពេទ្យ|កាំបិត|កាំភ្លើង|សម្លាប់|ភ្លើងឆេះ|មិនដកដង្ហើម|សន្លប់|អត្តឃាត",
            # Cries in the languages the service reads, inside a reply it cannot (mixed languages)
            r"살려|救命|救救|socorro|auxilio|ay[uú]d(?:en)?me|pomogite|помогите|допоможіть|cứu tôi|cuu toi|"
            r"saklolo|au secours|à l'aide|النجدة|ساعدوني|انقذوني|أنقذوني|አድኑኝ|እርዱኝ|anmwe|sekou|caawi",
            # Emergency emoji and a run of exclamation marks
            r"🆘|🚨|🔪|🔫|🩸|!!!",
        )
    )
)


def may_be_danger(text: str) -> str | None:
    """The first word in ``text`` that may mean danger now in a language the service does not
    read, or None."""
    folded = unicodedata.normalize("NFKC", text or "").lower()
    found = _SPACED.search(folded) or _UNSPACED.search(folded)
    return found.group(0).strip() if found else None
