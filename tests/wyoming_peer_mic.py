"""A microphone for wyoming-satellite (its ``--mic-command``): raw 16 kHz 16-bit mono on
stdout, at the pace of a real one. Nothing until the file GO exists, then the WAV, then
silence; the test starts the recording when its Home Assistant is ready."""

import os
import sys
import time
import wave

CHUNK_FRAMES = 1024

wav_path, go_path = sys.argv[1], sys.argv[2]
with wave.open(wav_path, "rb") as wav:
    assert (wav.getframerate(), wav.getsampwidth(), wav.getnchannels()) == (16000, 2, 1)
    data = wav.readframes(wav.getnframes())
while not os.path.exists(go_path):
    time.sleep(0.01)
out = sys.stdout.buffer
step = 2 * CHUNK_FRAMES
t0 = time.monotonic()
for n in range(10**6):
    block = data[n * step:(n + 1) * step]
    out.write(block.ljust(step, b"\0"))
    out.flush()
    time.sleep(max(0.0, t0 + (n + 1) * CHUNK_FRAMES / 16000 - time.monotonic()))
