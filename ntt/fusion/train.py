"""Training the fusion model on recorded cue streams of simulated sessions.

Features are computed by replaying each session's recorded cues (``ntt.eval.record``)
through the same ``FeatureTracker`` the runtime uses. Targets: every tick of a labelled
utterance (and the wait for its final decision) carries its ``directed`` label; ticks of the
device's own voice are negatives. Modality dropout teaches the model to cope with any
subset of modalities (camera off, recognizer late). Temperature scaling on held-out
sessions calibrates the scores; the threshold meets a target false-accept rate.
Runs on the CPU, or on a CUDA GPU when present; seeded and reproducible.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from ntt.cues import Decision, SpeechEvent, Tick
from ntt.fusion.features import (
    N_FEATURES,
    N_MODALITIES,
    SLICES,
    FeatureTracker,
    hide_faces,
)
from ntt.fusion.model import FusionNet
from ntt.fusion.step import NetWeights
from ntt.matching import labelled_matches, match_decisions

if TYPE_CHECKING:
    from ntt.vision.camera import CameraGeometry

log = logging.getLogger(__name__)

AFTER_END_S = 0.5  # ticks this long after a labelled end still belong to the utterance
CHUNK_TICKS = 400  # 20 s training windows
KEEP_P = 0.85  # each modality survives dropout with this probability
SINGLE_MODALITY_P = 0.1  # share of windows that keep one sensing modality only
FINAL_WEIGHT = 3.0  # ticks where the final decision is read out count this much more
CONTEXT_NOISE_P = 0.1  # previous-decision context flipped, as the model's own errors would


@dataclass(frozen=True)
class FusionTrainSettings:
    """How the fusion model is trained (``fit_fusion``)."""

    epochs: int = 60
    lr: float = 3e-3
    batch: int = 16
    seed: int = 0
    aux_weight: float = 0.3
    weight_decay: float = 1e-3
    hidden: int = 16
    target_far: float = 0.03
    # A device with no wake word: the threshold for this many false accepts per hour of
    # the calibration sessions' non-directed speech instead of a false-accept rate.
    target_fa_per_hour: float | None = None
    members: int = 3  # ensemble members, seeds seed .. seed + members - 1
    utterance_head: bool = True  # final decisions from boosted trees (ntt.fusion.utterance_head)


@dataclass
class Sequence:
    t: np.ndarray  # (T,)
    x: np.ndarray  # (T, F)
    mask: np.ndarray  # (T, M)
    y: np.ndarray  # (T,)
    w: np.ndarray  # (T,)
    scenario: str


def features_from_cues(cues: list, labels, rng: np.random.Generator,
                       camera: CameraGeometry | None = None) -> Sequence:
    """Replay cues through the runtime's feature tracker (with the session's camera, for the
    faces' azimuths); targets from the labels. The previous-decision context is set from
    the labels (with noise) at each endpoint, where the runtime would set it from its own
    decision."""
    tracker = FeatureTracker(camera)
    utts = labels.utterances if labels else ()
    turns = labels.device_turns if labels else ()
    rows_t, rows_x, rows_m = [], [], []
    pending_end: float | None = None
    for cue in cues:
        if isinstance(cue, Tick):
            f = tracker.tick(cue)
            rows_t.append(f.t_s)
            rows_x.append(f.values)
            rows_m.append(f.mask)
            if pending_end is not None and cue.t_s >= pending_end:
                label = _label_at(utts, pending_end - 0.3)
                directed = bool(label.directed) if label is not None else False
                if rng.random() < CONTEXT_NOISE_P:
                    directed = not directed
                p = float(np.clip(rng.normal(0.85 if directed else 0.15, 0.1), 0, 1))
                tracker.end_utterance(p, directed)
                pending_end = None
            continue
        tracker.observe(cue)
        if isinstance(cue, SpeechEvent) and cue.kind == "speech_end":
            pending_end = cue.t_s + 0.1
    t = np.array(rows_t, dtype=np.float32)
    y = np.zeros(len(t), dtype=np.float32)
    w = np.zeros(len(t), dtype=np.float32)
    for u in utts:
        sel = (t >= u.start_s) & (t <= u.end_s + AFTER_END_S)
        y[sel] = float(u.directed)
        w[sel] = 1.0
        w[sel & (t >= u.end_s)] = FINAL_WEIGHT
    in_speech = np.array([x[SLICES["audio"].start] > 0 for x in rows_x]) if rows_x else \
        np.zeros(0, bool)
    for turn in turns:
        sel = (t >= turn.start_s) & (t <= turn.end_s) & (w == 0) & in_speech
        w[sel] = 1.0  # the device's own voice: a negative
    return Sequence(t, np.array(rows_x, np.float32).reshape(-1, N_FEATURES),
                    np.array(rows_m, np.float32).reshape(-1, N_MODALITIES), y, w, "")


def _label_at(utts, t: float):
    best = None
    for u in utts:
        if u.start_s - 0.3 <= t <= u.end_s + 0.6:
            best = u
    return best


def _chunks(seqs: list[Sequence]) -> list[tuple[np.ndarray, ...]]:
    out = []
    for s in seqs:
        for a in range(0, max(len(s.t) - 20, 1), CHUNK_TICKS // 2):
            b = min(a + CHUNK_TICKS, len(s.t))
            if s.w[a:b].sum() > 0:
                out.append((s.x[a:b], s.mask[a:b], s.y[a:b], s.w[a:b]))
    return out


def _dropout(mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    keep = (rng.random(N_MODALITIES) < KEEP_P).astype(np.float32)
    if rng.random() < SINGLE_MODALITY_P:
        keep[:] = 0
        keep[rng.integers(N_MODALITIES)] = 1
    if keep.sum() == 0:
        keep[rng.integers(N_MODALITIES)] = 1
    return mask * keep[None, :]


def _batch(chunks, idx, rng, device, dropout: bool):
    n = max(len(chunks[i][0]) for i in idx)
    x = np.zeros((len(idx), n, N_FEATURES), np.float32)
    m = np.zeros((len(idx), n, N_MODALITIES), np.float32)
    y = np.zeros((len(idx), n), np.float32)
    w = np.zeros((len(idx), n), np.float32)
    for j, i in enumerate(idx):
        cx, cm, cy, cw = chunks[i]
        k = len(cx)
        x[j, :k], y[j, :k], w[j, :k] = cx, cy, cw
        m[j, :k] = _dropout(cm, rng) if dropout else cm
        x[j, :k] = hide_faces(cx, m[j, :k])
    return [torch.from_numpy(a).to(device) for a in (x, m, y, w)]


def train_net(train: list[Sequence], config: FusionTrainSettings = FusionTrainSettings()
              ) -> FusionNet:
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cpu":
        # A net this small gains nothing from intra-op threads: on the shared 2-core machine
        # one thread trained 4x faster than two (CPU seconds per epoch).
        torch.set_num_threads(1)
    net = FusionNet(hidden=config.hidden).to(device)
    chunks = _chunks(train)
    if not chunks:
        raise ValueError("no labelled utterances to train on")
    opt = torch.optim.AdamW(net.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    bce = nn.BCEWithLogitsLoss(reduction="none")
    for epoch in range(config.epochs):
        order = rng.permutation(len(chunks))
        total = 0.0
        for a in range(0, len(order), config.batch):
            x, m, y, w = _batch(chunks, order[a:a + config.batch], rng, device, dropout=True)
            logits, mod_logits, _ = net(x, m)
            loss = (bce(logits, y) * w).sum() / w.sum().clamp(min=1)
            aux_w = w[..., None] * m[..., net.at]
            aux = (bce(mod_logits, y[..., None].expand_as(mod_logits)) * aux_w).sum() / \
                aux_w.sum().clamp(min=1)
            loss = loss + config.aux_weight * aux
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            total += float(loss.detach())
        if epoch % 10 == 0 or epoch == config.epochs - 1:
            log.info("epoch %d loss %.4f", epoch, total)
    return net.cpu().eval()


def fit_temperature(ps: np.ndarray, labels: np.ndarray) -> float:
    """Temperature that minimises the log loss of held-out final decisions."""
    eps = 1e-6
    logits = np.log(np.clip(ps, eps, 1 - eps) / np.clip(1 - ps, eps, 1))
    best_t, best_nll = 1.0, math.inf
    for temp in np.exp(np.linspace(np.log(0.25), np.log(16.0), 121)):
        q = 1 / (1 + np.exp(-logits / temp))
        nll = -np.mean(labels * np.log(q + eps) + (1 - labels) * np.log(1 - q + eps))
        if nll < best_nll:
            best_t, best_nll = float(temp), nll
    return best_t


def _camera(pair: tuple) -> CameraGeometry | None:
    """A training pair is (cues, labels) or (cues, labels, the session's camera)."""
    return pair[2] if len(pair) > 2 else None


def _replay_finals(model, pair) -> list[tuple[Decision, np.ndarray | None]]:
    """The runtime's final decisions on one session, each with the utterance head's inputs
    at its tick."""
    from ntt.fusion.runtime import model_fusion

    stage = model_fusion(model, camera=_camera(pair))
    out = []

    def keep(decisions) -> None:
        out.extend((d, stage.scorer.last_head_inputs) for d in decisions
                   if isinstance(d, Decision) and d.kind == "final")

    for cue in pair[0]:
        keep(stage.push(cue))
    keep(stage.flush())
    return out


def head_rows(nets: list[NetWeights], cues_and_labels: list[tuple], seed: int = 0
              ) -> tuple[np.ndarray, np.ndarray]:
    """The utterance head's training rows: the inputs at every final decision of a runtime
    replay (the GRU's own earlier decisions as context), labelled by the utterance it
    matches (a false trigger, the device's voice included, is not directed); each row also
    ``HEAD_DROPOUT_COPIES`` times with modalities dropped as in the GRU's training, so the
    head decides with the camera off or the recognizer late."""
    from ntt.fusion.runtime import Calibration, FusionModel
    from ntt.fusion.utterance_head import head_inputs

    probe = FusionModel(nets, Calibration(1.0, 0.5), {})
    rng = np.random.default_rng(seed)
    rows, ys = [], []
    for pair in cues_and_labels:
        finals = _replay_finals(probe, pair)
        labels = {id(m.decision): bool(m.utterance.directed) if m.utterance is not None
                  else False for m in match_decisions([d for d, _ in finals],
                                                      pair[1].utterances)
                  if m.decision is not None}
        for d, inputs in finals:
            values, mask = inputs[:N_FEATURES], inputs[N_FEATURES:]
            rows.append(inputs)
            ys.append(labels.get(id(d), False))
            for _ in range(HEAD_DROPOUT_COPIES):
                rows.append(head_inputs(values, _dropout(mask[None], rng)[0]))
                ys.append(ys[-1])
    return np.array(rows).reshape(-1, N_FEATURES + N_MODALITIES), np.array(ys, bool)


HEAD_DROPOUT_COPIES = 3


def final_scores(model, cues_and_labels: list[tuple]
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Uncalibrated p of each labelled utterance's final decision (``ntt.matching``; 0 for
    a missed one), replaying the runtime; its label; its duration (s)."""
    ps, ys, durations = [], [], []
    for pair in cues_and_labels:
        finals = [d for d, _ in _replay_finals(model, pair)]
        for m in labelled_matches(match_decisions(finals, pair[1].utterances)):
            ps.append(m.decision.p_directed if m.decision is not None else 0.0)
            ys.append(m.utterance.directed)
            durations.append(m.utterance.end_s - m.utterance.start_s)
    return np.array(ps), np.array(ys, dtype=bool), np.array(durations)


def fit_fusion(train: list[tuple], calibrate: list[tuple],
               config: FusionTrainSettings = FusionTrainSettings()):
    """Train on ``train`` (cue stream, labels[, camera]) tuples, calibrate on ``calibrate``;
    returns a ``FusionModel`` and a dict of what happened (for the model card)."""
    from ntt.eval.metrics import equal_error_rate, threshold_for_far
    from ntt.fusion.runtime import Calibration, FusionModel
    from ntt.fusion.utterance_head import fit_utterance_head

    rng = np.random.default_rng(config.seed)
    seqs = [features_from_cues(pair[0], pair[1], rng, _camera(pair)) for pair in train]
    nets = [train_net(seqs, dataclasses.replace(config, seed=config.seed + k)).weights()
            for k in range(config.members)]
    head, head_info = None, {}
    if config.utterance_head:
        rows, directed = head_rows(nets, train, config.seed)
        head = fit_utterance_head(rows, directed, config.seed)
        head_info = {"head_rows": int(len(rows)), "head_directed": int(directed.sum()),
                     "head_dropout_copies": HEAD_DROPOUT_COPIES}
    # The GRU's temperature (early decisions, the per-tick p) from its own final p.
    gru_ps, ys, durations = final_scores(FusionModel(nets, Calibration(1.0, 0.5), {}),
                                         calibrate)
    two = len(set(ys)) == 2
    temperature = fit_temperature(gru_ps, ys.astype(float)) if two else 1.0
    # The final p: the head's where there is one, with its own temperature. A temperature
    # moves no decision across 0.5, so the replay's context is the same either way.
    ps, final_temperature = gru_ps, temperature
    if head is not None:
        ps, _, _ = final_scores(FusionModel(nets, Calibration(1.0, 0.5), {}, head),
                                calibrate)
        final_temperature = fit_temperature(ps, ys.astype(float)) if two else 1.0
        head = head.calibrated(final_temperature)
    eps = 1e-6
    logits = np.log(np.clip(ps, eps, 1 - eps) / np.clip(1 - ps, eps, 1))
    cal = 1 / (1 + np.exp(-logits / final_temperature))
    threshold = threshold_for_far(cal, ys, config.target_far) if len(set(ys)) == 2 else 0.5
    fa_per_hour = None
    if config.target_fa_per_hour is not None and len(set(ys)) == 2:
        from ntt.calibration.threshold import CalibrationScore, choose_threshold

        point = choose_threshold([CalibrationScore(float(p), bool(y)) for p, y in zip(
            cal, ys, strict=True)], float(durations[~ys].sum()), config.target_fa_per_hour)
        threshold, fa_per_hour = point.threshold, point.fa_per_hour
    info = {
        "train_sessions": len(train), "calibration_sessions": len(calibrate),
        "train_ticks": int(sum(len(s.t) for s in seqs)),
        "train_utterance_ticks": int(sum(s.w.sum() for s in seqs)),
        "calibration_utterances": int(len(ys)),
        "calibration_eer": float(equal_error_rate(cal, ys)) if len(set(ys)) == 2 else None,
        "temperature": temperature, "threshold": threshold, "target_far": config.target_far,
        "utterance_head": head is not None,
        "head_temperature": head.temperature if head is not None else None, **head_info,
        "target_fa_per_hour": config.target_fa_per_hour,
        "calibration_fa_per_hour": fa_per_hour,
        "calibration_nondirected_hours": float(durations[~ys].sum() / 3600) if len(ys) else 0,
        "calibration_directed": int(ys.sum()),
        "calibration_recall": float((cal[ys == 1] >= threshold).mean()) if ys.sum() else 0.0,
        "config": {"epochs": config.epochs, "lr": config.lr, "batch": config.batch,
                   "weight_decay": config.weight_decay, "final_weight": FINAL_WEIGHT,
                   "seed": config.seed, "members": config.members,
                   "aux_weight": config.aux_weight,
                   "keep_p": KEEP_P, "single_modality_p": SINGLE_MODALITY_P},
    }
    model = FusionModel(nets, Calibration(temperature, threshold), {"training": info}, head)
    return model, info
