"""Smart Turn v3 (``ntt.endpoint.smart_turn``) on real recorded requests: a whole request
sounds finished, the same request cut at a quiet point inside it does not; in the detector
it is asked once per silence, on the speech up to where the voice stopped, and its verdict
moves p(finished)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import REPO
from test_endpoint import front_end, run

from ntt.cues import SAMPLE_RATE_HZ, AudioChunk
from ntt.endpoint import load_detector
from ntt.endpoint.smart_turn import RecentAudio, SmartTurn
from ntt.settings import EndpointSettings

SPEECH = REPO.parent / "shared" / "data" / "speech"
needs_speech = pytest.mark.skipif(not (SPEECH / "commands" / "labels.json").is_file(),
                                  reason="shared speech recordings absent")


@pytest.fixture(scope="module")
def smart_turn():
    return SmartTurn()


@pytest.fixture(scope="module")
def requests():
    from ntt.endpoint.mix import commands

    return [clip for _, clip, _ in commands("report", SPEECH)]


@needs_speech
def test_a_whole_request_sounds_finished_and_a_cut_one_does_not(smart_turn, requests):
    from sklearn.metrics import roc_auc_score

    from ntt.endpoint.mix import quiet_cut

    whole = [smart_turn.p_complete(clip) for clip in requests]
    cut = [smart_turn.p_complete(clip[:quiet_cut(clip)]) for clip in requests]
    # Measured on the 31 report recordings: medians 0.96 and 0.22, AUC 0.79.
    assert np.median(whole) >= 0.9 and np.median(cut) <= 0.35, (whole, cut)
    assert roc_auc_score([1] * len(whole) + [0] * len(cut), whole + cut) >= 0.75


def test_recent_audio_keeps_the_last_seconds_and_slices_by_time():
    tape = RecentAudio(keep_s=1.0)
    ramp = np.arange(2 * SAMPLE_RATE_HZ, dtype=np.float32)
    for i in range(0, len(ramp), 512):
        tape.push(i / SAMPLE_RATE_HZ, ramp[i:i + 512])
    got = tape.between(1.5, 1.75)
    assert got[0] == 1.5 * SAMPLE_RATE_HZ and len(got) == SAMPLE_RATE_HZ // 4
    assert tape.between(0.0, 9.0)[0] == SAMPLE_RATE_HZ  # only the last second is kept
    tape.push(5.0, np.ones(512, np.float32))  # a gap: what came before is gone
    assert len(tape.between(0.0, 9.0)) == 512


class CountingSmartTurn(SmartTurn):
    """The real model, remembering how much audio each call heard."""

    def __init__(self):
        super().__init__()
        self.heard: list[int] = []

    def p_complete(self, audio):
        self.heard.append(len(audio))
        return super().p_complete(audio)


@needs_speech
def test_the_detector_asks_once_per_silence_on_the_speech_so_far(requests):
    from ntt.audio.vad import load_silero_model
    from ntt.endpoint.mix import quiet_cut

    clip = requests[2]
    cut = quiet_cut(clip)
    lead, gap = np.zeros(SAMPLE_RATE_HZ // 2, np.float32), np.zeros(SAMPLE_RATE_HZ // 2,
                                                                     np.float32)
    audio = np.concatenate([lead, clip[:cut], gap, clip[cut:], np.zeros(SAMPLE_RATE_HZ,
                                                                          np.float32)])
    audio += np.random.default_rng(0).normal(0, 1e-3, len(audio)).astype(np.float32)
    cues = front_end(audio, load_silero_model())
    chunks = [AudioChunk(i / SAMPLE_RATE_HZ, audio[i:i + 512])
              for i in range(0, len(audio) - 511, 512)]
    # The pipeline's order: each chunk reaches the detector before the cues made of it.
    stream, k = [], 0
    for c in cues:
        while k < len(chunks) and chunks[k].t_s <= getattr(c, "t_s", 0.0):
            stream.append(chunks[k])
            k += 1
        stream.append(c)
    model = CountingSmartTurn()
    base = load_detector(EndpointSettings(smart_turn=False))
    detector = type(base)(base.head, base.words, EndpointSettings(smart_turn=True), model)
    out = run(detector, stream)
    asked = [e for e in out if np.isfinite(e.p_sound)]
    silences = {round(e.t_s - e.silence_s, 3) for e in asked}
    assert len(model.heard) == len(silences) >= 2  # the pause and the end, once each
    # Asked on the speech up to where the voice stopped, not on the silence after it.
    first = min(asked, key=lambda e: e.t_s)
    assert first.silence_s >= EndpointSettings().smart_turn_after_s
    spoken = (first.t_s - first.silence_s) * SAMPLE_RATE_HZ
    assert model.heard[0] <= spoken and all(np.isnan(e.p_sound) for e in out
                                            if e.silence_s == 0)
    # The end sounds finished, the pause less so, and p(finished) follows.
    verdicts = [e.p_sound for e in sorted(asked, key=lambda e: e.t_s)]
    assert verdicts[-1] > 0.8 and verdicts[-1] > verdicts[0]
    plain = run(base, [c for c in stream if not isinstance(c, AudioChunk)])
    assert max(e.p_finished for e in out) != max(e.p_finished for e in plain)
