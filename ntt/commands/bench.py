"""``ntt bench --json``: speed figures — per-stage real-time factor of the whole pipeline on a
bundled sample session, per-frame vision cost, ASR accuracy and speed, peak memory."""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import resource
import sys
from pathlib import Path

from ntt import paths
from ntt.errors import InputError
from ntt.jsonout import print_json

# The benchmarks and the sample session are in the source checkout, not the package.
REPO = paths.checkout()
BENCHMARKS = REPO / "benchmarks" if REPO is not None else None
SAMPLE = REPO / "datasets" / "samples" / "living-room" if REPO is not None else None
STAGE_GROUPS = {"vision": ("vision",), "audio": ("vad", "prosody"), "asr": ("asr",),
                "language": ("language",), "fusion": ("fusion", "clock", "context")}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true")
    p.add_argument("--session", default=str(SAMPLE) if SAMPLE else None,
                   help="session for the pipeline RTF (default: the checkout's sample)")
    p.add_argument("--asr", default="pocketsphinx", choices=["pocketsphinx", "whisper"])
    p.add_argument("--skip", nargs="*", default=[],
                   choices=["faces", "asr", "gui", "conversation", "fusion"],
                   help="leave out some of the benchmarks")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


def _load_benchmark(name: str):
    path = BENCHMARKS / f"{name}.py"
    if not path.is_file():
        raise InputError(path, "benchmark not found (ntt bench runs from a source checkout)")
    spec = importlib.util.spec_from_file_location(f"ntt_bench_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def pipeline_rtf(session_path: str, asr: str) -> dict[str, float]:
    from ntt.calibration.profile import profile_for_session
    from ntt.commands.run import run_session
    from ntt.io.session import load_session
    from ntt.settings import Settings

    session = load_session(session_path)
    # The session's device profile, as ``ntt run`` takes it (a microphone array needs it).
    _, rtf, _ = run_session(session, Settings(asr=asr), device=profile_for_session(session))
    out = {group: round(sum(rtf.get(s, 0.0) for s in stages), 4)
           for group, stages in STAGE_GROUPS.items()}
    out["total"] = round(rtf.get("total", 0.0), 4)
    return out


def fusion_tick_ms(ticks: int = 2000) -> float:
    """Milliseconds per fusion step (one GRU step and the feature vector) on the CPU."""
    import time

    from ntt.cues import Tick
    from ntt.fusion.runtime import DEFAULT_MODEL, Calibration, FusionModel, model_fusion

    if DEFAULT_MODEL.is_file():
        model = FusionModel.load(DEFAULT_MODEL)
    else:
        from ntt.fusion.step import untrained

        model = FusionModel([untrained()], Calibration(), {})
    stage = model_fusion(model)
    t0 = time.perf_counter()
    for i in range(ticks):
        stage.push(Tick(i * 0.05))
    return round((time.perf_counter() - t0) / ticks * 1000, 4)


def run(args: argparse.Namespace) -> int:
    if REPO is None:
        raise InputError("ntt bench", "runs from a source checkout (its benchmarks/ and "
                                      "datasets/samples/ are not installed with the package)")
    from ntt.progress import bar

    result: dict = {"machine": machine()}
    steps = ["pipeline"] + [s for s in ("faces", "asr", "fusion", "conversation", "gui")
                            if s not in args.skip]
    progress = bar(len(steps), "ntt bench", "benchmark", show=not args.json)

    def step(name: str) -> bool:
        """Whether to run benchmark ``name``; the bar names the one now running."""
        if name not in steps:
            return False
        progress.set_postfix_str(name)
        return True

    try:
        step("pipeline")
        result["rtf"] = pipeline_rtf(args.session, args.asr)
        progress.update(1)
        if step("faces"):
            result["ms_per_frame"] = _load_benchmark("bench_vision").bench_faces()
            progress.update(1)
        if step("asr"):
            asr = _load_benchmark("bench_asr").bench_asr()
            result["asr_wer"] = asr["wer"]
            result["asr_rtf"] = asr["rtf"]
            progress.update(1)
        if step("fusion"):
            result["fusion_ms_per_tick"] = fusion_tick_ms()
            progress.update(1)
        if step("conversation"):
            from ntt.conversation.bench import bench as bench_conversation

            result["conversation"] = bench_conversation()
            progress.update(1)
        if step("gui"):
            from apps.visualizer.bench import bench_gui
            from ntt.settings import Settings

            result["gui"] = bench_gui(SAMPLE, settings=Settings(asr="none"))
            progress.update(1)
    finally:
        progress.close()
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    if args.json:
        print_json(result)
    else:
        for key, value in result.items():
            print(f"{key:14} {value}", file=sys.stdout)
    return 0
