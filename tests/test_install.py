"""An installed wheel works outside the checkout (issue 17, requirement 6; issue 23,
requirement 3): the package finds its models and shipped device profiles as package data,
writes calibration results to a writable directory, and reads nothing from the source tree.

The wheel is installed with pip into a fresh venv and run through that venv's own ``ntt``
command, from a directory outside the checkout. Its dependencies are not downloaded again
(gigabytes, minutes): the fresh venv sees this environment's packages through one ``.pth``
line, after its own site-packages (so the wheel's ``ntt``, not the checkout's editable
install, is the one imported), and ``pip install --dry-run --ignore-installed`` resolves the
wheel's whole dependency tree against the package index as an empty venv would."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# Run inside the installed copy, from a directory outside the checkout.
CHECK = r"""
import json, sys
from pathlib import Path

site = Path(sys.argv[1]).resolve()
import ntt
from ntt import paths
from ntt.calibration.gaze import users_dir
from ntt.calibration.profile import known_profiles, load_profile, update_profile
from ntt.fusion.runtime import DEFAULT_MODEL, FusionModel
from ntt.language.model import load_model

out = {"package": str(Path(ntt.__file__).resolve().parent), "checkout": paths.checkout()}
profile = load_profile("smart-display-10")
out["profile"] = str(profile.source)
out["known"] = known_profiles()
model = FusionModel.load()
out["fusion"] = str(DEFAULT_MODEL)
out["threshold"] = model.calibration.threshold
out["lexical"] = float(load_model().predict("turn on the kitchen lights"))
written = update_profile("smart-display-10", {"thresholds": {"directed": 0.4}})
out["written"] = str(written.source)
out["reloaded"] = str(load_profile("smart-display-10").source)
out["users"] = str(users_dir())
print(json.dumps(out))
"""


def _build_wheel(dest: Path, src: Path) -> Path:
    """``pip wheel`` of a copy of the source (so the checkout gets no build/ or
    egg-info); without build isolation when this venv's setuptools is new enough."""
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, src / name)
    junk = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in ("ntt", "apps"):
        shutil.copytree(REPO / name, src / name, ignore=junk)
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dest), str(src)]
    try:
        import setuptools

        if int(setuptools.__version__.split(".")[0]) >= 77:
            cmd.insert(4, "--no-build-isolation")
    except ImportError:
        pass
    subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=120)
    (wheel,) = dest.glob("ntt-*.whl")
    return wheel


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    (tmp / "src").mkdir()
    try:
        return _build_wheel(tmp / "dist", tmp / "src")
    except subprocess.CalledProcessError as exc:
        pytest.fail(f"building the wheel failed:\n{exc.stdout}\n{exc.stderr}")


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh venv with the wheel pip-installed in it; the dependencies come from this
    environment (see the module docstring)."""
    venv = tmp_path_factory.mktemp("venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "-q", str(wheel)],
                   check=True, capture_output=True, timeout=120)
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; "
                                "print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "ntt_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


@pytest.fixture(scope="module")
def installed(venv) -> Path:
    """The fresh venv's site-packages, where the wheel went."""
    (site,) = (venv / "lib").glob("python3*/site-packages")
    return site


def _run(venv: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """The venv's ``ntt`` command (or its python, for ``-c``), run from ``cwd``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NTT_", "PYTHON"))}
    env.update(NTT_CALIBRATION_DIR=str(cwd / "profiles"), GLOG_minloglevel="2")
    command = [str(venv / "bin" / "python"), *args] if args[0] == "-c" else \
        [str(venv / "bin" / "ntt"), *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)


def test_a_fresh_venv_resolves_every_dependency(wheel, tmp_path):
    """What ``pip install .`` would install into an empty venv: the resolver finds every
    pinned dependency on the package index (nothing is installed)."""
    report = tmp_path / "report.json"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run",
                           "--ignore-installed", "-q", "--report", str(report), str(wheel)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    names = {i["metadata"]["name"].lower().replace("_", "-")
             for i in json.loads(report.read_text())["install"]}
    assert {"ntt", "mediapipe", "onnxruntime", "pocketsphinx", "hassil"} <= names


def test_the_wheel_carries_models_and_profiles(installed):
    pkg = installed / "ntt"
    for name in ("fusion.npz", "fusion.json", "fusion_head.npz", "fusion.md", "lexical.npz",
                 "lexical.json", "lexical_minilm.json", "LEXICAL_MODEL_CARD.md"):
        assert (pkg / "models" / name).is_file(), name
    for name in ("laptop-webcam", "smart-display-10", "smart-display-8"):
        assert (pkg / "profiles" / f"{name}.toml").is_file(), name
    assert (pkg / "profiles" / "README.md").is_file()
    assert (pkg / "language" / "data" / "home.yaml").is_file()  # the intent grammar
    assert not (installed / "tests").exists()


def test_the_installed_cli_runs_outside_the_checkout(venv, tmp_path):
    done = _run(venv, tmp_path, "text", "turn on the kitchen lights", "--json")
    assert done.returncode == 0, done.stderr
    (result,) = json.loads(done.stdout)
    assert result["p_directed"] > 0.5 and result["intent"]["name"] == "HassTurnOn"


@pytest.fixture(scope="module")
def installed_run(venv, tmp_path_factory) -> dict:
    """``ntt run --json`` of the installed package on a bundled sample copied out of the
    checkout, run from there."""
    tmp_path = tmp_path_factory.mktemp("run")
    session = shutil.copytree(REPO / "datasets" / "samples" / "camera-off",
                              tmp_path / "camera-off")
    done = _run(venv, tmp_path, "run", session.name, "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_the_installed_cli_decides_the_side_talk(installed_run):
    assert installed_run["agreement"]["correct"] >= 4  # side talk, all of it


def test_the_installed_cli_runs_a_session_and_finds_faces(venv, installed_run, tmp_path):
    """``ntt run`` on a bundled sample and ``ntt faces`` on a picture, both copied out of
    the checkout and run from there (issue 23, requirement 3)."""
    import cv2
    from skimage import data

    finals = [d for d in installed_run["decisions"] if d["kind"] == "final"]
    assert len(finals) >= 4 and installed_run["agreement"]["labelled"] == 5
    picture = tmp_path / "astronaut.png"
    cv2.imwrite(str(picture), cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR))
    done = _run(venv, tmp_path, "faces", picture.name, "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    faces = json.loads(done.stdout)
    assert len(faces) == 1 and faces[0]["attending"] > 0.5


def test_the_installed_package_finds_its_data_and_writes_elsewhere(venv, installed,
                                                                   tmp_path):
    done = _run(venv, tmp_path, "-c", CHECK, str(installed))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    pkg = installed.resolve() / "ntt"
    assert Path(out["package"]) == pkg and out["checkout"] is None
    assert Path(out["profile"]) == pkg / "profiles" / "smart-display-10.toml"
    assert {"laptop-webcam", "smart-display-10", "smart-display-8"} <= set(out["known"])
    assert Path(out["fusion"]).resolve() == pkg / "models" / "fusion.npz"
    assert 0 < out["threshold"] < 1 and out["lexical"] > 0.5
    # Calibration results go to the writable directory and override the shipped profile.
    mine = tmp_path / "profiles" / "smart-display-10.toml"
    assert Path(out["written"]) == mine == Path(out["reloaded"]) and mine.is_file()
    assert Path(out["users"]) == tmp_path / "profiles" / "users"
    assert "0.4" in mine.read_text(encoding="utf-8")
