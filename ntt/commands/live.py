"""``ntt live [--camera N] [--mic NAME]``: the full pipeline from the camera and microphone,
printing each decision (and the engine's replies). Ctrl-C stops. Frames and audio stay in
the process; nothing is written unless ``--events`` is given, but for the device's echo
memory (its own replies and the canceller's estimate of their echo, no one's voice:
``ntt.device_audio.remembering_echo``), stored when the session ends so that the next one
starts adapted."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from contextlib import ExitStack

from ntt.cues import SAMPLE_RATE_HZ, Decision, Say, SourceStatus, StopSpeaking
from ntt.errors import InputError
from ntt.jsonout import open_event_log, to_jsonable

log = logging.getLogger(__name__)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--camera", default="0", help="camera index or video device path")
    p.add_argument("--no-camera", action="store_true", help="audio only (privacy)")
    p.add_argument("--mic", default=None, help="microphone name or index (default device)")
    p.add_argument("--asr", default="pocketsphinx", choices=["pocketsphinx", "whisper"])
    p.add_argument("--device", default="laptop-webcam", help="device profile (name or .toml)")
    p.add_argument("--user", help="apply this user's gaze calibration (if they consented)")
    p.add_argument("--json", action="store_true", help="JSON lines of decisions on stdout")
    p.add_argument("--events", metavar="JSONL", help="write every cue to a JSON-lines log")
    p.add_argument("--list-devices", action="store_true",
                   help="list the microphones (sounddevice) and cameras (/dev/video*), then exit")


def list_devices() -> int:
    """The input devices ``--mic`` and ``--camera`` can name."""
    import glob

    try:
        import sounddevice as sd

        mics = [(i, d["name"], d["max_input_channels"]) for i, d in enumerate(sd.query_devices())
                if d["max_input_channels"] > 0]
    except OSError as exc:  # PortAudio missing
        print(f"microphones: PortAudio is not available ({exc})")
        mics = None
    if mics is not None:
        print("microphones (--mic NAME or INDEX):" if mics else "microphones: none found")
        for i, name, channels in mics:
            print(f"  {i:3d}  {name}  ({channels} ch)")
    cams = sorted(glob.glob("/dev/video*"))
    print("cameras (--camera INDEX or PATH):" if cams else "cameras: none found (--no-camera)")
    for path in cams:
        print(f"  {path.removeprefix('/dev/video'):>3}  {path}")
    return 0


def camera_problem(device: int | str) -> str | None:
    """Why ``device`` gives no picture (it cannot be opened, or reads no frame), or None."""
    import cv2

    cap = cv2.VideoCapture(device)
    try:
        ok = cap.isOpened() and cap.read()[0]
    finally:
        cap.release()
    return None if ok else f"camera {device}: cannot be opened or gives no picture"


def microphone_problem(device: int | str | None) -> str | None:
    """Why ``device`` (None: the default input) cannot record 16 kHz mono, or None."""
    name = "the default microphone" if device is None else f"microphone {device!r}"
    try:
        import sounddevice as sd
    except OSError as exc:  # PortAudio missing
        return f"{name}: PortAudio is not available ({exc})"
    try:
        sd.check_input_settings(device=device, channels=1, samplerate=SAMPLE_RATE_HZ)
    except Exception as exc:  # PortAudioError, ValueError: no such device, no input device
        return f"{name}: cannot be opened ({exc})"
    return None


def check_devices(camera: int | str | None, mic: int | str | None) -> None:
    """Before anything loads: one line naming each device that is missing, exit 2 (a live
    run that silently went audio-only, or waited on a microphone that is not there, would
    look like a working device that never hears anyone)."""
    problems = [p for p in (camera_problem(camera) if camera is not None else None,
                            microphone_problem(mic)) if p is not None]
    if problems:
        hint = "ntt live --list-devices lists them"
        if camera is not None and problems[0].startswith("camera"):
            hint += "; --no-camera runs audio only"
        raise InputError(None, f"{'; '.join(problems)} ({hint})")


def run(args: argparse.Namespace) -> int:
    if args.list_devices:
        return list_devices()
    camera_device = None if args.no_camera else (
        int(args.camera) if args.camera.isdigit() else args.camera)
    mic_device = int(args.mic) if args.mic and args.mic.isdigit() else args.mic
    check_devices(camera_device, mic_device)
    from ntt.calibration.gaze import load_user_calibration, user_path
    from ntt.calibration.profile import load_profile
    from ntt.conversation.engine import ConversationEngine
    from ntt.conversation.speech import default_speech
    from ntt.device_audio import remembering_echo
    from ntt.io.playback import PlaybackReference
    from ntt.io.sources import CameraReader, LiveSource, MicrophoneReader
    from ntt.pipeline import build_pipeline
    from ntt.settings import Settings

    profile = load_profile(args.device)
    camera = CameraReader(camera_device) if camera_device is not None else None
    channels = profile.microphone.channels if profile.microphone.is_array else 1
    mic = MicrophoneReader(mic_device, channels=channels)
    # What the engine's speech plays is recorded as the echo canceller's reference.
    reference = PlaybackReference()
    speech = default_speech(live=True, reference=reference)
    plays = bool(getattr(speech, "plays_audio", False))
    engine = ConversationEngine.live(speech=speech)  # speaks through the default device
    with ExitStack() as stack:
        observers = open_event_log(stack, args.events)
        gaze = load_user_calibration(user_path(args.user)) if args.user else None
        settings = remembering_echo(Settings(use_video=camera is not None, asr=args.asr),
                                    profile.name)
        pipeline = build_pipeline(settings, device=profile, gaze_correction=gaze,
                                  observers=observers, engine=engine,
                                  audio_channels=channels, playback=plays)
        source = LiveSource(mic, camera, playback=reference if plays else None)
        try:
            for item in pipeline.run(source):
                _show(item, args.json)
        except KeyboardInterrupt:
            source.stop()
            # The session's end: the last utterance is decided and the front-end stores
            # its echo memory for the next session.
            try:
                for item in pipeline.flush():
                    _show(item, args.json)
            except Exception as exc:  # interrupted inside a stage: nothing more to keep
                log.warning("the session could not be closed cleanly (%s): no echo memory "
                            "stored", exc)
    return 0


def _show(item, as_json: bool) -> None:
    if isinstance(item, SourceStatus):
        log.warning("%s %s", item.kind, item.detail)
        return
    if as_json and isinstance(item, Decision | Say | StopSpeaking):
        print(json.dumps(to_jsonable(item)), flush=True)
    elif isinstance(item, Decision) and item.kind == "final":
        verdict = "DIRECTED" if item.directed else "not directed"
        print(f"{item.start_s:7.2f}–{item.end_s:7.2f} s  p={item.p_directed:.2f}  {verdict}",
              flush=True)
    elif isinstance(item, Say):
        print(f"  device: {item.text}", file=sys.stdout, flush=True)
