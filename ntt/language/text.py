"""Text normalization shared by training, scoring and corpus building.

Recognizers disagree on surface form (pocketsphinx: lower case, numbers as words; Whisper:
capitals, punctuation, digits), and grammar samples carry digits and symbols. Every text is
brought to the pocketsphinx form before features are taken, so the lexical model sees one
spelling whichever recognizer (or grammar) produced the line.
"""

from __future__ import annotations

import re

_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
         "fourteen fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = ((1_000_000_000, "billion"), (1_000_000, "million"), (1_000, "thousand"),
           (100, "hundred"))
_SYMBOLS = {"%": " percent ", "°": " degrees ", "&": " and ", "+": " plus ", "@": " at ",
            "=": " equals ", "$": " dollars "}
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_CLOCK = re.compile(r"\b(\d{1,2}):(\d{2})\b")
_ORDINAL = re.compile(r"\b(\d+)(st|nd|rd|th)\b")
_NOT_WORD = re.compile(r"[^a-z' ]+")
_SPACES = re.compile(r"\s+")
# Hesitations: transcripts of talk between people are full of them and assistant corpora have
# none, so a model would learn them as "not directed"; recognizers drop most of them anyway.
FILLERS = frozenset({"um", "umm", "uh", "uhh", "uhm", "er", "erm", "hmm", "mm"})
_ORDINAL_WORDS = {"one": "first", "two": "second", "three": "third", "five": "fifth",
                  "eight": "eighth", "nine": "ninth", "twelve": "twelfth"}


def int_to_words(n: int) -> str:
    """English words for a non-negative integer (``21`` → ``twenty one``)."""
    if n < 0:
        return "minus " + int_to_words(-n)
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + ("" if ones == 0 else " " + _ONES[ones])
    for scale, name in _SCALES:
        if n >= scale:
            head, rest = divmod(n, scale)
            words = int_to_words(head) + " " + name
            return words if rest == 0 else words + " " + int_to_words(rest)
    raise AssertionError(n)


def _ordinal_words(n: int) -> str:
    words = int_to_words(n).split()
    last = words[-1]
    if last in _ORDINAL_WORDS:
        words[-1] = _ORDINAL_WORDS[last]
    elif last.endswith("y"):
        words[-1] = last[:-1] + "ieth"
    else:
        words[-1] = last + "th"
    return " ".join(words)


def _number_words(match: re.Match) -> str:
    token = match.group(0)
    if "," in token and "." not in token and re.fullmatch(r"\d{1,3}(,\d{3})+", token):
        token = token.replace(",", "")
    whole, _, frac = token.replace(",", ".").partition(".")
    words = int_to_words(int(whole))
    if frac:
        words += " point " + " ".join(_ONES[int(d)] for d in frac if d.isdigit())
    return f" {words} "


def _clock_words(match: re.Match) -> str:
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes == 0:
        return f" {int_to_words(hours)} o'clock "
    pad = "oh " if minutes < 10 else ""
    return f" {int_to_words(hours)} {pad}{int_to_words(minutes)} "


def normalize(text: str) -> str:
    """Lower case words and apostrophes only; numbers, times and symbols spelled out."""
    text = text.lower().replace("’", "'")
    text = _CLOCK.sub(_clock_words, text)
    text = _ORDINAL.sub(lambda m: " " + _ordinal_words(int(m.group(1))) + " ", text)
    text = _NUMBER.sub(_number_words, text)
    for symbol, words in _SYMBOLS.items():
        text = text.replace(symbol, words)
    text = text.replace("-", " ")
    text = _NOT_WORD.sub(" ", text)
    words = [w.strip("'") for w in text.split()]
    return _SPACES.sub(" ", " ".join(w for w in words if w)).strip()


def model_text(text: str) -> str:
    """What the lexical model reads: ``normalize`` without hesitation fillers."""
    return " ".join(w for w in normalize(text).split() if w not in FILLERS)
