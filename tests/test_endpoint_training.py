"""The end-of-turn head's training labels on real read speech with a pause opened inside
each sentence: a silence the voice comes back from inside the sentence is a pause, every
silence after the sentence's last sound is its end, even when the detector's silence
starts on the quiet last consonant, before the label's end."""

from __future__ import annotations

import numpy as np

from ntt.asr.evaluation import speech_extent_s
from ntt.audio.vad import load_silero_model
from ntt.cues import SAMPLE_RATE_HZ, EndOfTurn
from ntt.endpoint.head import FEATURES, MAX_SILENCE_S, EndpointHead
from ntt.endpoint.mix import with_pause
from ntt.endpoint.stage import TAKES, EndOfTurnDetector
from ntt.endpoint.train_head import session_examples
from ntt.io.session import Utterance
from tests.test_endpoint import front_end

PAUSE_S = 0.5


def test_pauses_are_unfinished_and_every_silence_after_the_last_sound_is_finished(
        speech_clips):
    vad_model = load_silero_model()
    rng = np.random.default_rng(1)
    tail_ends = 0  # ends whose silence began more than 150 ms before the label's end
    for clip in speech_clips[:6]:
        paused, cut_s = with_pause(clip.audio, PAUSE_S)
        start, end = speech_extent_s(paused)
        # The last 0.2 s of sound 30 dB down, as a final fricative heard across a room: the
        # sentence still ends at its last sound, the level-based silence starts before.
        tail = slice(int((end - 0.2) * SAMPLE_RATE_HZ), int(end * SAMPLE_RATE_HZ))
        paused[tail] *= 0.03
        lead = np.zeros(SAMPLE_RATE_HZ // 2, np.float32)
        audio = np.concatenate([lead, paused, np.zeros(SAMPLE_RATE_HZ, np.float32)])
        audio += rng.normal(0, 1e-3, len(audio)).astype(np.float32)
        t0 = len(lead) / SAMPLE_RATE_HZ
        utterance = Utterance("u", t0 + start, t0 + end, "reader", True, "device", clip.text)
        cues = front_end(audio, vad_model)
        x, finished = session_examples(cues, [utterance], None)

        probe = EndOfTurnDetector(EndpointHead((0.0,) * len(FEATURES), 0.0), None)
        onsets = np.array([e.t_s - e.silence_s for c in cues if isinstance(c, TAKES)
                           for e in probe.push(c)
                           if isinstance(e, EndOfTurn) and 0 < e.silence_s <= MAX_SILENCE_S])
        assert x.shape == (len(onsets), len(FEATURES))
        pause = (onsets >= t0 + cut_s - 0.3) & (onsets < t0 + cut_s + PAUSE_S)
        assert pause.any() and not finished[pause].any(), clip.name
        last = onsets >= onsets.max() - 1e-6  # the silence after the sentence's last sound
        assert finished[last].all(), clip.name
        assert finished.mean() > 0.5  # a second of silence after the end, one short pause
        tail_ends += bool(t0 + end - onsets.max() > 0.15)
    assert tail_ends >= 4  # the case the rule exists for (a pause, counted by time left)
