"""Re-deriving a record's recognizer cues keeps the rest of the stream and its order."""

from ntt.cues import LexicalCue, Tick
from ntt.eval.record import record_session
from ntt.eval.rederive import AUDIO_PATH_CUES, rederive, splice
from ntt.io.session import load_session


def _shape(cues):
    """What fusion sees at each tick: the cues that came since the last one (their order
    between two ticks does not change a tick's features)."""
    intervals, current = [], []
    for c in cues:
        current.append((type(c).__name__, round(c.t_s, 4)))
        if isinstance(c, Tick):
            intervals.append(sorted(current))
            current = []
    return intervals + [sorted(current)]


def test_rederiving_with_the_same_recognizer_gives_the_same_stream(make_session):
    session = load_session(make_session("redo"))
    record = record_session(session, asr="pocketsphinx")
    texts = [c.text for c in record.cues if isinstance(c, LexicalCue)]
    assert any(texts)  # the recognizer heard the request

    again = rederive(record, session, "pocketsphinx")
    assert _shape(again.cues) == _shape(record.cues)
    assert [c.text for c in again.cues if isinstance(c, LexicalCue)] == texts
    assert again.asr == "pocketsphinx" and again.stage_rtf["asr"] > 0


def test_splice_puts_each_cue_before_the_next_tick(make_session):
    session = load_session(make_session("splice"))
    record = record_session(session, asr="pocketsphinx")
    audio_path = [c for c in record.cues if isinstance(c, AUDIO_PATH_CUES)]
    assert audio_path
    assert _shape(splice(record.cues, audio_path)) == _shape(record.cues)
    assert _shape(splice(record.cues, [])) == _shape(
        [c for c in record.cues if not isinstance(c, AUDIO_PATH_CUES)])
