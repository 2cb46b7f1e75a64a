"""The Python API (``ntt.api``, issue 23 requirement 2): the README's example runs as
written, and a stream gives the decisions ``ntt run`` gives, through the same objects."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import ntt
from ntt.cues import Decision
from ntt.errors import InputError
from ntt.io.sources import SessionSource
from ntt.pipeline import Pipeline

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "datasets" / "samples" / "camera-off"


def _readme_examples() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Python API", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


@pytest.fixture(scope="module")
def readme_output() -> list[str]:
    """What the README's first example prints."""
    examples = _readme_examples()
    assert len(examples) == 2 and "open_session" in examples[0] and "open_live" in examples[1]
    done = subprocess.run([sys.executable, "-c", examples[0]], cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()


def _rows(lines: list[str]) -> list[str]:
    return [line for line in lines if re.fullmatch(
        r"\s*\d+\.\d\d-\s*\d+\.\d\d s  p=[01]\.\d\d  (DIRECTED|not directed)", line)]


def test_the_readme_example_runs(readme_output):
    # camera-off: five utterances of side talk, each decided once, then the summary line.
    rows = _rows(readme_output)
    assert len(rows) == len(readme_output) - 1 >= 4
    assert re.fullmatch(rf"{len(rows)} utterances, \d+ directed", readme_output[-1])


def test_the_readme_example_finds_no_request_in_side_talk(readme_output):
    assert readme_output[-1] == f"{len(_rows(readme_output))} utterances, 0 directed"


def test_a_stream_is_the_cli_pipeline_and_calls_back():
    from ntt.calibration.profile import profile_for_session
    from ntt.commands.run import run_session
    from ntt.io.session import load_session

    seen: list[Decision] = []
    with ntt.open_session(SAMPLE, asr="none") as stream:
        assert isinstance(stream.pipeline, Pipeline) and isinstance(stream.source,
                                                                    SessionSource)
        assert [r.name for r in stream.pipeline.routes if r.name == "asr"] == []
        got = stream.run(on_decision=seen.append, kind="all")
    assert got == seen and {d.kind for d in got} == {"early", "final"}
    session = load_session(SAMPLE)
    cli, _, _ = run_session(session, ntt.Settings(asr="none"),
                            device=profile_for_session(session))
    assert [d for d in got if d.kind == "final"] == [d for d in cli if d.kind == "final"]


def test_bad_input_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="session.json"):
        ntt.open_session(tmp_path)
    with pytest.raises(TypeError):
        ntt.open_session(SAMPLE, no_such_setting=1)
    with pytest.raises(ValueError, match="kind"):
        next(ntt.api.Stream(None, ()).decisions(kind="late"))


def test_open_live_opens_nothing_until_iterated_and_names_a_missing_microphone():
    """The live source as ``ntt live`` builds it: on a machine with no microphone, building
    the stream succeeds (nothing opens yet) and iterating it is one ``InputError`` naming
    the microphone."""
    sd = pytest.importorskip("sounddevice")
    try:
        sd.query_devices(kind="input")
    except Exception:  # noqa: BLE001 - PortAudio's "no such device" comes in several kinds
        pass
    else:
        pytest.skip("this machine has a microphone")
    stream = ntt.open_live(camera=None)
    assert isinstance(stream.pipeline, Pipeline)
    with pytest.raises(InputError, match="microphone"), stream:
        next(iter(stream.decisions()))
