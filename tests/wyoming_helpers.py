"""Shared by the Wyoming tests: ports, a server process, labels, the offline reference."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import time
from pathlib import Path

SERVER_START_S = 180.0  # model loading on a busy 2-core machine


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen | None = None,
                  timeout_s: float = SERVER_START_S) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1.0):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"nothing listening on {port} after {timeout_s} s")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def directed_spans(session_dir: Path) -> list[tuple[float, float]]:
    labels = json.loads((session_dir / "labels.json").read_text())
    return [(u["start"], u["end"]) for u in labels["utterances"] if u["directed"]]


def all_spans(session_dir: Path) -> list[tuple[float, float, bool]]:
    labels = json.loads((session_dir / "labels.json").read_text())
    return [(u["start"], u["end"], u["directed"]) for u in labels["utterances"]]


def label_at(session_dir: Path, t_s: float, slack_s: float = 0.3):
    """The labelled utterance around ``t_s`` (start, end, directed), or None."""
    for start, end, directed in all_spans(session_dir):
        if start - slack_s <= t_s <= end + slack_s:
            return start, end, directed
    return None


def offline_onsets(session_dir: Path, asr: str = "pocketsphinx") -> list[float]:
    """Where the same audio-only pipeline, run offline on the session, first decides each
    utterance directed (start_s): what a protocol peer must be told."""
    from ntt.calibration.profile import load_profile
    from ntt.cues import Decision
    from ntt.io.session import load_session
    from ntt.io.sources import SessionSource
    from ntt.pipeline import build_pipeline
    from ntt.settings import Settings
    from ntt.wyoming.directed import DirectedOnsets

    pipeline = build_pipeline(Settings(use_video=False, asr=asr),
                              device=load_profile("laptop-webcam"))
    onsets = DirectedOnsets()
    source = SessionSource(load_session(session_dir), use_video=False)
    return [d.start_s for item in pipeline.run(source) if isinstance(item, Decision)
            and (d := onsets.push(item)) is not None]


async def read_all(client, timeout_s: float = 120.0) -> list:
    """Every event until the server closes the connection."""
    events = []
    async with asyncio.timeout(timeout_s):
        while (event := await client.read_event()) is not None:
            events.append(event)
    return events
