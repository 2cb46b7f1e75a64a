"""``ntt wyoming wake|satellite``: NTT for Home Assistant over the Wyoming protocol.

``wake`` is a wake service any Wyoming satellite can point its wake URI at (audio-only
decision); ``satellite`` is NTT as the satellite itself, with its microphone and camera.
Both run until Ctrl-C or SIGTERM. Needs the ``wyoming`` extra.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from functools import partial

from ntt.errors import InputError

log = logging.getLogger(__name__)


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="role", metavar="ROLE", required=True,
                           parser_class=type(p))
    wake = sub.add_parser("wake", help="a wake service: detections at directed speech",
                          description="A Wyoming wake service: a satellite streams audio, "
                          "NTT sends a detection at each utterance it judges directed.")
    wake.add_argument("--uri", default="tcp://127.0.0.1:10400",
                      help="where to listen (tcp://HOST:PORT or unix://PATH)")
    _decision_arguments(wake)

    sat = sub.add_parser("satellite", help="NTT as a satellite Home Assistant connects to",
                         description="NTT as a Wyoming satellite: Home Assistant connects; "
                         "directed utterances run its pipeline, its replies are played.")
    sat.add_argument("--uri", default="tcp://0.0.0.0:10700", help="where to listen")
    sat.add_argument("--name", default="NTT", help="the satellite's name in Home Assistant")
    sat.add_argument("--area", help="the area it is in")
    sat.add_argument("--camera", default="0", help="camera index or video device path")
    sat.add_argument("--no-camera", action="store_true", help="audio only (privacy)")
    sat.add_argument("--mic", help="microphone name or index (default device)")
    sat.add_argument("--speaker", help="loudspeaker name or index (default device)")
    sat.add_argument("--no-speaker", action="store_true",
                     help="play nothing (Home Assistant's pipelines then end at the intent)")
    sat.add_argument("--replay", metavar="SESSION",
                     help="a recorded session as microphone and camera, at its own pace")
    _decision_arguments(sat)


def _decision_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--asr", default=None, choices=["pocketsphinx", "whisper"],
                   help="speech recognizer behind the lexical cue (default: whisper where the "
                        "whisper extra is installed, else pocketsphinx)")
    p.add_argument("--device", help="device profile (name or .toml): geometry, calibrated "
                   "threshold (default laptop-webcam; with --replay, the session's own)")


def _recognizer(args: argparse.Namespace) -> str:
    """Whisper where it is installed: audio-only, on the bundled living-room sample, the
    wake decision with pocketsphinx's words misses the second request and takes the
    device's second reply for one; with Whisper's it hears both requests and neither reply
    (README, "NTT as a wake service")."""
    if args.asr is not None:
        return args.asr
    import importlib.util

    asr = "whisper" if importlib.util.find_spec("faster_whisper") else "pocketsphinx"
    log.info("recognizer: %s (--asr to choose)", asr)
    return asr


def run(args: argparse.Namespace) -> int:
    try:
        import wyoming  # noqa: F401
    except ImportError:
        raise InputError("wyoming", "not installed: pip install 'ntt[wyoming]'") from None
    from wyoming.server import AsyncServer

    try:
        server = AsyncServer.from_uri(args.uri)
    except ValueError as exc:
        raise InputError("--uri", str(exc)) from None
    from ntt.calibration.profile import load_profile

    device = load_profile(args.device) if args.device else None
    if args.role == "wake":
        factory, cleanup = _wake(args, device)
    else:
        factory, cleanup = _satellite(args, device)
    print(f"ntt wyoming {args.role}: listening on {args.uri}", file=sys.stderr, flush=True)
    try:
        asyncio.run(server.run(factory))
    except OSError as exc:  # the port is taken, the socket path is not writable
        raise InputError("--uri", f"cannot listen on {args.uri}: {exc}") from None
    finally:
        cleanup()
    return 0


def _wake(args, device):
    """A Wyoming stream is one microphone and never the device's playback (the protocol has
    no echo reference), so the wake pipeline has no device-audio front-end."""
    from ntt.calibration.profile import load_profile
    from ntt.pipeline import build_pipeline
    from ntt.settings import Settings
    from ntt.wyoming.wake import WakeHandler, WakeService

    settings = Settings(use_video=False, asr=_recognizer(args))
    device = device or load_profile("laptop-webcam")
    build_pipeline(settings, device=device)  # load every model now: fail before listening
    service = WakeService(settings,
                          lambda turns: build_pipeline(settings, device=device, engine=turns))
    return partial(WakeHandler, service), lambda: None


def _satellite(args, device):
    from ntt.settings import Settings
    from ntt.wyoming.satellite import SatelliteHandler, SatelliteService, satellite_info

    session = _check_inputs(args)  # a bad session or microphone: say so before anything
    speaker = _speaker(args)
    use_video = not args.no_camera and (session is None or session.video_path is not None)
    settings = Settings(use_video=use_video, asr=_recognizer(args))
    wiring = _replay_wiring if session is not None else _live_wiring
    make_pipeline, make_source, reference = wiring(args, settings, device, session, speaker)
    service = SatelliteService(
        settings=settings, info=satellite_info(settings, args.name, args.area),
        make_pipeline=make_pipeline, make_source=make_source, speaker=speaker,
        reference=reference)
    return partial(SatelliteHandler, service), service.stop


def _replay_wiring(args, settings, device, session, speaker):
    """A replay hears the session as ``ntt run`` does (``build_session_pipeline``): its
    profile's array and its playback reference (what the recorded device played) through
    the front-end. Home Assistant's replies are played but never reach the recording's
    microphones, so they are no reference; they are fusion's context, as live."""
    from ntt.pipeline import build_session_pipeline, session_source

    def make_pipeline(turns=None):
        return build_session_pipeline(session, settings, device=device, engine=turns,
                                      device_turns=None if turns is None else ())

    loaded = make_pipeline()  # load every model now: fail before listening

    def make_source():
        return session_source(session, loaded, use_video=settings.use_video, realtime=True)

    return make_pipeline, make_source, None


def _live_wiring(args, settings, device, session, speaker):
    """Live, what the speaker plays is the echo canceller's reference, and the device's echo
    memory (``remembering_echo``) carries the canceller from one run to the next."""
    from ntt.calibration.profile import load_profile
    from ntt.device_audio import remembering_echo
    from ntt.io.playback import PlaybackReference
    from ntt.pipeline import build_pipeline

    device = device or load_profile("laptop-webcam")
    settings = remembering_echo(settings, device.name)
    reference = PlaybackReference() if speaker is not None else None
    channels = device.microphone.channels if device.microphone.is_array else 1

    def make_pipeline(turns=None):
        return build_pipeline(settings, device=device, engine=turns, audio_channels=channels,
                              playback=reference is not None)

    make_pipeline()  # load every model now: fail before listening
    return make_pipeline, _live_source(args, channels, reference), reference


def _check_inputs(args):
    """The replayed session, or a check that the microphone exists."""
    if args.replay:
        from ntt.io.session import load_session

        return load_session(args.replay)
    mic = _mic(args)
    try:
        import sounddevice as sd

        sd.query_devices(mic, kind="input")
    except Exception as exc:  # no PortAudio, no such device
        name = f" {mic!r}" if mic is not None else ""
        raise InputError("--mic", f"no microphone{name} ({exc})") from None
    return None


def _mic(args):
    return int(args.mic) if args.mic and args.mic.isdigit() else args.mic


def _live_source(args, channels, reference):
    """How the live satellite listens: its microphones and camera."""
    from ntt.io.sources import CameraReader, LiveSource, MicrophoneReader

    def live():
        camera = None
        if not args.no_camera:
            camera = CameraReader(int(args.camera) if args.camera.isdigit() else args.camera)
        return LiveSource(MicrophoneReader(_mic(args), channels=channels), camera,
                          playback=reference)

    return live


def _speaker(args):
    if args.no_speaker:
        return None
    from ntt.wyoming.replies import SoundDeviceSpeaker

    spec = int(args.speaker) if args.speaker and args.speaker.isdigit() else args.speaker
    try:
        return SoundDeviceSpeaker(spec)
    except Exception as exc:  # no PortAudio, no such device
        if args.speaker:
            raise InputError("--speaker", f"cannot open {args.speaker!r}: {exc}") from None
        log.warning("no speaker (%s): Home Assistant's replies will not be played", exc)
        return None
