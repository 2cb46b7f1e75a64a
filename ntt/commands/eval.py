"""``ntt eval SESSIONS --json [--report DIR] [--ablate]``: metrics over labelled sessions."""

from __future__ import annotations

import argparse
import sys

from ntt.errors import InputError
from ntt.eval import DEFAULT_CACHE_DIR
from ntt.executors import add_executor_arguments, executor_from_args
from ntt.jsonout import print_json
from ntt.outputs import output_dir


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("sessions", help="a session, a directory of sessions, or a .jsonl manifest")
    p.add_argument("--json", action="store_true", help="the metrics as one JSON document")
    p.add_argument("--report", metavar="DIR", help="write an HTML report with plots")
    p.add_argument("--ablate", action="store_true",
                   help="also each single modality, all-but-one, no context, the rule")
    p.add_argument("--model", help="fusion model (default ntt/models/fusion.npz)")
    p.add_argument("--asr", default="pocketsphinx", choices=["pocketsphinx", "whisper"])
    p.add_argument("--cache", default=DEFAULT_CACHE_DIR, help="recorded cue streams")
    add_executor_arguments(p, "skip sessions an earlier run already recorded (its journal "
                              "in --cache)")
    p.add_argument("--oracle", metavar="HELDOUT",
                   help="instead: the perfect-front-end floor of simulated sessions, fitted "
                        "on SESSIONS and scored on HELDOUT (ntt.eval.oracle), as JSON")


def run(args: argparse.Namespace) -> int:
    from ntt.eval.evaluate import VARIANTS, evaluate_variant
    from ntt.eval.record import session_camera
    from ntt.eval.sessions import find_sessions, record_all
    from ntt.fusion.features import MODALITIES
    from ntt.fusion.rule import rule_fusion
    from ntt.fusion.runtime import DEFAULT_MODEL, FusionModel, model_fusion

    if args.oracle:
        from pathlib import Path

        from ntt.eval.oracle import oracle_bound

        print_json(oracle_bound(Path(args.sessions), Path(args.oracle)))
        return 0
    cache = output_dir(args.cache, "--cache")  # before any work: not a file, not ""
    if args.report:
        output_dir(args.report, "--report")
    model = FusionModel.load(args.model or DEFAULT_MODEL)
    paths = find_sessions(args.sessions)
    with executor_from_args(args) as executor:
        recorded = record_all(paths, asr=args.asr, cache=cache, executor=executor,
                              resume=args.resume, progress=sys.stderr.isatty())
    labelled = [(r, s.labels, session_camera(s)) for r, s in recorded.records
                if s.labels is not None]
    if not labelled:
        raise InputError(args.sessions, "no labelled sessions to evaluate")
    threshold = model.calibration.threshold

    def variant(keep: tuple[str, ...]):
        masked = tuple(m for m in MODALITIES if m not in keep)
        return lambda camera=None: model_fusion(model, masked=masked, camera=camera)

    fused = evaluate_variant(labelled, variant(VARIANTS["fused"]), threshold)
    result = {"overall": fused["overall"], "by_scenario": fused["by_scenario"],
              "failed": recorded.failed_json()}
    scored = {"fused": fused["scored"]}
    labels_seen = {s.directed for s in fused["scored"] if s.labelled}
    if labels_seen == {True, False}:  # both kinds: an operating point and calibration
        from ntt.eval.operating import no_wake_word_point, reliability

        result["no_wake_word"] = no_wake_word_point(fused["scored"])
        result["calibration"] = reliability([s for s in fused["scored"] if s.labelled])
    if args.ablate:
        result["ablation"] = {}
        for name, keep in VARIANTS.items():
            if name == "fused":
                continue
            r = evaluate_variant(labelled, variant(keep), threshold)
            result["ablation"][name] = r["overall"]
            scored[name] = r["scored"]
        r = evaluate_variant(labelled, lambda camera=None: rule_fusion(), 0.5)
        result["ablation"]["rule"] = r["overall"]
        scored["rule"] = r["scored"]
    # The metrics first: a report or a cache that cannot be written loses nothing.
    from ntt.eval.report import terminal_table, write_report

    if args.json:
        print_json(result)
    else:
        print("\n".join(terminal_table(result)))
    if args.report:
        page = write_report(args.report, result, scored)
        print(f"report: {page}", file=sys.stderr)
    if recorded.cache_error:
        raise InputError(cache, f"{recorded.cache_error}; the metrics above are complete")
    return 0
