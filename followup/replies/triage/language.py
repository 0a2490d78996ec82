"""Which language a reply is in: by script first, then by words, then by a statistical detector.

English and Spanish are read fully; anything else is reported so a person can read it. Short
replies ("ok", "5", "👍") have no language (``und``) rather than a guess.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

from followup.replies.triage.text import strip_accents

UNDETERMINED = "und"
SUPPORTED = ("en", "es")  # read fully, by rules and model
# Spoken most by limited-English households in US cities: danger, opt-outs and (where the data
# supports it) the category are read by the model and the rules in ``other_languages``; the
# safety and compliance texts exist in each. Anything else still reaches a person.
READ_BY_MODEL = ("zh", "vi", "tl", "ko", "ru", "ar", "ht", "pt", "fr", "so", "am", "uk")
NAMES = {
    "en": "English",
    "es": "Spanish",
    "zh": "Chinese",
    "vi": "Vietnamese",
    "tl": "Tagalog",
    "ko": "Korean",
    "ru": "Russian",
    "ar": "Arabic",
    "ht": "Haitian Creole",
    "pt": "Portuguese",
    "fr": "French",
    "so": "Somali",
    "am": "Amharic",
    "uk": "Ukrainian",
    "ja": "Japanese",
    "he": "Hebrew",
    "hi": "Hindi (or Nepali, Marathi: Devanagari script)",
    "th": "Thai",
    "hy": "Armenian",
    "de": "German",
    "it": "Italian",
    "pl": "Polish",
    "id": "Indonesian",
    "nl": "Dutch",
    "ur": "Urdu",
    "fa": "Farsi",
    "bn": "Bengali",
    "pa": "Punjabi",
    "gu": "Gujarati",
    "ta": "Tamil",
    "te": "Telugu",
    "lo": "Lao",
    "my": "Burmese",
    "km": "Khmer",
    "el": "Greek",
    "ka": "Georgian",
    "tr": "Turkish",
    "und": "no language (too short to tell)",
}


def name_of(code: str) -> str:
    """The language's name in English, as a commander reads it ("Haitian Creole")."""
    return NAMES.get(code, code)


def needs_interpreter(code: str) -> bool:
    return code not in SUPPORTED and code != UNDETERMINED


_SCRIPTS = [
    (re.compile("[\u3040-\u30ff]"), "ja"),
    (re.compile("[\uac00-\ud7af\u1100-\u11ff]"), "ko"),
    (re.compile("[\u4e00-\u9fff]"), "zh"),
    (re.compile("[\u0600-\u06ff]"), "arabic-script"),
    (re.compile("[\u0590-\u05ff]"), "he"),
    (re.compile("[\u0900-\u097f]"), "hi"),
    (re.compile("[\u0e00-\u0e7f]"), "th"),
    (re.compile("[\u1200-\u137f]"), "am"),
    (re.compile("[\u0530-\u058f]"), "hy"),
    (re.compile("[\u0980-\u09ff]"), "bn"),
    (re.compile("[\u0a00-\u0a7f]"), "pa"),
    (re.compile("[\u0a80-\u0aff]"), "gu"),
    (re.compile("[\u0b80-\u0bff]"), "ta"),
    (re.compile("[\u0c00-\u0c7f]"), "te"),
    (re.compile("[\u0e80-\u0eff]"), "lo"),
    (re.compile("[\u1000-\u109f]"), "my"),
    (re.compile("[\u1780-\u17ff]"), "km"),
    (re.compile("[\u0370-\u03ff\u1f00-\u1fff]"), "el"),
    (re.compile("[\u10a0-\u10ff]"), "ka"),
    (re.compile("[\u0400-\u04ff]"), "cyrillic"),
]
# Urdu's own letters (Farsi and Arabic write none of them); Farsi's (Urdu writes them too, Arabic
# does not: its yeh and kaf are other letters), against Arabic's own.
_URDU = re.compile("[\u0679\u0688\u0691\u06ba\u06be\u06c1\u06d2\u06d3]")
_FARSI = re.compile("[\u067e\u0686\u0698\u06af\u06a9\u06cc]")
_ARABIC = re.compile("[\u064a\u0643\u0629\u0649]")
# Turkish's dotless i and soft g: no other language the service meets writes them.
_TURKISH = re.compile("[\u0131\u0130\u011f\u011e]")  # no IGNORECASE: "ı" folds to "i"
# Letters Vietnamese uses and English and Spanish never do.
# Letters only Vietnamese writes (â, ê and ô alone are French and Portuguese too).
_VIETNAMESE = re.compile("[ăđơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.I)
_UKRAINIAN = re.compile("[їієґ]", re.I)
# Portuguese shares many short words with Spanish; these letters and words are its own.
_PORTUGUESE = re.compile(
    r"[ãõç]|\b(?:nao|voce|voces|obrigad[oa]|muito|ninguem|ligou|ainda|meu|minha|tambem|"
    r"estou|sao|entao|agora)\b",
)
# Haitian Creole, which the statistical detector does not know.
_CREOLE = re.compile(
    r"\b(?:mesi|anpil|mwen|nou|kreyol|bagay|anfom|kounye|pale|moun|rele|sa a|li te|yo te|"
    r"pou|ak|tout|gen|konnen|poukisa|ede|ed)\b"
)

_EN = set(
    """a about after again all am an and any are as at back be because been before but by call
    called came can come could did do does done for from get go going good got great had has have
    he help her here him his how i if in is it job just know last like me my never nice no not
    nothing now of officer officers ok on one or our out over please police really report right
    said same see she so some someone still take thank thanks that the them then there they this
    time to today told too up us very was we well were what when who why will with would yes yet
    you your yall u ur im dont didnt cant wont thx ty pls lol omg wtf bad rude came stop
    took forever service terrible awesome thank officers police cop cops showed never nobody
    called still again waiting hours guy neighbor car house door""".split()
)
_ES = set(
    """a al algo alguien aqui asi ayer bien buen buena casa como con cuando de del el ella ellos
    en es esa ese esta estaba estan esto fue gracias ha hay hicieron hizo la las le les llamo lo
    los mal mas me mi mis mucho muchas muy nada nadie ni no nos nunca otra para pero policia por
    porque pues que quien se si sin sobre son su sus tambien tengo todo todos un una uno usted
    ustedes vino ya yo oficial oficiales gracias xq q tmb ahorita mande llegaron sigue todavia
    estoy queremos quiero puede pueden llamar excelente servicio atencion buen buena muy
    gracias mucho mal malo pesimo rapido lento nunca siempre hijo hija casa carro vecino
    ayuda llamada mensaje mensajes numero caso reporte patrulla oficial agente policias""".split()
)
_WORDS = re.compile(r"[a-zñ]+")

# Latin-script languages the statistical detector chooses among. Small on purpose: it loads in
# a tenth of a second in low-accuracy mode and does not call "ok" Zulu.
_LATIN = (
    "ENGLISH",
    "SPANISH",
    "FRENCH",
    "PORTUGUESE",
    "TAGALOG",
    "GERMAN",
    "ITALIAN",
    "POLISH",
    "SOMALI",
    "INDONESIAN",
    "DUTCH",
)
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _detector():
    from lingua import Language, LanguageDetectorBuilder

    with _lock:
        return (
            LanguageDetectorBuilder.from_languages(*(getattr(Language, n) for n in _LATIN))
            .with_minimum_relative_distance(0.2)
            .with_low_accuracy_mode()
            .build()
        )


def detect(text: str, hint: str | None = None) -> str:
    """Return the ISO 639-1 code of ``text``'s language, or ``und`` when it has too few words."""
    return _detect(text or "", hint, _IDENTIFIER.get())[0]


def overruled(text: str, hint: str | None = None) -> bool:
    """Whether the identifier named one of the languages the model reads where lingua named one
    it does not ("udalite moj nomer": Russian, not Polish)."""
    return _detect(text or "", hint, _IDENTIFIER.get())[1]


# The Latin-letter identifier of a model being measured (`triage(model=...)`: training, compare);
# None: the identifier of the model in use; False: none.
_IDENTIFIER: ContextVar = ContextVar("identifier", default=None)


@contextmanager
def identifying_with(identifier) -> Iterator[None]:
    """Detect languages with ``identifier`` (a candidate model's) inside the block."""
    token = _IDENTIFIER.set(identifier)
    try:
        yield
    finally:
        _IDENTIFIER.reset(token)


@lru_cache(maxsize=4096)
def _detect(text: str, hint: str | None, identifier) -> tuple[str, bool]:
    found = _detect_code(text, hint)
    return found if isinstance(found, tuple) else (found, False)


# Long because each early answer (a script, marks, a language's own words) is one rule.
def _detect_code(text: str, hint: str | None) -> str | tuple[str, bool]:
    for regex, code in _SCRIPTS:
        if regex.search(text):
            if code == "cyrillic":
                return "uk" if _UKRAINIAN.search(text) else "ru"
            if code == "arabic-script":
                return _arabic_script(text)
            return code
    if _VIETNAMESE.search(text):
        return "vi"
    if _TURKISH.search(text):
        return "tr"
    lowered = text.lower()
    plain = strip_accents(lowered)
    words = _WORDS.findall(plain.replace("ñ", "n"))
    if not words:
        return UNDETERMINED
    if len(_CREOLE.findall(plain)) >= 2:
        return "ht"
    if _PORTUGUESE.search(lowered) or _PORTUGUESE.search(plain):
        code = _statistical(text) or "pt"
        return _romanized(text, code) if latin_letters_only(text) else code
    en = sum(w in _EN for w in words)
    es = sum(w in _ES for w in words)
    if any(c in lowered for c in "ñ¿¡"):
        es += 2
    if en or es:
        if en > es and en >= len(words) / 3:
            return "en"
        if es > en and es >= len(words) / 3:
            return "es"
    letters = sum(len(w) for w in words)
    if letters < 12 or len(words) < 2:
        if en == es and en:
            return hint if hint in SUPPORTED else "en"
        return (
            hint
            if (hint in SUPPORTED and (en or es))
            else ("en" if en > es else "es" if es > en else UNDETERMINED)
        )
    code = _statistical(text)
    if code is None:
        if en or es:
            return "en" if en >= es else "es"
        return UNDETERMINED
    if code not in SUPPORTED and (en + es) >= len(words) / 2:
        return "en" if en >= es else "es"  # mostly our words: a typo-laden English/Spanish reply
    if code not in SUPPORTED and latin_letters_only(text):
        return _romanized(text, code)
    return code


_NOT_LATIN = re.compile(r"[^\W\d_\u0000-\u024f\u1e00-\u1eff]")


def latin_letters_only(text: str) -> bool:
    return not _NOT_LATIN.search(text)


def _romanized(text: str, code: str) -> tuple[str, bool]:
    """``code`` as lingua read it, or the language the model's identifier is sure of instead:
    one the model reads, written in Latin letters ("udalite moy nomer" is Russian, not Polish);
    and whether that overruled a language the model does not read."""
    from followup.replies.triage import latin
    from followup.replies.triage import model as models

    identifier = _IDENTIFIER.get()
    if identifier is None:  # the model in use (False: a candidate without an identifier)
        found = models.load()
        identifier = found.latin if found is not None else None
    if not identifier:
        return code, False
    best, chance = identifier.identify(text)
    if chance >= latin.SURE and best in READ_BY_MODEL and best != code:
        return best, code not in READ_BY_MODEL
    return code, False


def _arabic_script(text: str) -> str:
    """Arabic, Farsi or Urdu: by the letters only one of them writes."""
    if _URDU.search(text):
        return "ur"
    return "fa" if len(_FARSI.findall(text)) > len(_ARABIC.findall(text)) else "ar"


def _statistical(text: str) -> str | None:
    found = _detector().detect_language_of(text)
    return found.iso_code_639_1.name.lower() if found else None


def warm_up() -> None:
    """Load the detector now rather than on the first reply that needs it."""
    _detector().detect_language_of("merci beaucoup pour votre aide")
