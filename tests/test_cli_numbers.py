"""Numbers on the command line: out-of-range and non-finite values are refused with one
line and exit 2 before any work, and nothing is written."""

from __future__ import annotations

import pytest

from ntt.cli import main

BAD = [
    ["train", "DATA", "--epochs", "-1"],
    ["train", "DATA", "--epochs", "0"],
    ["train", "DATA", "--members", "0"],
    ["train", "DATA", "--target-far", "2"],
    ["train", "DATA", "--target-far", "nan"],
    ["train", "DATA", "--target-far", "0"],
    ["train", "DATA", "--calibration-share", "nan"],
    ["train", "DATA", "--calibration-share", "-1"],
    ["train", "DATA", "--calibration-share", "1"],
    ["asr", "x.wav", "--hangover-ms", "nan"],
    ["asr", "x.wav", "--hangover-ms", "inf"],
    ["asr", "x.wav", "--hangover-ms", "-5"],
    ["gui", "--at", "nan"],
    ["gui", "--at", "inf"],
    ["simulate", "OUT", "--duration", "nan"],
    ["simulate", "OUT", "--sessions", "-3"],
    ["calibrate", "camera", "x.png", "--square-mm", "nan"],
    ["calibrate", "threshold", "S", "--target-fa-per-hour", "nan"],
]


@pytest.mark.parametrize("argv", BAD, ids=[" ".join(a) for a in BAD])
def test_bad_numbers_are_one_line_and_exit_2(argv, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    flag = next(a for a in argv if a.startswith("--"))
    assert flag in err
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_good_numbers_still_parse():
    from ntt.cli import build_parser

    args = build_parser().parse_args(["train", "D", "--epochs", "3", "--target-far", "0.05",
                                      "--calibration-share", "0"])
    assert (args.epochs, args.target_far, args.calibration_share) == (3, 0.05, 0.0)
    assert build_parser().parse_args(["gui", "--at", "1.5"]).at == 1.5
