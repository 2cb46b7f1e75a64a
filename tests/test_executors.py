"""Executors: local processes and Ray give the same answer; faults are survived or reported.

Sessions are real simulated household sessions (espeak-ng speech, rendered faces, encoded
video) recorded by the real front-ends (ASR off, to stay fast); Ray runs as a local 2-CPU
cluster started here.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ntt.executors import LocalExecutor, make_executor

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
TIMING_KEYS = ("rtf",)  # the only fields allowed to differ between executors


def _work(job: tuple[str, object]):
    """A job for the executor tests: square a number, fail, or kill its own process."""
    kind, arg = job
    if kind == "square":
        return arg * arg
    if kind == "fail":
        raise ValueError(f"bad input {arg}")
    if kind == "die_once":  # the first try leaves its pid in the marker and dies
        marker = Path(arg)
        if not marker.exists():
            marker.write_text(str(os.getpid()))
            os.kill(os.getpid(), signal.SIGKILL)
        return int(marker.read_text()), os.getpid()
    if kind == "die":
        os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError(kind)


def _by_index(results) -> dict:
    return {r.index: r for r in results}


# --- local executor ---------------------------------------------------------------------

def test_local_reports_a_failing_job_and_finishes_the_others():
    jobs = [("square", 3), ("fail", "x"), ("square", 4)]
    results = _by_index(LocalExecutor(2).map_unordered(_work, jobs))
    assert sorted(results) == [0, 1, 2]
    assert (results[0].value, results[2].value) == (9, 16)
    assert results[0].ok and results[2].ok and not results[1].ok
    assert results[1].error == "ValueError: bad input x"
    assert "Traceback" in results[1].detail
    assert results[0].worker.split(":")[1] != str(os.getpid())  # ran in another process


def test_local_reruns_the_job_of_a_killed_worker(tmp_path):
    marker = tmp_path / "died"
    jobs = [("square", 5), ("die_once", str(marker)), ("square", 6)]
    results = _by_index(LocalExecutor(2).map_unordered(_work, jobs))
    assert all(r.ok for r in results.values())
    dead_pid, pid = results[1].value
    assert marker.exists() and dead_pid != pid  # the second try ran in a new process
    assert (results[0].value, results[2].value) == (25, 36)


def test_local_gives_up_on_a_job_that_always_kills_its_worker():
    jobs = [("die", None), ("square", 7)]
    results = _by_index(LocalExecutor(1, max_retries=1).map_unordered(_work, jobs))
    assert results[0].error == "its worker process died on each of 2 tries"
    assert results[1].value == 49


def test_executor_arguments_are_checked():
    from ntt.errors import InputError

    with pytest.raises(InputError, match="--address"):
        make_executor("local", address="10.0.0.1:6379")
    with pytest.raises(InputError, match="--workers"):
        make_executor("local", workers=-1)


def test_local_path_never_imports_ray():
    code = ("import sys\n"
            "import ntt.cli, ntt.commands.eval, ntt.commands.train, ntt.commands.simulate\n"
            "from ntt.executors import LocalExecutor\n"
            "from ntt.eval.sessions import record_all\n"
            "if __name__ == '__main__':\n"
            "    r = list(LocalExecutor(1).map_unordered(abs, [-2]))\n"
            "    assert r[0].value == 2, r\n"
            "    print('ray' in sys.modules)\n")
    out = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_ray_executor_without_ray_is_one_line_and_exit_2(tmp_path):
    code = ("import sys\n"
            "sys.modules['ray'] = None  # as if ray were not installed\n"
            "from ntt.cli import main\n"
            f"sys.exit(main(['simulate', {str(tmp_path)!r}, '--sessions', '1', "
            "'--executor', 'ray']))\n")
    out = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert "Ray is not installed" in lines[0] and "pip install -e '.[ray]'" in lines[0]
    assert not list(tmp_path.iterdir())  # nothing rendered


# --- sessions: simulated, one corrupt, listed in a manifest -----------------------------

@pytest.fixture(scope="module")
def sessions(tmp_path_factory) -> dict:
    """Two simulated 8 s two-people sessions, a corrupt copy (truncated audio), and a
    manifest that lists all three and tags the second with another scenario."""
    from ntt.cli import main

    root = tmp_path_factory.mktemp("sessions")
    assert main(["simulate", str(root / "sims"), "--sessions", "2", "--duration", "8",
                 "--scenario", "two-people", "--workers", "2"]) == 0
    good = sorted(p for p in (root / "sims").iterdir() if p.is_dir())
    assert len(good) == 2
    broken = root / "broken"
    shutil.copytree(good[0], broken)
    audio = (broken / "audio.wav").read_bytes()
    (broken / "audio.wav").write_bytes(audio[: len(audio) // 10])
    manifest = root / "manifest.jsonl"
    manifest.write_text("\n".join([
        json.dumps({"path": f"sims/{good[0].name}"}),
        json.dumps({"path": f"sims/{good[1].name}", "scenario": "kitchen"}),
        json.dumps("broken")]) + "\n")
    return {"root": root, "good": good, "broken": broken, "manifest": manifest}


def _metrics(recorded) -> dict:
    """What ``ntt eval`` computes from the records: a small fusion net and the rule."""
    import torch

    from ntt.eval.evaluate import evaluate_variant
    from ntt.fusion.model import FusionNet
    from ntt.fusion.rule import rule_fusion
    from ntt.fusion.runtime import Calibration, FusionModel, model_fusion

    torch.manual_seed(0)
    model = FusionModel([FusionNet().weights()], Calibration(), {})
    labelled = [(r, s.labels) for r, s in recorded.records]
    out = {}
    for name, make, threshold in (("model", lambda: model_fusion(model), 0.5),
                                  ("rule", rule_fusion, 0.5)):
        r = evaluate_variant(labelled, make, threshold)
        out[name] = {"overall": r["overall"], "by_scenario": r["by_scenario"],
                     "scored": r["scored"]}
    return out


def _without_timing(metrics: dict) -> str:
    """Everything but the timing fields, as its repr (so NaN equals NaN)."""
    def strip(d):
        return {k: v for k, v in d.items() if k not in TIMING_KEYS}

    return repr({name: {"overall": strip(m["overall"]),
                   "by_scenario": {k: strip(v) for k, v in m["by_scenario"].items()},
                   "scored": m["scored"]} for name, m in metrics.items()})


@pytest.fixture(scope="module")
def local_run(sessions, tmp_path_factory):
    from ntt.eval.sessions import find_sessions, record_all

    cache = tmp_path_factory.mktemp("cache-local")
    recorded = record_all(find_sessions(sessions["manifest"]), asr="none", cache=cache,
                          executor=LocalExecutor(2), progress=False)
    return recorded, cache


def test_a_corrupt_session_is_reported_while_the_others_finish(sessions, local_run):
    recorded, _ = local_run
    assert [s.root for _, s in recorded.records] == sessions["good"]
    assert recorded.failed_json() == [{
        "session": str(sessions["broken"]),
        "reason": recorded.failed[0].reason}]
    assert "audio.wav" in recorded.failed[0].reason
    assert "truncated" in recorded.failed[0].reason
    # The manifest's tag overrides the session's own scenario, on the record too.
    assert [r.scenario for r, _ in recorded.records] == ["two-people", "kitchen"]
    assert [s.scenario for _, s in recorded.records] == ["two-people", "kitchen"]


@pytest.fixture(scope="module")
def ray_cluster():
    ray = pytest.importorskip("ray")
    cloudpickle = pytest.importorskip("ray.cloudpickle")
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    # Ray's workers cannot import this test module; send its job functions by value.
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    yield ray
    cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
    ray.shutdown()


def test_ray_gives_the_same_metrics_as_local(sessions, local_run, ray_cluster,
                                             tmp_path_factory):
    from ntt.eval.sessions import find_sessions, record_all
    from ntt.executors import RayExecutor

    local, _ = local_run
    with RayExecutor() as executor:
        remote = record_all(find_sessions(sessions["manifest"]), asr="none",
                            cache=tmp_path_factory.mktemp("cache-ray"), executor=executor,
                            progress=False)
    assert ray_cluster.is_initialized()  # a cluster it did not start is left running
    assert remote.failed == local.failed
    assert [len(r.cues) for r, _ in remote.records] == [len(r.cues) for r, _ in local.records]
    ours, theirs = _metrics(local), _metrics(remote)
    assert _without_timing(theirs) == _without_timing(ours)
    assert set(ours["rule"]["by_scenario"]) == {"two-people", "kitchen"}
    assert ours["rule"]["overall"]["utterances"] > 0


def test_ray_reruns_the_task_of_a_killed_worker_and_reports_errors(ray_cluster, tmp_path):
    from ntt.executors import RayExecutor

    marker = tmp_path / "died"
    jobs = [("square", 5), ("die_once", str(marker)), ("fail", "y")]
    with RayExecutor() as executor:
        results = _by_index(executor.map_unordered(_work, jobs))
    assert results[0].value == 25
    dead_pid, pid = results[1].value
    assert marker.exists() and dead_pid != pid
    assert results[2].error == "ValueError: bad input y"


# --- resume -----------------------------------------------------------------------------

class _Counting(LocalExecutor):
    """A local executor that remembers which jobs it was given."""

    def __init__(self):
        super().__init__(1)
        self.paths: list[str] = []

    def map_unordered(self, fn, jobs):
        jobs = list(jobs)
        self.paths += [j.path for j in jobs]
        return super().map_unordered(fn, jobs)


def test_resume_skips_finished_sessions(sessions, local_run):
    from ntt.eval.sessions import find_sessions, record_all

    local, cache = local_run
    refs = find_sessions(sessions["manifest"])
    executor = _Counting()
    resumed = record_all(refs, asr="none", cache=cache, executor=executor, resume=True,
                         progress=False)
    # Only the session that failed before is tried again.
    assert executor.paths == [str(sessions["broken"])]
    assert resumed.resumed == 2
    assert resumed.failed == local.failed
    assert _without_timing(_metrics(resumed)) == _without_timing(_metrics(local))

    # A session whose media changed since is not taken as finished.
    touched = sessions["good"][1] / "audio.wav"
    os.utime(touched, ns=(touched.stat().st_atime_ns, touched.stat().st_mtime_ns + 10**9))
    executor = _Counting()
    record_all(refs, asr="none", cache=cache, executor=executor, resume=True, progress=False)
    assert sorted(executor.paths) == sorted([str(sessions["good"][1]),
                                             str(sessions["broken"])])


def test_simulate_resume_renders_only_missing_sessions(sessions, tmp_path):
    from ntt.cli import main

    present = sessions["good"][1]  # two-people-00001
    shutil.copytree(present, tmp_path / present.name)
    before = {p.name: p.stat().st_mtime_ns for p in (tmp_path / present.name).iterdir()}
    assert main(["simulate", str(tmp_path), "--sessions", "2", "--seed", "1", "--duration",
                 "8", "--scenario", "two-people", "--resume"]) == 0
    after = {p.name: p.stat().st_mtime_ns for p in (tmp_path / present.name).iterdir()}
    assert after == before  # left as it was
    assert sorted(p.name for p in tmp_path.iterdir()) == [present.name, "two-people-00002"]
