"""``ntt live [--camera N] [--mic NAME]``: the full pipeline from the camera and microphone,
printing each decision (and the engine's replies). Ctrl-C stops. Frames and audio stay in
the process; nothing is written unless ``--events`` is given."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from contextlib import ExitStack

from ntt.cues import Decision, Say, SourceStatus, StopSpeaking
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


def run(args: argparse.Namespace) -> int:
    if args.list_devices:
        return list_devices()
    from ntt.calibration.gaze import load_user_calibration, user_path
    from ntt.calibration.profile import load_profile
    from ntt.conversation.engine import ConversationEngine
    from ntt.conversation.speech import default_speech
    from ntt.io.playback import PlaybackReference
    from ntt.io.sources import CameraReader, LiveSource, MicrophoneReader
    from ntt.pipeline import build_pipeline
    from ntt.settings import Settings

    profile = load_profile(args.device)
    camera = None
    if not args.no_camera:
        camera = CameraReader(int(args.camera) if args.camera.isdigit() else args.camera)
    channels = profile.microphone.channels if profile.microphone.is_array else 1
    mic = MicrophoneReader(int(args.mic) if args.mic and args.mic.isdigit() else args.mic,
                           channels=channels)
    # What the engine's speech plays is recorded as the echo canceller's reference.
    reference = PlaybackReference()
    speech = default_speech(live=True, reference=reference)
    plays = bool(getattr(speech, "plays_audio", False))
    engine = ConversationEngine.live(speech=speech)  # speaks through the default device
    with ExitStack() as stack:
        observers = open_event_log(stack, args.events)
        gaze = load_user_calibration(user_path(args.user)) if args.user else None
        pipeline = build_pipeline(Settings(use_video=camera is not None, asr=args.asr),
                                  device=profile, gaze_correction=gaze,
                                  observers=observers, engine=engine,
                                  audio_channels=channels, playback=plays)
        source = LiveSource(mic, camera, playback=reference if plays else None)
        try:
            for item in pipeline.run(source):
                _show(item, args.json)
        except KeyboardInterrupt:
            source.stop()
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
