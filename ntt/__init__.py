"""NTT — natural turn-taking: is this person talking to the device?"""

import os as _os

# onnxruntime (the silero VAD, Whisper's) otherwise records a device id and a "ProcessInfo"
# event per run (OS, CPU, executable path) under ~/.cache/Microsoft/DeveloperTools/ and
# queues them for upload. It reads this switch once, when it is first loaded, so it is set
# here, before anything in ntt imports it — and set to 1 whatever was there.
_os.environ["ORT_DISABLE_TELEMETRY"] = "1"

__version__ = "0.1.0"
