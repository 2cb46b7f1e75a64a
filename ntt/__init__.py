"""NTT — natural turn-taking: is this person talking to the device?"""

import os as _os

# onnxruntime (the silero VAD, Whisper's) otherwise records a device id and a "ProcessInfo"
# event per run (OS, CPU, executable path) under ~/.cache/Microsoft/DeveloperTools/ and
# queues them for upload. It reads this switch once, when it is first loaded, so it is set
# here, before anything in ntt imports it — and set to 1 whatever was there.
_os.environ["ORT_DISABLE_TELEMETRY"] = "1"

__version__ = "0.1.0"

# The Python API (``ntt.api``; README "Python API"), loaded on first use so that ``import
# ntt`` stays free of numpy and the front-ends.
__all__ = ["Decision", "Settings", "Stream", "open_live", "open_session"]


def __getattr__(name: str):
    if name in ("Stream", "open_live", "open_session"):
        from ntt import api

        return getattr(api, name)
    if name == "Settings":
        from ntt.settings import Settings

        return Settings
    if name == "Decision":
        from ntt.cues import Decision

        return Decision
    raise AttributeError(f"module 'ntt' has no attribute {name!r}")
