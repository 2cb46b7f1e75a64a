"""Text normalization: every source of text reaches the model in the recognizer's spelling."""

from ntt.language.text import int_to_words, normalize


def test_int_to_words_covers_teens_tens_and_scales():
    assert int_to_words(0) == "zero"
    assert int_to_words(13) == "thirteen"
    assert int_to_words(40) == "forty"
    assert int_to_words(21) == "twenty one"
    assert int_to_words(105) == "one hundred five"
    assert int_to_words(2_300) == "two thousand three hundred"


def test_normalize_lowercases_and_drops_punctuation_but_keeps_apostrophes():
    assert normalize("What's the Weather, like?!") == "what's the weather like"


def test_normalize_spells_out_digits_percent_and_degrees():
    assert normalize("Set it to 50%") == "set it to fifty percent"
    assert normalize("21.5°") == "twenty one point five degrees"


def test_normalize_reads_clock_times_and_ordinals():
    assert normalize("Wake me at 7:05") == "wake me at seven oh five"
    assert normalize("at 10:00") == "at ten o'clock"
    assert normalize("the 3rd floor") == "the third floor"


def test_normalize_matches_whisper_and_pocketsphinx_spellings():
    whisper = normalize("Set a timer for 10 minutes.")
    pocketsphinx = normalize("set a timer for ten minutes")
    assert whisper == pocketsphinx


def test_normalize_of_empty_or_symbol_only_text_is_empty():
    assert normalize("") == ""
    assert normalize(" ?! ") == ""
