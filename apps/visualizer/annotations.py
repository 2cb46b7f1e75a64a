"""Editing a session's ground truth: utterances marked directed / not directed / addressee,
saved as ``labels.json`` (no Qt). The session reader validates what is saved; a file it
would reject is rolled back, so annotating never leaves a session unreadable."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ntt.errors import InputError
from ntt.io.session import (
    ADDRESSEE_FIXED,
    LABELS_FILE,
    Labels,
    Utterance,
    labels_to_json,
    load_session,
    write_json_atomic,
)
from ntt.matching import Span, overlap

DEVICE = "device"
NOBODY = "none"
DEFAULT_SPEAKER = "user"
# A VAD segment that overlaps an existing utterance by this fraction is already annotated.
OVERLAP_FRACTION = 0.3


class Annotations:
    """The utterance list of one session being edited, kept sorted by start."""

    def __init__(self, labels: Labels | None, participants: tuple[str, ...] = (),
                 duration_s: float = 0.0):
        self.participants = participants
        self.duration_s = duration_s
        self.utterances: list[Utterance] = list(labels.utterances) if labels else []
        self.device_turns = tuple(labels.device_turns) if labels else ()
        self.dirty = False

    def addressees(self) -> list[str]:
        return [DEVICE, NOBODY, *self.participants]

    def speakers(self) -> list[str]:
        return list(self.participants) or [DEFAULT_SPEAKER]

    def _new_id(self) -> str:
        taken = {u.id for u in self.utterances}
        n = len(self.utterances)
        while f"a{n:03d}" in taken:
            n += 1
        return f"a{n:03d}"

    def _check(self, start_s: float, end_s: float, speaker: str, addressee: str) -> None:
        if not 0 <= start_s < end_s:
            raise InputError("annotation", f"needs 0 <= start < end, got {start_s:g}..{end_s:g}")
        if self.duration_s and end_s > self.duration_s + 0.05:
            raise InputError("annotation", f"ends at {end_s:g} s, after the audio "
                                           f"({self.duration_s:.2f} s)")
        if self.participants:
            if speaker not in self.participants:
                raise InputError("annotation", f"speaker '{speaker}' is not a participant")
            if addressee not in ADDRESSEE_FIXED and addressee not in self.participants:
                raise InputError("annotation", f"addressee '{addressee}' is neither 'device', "
                                               "'none' nor a participant")

    def add(self, start_s: float, end_s: float, speaker: str | None = None,
            addressee: str = NOBODY, text: str = "") -> int:
        """Add an utterance; ``directed`` follows from ``addressee == 'device'``. Returns its
        index in the sorted list."""
        speaker = speaker or self.speakers()[0]
        self._check(start_s, end_s, speaker, addressee)
        u = Utterance(self._new_id(), round(start_s, 3), round(end_s, 3), speaker,
                      addressee == DEVICE, addressee, text)
        self.utterances.append(u)
        self.utterances.sort(key=lambda x: x.start_s)
        self.dirty = True
        return self.utterances.index(u)

    def update(self, index: int, **changes) -> int:
        """Change fields (``start_s``, ``end_s``, ``speaker``, ``addressee``, ``text``);
        ``directed`` always follows the addressee. Returns the utterance's new index."""
        u = replace(self.utterances[index], **changes)
        u = replace(u, directed=u.addressee == DEVICE)
        self._check(u.start_s, u.end_s, u.speaker, u.addressee)
        self.utterances[index] = u
        self.utterances.sort(key=lambda x: x.start_s)
        self.dirty = True
        return self.utterances.index(u)

    def mark(self, index: int, directed: bool, addressee: str | None = None) -> int:
        """Directed means addressed to the device; not directed keeps a person addressee or
        falls back to ``none``."""
        if directed:
            return self.update(index, addressee=DEVICE)
        current = self.utterances[index].addressee
        if addressee is None:
            addressee = current if current != DEVICE else NOBODY
        return self.update(index, addressee=addressee)

    def remove(self, index: int) -> None:
        del self.utterances[index]
        self.dirty = True

    def add_segments(self, segments: list[tuple[float, float]]) -> int:
        """Add every voice-activity span not yet annotated (as not directed, to be marked).
        Returns how many were added."""
        added = 0
        for start, end in segments:
            if end <= start:
                continue
            segment = Span(start, end)
            covered = any(overlap(u, segment) >= OVERLAP_FRACTION * (end - start)
                          for u in self.utterances)
            if not covered:
                end = min(end, self.duration_s) if self.duration_s else end
                self.add(start, end)
                added += 1
        return added

    def at(self, t_s: float) -> int | None:
        for i, u in enumerate(self.utterances):
            if u.start_s <= t_s <= u.end_s:
                return i
        return None

    def to_labels(self) -> Labels:
        return Labels(tuple(self.utterances), self.device_turns)

    def save(self, session_root: str | Path) -> Path:
        """Write ``labels.json`` and read the session back; restore the old file if the
        reader rejects the new one (raises its InputError)."""
        path = Path(session_root) / LABELS_FILE
        previous = path.read_bytes() if path.exists() else None
        write_json_atomic(path, labels_to_json(self.to_labels()))
        try:
            load_session(session_root)
        except InputError:
            if previous is None:
                path.unlink()
            else:
                path.write_bytes(previous)
            raise
        self.dirty = False
        return path
