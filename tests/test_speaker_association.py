"""Active-speaker association by audio-visual synchrony and the direction of arrival, on
the bundled rendered sessions (microphone arrays): real video through the real face
front-end, real audio through the real device-audio front-end and prosody stage."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from ntt.calibration.profile import profile_for_session
from ntt.cues import DirectionCue, Face, FacesCue, ProsodyFrame, SpeechEvent
from ntt.cues.audio import azimuth_offset_deg
from ntt.eval.record import record_session
from ntt.fusion.speaker import (
    MAX_FACE_OFFSET_DEG,
    MIN_DIRECTION_CONFIDENCE,
    MIN_SPEAKER_SYNC,
    SpeakerAssociation,
)
from ntt.io.session import TRUTH_FILE, load_session
from ntt.matching import best_overlap
from ntt.vision.tracker import iou

SAMPLES = Path(__file__).resolve().parents[1] / "datasets" / "samples"


@cache
def _record(name: str):
    """A sample's cue stream through the real front-ends, recorded once per test run."""
    return record_session(load_session(SAMPLES / name), asr="none")


@cache
def _segments(name: str) -> list[tuple[float, float, object, FacesCue]]:
    """(start, end, choice at the endpoint, faces then) for each VAD segment of a sample,
    chosen as fusion chooses: with the device's camera and the utterances' directions."""
    session = load_session(SAMPLES / name)
    record = _record(name)
    assoc = SpeakerAssociation(profile_for_session(session).camera_geometry())
    faces, start, out = None, None, []
    for cue in record.cues:
        if isinstance(cue, FacesCue):
            assoc.observe_faces(cue.t_s, cue.faces)
            faces = cue
        elif isinstance(cue, ProsodyFrame):
            assoc.observe_level(cue.t_s, cue.level_dbfs)
        elif isinstance(cue, DirectionCue):
            assoc.observe_direction(cue)
        elif isinstance(cue, SpeechEvent):
            if cue.kind == "speech_start":
                start = cue.boundary_s
            elif faces is not None and faces.faces:
                out.append((start, cue.boundary_s, assoc.choose(cue.t_s, faces.faces, start),
                            faces))
    return out


def _truth_box(name: str, person: str, t_s: float) -> list[int]:
    frames = json.loads((SAMPLES / name / TRUTH_FILE).read_text())["frames"]
    frame = min(frames, key=lambda f: abs(f["t"] - t_s))
    return frame["persons"][person]["box"]


def _segment_of(name: str, utterance) -> tuple:
    segs = [s for s in _segments(name) if min(s[1], utterance.end_s) > max(s[0],
                                                                          utterance.start_s)]
    assert len(segs) == 1, f"{utterance.text!r} should be one VAD segment"
    return segs[0]


def test_the_voice_goes_to_the_face_that_speaks():
    """living-room: anna is on camera, ben talks from off camera. Each of anna's lines is
    hers by synchrony and direction."""
    labels = load_session(SAMPLES / "living-room").labels
    assert {u.speaker for u in labels.utterances} == {"anna", "ben"}
    for u in labels.utterances:
        if u.speaker != "anna":
            continue
        _, _, choice, faces = _segment_of("living-room", u)
        assert choice.visible and choice.sync >= MIN_SPEAKER_SYNC, u.text
        box = _truth_box("living-room", "anna", faces.t_s)
        assert iou(choice.face.box_xywh, box) > 0.3
        # She looks at the device through her requests and away while talking to ben.
        assert (choice.attending_share > 0.8) if u.directed else \
            (choice.attending_share < 0.2), u.text


@pytest.mark.xfail(strict=True, reason="on the v2 living-room sample anna's face, turned "
                   "towards ben, correlates 0.31 with his voice (over MIN_SPEAKER_SYNC), and "
                   "his direction (-42 degrees, truth -51) has an SRP-PHAT confidence of "
                   "0.09-0.16, mostly under MIN_DIRECTION_CONFIDENCE (0.15)")
def test_an_off_camera_voice_goes_to_no_face_in_view():
    """living-room: ben's line is nobody's in view, although anna's face is there."""
    labels = load_session(SAMPLES / "living-room").labels
    for u in labels.utterances:
        if u.speaker == "ben":
            _, _, choice, _ = _segment_of("living-room", u)
            assert choice.sync is not None and not choice.visible, u.text


def test_synchrony_picks_the_right_one_of_two_faces():
    """two-people: ben's lines said facing the camera go to ben's face, not anna's."""
    labels = load_session(SAMPLES / "two-people").labels
    frontal = [u for u in labels.utterances if u.speaker == "ben" and u.directed]
    assert len(frontal) == 2
    for u in frontal:
        _, _, choice, faces = _segment_of("two-people", u)
        assert len(faces.faces) == 2
        assert choice.visible and choice.sync_margin > 0.3
        assert choice.attending_share > 0.6  # he asks the device, looking at it
        box = _truth_box("two-people", "ben", faces.t_s)
        assert iou(choice.face.box_xywh, box) > 0.3


def _face(track: int, mouth_open: float, activity: float = 0.0) -> Face:
    return Face(track_id=track, box_xywh=(0, 0, 100, 100), yaw_deg=0.0, pitch_deg=0.0,
                roll_deg=0.0, mouth_open=mouth_open, mouth_activity=activity)


def test_before_enough_frames_the_busiest_mouth_stands_in():
    assoc = SpeakerAssociation()
    rng = np.random.default_rng(0)
    for k in range(3):  # 0.2 s of an utterance: too short for a correlation
        t = 1.0 + k / 15
        assoc.observe_level(t, -20.0 + rng.normal())
        assoc.observe_faces(t, (_face(0, 0.1, 0.05), _face(1, 0.4, 0.6)))
    choice = assoc.choose(1.2, (_face(0, 0.1, 0.05), _face(1, 0.4, 0.6)), since_s=1.0)
    assert choice.sync is None and choice.visible
    assert choice.face.track_id == 1 and choice.activity_margin == pytest.approx(0.55)


@pytest.mark.parametrize("name", ["living-room", "two-people", "camera-off"])
def test_a_direction_over_the_bar_points_at_the_talker(name):
    """The bar (MIN_DIRECTION_CONFIDENCE) is where the direction of arrival is trusted to
    pick a face: every utterance's final direction at or over it lies within a face's
    width (MAX_FACE_OFFSET_DEG) of where the talker really was."""
    session = load_session(SAMPLES / name)
    sources = json.loads((SAMPLES / name / TRUTH_FILE).read_text())["acoustics"]["sources"]
    finals = [c for c in _record(name).cues if isinstance(c, DirectionCue) and c.final]
    checked = 0
    for u in session.labels.utterances:
        source = sources.get(u.speaker, {})
        d = best_overlap(u, finals)
        if source.get("kind") != "talker" or d is None:
            continue
        if d.confidence >= MIN_DIRECTION_CONFIDENCE:
            checked += 1
            error = azimuth_offset_deg(d.azimuth_deg, source["azimuth_deg"])
            assert error <= MAX_FACE_OFFSET_DEG, (u.text, d.confidence, error)
    assert checked >= 1, "no direction over the bar: the test checks nothing"
