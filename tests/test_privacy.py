"""Privacy: exports with blurred faces, a store that forgets."""

from __future__ import annotations

import cv2
import numpy as np
from conftest import SAMPLE

from ntt.cli import main
from ntt.cues import VideoFrame
from ntt.io.session import load_session


def _faces_found(path) -> int:
    from ntt.settings import VisionSettings
    from ntt.vision.analyzer import FaceAnalyzer
    from ntt.vision.detector import FaceDetector
    from ntt.vision.landmarks import FaceMesh

    cap = cv2.VideoCapture(str(path))
    found = 0
    with FaceDetector() as detector, FaceMesh() as mesh:
        for index in range(0, 30, 5):
            cap.set(cv2.CAP_PROP_POS_FRAMES, index)
            ok, frame = cap.read()
            analyzer = FaceAnalyzer(detector, mesh, settings=VisionSettings(exhaustive=True))
            found += len(analyzer.push(VideoFrame(0.0, index, frame))[0].faces)
    return found


def test_export_blurs_faces_and_keeps_the_rest(tmp_path, make_session):
    # A short session (the bundled samples are exported frame by frame in
    # test_blur_export.py).
    src = make_session("astronaut")
    out = tmp_path / "blurred"
    assert main(["export", str(src), str(out), "--blur-faces"]) == 0
    original, copy = load_session(src), load_session(out)
    assert copy.labels == original.labels
    assert np.allclose(copy.audio(), original.audio(), atol=1e-4)
    assert copy.video.frame_count == original.video.frame_count
    assert _faces_found(original.video_path) >= 5
    assert _faces_found(copy.video_path) == 0


def test_export_refuses_to_overwrite_the_source(capsys):
    assert main(["export", str(SAMPLE), str(SAMPLE)]) == 2
    assert "somewhere else" in capsys.readouterr().err


def test_forget_clears_the_store(tmp_path):
    from ntt.conversation.store import Store

    store = Store(tmp_path)
    store.list_add("shopping list", "oat milk")
    store.set_setting("volume", 7)
    store.close()
    assert main(["forget", "--data-dir", str(tmp_path)]) == 0
    store = Store(tmp_path)
    try:
        assert store.list_items("shopping list") == [] and store.setting("volume") is None
        assert sum(store.counts().values()) == 0
        raw = store.path.read_bytes()
        assert b"oat milk" not in raw  # erased, not just unlinked from the tables
    finally:
        store.close()
