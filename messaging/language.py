"""Which language a buyer wrote in, for the rule condition "the buyer's message is written in".

A statistical identifier (py3langid: byte n-grams, numpy, about 5 MB, a few hundredths of a
millisecond per message once loaded) told to choose only among the languages the desk's buyers
write. It guesses something for any text, so the desk asks it only when the answer can be
trusted and says "unknown" (`UNKNOWN`) otherwise:

- too few words (or, in Chinese and Japanese, characters) to go on: "ok", "Danke!", an order id;
- two scripts of comparable weight ("Hello 你好 where is my order 我的订单");
- parts in different languages of one script ("Hallo, my parcel is late, bitte helfen Sie mir"):
  each clause long enough to judge is judged on its own, and a clause of another language with
  a fair share of the words makes the message mixed;
- an answer the identifier itself is not sure of.
"""

import re
from functools import cache
from typing import Any

from django.utils.translation import gettext_lazy

UNKNOWN = ""

LANGUAGES: list[tuple[str, Any]] = [
    ("en", gettext_lazy("English")),
    ("de", gettext_lazy("German")),
    ("fr", gettext_lazy("French")),
    ("es", gettext_lazy("Spanish")),
    ("it", gettext_lazy("Italian")),
    ("pt", gettext_lazy("Portuguese")),
    ("ru", gettext_lazy("Russian")),
    ("zh", gettext_lazy("Chinese")),
    ("ja", gettext_lazy("Japanese")),
    ("ko", gettext_lazy("Korean")),
]
CODES = [code for code, _label in LANGUAGES]

# Below this probability the identifier's answer is not taken.
SURE = 0.9
# Fewest words of an alphabet, or characters of Chinese/Japanese/Korean, to judge a text by.
MIN_WORDS = 3
MIN_CJK = 4
# One CJK character carries about as much as two letters of an alphabet.
CJK_WEIGHT = 2
# A message is judged by its first characters: a long mail says its language early.
MAX_CHARS = 2000
# The main script must hold this share of the letters, or the text is mixed.
MAIN_SCRIPT_SHARE = 0.8
# A clause of another language holding this share of the judged words makes the text mixed.
OTHER_LANGUAGE_SHARE = 0.25

# What is not words in a buyer's message: links, e-mail addresses, order and tracking numbers.
_NOISE = re.compile(r"https?://\S+|\S+@\S+|\b\S*\d\S*\b")
_WORD = re.compile(r"[^\W\d_]{2,}")
_CLAUSE = re.compile(r"[.,;:!?。，、；：！？\n()\"«»“”]+")


@cache
def _identifier() -> Any:
    """Loaded once per process (about 0.6 s of CPU), on the first message judged."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(CODES)
    # The identifier keeps the whole model (97 languages, about 85 MB) to allow another choice
    # of languages later; the desk never makes one, so only the stores' columns stay in memory.
    if hasattr(identifier, "_full_model"):
        identifier._full_model = (identifier.nb_ptc, identifier.nb_pc, identifier.nb_classes)
    return identifier


def _script(char: str) -> str:
    code = ord(char)
    if 0x3040 <= code <= 0x30FF or 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF:
        return "cjk"
    if 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF:
        return "cjk"
    if 0x0400 <= code <= 0x04FF:
        return "cyrillic"
    if char.isalpha() and code < 0x0250:
        return "latin"
    return ""


def _weights(text: str) -> dict[str, int]:
    weights = {"cjk": 0, "cyrillic": 0, "latin": 0}
    for char in text:
        script = _script(char)
        if script:
            weights[script] += CJK_WEIGHT if script == "cjk" else 1
    return weights


def _size(text: str, script: str) -> int:
    """How much there is to judge: words of an alphabet, or CJK characters."""
    if script == "cjk":
        return sum(1 for char in text if _script(char) == "cjk")
    return len(_WORD.findall(text))


def _enough(size: int, script: str) -> bool:
    return size >= (MIN_CJK if script == "cjk" else MIN_WORDS)


def _classify(text: str) -> tuple[str, float]:
    code, probability = _identifier().classify(text)
    return str(code), float(probability)


def _clauses_disagree(text: str, script: str, language: str) -> bool:
    """Whether a clause long enough to judge is, surely, in another language, with a fair share
    of the judged words."""
    judged: dict[str, int] = {}
    for clause in _CLAUSE.split(text):
        size = _size(clause, script)
        if not _enough(size, script):
            continue
        code, probability = _classify(clause)
        if probability >= SURE:
            judged[code] = judged.get(code, 0) + size
    total = sum(judged.values())
    other = total - judged.get(language, 0)
    return total > 0 and other / total >= OTHER_LANGUAGE_SHARE


def language_of(text: str) -> str:
    """The language code of a buyer's message (one of `CODES`), or `UNKNOWN` when the text is
    too short, mixed, or not surely any of them."""
    text = _NOISE.sub(" ", (text or "")[:MAX_CHARS])
    weights = _weights(text)
    total = sum(weights.values())
    if not total:
        return UNKNOWN
    script = max(weights, key=lambda name: weights[name])
    if weights[script] / total < MAIN_SCRIPT_SHARE or not _enough(_size(text, script), script):
        return UNKNOWN
    language, probability = _classify(text)
    if probability < SURE or _clauses_disagree(text, script, language):
        return UNKNOWN
    return language
