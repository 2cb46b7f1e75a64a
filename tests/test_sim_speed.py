"""Rendering speed (issue 19, requirement 5): the vectorised rasteriser covers what a
per-triangle polygon fill covers, and an audio-only render is the same world without its
video — the same audio, labels and per-frame truth, no video.mp4."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from ntt.cli import main
from ntt.commands.simulate import session_name
from ntt.io.session import TRUTH_FILE, load_session
from ntt.sim.face_render import FacePose, _cover
from ntt.sim.photos import Identity, textured_face
from ntt.sim.render import render_session
from ntt.sim.scenarios import make_script

SHORT_S = 6.0


def _source_xy(model, d: np.ndarray, tri_ids: np.ndarray, xs: np.ndarray, ys: np.ndarray
               ) -> np.ndarray:
    """Where in the photo each pixel samples, through its triangle's affine map."""
    a, b, c = d[tri_ids, 0], d[tri_ids, 1], d[tri_ids, 2]
    m = np.stack([b - a, c - a], axis=2)  # (N, 2, 2): columns are the edges
    lam = np.linalg.solve(m, (np.stack([xs, ys], axis=1) - a)[:, :, None])[:, :, 0]
    s = model.src_xy[model.triangles[tri_ids]]
    return s[:, 0] + lam[:, :1] * (s[:, 1] - s[:, 0]) + lam[:, 1:] * (s[:, 2] - s[:, 0])


def test_cover_matches_a_polygon_fill_of_the_face_mesh():
    """``_cover`` against OpenCV's fillConvexPoly drawing the same front-facing triangles in
    the same order (the renderer before): the same pixels are covered, and each samples
    the photo at the same place (where the winning triangle differs, at shared edges,
    neighbours' affine maps agree)."""
    model = textured_face(Identity("grace_hopper"))
    pose = FacePose(yaw_deg=25.0, pitch_deg=-8.0, roll_deg=5.0, mouth_open=0.5)
    _, dst, v, _ = model._place((640, 480), (320.0, 240.0), 180.0, pose, None)
    d = dst[model.triangles].astype(np.float32)
    cross = ((d[:, 1, 0] - d[:, 0, 0]) * (d[:, 2, 1] - d[:, 0, 1])
             - (d[:, 1, 1] - d[:, 0, 1]) * (d[:, 2, 0] - d[:, 0, 0]))
    visible = (np.sign(cross) == model.src_sign) & (cross != 0)
    order = np.argsort(-v[:, 2][model.triangles].mean(axis=1))
    order = order[visible[order]]
    shape = (480, 640)
    xs, ys, which, l0, l1, l2 = _cover(d[order], shape)
    assert np.all((l0 > -1e-3) & (l1 > -1e-3) & (l2 > -1e-3))
    assert np.allclose(l0 + l1 + l2, 1.0, atol=1e-4)
    ours = np.full(shape, -1)
    ours[ys, xs] = order[which]
    theirs = np.full(shape, -1, dtype=np.int32)
    for t in order:
        cv2.fillConvexPoly(theirs, np.round(d[t] * 16).astype(np.int32), int(t), cv2.LINE_8, 4)
    covered, filled = ours >= 0, theirs >= 0
    assert covered.sum() > 20_000
    # The fill also takes pixels an edge merely touches: a rim one pixel wide, no more.
    assert (covered & ~filled).sum() == 0
    assert (filled & ~covered).sum() < 0.06 * filled.sum()
    py, px = np.nonzero(covered)
    d64 = d.astype(np.float64)
    mine = _source_xy(model, d64, ours[py, px], px, py)
    cv = _source_xy(model, d64, theirs[py, px], px, py)
    assert np.quantile(np.linalg.norm(mine - cv, axis=1), 0.99) < 0.5  # photo pixels


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """One two-people script rendered by ``ntt simulate --audio-only`` and with video."""
    root = tmp_path_factory.mktemp("speed")
    assert main(["simulate", str(root / "audio"), "--sessions", "1", "--seed", "4",
                 "--scenario", "two-people", "--duration", str(SHORT_S), "--audio-only"]) == 0
    audio_only = root / "audio" / session_name("two-people", 4)
    script = make_script("two-people", 4, SHORT_S, "train")
    with_video = render_session(script, root / "video")
    return audio_only, with_video


def test_audio_only_is_the_same_world_without_video(both):
    audio_only, with_video = both
    a, v = load_session(audio_only), load_session(with_video)
    assert a.video_path is None and v.video_path is not None
    assert not (audio_only / "video.mp4").exists()
    assert (audio_only / "audio.wav").read_bytes() == (with_video / "audio.wav").read_bytes()
    assert a.labels == v.labels
    ta = json.loads((audio_only / TRUTH_FILE).read_text())
    tv = json.loads((with_video / TRUTH_FILE).read_text())
    assert ta["video_rendered"] is False and tv["video_rendered"] is True
    assert ta["frames"] == tv["frames"] and len(ta["frames"]) == v.video.frame_count
    assert ta["utterances"] == tv["utterances"]
    assert any(p["looking_at_device"] for f in ta["frames"] for p in f["persons"].values())
    for info in ta["utterances"].values():
        assert {"gain_db", "rate_scale", "pitch_st", "f0_range"} <= set(info)
