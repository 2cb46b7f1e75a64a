"""``ntt live --list-devices`` lists what --mic and --camera can name (issue 23, req. 5)."""

from __future__ import annotations

import glob

from ntt.cli import main


def test_list_devices_names_microphones_and_cameras(capsys):
    assert main(["live", "--list-devices"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("microphones")
    cams = sorted(glob.glob("/dev/video*"))
    if cams:
        assert all(path in out for path in cams)
    else:
        assert "cameras: none found (--no-camera)" in out
