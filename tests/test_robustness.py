"""Faults in the sources: the pipeline keeps running, switches to the modalities it has,
and recovers when a device comes back."""

from __future__ import annotations

import itertools

import pytest
from conftest import SAMPLE

from ntt.calibration.profile import profile_for_session
from ntt.cues import Decision, FacesCue, MicArrayChunk, SourceStatus
from ntt.io.faults import Fault, FaultySource
from ntt.io.session import load_session
from ntt.io.sources import SessionSource
from ntt.pipeline import build_pipeline
from ntt.settings import FusionSettings, Settings

SECONDS = 9.0  # the first request and the start of the side talk


def _run(faults):
    session = load_session(SAMPLE)
    pipeline = build_pipeline(Settings(asr="none", fusion=FusionSettings(kind="rule")),
                              device=profile_for_session(session),
                              device_turns=session.labels.device_turns,
                              audio_channels=session.channels,
                              playback=session.playback_path is not None)
    source = itertools.takewhile(lambda item: item.t_s < SECONDS, SessionSource(
        session, array=pipeline.takes(MicArrayChunk)))  # the array, as ``ntt run`` reads it
    return list(pipeline.run(FaultySource(source, faults, seed=1)))


@pytest.fixture(scope="module")
def clean():
    return _run([])


def _finals(items):
    return [i for i in items if isinstance(i, Decision) and i.kind == "final"]


def _faces(items):
    return [i for i in items if isinstance(i, FacesCue)]


def test_camera_stops_and_comes_back(clean):
    items = _run([Fault("camera_stop", 0.3, 2.5)])
    kinds = [i.kind for i in items if isinstance(i, SourceStatus)]
    assert kinds == ["camera_lost", "camera_back"]
    faces = _faces(items)
    assert not [f for f in faces if 0.3 <= f.t_s < 2.5]
    assert any(f.faces for f in faces if f.t_s > 3.0), "vision recovers"
    finals = _finals(items)
    assert len(finals) == len(_finals(clean))
    # The request came while the camera was off: decided without a face.
    assert finals[0].speaker_track is None


@pytest.mark.parametrize("fault", [
    Fault("frames_late", 0.0, SECONDS, 0.4),
    Fault("frames_duplicated", 0.0, SECONDS, 0.5),
    Fault("frames_dropped", 0.0, SECONDS, 0.5),
])
def test_frame_faults_keep_the_decisions(clean, fault):
    items = _run([fault])
    finals, reference = _finals(items), _finals(clean)
    assert len(finals) == len(reference)
    assert [d.directed for d in finals] == [d.directed for d in reference]


def test_microphone_drops_and_silence(clean):
    items = _run([Fault("mic_drop", 5.0, 5.5), Fault("mic_silence", 7.0, 7.4)])
    assert _finals(items), "speech outside the faults is still decided"
    chunks = [i for i in items if isinstance(i, MicArrayChunk)]
    assert chunks == []  # sources items are not re-emitted; the run itself completed


def test_clock_jump(clean):
    items = _run([Fault("clock_jump", 4.0, SECONDS, 3.0)])
    finals = _finals(items)
    assert len(finals) == len(_finals(clean))
    assert finals[-1].start_s > _finals(clean)[-1].start_s + 2.5
