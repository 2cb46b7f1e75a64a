"""Fusion: a causal streaming model, a feature tracker that follows the cues, training that
is reproducible, decisions with the latency the runtime promises."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ntt.cues import DeviceContext, Face, FacesCue, SourceStatus, SpeechEvent, Tick
from ntt.fusion.features import MODALITIES, N_FEATURES, N_MODALITIES, SLICES, VISION, FeatureTracker
from ntt.fusion.model import FusionNet, count_parameters


def test_model_is_causal_and_streams_like_the_batch():
    torch.manual_seed(0)
    net = FusionNet().eval()
    x = torch.randn(1, 60, N_FEATURES)
    m = (torch.rand(1, 60, N_MODALITIES) > 0.3).float()
    full, _, _ = net(x, m)
    x2 = x.clone()
    x2[:, 30:] = torch.randn(1, 30, N_FEATURES)  # change the future
    changed, _, _ = net(x2, m)
    assert torch.allclose(full[:, :30], changed[:, :30])
    assert not torch.allclose(full[:, 30:], changed[:, 30:])
    h = None
    steps = []
    for t in range(60):  # one tick at a time, as the runtime does
        out, _, h = net(x[:, t:t + 1], m[:, t:t + 1], h)
        steps.append(out[0, 0])
    assert torch.allclose(torch.stack(steps), full[0], atol=1e-5)


def test_numpy_ensemble_step_equals_the_mean_of_the_torch_members():
    from ntt.fusion.step import EnsembleStep

    torch.manual_seed(1)
    nets = [FusionNet(hidden=16).eval() for _ in range(3)]
    x = torch.randn(1, 40, N_FEATURES)
    m = (torch.rand(1, 40, N_MODALITIES) > 0.3).float()
    with torch.no_grad():
        outs = [net(x, m) for net in nets]
    full = torch.stack([o[0] for o in outs]).mean(0)
    mods = torch.stack([o[1] for o in outs]).mean(0)
    step = EnsembleStep([net.weights() for net in nets])
    h = step.initial_state()
    for t in range(40):
        logit, scores, h = step(x[0, t].numpy().astype(np.float64),
                                m[0, t].numpy().astype(np.float64), h)
        assert logit == pytest.approx(float(full[0, t]), abs=1e-5)
        assert np.allclose(scores, mods[0, t].numpy(), atol=1e-5)


def test_shipped_ensemble_is_small_and_fast_enough():
    from ntt.fusion.runtime import DEFAULT_MODEL, FusionModel

    model = FusionModel.load(DEFAULT_MODEL)
    assert len(model.nets) >= 2
    assert DEFAULT_MODEL.stat().st_size < 1_000_000
    assert sum(n.n_parameters for n in model.nets) < 50_000
    assert model.nets[0].n_parameters == count_parameters(FusionNet.from_weights(model.nets[0]))


def test_model_round_trip_and_a_stale_model_is_a_clear_error(tmp_path):
    from ntt.errors import InputError
    from ntt.fusion.runtime import Calibration, FusionModel

    torch.manual_seed(0)
    nets = [FusionNet(hidden=16).eval() for _ in range(2)]
    model = FusionModel([net.weights() for net in nets], Calibration(2.0, 0.4),
                        {"note": "test"})
    model.save(tmp_path / "f.npz")
    back = FusionModel.load(tmp_path / "f.npz")
    assert len(back.nets) == 2 and back.calibration == Calibration(2.0, 0.4)
    for net, b in zip(nets, back.nets, strict=True):
        again = FusionNet.from_weights(b)
        assert all(torch.equal(p, q) for p, q in zip(net.parameters(), again.parameters(),
                                                     strict=True))
    # A model saved before the features changed (one input fewer) cannot be loaded.
    old = FusionNet(hidden=16)
    old.encoders[0] = torch.nn.Linear(len(VISION), old.embed)  # one vision input short
    from ntt.fusion.runtime import WEIGHTS_FORMAT, WEIGHTS_VERSION
    from ntt.npz_model import save_npz_model

    save_npz_model(tmp_path / "old.npz", {"format": WEIGHTS_FORMAT, "version": WEIGHTS_VERSION},
                   {f"0/{k}": v.detach().numpy() for k, v in old.state_dict().items()})
    (tmp_path / "old.json").write_text('{"members": 1, "embed": 8, "hidden": 16}')
    with pytest.raises(InputError, match="retrain"):
        FusionModel.load(tmp_path / "old.npz")
    # A torch checkpoint (the format before 2026-12) is named as such.
    torch.save(torch.nn.ModuleList([nets[0]]).state_dict(), tmp_path / "torch.pt")
    (tmp_path / "torch.json").write_text('{"members": 1, "embed": 8, "hidden": 16}')
    with pytest.raises(InputError, match="not a fusion model file"):
        FusionModel.load(tmp_path / "torch.pt")


def test_a_model_from_before_the_direction_input_loads_and_ignores_it(tmp_path):
    """A sidecar that names no modalities is a model trained before the direction input
    existed: it loads with the five it had, and the direction's features and availability
    change nothing it computes."""
    import json

    from ntt.fusion.runtime import LEGACY_MODALITIES, Calibration, FusionModel
    from ntt.fusion.step import EnsembleStep

    torch.manual_seed(2)
    model = FusionModel([FusionNet(hidden=16, modalities=LEGACY_MODALITIES).eval().weights()],
                        Calibration(), {})
    model.save(tmp_path / "f.npz")
    meta = json.loads((tmp_path / "f.json").read_text())
    assert meta["modalities"] == list(LEGACY_MODALITIES)
    del meta["modalities"]
    (tmp_path / "f.json").write_text(json.dumps(meta))
    back = FusionModel.load(tmp_path / "f.npz")
    assert back.nets[0].modalities == LEGACY_MODALITIES
    step = EnsembleStep(back.nets)
    rng = np.random.default_rng(0)
    x = rng.normal(size=N_FEATURES)
    m = np.ones(N_MODALITIES)
    d = SLICES["direction"]
    x_other = x.copy()
    x_other[d] = rng.normal(size=d.stop - d.start)
    m_other = m.copy()
    m_other[MODALITIES.index("direction")] = 0.0
    a = step(x, m, step.initial_state())
    b = step(x_other, m_other, step.initial_state())
    assert a[0] == b[0] and len(a[1]) == len(LEGACY_MODALITIES)
    with torch.no_grad():
        full, mods, _ = FusionNet.from_weights(back.nets[0])(
            torch.tensor(x[None, None], dtype=torch.float32),
            torch.tensor(m[None, None], dtype=torch.float32))
    assert float(full[0, 0]) == pytest.approx(a[0], abs=1e-5)
    with pytest.raises(ValueError, match="modalities"):
        FusionNet(modalities=("vision", "smell"))


def _face(track, attending, mouth, height=100):
    return Face(track_id=track, box_xywh=(0, 0, height, height), yaw_deg=0.0, pitch_deg=0.0,
                roll_deg=0.0, attending=attending, mouth_activity=mouth)


def _vision(values, name):
    return values[SLICES["vision"].start + VISION.index(name)]


def test_tracker_picks_the_face_whose_mouth_moves():
    tracker = FeatureTracker()
    tracker.observe(SpeechEvent(1.1, "speech_start", 1.0))
    for k in range(5):
        tracker.observe(FacesCue(1.0 + 0.1 * k, k, (_face(0, 0.9, 0.05, 150),
                                                      _face(1, 0.2, 0.6, 80)), (640, 480)))
    f = tracker.tick(Tick(1.45))
    assert f.speaker_track == 1 and f.in_utterance
    assert _vision(f.values, "attending") == pytest.approx(0.2)
    assert _vision(f.values, "other_attending") == pytest.approx(0.9)
    assert f.mask[MODALITIES.index("vision")] == 1


def test_tracker_masks_what_is_missing():
    tracker = FeatureTracker()
    tracker.observe(FacesCue(0.0, 0, (_face(0, 0.9, 0.0),), (640, 480)))
    tracker.observe(SourceStatus(0.01, "camera_lost"))
    f = tracker.tick(Tick(0.05))
    assert f.mask[MODALITIES.index("vision")] == 0
    assert f.mask[MODALITIES.index("language")] == 0  # nothing recognised yet
    tracker.observe(SourceStatus(0.1, "camera_back"))
    tracker.observe(FacesCue(0.1, 1, (_face(0, 0.9, 0.0),), (640, 480)))
    assert tracker.tick(Tick(0.15)).mask[MODALITIES.index("vision")] == 1
    # Stale faces (a frozen camera) count as missing.
    assert tracker.tick(Tick(1.0)).mask[MODALITIES.index("vision")] == 0


def test_tracker_reads_device_context():
    tracker = FeatureTracker()
    tracker.observe(DeviceContext(1.0, True, False, None))
    f = tracker.tick(Tick(1.0))
    ctx = f.values[SLICES["context"]]
    assert ctx[0] == 1.0  # device speaking
    tracker.observe(DeviceContext(3.0, False, True, 3.0))
    ctx = tracker.tick(Tick(3.5)).values[SLICES["context"]]
    assert ctx[0] == 0.0 and ctx[1] == 1.0 and 0 < ctx[2] < 0.3


def test_metrics_agree_with_scikit_learn():
    from sklearn.metrics import roc_auc_score

    from ntt.eval.metrics import equal_error_rate, roc_auc, threshold_for_far

    rng = np.random.default_rng(0)
    labels = rng.random(400) < 0.4
    scores = np.where(labels, rng.normal(0.7, 0.15, 400), rng.normal(0.35, 0.15, 400))
    scores = np.round(scores, 2)  # ties
    assert roc_auc(scores, labels) == pytest.approx(roc_auc_score(labels, scores), abs=1e-9)
    eer = equal_error_rate(scores, labels)
    assert 0.05 < eer < 0.25
    t = threshold_for_far(scores, labels, 0.05)
    assert (scores[~labels] >= t).mean() <= 0.05
