"""Reply text, made comparable: case, accents, apostrophes, SMS spellings and negation."""

from __future__ import annotations

import re
import unicodedata

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'"})
_INNER_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")
_REPEATS = re.compile(r"([a-z])\1{2,}")
_QUOTES = re.compile(r"[\"“”«»]|(?<!\w)'|'(?!\w)")
# Idioms whose words would mislead a negation guard: "no para de golpear" means "keeps hitting".
_PHRASES = {
    "no para de": "sigue",
    "no paran de": "siguen",
    "no deja de": "sigue",
    "no dejan de": "siguen",
}
# Expanded before apostrophes go, so "he'll" does not become "hell" nor "we're" "were".
_CONTRACTIONS = re.compile(r"(?<=[a-z])('ll|'re|'ve|'d|'m|n't)\b")
_EXPANSIONS = {
    "'ll": " will",
    "'re": " are",
    "'ve": " have",
    "'d": " would",
    "'m": " am",
    "n't": " not",
}
_WORD = re.compile(r"[a-z0-9]+|[^\sa-z0-9]")

# SMS spellings, token for token. Applied to every text; none of them is also a common word in
# the other language (Spanish "ya" and English "k" alone are handled elsewhere).
_SMS = {
    # English
    "u": "you",
    "ur": "your",
    "r": "are",
    "pls": "please",
    "plz": "please",
    "plse": "please",
    "thx": "thanks",
    "thnx": "thanks",
    "thanx": "thanks",
    "ty": "thanks",
    "tysm": "thanks",
    "tyvm": "thanks",
    "cuz": "because",
    "bc": "because",
    "coz": "because",
    "yall": "you all",
    "ppl": "people",
    "ofc": "officer",
    "ofcr": "officer",
    "dept": "department",
    "msg": "message",
    "msgs": "messages",
    "txt": "text",
    "txts": "texts",
    "txting": "texting",
    "nvm": "nevermind",
    "rn": "right now",
    "ahorita": "ahora",
    "wont": "will not",
    "gonna": "going to",
    "wanna": "want to",
    "gotta": "got to",
    "tho": "though",
    "thru": "through",
    "b4": "before",
    "2day": "today",
    "2nite": "tonight",
    "tonite": "tonight",
    "hrs": "hours",
    "hr": "hour",
    "mins": "minutes",
    "min": "minutes",
    "im": "i am",
    "ive": "i have",
    "id": "i would",
    "ill": "i will",
    "hes": "he is",
    "shes": "she is",
    "theyre": "they are",
    "its": "it is",
    "thats": "that is",
    "theres": "there is",
    "whats": "what is",
    "whos": "who is",
    "cant": "cannot",
    "can't": "cannot",
    "wasnt": "was not",
    "werent": "were not",
    "isnt": "is not",
    "arent": "are not",
    "didnt": "did not",
    "doesnt": "does not",
    "dont": "do not",
    "havent": "have not",
    "hasnt": "has not",
    "hadnt": "had not",
    "wouldnt": "would not",
    "couldnt": "could not",
    "shouldnt": "should not",
    "aint": "is not",
    "youre": "you are",
    "youve": "you have",
    "weve": "we have",
    "were": "were",
    # Spanish
    "q": "que",
    "xq": "porque",
    "pq": "porque",
    "porq": "porque",
    "xk": "porque",
    "tmb": "tambien",
    "tb": "tambien",
    "xfa": "por favor",
    "porfa": "por favor",
    "porfavor": "por favor",
    "pf": "por favor",
    "grax": "gracias",
    "grs": "gracias",
    "grcs": "gracias",
    "bn": "bien",
    "ntp": "no te preocupes",
    "d": "de",
    "x": "por",
    "pa": "para",
    "ud": "usted",
    "uds": "ustedes",
    "tqm": "te quiero mucho",
    "aki": "aqui",
    "aca": "aqui",
    "nadien": "nadie",
}


def fold(text: str) -> str:
    """Return ``text`` lower-cased, without accents, with SMS spellings spelled out."""
    t = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).lower()
    t = strip_accents(t)
    t = t.replace("w/o", " without ").replace("w/", " with ")
    t = _QUOTES.sub(" ", t)  # 'mojado' -> mojado; inner apostrophes stay
    for phrase, meaning in _PHRASES.items():
        t = t.replace(phrase, meaning)
    t = _CONTRACTIONS.sub(lambda m: _EXPANSIONS[m.group(1)], t)  # he'll -> he will
    t = t.replace("ca not", "cannot").replace("wo not", "will not").replace("ai not", "is not")
    t = _INNER_APOSTROPHE.sub("", t)  # he's -> hes, then -> he is below
    t = _REPEATS.sub(r"\1\1", t)  # soooo -> soo, pleeease -> pleease
    words = [_SMS.get(w, w) for w in _WORD.findall(t)]
    return " ".join(words)


def bare(text: str) -> str:
    """Return only the words of ``text``, upper-case, without accents: ``"Stop!!"`` -> ``STOP``."""
    upper = unicodedata.normalize("NFKC", text).upper()
    upper = strip_accents(upper)
    return " ".join(re.sub(r"[^A-Z0-9]+", " ", upper).split())


_COMBINING = re.compile("[\u0300-\u036f]")


def strip_accents(text: str) -> str:
    """Return ``text`` without accents: "está" -> "esta", "niño" -> "nino"."""
    return unicodedata.normalize("NFC", _COMBINING.sub("", unicodedata.normalize("NFD", text)))
