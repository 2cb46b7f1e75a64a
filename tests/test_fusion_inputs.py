"""Fusion's inputs: every cue type it takes fills the features it should (a blind spot fails
here), anything else is refused, and the interaction context is the same live and replayed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ntt.cues import (
    AsrDecoderCue,
    AudioChunk,
    DeviceContext,
    DirectionCue,
    EndOfTurn,
    Face,
    FacesCue,
    Intent,
    LexicalCue,
    PartialHypothesis,
    ProsodyFrame,
    SourceStatus,
    SpeechEvent,
    Tick,
    UtteranceProsody,
)
from ntt.device_context import DeviceContextStage
from ntt.fusion.features import FEATURES, FUSION_INPUTS, MODALITIES, SLICES, FeatureTracker

SAMPLES = Path(__file__).resolve().parents[1] / "datasets" / "samples"
START = SpeechEvent(1.0, "speech_start", 0.9)
FACE = Face(track_id=3, box_xywh=(200, 120, 90, 110), yaw_deg=12.0, pitch_deg=-6.0,
            roll_deg=2.0, gaze_yaw_deg=4.0, gaze_pitch_deg=-3.0, eye_open=0.8,
            mouth_open=0.4, mouth_activity=0.6, attending=0.9)
FACES = FacesCue(1.1, 11, (FACE,), (640, 480))
PROSODY = ProsodyFrame(1.1, level_dbfs=-28.0, noise_floor_dbfs=-55.0, snr_db=27.0, f0_hz=180.0,
                       voiced=True, in_speech=True, level_z=1.2, f0_z=0.7)
UTTERANCE = UtteranceProsody(
    1.1, 0.9, 1.05, duration_s=0.15, level_dbfs=-27.0, peak_dbfs=-12.0, noise_floor_dbfs=-55.0,
    snr_db=28.0, f0_median_hz=175.0, f0_mean_hz=178.0, f0_p5_hz=150.0, f0_p95_hz=210.0,
    f0_std_semitones=2.0, f0_range_semitones=6.0, f0_final_slope_semitones_per_s=-3.0,
    voiced_fraction=0.7, syllables=5, speaking_rate_syl_per_s=3.5, level_z=0.8, f0_z=0.3,
    rate_z=-0.6, duration_z=0.4)
PARTIAL = PartialHypothesis(1.1, 0.9, "turn on the", stability=0.67)
DECODER = AsrDecoderCue(1.1, 0.9, 1.05, confidence=0.82, nbest_size=3, nbest_entropy=0.3,
                        nbest_margin=0.5, acoustic_score_per_frame=-7.0, lm_score_per_word=-3.0,
                        avg_logprob=float("nan"), no_speech_prob=float("nan"), n_words=5,
                        min_word_confidence=0.6, words_per_s=2.5, partial_count=4,
                        partial_stability=0.8, final_matches_partial=1.0)
INTENT = Intent("HassTurnOn", {"name": "kitchen light"}, "turn on the kitchen light")
LEXICAL_FINAL = LexicalCue(1.1, 0.93, "turn on the kitchen light", True, INTENT)
LEXICAL_PARTIAL = LexicalCue(1.1, 0.71, "turn on the", False)
CONTEXT = DeviceContext(1.1, device_speaking=True, awaiting_answer=True, last_device_end_s=0.5)
END_OF_TURN = EndOfTurn(1.15, p_finished=0.9, silence_s=0.1, p_words=0.8)
DIRECTION = DirectionCue(1.1, 0.9, 1.1, azimuth_deg=-6.0, confidence=0.6)

# Each cue (pushed after a speech start) and the features it must change, by modality.
EXPECTED = [
    (FACES, {"vision": {"attending", "yaw_abs", "pitch", "gaze_angle", "eye_open", "n_faces",
                        "face_size", "attending_share", "mouth_activity", "speaker_margin"}}),
    (PROSODY, {"audio": {"level_z", "snr", "f0_z"}}),
    (UTTERANCE, {"audio": {"utt_level_z", "utt_rate_z", "utt_duration_z", "utt_f0_z",
                           "utt_known"}}),
    (PARTIAL, {"asr": {"partial_known", "stability", "n_words"}}),
    (DECODER, {"asr": {"confidence", "entropy", "margin", "n_words", "words_per_s",
                       "min_word_conf", "stability", "final_known"}}),
    (LEXICAL_FINAL, {"language": {"p_lexical", "p_lexical_final", "has_intent",
                                  "final_known"}}),
    (LEXICAL_PARTIAL, {"language": {"p_lexical", "p_lexical_final"}}),  # final: 0.5, unknown
    (CONTEXT, {"context": {"device_speaking", "awaiting_answer", "since_device"}}),
    # Without the camera's intrinsics (and a face) only the direction itself.
    (DIRECTION, {"direction": {"confidence", "azimuth", "final"}}),
    # End-of-turn times the gate's final decision; the shipped model's vector ignores it
    # until fusion is retrained with it.
    (END_OF_TURN, {}),
]


def _features(*cues) -> np.ndarray:
    tracker = FeatureTracker()
    for cue in cues:
        tracker.observe(cue)
    feats = tracker.tick(Tick(1.2))
    return np.concatenate([feats.values, feats.mask])


def _changed(before: np.ndarray, after: np.ndarray) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for m in MODALITIES:
        s = SLICES[m]
        names = {FEATURES[m][i] for i in np.flatnonzero(before[s] != after[s])}
        if before[-len(MODALITIES) + MODALITIES.index(m)] != \
                after[-len(MODALITIES) + MODALITIES.index(m)]:
            names.add("<available>")
        if names:
            out[m] = names
    return out


@pytest.mark.parametrize(("cue", "expected"), EXPECTED,
                         ids=[type(c).__name__ + ("" if getattr(c, "final", True) else "-partial")
                              for c, _ in EXPECTED])
def test_each_cue_type_fills_its_features(cue, expected):
    changed = _changed(_features(START), _features(START, cue))
    for names in changed.values():
        names.discard("<available>")
    assert {m: n for m, n in changed.items() if n} == expected


def test_every_fusion_input_type_is_covered_here():
    covered = {type(c) for c, _ in EXPECTED} | {SpeechEvent, SourceStatus}
    assert covered == set(FUSION_INPUTS)


def _direction_tick(*cues):
    from ntt.vision.camera import CameraGeometry

    tracker = FeatureTracker(CameraGeometry(hfov_deg=65.0))
    for cue in (START, FACES, *cues):
        tracker.observe(cue)
    return tracker.tick(Tick(1.2))


def _direction_values(feats) -> dict[str, float]:
    return dict(zip(FEATURES["direction"], feats.values[SLICES["direction"]].tolist(),
                    strict=True))


def test_direction_says_whether_the_voice_came_from_the_face_in_view():
    """With the camera's intrinsics the direction of arrival is measured against each face's
    azimuth: FACE's centre is at -8.5 degrees in a 640-px frame of a 65-degree camera. A
    confident direction away from it also makes the voice nobody's in view; an unsure one
    (or one of an earlier utterance) leaves the choice to lip synchrony."""
    plain = _direction_tick()
    towards = _direction_tick(DIRECTION)
    away = _direction_tick(DirectionCue(1.1, 0.9, 1.1, azimuth_deg=40.0, confidence=0.6))
    unsure = _direction_tick(DirectionCue(1.1, 0.9, 1.1, azimuth_deg=40.0, confidence=0.05))
    stale = _direction_tick(DirectionCue(0.5, 0.2, 0.5, azimuth_deg=40.0, confidence=0.6))
    assert plain.speaker_track == towards.speaker_track == 3
    assert away.speaker_track is None  # the voice came from where nobody is in view
    assert unsure.speaker_track == stale.speaker_track == 3
    d = MODALITIES.index("direction")
    assert plain.mask[d] == stale.mask[d] == 0.0
    assert np.array_equal(stale.values, plain.values)
    assert towards.mask[d] == away.mask[d] == unsure.mask[d] == 1.0
    t, a, u = (_direction_values(f) for f in (towards, away, unsure))
    assert t["face_known"] == a["face_known"] == 1.0
    assert t["speaker_toward"] == t["any_toward"] == 1.0
    assert a["speaker_toward"] == a["any_toward"] == 0.0
    assert t["speaker_offset"] == pytest.approx(2.5 / 30, abs=0.01)
    assert a["nearest_offset"] == pytest.approx(48.5 / 30, abs=0.01)
    assert u["confidence"] == pytest.approx(0.05) and t["confidence"] == pytest.approx(0.6)
    assert t["azimuth"] == pytest.approx(-6 / 90) and a["azimuth"] == pytest.approx(40 / 90)
    # Vision (the lip and gaze features) does not depend on the direction's confidence.
    vis = SLICES["vision"]
    assert np.array_equal(away.values[vis], unsure.values[vis])


def test_without_vision_the_direction_shows_no_faces():
    """A variant that hides the camera (ablations, modality dropout) must not see the faces
    through the direction's face features; the direction itself stays."""
    from ntt.fusion.features import FACE_DIRECTION, hide_faces

    feats = _direction_tick(DIRECTION)
    no_vision = feats.mask.copy()
    no_vision[MODALITIES.index("vision")] = 0.0
    hidden = dict(zip(FEATURES["direction"],
                      hide_faces(feats.values, no_vision)[SLICES["direction"]].tolist(),
                      strict=True))
    assert all(hidden[n] == 0.0 for n in FACE_DIRECTION)
    assert hidden["confidence"] == pytest.approx(0.6)
    assert np.array_equal(hide_faces(feats.values, feats.mask), feats.values)


def test_speech_start_opens_the_utterance_and_camera_loss_hides_the_faces():
    changed = _changed(_features(), _features(START))
    assert changed == {"audio": {"in_speech", "speech_time"}}
    seen, lost = _features(START, FACES), _features(START, FACES,
                                                   SourceStatus(1.15, "camera_lost"))
    assert seen[-len(MODALITIES) + MODALITIES.index("vision")] == 1.0
    assert lost[-len(MODALITIES) + MODALITIES.index("vision")] == 0.0


@pytest.mark.parametrize("item", [AudioChunk(0.0, np.zeros(512, np.float32)), "text", None])
def test_what_fusion_does_not_take_is_refused(item):
    with pytest.raises(TypeError, match="FeatureTracker takes SourceStatus, FacesCue"):
        FeatureTracker().observe(item)


class _Tee:
    """The real fusion stage, with a record of everything that reached it."""

    def __init__(self, stage):
        self.stage, self.items = stage, []

    @property
    def threshold(self):
        return self.stage.threshold

    def push(self, item):
        self.items.append(item)
        return self.stage.push(item)

    def flush(self):
        return self.stage.flush()

    def reset(self):
        self.stage.reset()


def test_context_is_the_same_live_and_replayed_from_the_turns_spoken(tmp_path):
    """Live, the engine's growing list of turns is the context; replaying the turns it spoke
    through the same rule gives fusion the same context features at every tick."""
    from ntt.conversation import ConversationEngine
    from ntt.io.session import load_session
    from ntt.io.sources import SessionSource
    from ntt.pipeline import build_fusion, build_pipeline
    from ntt.settings import FusionSettings, Settings

    session = load_session(SAMPLES / "living-room")
    # Every utterance taken as directed, so the device talks (what it says does not matter).
    settings = Settings(use_video=False, fusion=FusionSettings(kind="rule", threshold=0.0))
    tee = _Tee(build_fusion(settings))
    with ConversationEngine.offline(data_dir=tmp_path) as engine:
        pipeline = build_pipeline(settings, fusion_stage=tee, engine=engine)  # live wiring
        list(pipeline.run(SessionSource(session, use_video=False)))
        spoken = list(engine.device_turns)
    assert spoken, "the engine answered something"
    live = FeatureTracker()
    replayed = FeatureTracker()
    replay_context = DeviceContextStage(spoken)
    ticks = 0
    ctx = SLICES["context"]
    for item in tee.items:
        if isinstance(item, Tick):
            a, b = live.tick(item), replayed.tick(item)
            np.testing.assert_array_equal(a.values[ctx], b.values[ctx], err_msg=f"{item.t_s}")
            ticks += 1
            # As in the pipeline, the context stage's cue for a tick follows the tick.
            for c in replay_context.push(item):
                replayed.observe(c)
        else:
            live.observe(item)
            if not isinstance(item, DeviceContext):
                replayed.observe(item)
    assert ticks > 300
    speaking = [c for c in tee.items if isinstance(c, DeviceContext) and c.device_speaking]
    assert speaking, "fusion saw the device speak"
