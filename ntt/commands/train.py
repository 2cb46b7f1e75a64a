"""``ntt train DATA [--out FILE]``: train the fusion model on simulated sessions (default
output: the shipped ``ntt/models/fusion.npz``); ``--lexical --out DIR``: rebuild the lexical
model's files (``lexical.*``) in DIR. The lexical files are never written over the shipped
ones (package data in ``ntt/models``) unless ``--out`` names that directory."""

from __future__ import annotations

import argparse
import logging
import sys
import textwrap
import zlib
from pathlib import Path

from ntt import argtypes
from ntt.errors import InputError
from ntt.eval import DEFAULT_CACHE_DIR
from ntt.executors import add_executor_arguments, executor_from_args
from ntt.outputs import atomic_write, output_dir, output_file
from ntt.paths import FUSION_MODEL, MODELS

log = logging.getLogger(__name__)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("data", nargs="?", help="directory of labelled sessions (or a .jsonl "
                   "manifest)")
    p.add_argument("--out", default=None,
                   help="where to write the model (default: the shipped ntt/models/fusion.npz); "
                        "with --lexical a directory, required")
    p.add_argument("--lexical", action="store_true",
                   help="rebuild the lexical model (lexical.*) into --out DIR instead (from "
                   "the repo and ../shared/data/text, or $NTT_TEXT_DIR)")
    p.add_argument("--held-out-sources", action="store_true",
                   help="with --lexical: also measure with whole sources held out "
                   "(four more models; writes lexical_heldout.json)")
    p.add_argument("--asr", default="pocketsphinx,whisper",
                   help="recognizer(s) whose cue streams to train on, comma-separated: one "
                   "model then works behind either backend")
    p.add_argument("--epochs", type=argtypes.integer(1), default=60)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--members", type=argtypes.integer(1), default=3,
                   help="ensemble members, trained from seeds SEED, SEED+1, ...")
    p.add_argument("--target-far", type=argtypes.number(0, 1, lo_open=True, hi_open=True),
                   default=0.03,
                   help="false-accept rate the threshold is chosen for")
    p.add_argument("--target-fa-per-hour", type=argtypes.number(0, 1000), default=None,
                   help="instead of --target-far: the threshold for this many false accepts "
                        "per hour of non-directed speech (a device with no wake word: 0.5)")
    p.add_argument("--calibration-share", type=argtypes.number(0, 1, hi_open=True),
                   default=0.2, help="share of the sessions held out to calibrate")
    p.add_argument("--no-utterance-head", dest="utterance_head", action="store_false",
                   help="final decisions from the GRU's p instead of the boosted-tree "
                        "utterance head (ntt/fusion/utterance_head.py)")
    p.add_argument("--cache", default=DEFAULT_CACHE_DIR, help="recorded cue streams")
    p.add_argument("--force", action="store_true",
                   help="write the model even on too little data or an operating point that "
                        "cannot fire (smoke tests; the card records the refusal it overrode)")
    add_executor_arguments(p, "skip sessions an earlier run already recorded (its journal "
                              "in --cache)")


def run(args: argparse.Namespace) -> int:
    try:
        import torch  # noqa: F401 - training runs in torch; the runtime does not
    except ImportError:
        raise InputError("ntt train", "training needs PyTorch, which running NTT does not: "
                                      "pip install 'ntt[train]'") from None
    if args.lexical:
        from ntt.language.train import train_lexical

        if args.out is None:
            raise InputError("ntt train --lexical", "say where the model files go: --out DIR "
                                                    f"(--out {MODELS} replaces the shipped "
                                                    "lexical model)")
        out = output_dir(args.out, "--out")
        train_lexical(out, seed=args.seed, held_out_sources=args.held_out_sources)
        print(f"wrote the lexical model into {out}", file=sys.stderr)
        return 0
    if args.out is None:
        args.out = str(FUSION_MODEL)
    if not args.data:
        raise InputError("ntt train", "give a directory of sessions (or --lexical)")
    from ntt.eval.record import session_camera
    from ntt.eval.sessions import find_sessions, record_all
    from ntt.fusion.train import FusionTrainSettings, fit_fusion

    output_file(args.out, "--out")  # before recording and training, not after
    output_dir(args.cache, "--cache")
    paths = find_sessions(args.data)
    backends = [b.strip() for b in args.asr.split(",") if b.strip()]
    if not backends or set(backends) - {"pocketsphinx", "whisper"}:
        raise InputError("--asr", "give pocketsphinx, whisper, or both comma-separated")
    pairs = []
    with executor_from_args(args) as executor:
        for backend in backends:
            recorded = record_all(paths, asr=backend, cache=Path(args.cache),
                                  executor=executor, resume=args.resume,
                                  progress=sys.stderr.isatty())
            pairs += [(r.cues, s.labels, s.name, session_camera(s))
                      for r, s in recorded.records if s.labels is not None]
    if len(pairs) < 2:
        raise InputError(args.data, "need at least two labelled sessions")

    def is_calibration(name: str) -> bool:
        bucket = zlib.crc32(f"{args.seed}:{name}".encode()) % 1000
        return bucket < args.calibration_share * 1000

    cal = [(c, lab, cam) for c, lab, n, cam in pairs if is_calibration(n)] or \
        [pairs[-1][:2]]
    train = [(c, lab, cam) for c, lab, n, cam in pairs if not is_calibration(n)] or \
        [pairs[0][:2]]
    if args.members < 1:
        raise InputError("--members", "needs at least one member")
    config = FusionTrainSettings(epochs=args.epochs, seed=args.seed,
                                 target_far=args.target_far, members=args.members,
                                 target_fa_per_hour=args.target_fa_per_hour,
                                 utterance_head=args.utterance_head)
    model, info = fit_fusion(train, cal, config)
    info["data"] = str(args.data)
    info["asr"] = args.asr
    model.meta["training"] = info
    from ntt.fusion.guard import refusal

    why = refusal(info)
    if why is not None and not args.force:  # nothing is written
        raise InputError(args.data, f"no model written: {why}")
    if why is not None:
        info["overridden_refusal"] = why
        log.warning("writing the model anyway (--force): %s", why)
    model.save(args.out)
    write_model_card(Path(args.out).with_suffix(".md"), info, model)
    print(f"wrote {args.out}: calibration EER {info['calibration_eer']}, "
          f"threshold {info['threshold']:.3f}, temperature {info['temperature']:.2f}",
          file=sys.stderr)
    return 0


def operating_text(info: dict) -> str:
    if info.get("target_fa_per_hour") is None:
        return f"for a target false-accept rate of {info['target_far']:.0%}"
    return (f"for at most {info['target_fa_per_hour']:g} false accepts per hour of the "
            f"calibration sessions' non-directed speech ("
            f"{info['calibration_nondirected_hours'] * 60:.1f} min of it, so any false "
            f"accept there is {1 / max(info['calibration_nondirected_hours'], 1e-9):.0f} "
            f"per hour: the threshold lies above every one of them)")


def head_text(info: dict, model) -> str:
    if model.head is None:
        return ""
    return (f"Final decisions come from the utterance head (``ntt/fusion/utterance_head.py``): "
            f"{len(model.head.roots)} boosted trees over the tick's features and mask, "
            f"trained on {info.get('head_rows')} final decisions of a runtime replay of the "
            f"training sessions ({info.get('head_directed')} directed; each row also "
            f"{info.get('head_dropout_copies')} times with modalities dropped), temperature "
            f"{model.head.temperature:.3f}; the GRU's p gives the early decisions.")


def write_model_card(path: Path, info: dict, model) -> None:
    """A model card next to the weights: data, training, calibration, how to rebuild."""
    from ntt.fusion.features import FEATURES

    size_kb = Path(path).with_suffix(".npz").stat().st_size / 1024
    features = "\n".join(f"* **{m}**: {', '.join(names)}" for m, names in FEATURES.items())
    text = f"""# Fusion model card (`{Path(path).with_suffix('.npz').name}`)

A causal GRU over per-modality encoders (``ntt/fusion/model.py``): on every 50 ms tick it
takes the latest cue of each modality with an availability mask and gives p(directed);
per-modality heads give each modality's own score (the contributions shown in the
visualizer). An ensemble of {len(model.nets)} such nets trained from consecutive seeds,
logits averaged: {sum(n.n_parameters for n in model.nets)} parameters, {size_kb:.0f} KB.
{textwrap.fill(head_text(info, model), 92)}

## Inputs (``ntt/fusion/features.py``)
{features}

## Data
Simulated household sessions (``ntt simulate``: rendered faces of real photos, Kokoro
voices in image-source rooms through the device's microphone array, the device's replies
played into the room and cancelled, people behaving after the cited behaviour table;
sessions made with ``--real-requests`` speak real recorded requests), recorded once through
the real front-ends (device audio, vision, silero VAD, prosody, end-of-turn, {info.get('asr')}
ASR, lexical model) — ``{info.get('data')}``: {info['train_sessions']} sessions for training,
{info['calibration_sessions']} held out for calibration ({info['calibration_utterances']}
utterances). Training ticks: {info['train_ticks']} ({info['train_utterance_ticks']} inside
utterances).

## Training
BCE on every tick of a labelled utterance (and the wait for its final decision), the
device's own voice as negatives; auxiliary per-modality heads; modality dropout (each
modality kept with p={info['config']['keep_p']}, one modality alone in
{info['config']['single_modality_p']:.0%} of windows); Adam, {info['config']['epochs']}
epochs, seeds {info['config']['seed']} to
{info['config']['seed'] + info['config']['members'] - 1}. CPU, or CUDA when present.

## Calibration and operating point
Temperature {info['temperature']:.3f} (the GRU's, fitted on the calibration sessions' final
decisions{'; the head has its own' if model.head is not None else ''}); threshold
{info['threshold']:.3f} {textwrap.fill(operating_text(info), 92)}. Calibration EER:
{info['calibration_eer']}.

## Rebuild
Training runs in PyTorch (`pip install '.[train]'`); `ntt train` writes the members'
weights as numpy arrays (`fusion.npz`, member `k`'s as `k/<state-dict name>`), which the
runtime steps without torch (`ntt/fusion/step.py`).
```
ntt simulate runs/train --sessions 110 --seed 0 --scenario mixed --duration 40 --resume
ntt train runs/train --out {path.with_suffix('.npz')}
```
Evaluation on sessions simulated with seeds never used here: ``ntt eval`` (the figures
and the exact recipe of the shipped model are below).
"""
    with atomic_write(path, "w", "write the model card") as f:
        f.write(text)
