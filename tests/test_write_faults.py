"""Outputs that cannot be written — a full disk (``RLIMIT_FSIZE``: the kernel's EFBIG, as
when a quota or the disk runs out), a file where a directory belongs, a place under /proc
— are one line and exit 2, checked before the long work, and lose nothing computed."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SAMPLE

from ntt.cli import main
from ntt.errors import InputError

NTT = Path(sys.executable).parent / "ntt"
UNWRITABLE = "/proc/ntt-no-such-dir/out"  # nothing can be created under /proc, even by root


def _limited(limit_bytes: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))
    return apply


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def _cli(argv, capsys) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


EVENTS = """
import sys
from contextlib import ExitStack
from ntt.cues import DeviceTurn
from ntt.jsonout import event_log_error, open_event_log
with ExitStack() as stack:
    log = open_event_log(stack, sys.argv[1])
    for i in range(3000):
        log[0](DeviceTurn(float(i), i + 0.5, "turn on the kitchen lights " * (1 + i % 3)))
print(event_log_error(log))
"""


def test_event_log_on_a_full_disk_keeps_whole_lines(tmp_path):
    path = tmp_path / "events.jsonl"
    run = subprocess.run([sys.executable, "-c", EVENTS, str(path)], capture_output=True,
                         text=True, preexec_fn=_limited(20_000), timeout=120)
    assert run.returncode == 0, run.stderr  # the producer went on
    assert "File too large" in run.stdout and "holds the lines before" in run.stdout
    data = path.read_bytes()
    assert 0 < len(data) <= 20_000 and data.endswith(b"\n")
    lines = data.decode().splitlines()
    assert all(json.loads(line)["type"] == "DeviceTurn" for line in lines)
    assert [json.loads(line)["start_s"] for line in lines] == list(range(len(lines)))


def test_ntt_run_on_a_full_disk_prints_its_decisions(tmp_path):
    path = tmp_path / "events.jsonl"
    run = subprocess.run([str(NTT), "run", str(SAMPLE), "--asr", "none", "--no-video",
                          "--events", str(path)], capture_output=True, text=True,
                         preexec_fn=_limited(50_000), timeout=600)
    assert run.returncode == 2
    assert "utterances" in run.stdout.splitlines()[-1]  # the summary: decisions kept
    line = run.stderr.strip().splitlines()[-1]
    assert line.startswith(f"ntt run: error: {path}: cannot write the event log")
    assert "Traceback" not in run.stderr
    assert path.read_bytes().endswith(b"\n")
    assert all(json.loads(x) for x in path.read_text().splitlines())


def test_record_store_on_a_full_disk_leaves_no_part_file(tmp_path):
    code = """
import sys
from ntt.errors import InputError
from ntt.eval.record import SessionRecord
from ntt.eval.sessions import RecordStore
record = SessionRecord("s", "x", 1.0, list(range(200_000)), {}, 0.0, "none")
try:
    RecordStore(sys.argv[1]).save(sys.argv[2], "cfg", "k", record)
except InputError as exc:
    print(exc)
"""
    (tmp_path / "s").mkdir()
    run = subprocess.run([sys.executable, "-c", code, str(tmp_path / "cache"),
                          str(tmp_path / "s")], capture_output=True, text=True,
                         preexec_fn=_limited(100_000), timeout=120)
    assert "cannot store the record (File too large)" in run.stdout, run.stderr
    assert list((tmp_path / "cache").iterdir()) == []  # no .part, no record, no journal


@pytest.mark.parametrize("flag", ["--cache", "--report"])
def test_eval_outputs_are_checked_before_any_work(tmp_path, capsys, flag):
    a_file = tmp_path / "file"
    a_file.write_text("mine")
    for bad in (str(a_file), UNWRITABLE, str(a_file / "sub")) + (("",) if flag == "--cache"
                                                                  else ()):
        code, out, err = _cli(["eval", str(SAMPLE), flag, bad], capsys)
        assert code == 2 and out == ""
        assert flag in _one_line(err)
    assert a_file.read_text() == "mine"
    assert not (Path.cwd() / "journal.jsonl").exists()


def test_train_out_is_checked_before_recording(tmp_path, capsys):
    for bad in (str(tmp_path), UNWRITABLE + ".npz"):
        code, _, err = _cli(["train", str(SAMPLE), "--out", bad,
                             "--cache", str(tmp_path / "cache")], capsys)
        assert code == 2 and "--out" in _one_line(err)
    assert not (tmp_path / "cache").exists()


def test_simulate_out_is_checked_before_rendering(tmp_path, capsys):
    a_file = tmp_path / "file"
    a_file.write_text("mine")
    for bad in (str(a_file), UNWRITABLE):
        code, _, err = _cli(["simulate", bad, "--sessions", "1"], capsys)
        assert code == 2 and "OUT" in _one_line(err)
    assert a_file.read_text() == "mine"


def test_nudge_out_a_directory_or_unwritable(tmp_path, capsys):
    feedback = tmp_path / "feedback.jsonl"
    feedback.write_text("")
    for bad in (str(tmp_path), UNWRITABLE + ".toml"):
        code, _, err = _cli(["calibrate", "nudge", str(feedback), "--out", bad], capsys)
        assert code == 2 and "--out" in _one_line(err)


def test_model_save_on_a_full_disk_keeps_the_old_model(tmp_path):
    from ntt.fusion.runtime import DEFAULT_MODEL, FusionModel

    model = FusionModel.load(DEFAULT_MODEL)
    model.save(tmp_path / "m.npz")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    code = f"""
import resource
from ntt.fusion.runtime import FusionModel
m = FusionModel.load({str(tmp_path / 'm.npz')!r})
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
m.save({str(tmp_path / 'm.npz')!r})
"""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert "InputError" in run.stderr and "cannot write the model" in run.stderr
    # The weights, the utterance head and the sidecar, each as it was, and nothing else.
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    assert sorted(before) == ["m.json", "m.npz", "m_head.npz"]
    with pytest.raises(InputError):
        FusionModel.load(tmp_path / "missing.npz")


def test_export_on_a_full_disk_is_one_line_and_leaves_nothing(tmp_path):
    out = tmp_path / "copy"
    run = subprocess.run([sys.executable, "-m", "ntt.cli", "export", str(SAMPLE), str(out)],
                         capture_output=True, text=True, preexec_fn=_limited(100_000),
                         timeout=300)
    assert run.returncode == 2
    assert "cannot write" in _one_line(run.stderr)
    assert not out.exists() and list(tmp_path.iterdir()) == []
