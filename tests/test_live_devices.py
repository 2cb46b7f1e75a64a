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


def _error_line(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert "\n" not in err and "Traceback" not in err and captured.out == ""
    return err


def test_a_camera_that_is_not_there_is_named_before_anything_loads(capsys):
    """A camera index and a microphone index that do not exist: one line names both."""
    err = _error_line(capsys, ["live", "--camera", "99", "--mic", "99"])
    assert err.startswith("ntt live: error: camera 99: cannot be opened")
    assert "microphone 99: cannot be opened" in err
    assert "--list-devices" in err and "--no-camera" in err


def test_audio_only_names_only_the_microphone(capsys):
    err = _error_line(capsys, ["live", "--no-camera", "--mic", "99"])
    assert err.startswith("ntt live: error: microphone 99: cannot be opened")
    assert "camera" not in err.split("(")[0] and "--no-camera" not in err


def test_a_camera_that_gives_pictures_passes_the_check(tmp_path, astronaut_bgr):
    """The same check accepts what OpenCV can read a frame from (a video file as the
    camera), and refuses a device path that does not exist."""
    from ntt.commands.live import camera_problem
    from ntt.io.video_file import write_video

    video = tmp_path / "camera.mp4"
    write_video(video, [astronaut_bgr[:256, :256]] * 5, 10.0)
    assert camera_problem(str(video)) is None
    assert camera_problem(str(tmp_path / "video99")).startswith("camera ")
