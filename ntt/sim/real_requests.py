"""Real spoken requests as the directed lines of a simulated session (issue 21).

``with_real_requests`` gives every request a person says to the device (not the TV's
request-like lines, not the device's replies) one of the real recordings of
``ntt.endpoint.mix`` (people ordering drinks from a coffee maker; "Speech from the
Picovoice speech-to-intent benchmark (Apache-2.0)") from one split (``tune``: even sorted
index, ``report``: odd), drawn from the session seed. The renderer plays it from that
person's position through the room, the array and the noise like any line, with the
line's gain and the speaker's head direction; its pitch and pace are the recording's own.

The line's text becomes the recording's words as far as its labels tell (the slot values,
``mix.request_words``: there is no transcript), its category ``real-request``; a request
repeated after a mishearing is the same recording again.

The conversation scheduled each line's followers after the line's estimated length; a real
clip is longer or shorter, so every later line and look moves by the difference, keeping
the gaps and overlaps the conversation chose. A line that then no longer fits ends the
session there, as the conversation stops at the first line that does not fit.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from ntt.cues import SAMPLE_RATE_HZ
from ntt.endpoint.mix import SPEECH_DIR, command_audio, command_labels, request_words, split_names
from ntt.sim.conversation import DEVICE_WPM, estimate_duration_s
from ntt.sim.script import Line, Person, Script

REAL_REQUEST = "real-request"  # the category of a line that plays a recording
SEED_SALT = 21  # the draw's own stream: the script's draws stay as they were
END_MARGIN_S = 0.3  # as the conversation: the last line ends this long before the end


def is_request(line: Line, persons: dict[str, Person]) -> bool:
    """A person (not the TV, not the device) speaking to the device."""
    person = persons.get(line.speaker)
    return line.addressee == "device" and person is not None and not person.is_media


def _estimated_s(line: Line, persons: dict[str, Person]) -> float:
    """The length the conversation scheduled the line with."""
    person = persons.get(line.speaker)
    rate = DEVICE_WPM if person is None else person.rate_wpm * line.rate_scale
    return estimate_duration_s(line.text, rate)


def with_real_requests(script: Script, split: str, speech_dir: Path = SPEECH_DIR) -> Script:
    """The script with its requests to the device spoken by real recordings of ``split``."""
    labels = command_labels(speech_dir)
    names = split_names(labels, split)
    order = np.random.default_rng([script.seed, SEED_SALT]).permutation(len(names))
    persons = {p.id: p for p in script.persons}
    chosen: dict[tuple[str, str], str] = {}
    steps: list[tuple[float, float]] = []  # (script time, shift of everything after it)
    lines: list[tuple[Line, float]] = []  # (line at its script time, its length)
    for line in sorted(script.lines, key=lambda ln: ln.start_s):
        if not is_request(line, persons):
            lines.append((line, _estimated_s(line, persons)))
            continue
        key = (line.speaker, line.text)
        if key not in chosen:
            chosen[key] = names[int(order[len(chosen) % len(names)])]
        name = chosen[key]
        clip_s = len(command_audio(name, speech_dir)) / SAMPLE_RATE_HZ
        steps.append((line.start_s, clip_s - _estimated_s(line, persons)))
        lines.append((dataclasses.replace(line, text=request_words(labels[name]),
                                          category=REAL_REQUEST, recording=name), clip_s))

    def moved(t_s: float) -> float:
        return round(t_s + sum(d for at, d in steps if at < t_s), 3)

    kept = []
    for line, length_s in lines:
        start = moved(line.start_s)
        if start + length_s > script.duration_s - END_MARGIN_S:
            break
        kept.append(dataclasses.replace(line, start_s=start))
    looks = tuple(dataclasses.replace(lk, t_s=moved(lk.t_s)) for lk in script.looks)
    return dataclasses.replace(script, lines=tuple(kept), looks=looks)
