"""Sources (files, camera, microphone) and the recorded-session format."""

from ntt.cues import DeviceTurn
from ntt.io.session import Labels, Session, Utterance, load_session, write_session

__all__ = ["DeviceTurn", "Labels", "Session", "Utterance", "load_session", "write_session"]
