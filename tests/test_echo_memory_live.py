"""The echo memory in live use: ``ntt live`` and ``ntt wyoming satellite`` build their
pipeline with ``remembering_echo``, so a device's second session starts with its canceller
adapted; an offline replay keeps no memory and stays reproducible."""

from __future__ import annotations

import numpy as np
from conftest import SAMPLE

from ntt import paths
from ntt.calibration.profile import profile_for_session
from ntt.cues import AudioChunk
from ntt.device_audio import remembering_echo
from ntt.io.session import load_session
from ntt.pipeline import build_pipeline, build_session_pipeline, session_source
from ntt.settings import FusionSettings, Settings

LIGHT = Settings(use_video=False, asr="none", fusion=FusionSettings(kind="rule"))


def _first_reply_erle_db(settings: Settings, session) -> float:
    """The session's microphones and playback as a live device delivers them, through the
    pipeline the live commands build: echo return loss enhancement over the first reply."""
    profile = profile_for_session(session)
    out: list[AudioChunk] = []
    pipeline = build_pipeline(settings, device=profile, audio_channels=session.channels,
                              playback=True)
    for item in pipeline.run(session_source(session, pipeline, use_video=False)):
        if isinstance(item, AudioChunk):
            out.append(item)
    heard = np.concatenate([c.samples for c in out])
    reply = session.labels.device_turns[0]
    span = slice(int(reply.start_s * 16_000), int(reply.end_s * 16_000))
    mic = session.audio_channels()[span, 0]
    return 10 * np.log10(np.sum(mic ** 2) / np.sum(heard[span] ** 2))


def test_the_live_settings_keep_the_memory_per_device_in_the_calibration_directory():
    live = remembering_echo(LIGHT, "smart-display-8")
    path = paths.echo_memory_file("smart-display-8")
    assert live.device_audio.echo_memory_file == str(path)
    assert path.parent.parent == paths.profile_dir()  # the writable calibration directory
    assert paths.echo_memory_file("a/b c") .name == "a_b_c.npz"  # a name, never a path
    assert LIGHT.device_audio.echo_memory_file == ""  # offline: none unless asked
    asked = remembering_echo(live, "other")
    assert asked.device_audio.echo_memory_file == str(path)


def test_a_second_live_session_starts_adapted_and_a_replay_remembers_nothing():
    session = load_session(SAMPLE)
    profile = profile_for_session(session)
    path = paths.echo_memory_file(profile.name)
    path.unlink(missing_ok=True)
    # Offline (``ntt run``'s builder): no memory written, however often it runs.
    pipeline = build_session_pipeline(session, LIGHT)
    list(pipeline.run(session_source(session, pipeline, use_video=False)))
    assert not path.exists()
    live = remembering_echo(LIGHT, profile.name)
    cold = _first_reply_erle_db(live, session)
    assert path.is_file()  # the first session's end stored it
    warm = _first_reply_erle_db(live, session)
    path.unlink()
    assert warm >= cold + 6.0 and warm >= 20.0, (cold, warm)
