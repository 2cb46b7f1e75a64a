"""The eval journal survives an interrupted write: a last line cut anywhere (even inside a
UTF-8 character) is an unfinished session, and ``--resume`` takes the finished ones."""

from __future__ import annotations

import json

from ntt.eval.record import SessionRecord
from ntt.eval.sessions import JOURNAL_FILE, RecordStore


def _record(name: str) -> SessionRecord:
    return SessionRecord(name, "kitchen", 1.0, [], {"total": 0.1}, 0.1, "pocketsphinx")


def test_a_journal_line_cut_inside_a_utf8_character_is_unfinished(tmp_path):
    done, cut = tmp_path / "küche-1", tmp_path / "küche-2"
    for d in (done, cut):
        d.mkdir()
        (d / "audio.wav").write_bytes(b"x")
    store = RecordStore(tmp_path / "cache")
    store.save(done, "cfg", "k1", _record(done.name))
    store.save(cut, "cfg", "k2", _record(cut.name))
    journal = tmp_path / "cache" / JOURNAL_FILE
    # Written as UTF-8 (as a tool or another writer may), then cut inside the 'ü'.
    lines = [json.loads(line) for line in journal.read_text().splitlines()]
    data = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in lines).encode()
    last = data.rstrip(b"\n").rsplit(b"\n", 1)[1]
    at = len(data) - len(last) - 1 + last.index("ü".encode()) + 1  # between ü's two bytes
    journal.write_bytes(data[:at])
    resumed = RecordStore(tmp_path / "cache")
    assert resumed.finished(done, "cfg").name == done.name
    assert resumed.finished(cut, "cfg") is None


def test_undecodable_bytes_anywhere_cost_only_their_line(tmp_path):
    session = tmp_path / "s"
    session.mkdir()
    (session / "audio.wav").write_bytes(b"x")
    store = RecordStore(tmp_path / "cache")
    store.save(session, "cfg", "k1", _record("s"))
    journal = tmp_path / "cache" / JOURNAL_FILE
    journal.write_bytes(b"\xff\xfe garbage\n" + journal.read_bytes() + b"\xc3")
    assert RecordStore(tmp_path / "cache").finished(session, "cfg").name == "s"
