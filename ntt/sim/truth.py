"""What a perfect front-end would report about a script's lines, without rendering.

The same rules as the renderer's per-frame truth (``ntt.sim.render``): a person is seen
when in the picture (after walking in) and not occluded, and looks at the device when the
head-plus-eye angle is under ``LOOKING_AT_DEVICE_DEG``, sampled at the script's frame
rate over the line. (The renderer's slow head sway of about 2 degrees is left out: it is
drawn from the render seed.) A line's end is the scheduling estimate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ntt.sim.conversation import DEVICE_WPM, estimate_duration_s
from ntt.sim.render import LOOKING_AT_DEVICE_DEG, _slide_x, looks_by_person, pose_at
from ntt.sim.script import Line, Script

PARTNER_PITCH_MIN_DEG = -12.0  # a look at someone across the room, not down at a task


@dataclass(frozen=True)
class LineTruth:
    line: Line
    end_s: float
    seen: float  # share of the line's frames the speaker is in the picture, unoccluded
    looking: float  # share of the line's frames the speaker looks at the device (and seen)
    at_addressee: float  # share looking towards the person addressed (0 for the device)
    since_device_s: float  # since the device's last finished reply (inf: none yet)
    device_asked: bool  # that reply was a question
    is_media: bool


def line_truths(script: Script) -> list[LineTruth]:
    """Per line spoken by a person or the TV, in start order."""
    persons = {p.id: p for p in script.persons}
    looks = looks_by_person(script)
    w = script.size_wh[0]
    out: list[LineTruth] = []
    device: list[tuple[float, bool]] = []  # (end, a question) of each reply so far
    for line in sorted(script.lines, key=lambda ln: ln.start_s):
        if line.speaker == "device":
            device.append((line.start_s + estimate_duration_s(line.text, DEVICE_WPM),
                           line.text.rstrip().endswith("?")))
            continue
        p = persons[line.speaker]
        end = line.start_s + estimate_duration_s(line.text, p.rate_wpm * line.rate_scale)
        seen = looking = toward = 0.0
        if p.visible and script.camera_on:
            target = persons.get(line.addressee)
            times = [line.start_s + i / script.fps
                     for i in range(max(1, int((end - line.start_s) * script.fps)))]
            n_seen = n_look = n_toward = 0
            for t in times:
                x = _slide_x(p, t)
                if x is None or not 0 <= x * w < w or any(a <= t <= b for a, b in p.occluded):
                    continue
                n_seen += 1
                yaw, pitch, gyaw, gpitch = pose_at(looks.get(p.id, []), t)
                n_look += math.hypot(yaw + gyaw, pitch + gpitch) < LOOKING_AT_DEVICE_DEG
                if target is not None and not target.is_media:
                    side = 1.0 if target.x_frac > p.x_frac else -1.0
                    n_toward += side * yaw > 25 and pitch > PARTNER_PITCH_MIN_DEG
            seen, looking, toward = (n / len(times) for n in (n_seen, n_look, n_toward))
        ended = [d for d in device if d[0] <= line.start_s + 0.1]  # as the oracle reads
        since = line.start_s - ended[-1][0] if ended else math.inf  # a session's turns
        out.append(LineTruth(line, end, seen, looking, toward, since,
                             bool(ended) and ended[-1][1], p.is_media))
    return out
