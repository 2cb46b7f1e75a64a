"""Every import is declared (issue 23, requirement 3): each third-party module that code
under ``ntt/`` and ``apps/`` imports belongs to a distribution that ``pyproject.toml``
lists (a dependency or an extra), pinned to the version installed here."""

from __future__ import annotations

import ast
import importlib.metadata as md
import re
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OWN = {"ntt", "apps"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared() -> dict[str, str]:
    """Normalised distribution name → pinned version, over dependencies and every extra."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        reqs += extra
    out = {}
    for req in reqs:
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)(\[[^\]]*\])?==([^;\s]+)", req.strip())
        assert m, f"not an exact pin: {req!r}"
        out[_norm(m[1])] = m[3]
    return out


def imported_modules() -> dict[str, set[str]]:
    """Top-level module → the files that import it (absolute imports only)."""
    found: dict[str, set[str]] = {}
    for folder in OWN:
        for path in (REPO / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                for name in names:
                    found.setdefault(name.split(".")[0], set()).add(
                        str(path.relative_to(REPO)))
    return {m: files for m, files in found.items()
            if m not in OWN and m not in sys.stdlib_module_names}


def test_the_scan_sees_real_imports():
    modules = imported_modules()
    assert {"numpy", "torch", "cv2", "mediapipe", "yaml", "soxr", "PyQt6"} <= set(modules)
    assert "json" not in modules and "ntt" not in modules


def test_every_import_is_declared_and_pinned_to_what_is_installed():
    pins = declared()
    owners = md.packages_distributions()
    problems = []
    for module, files in sorted(imported_modules().items()):
        dists = owners.get(module)
        where = ", ".join(sorted(files)[:2])
        if not dists:
            # An optional extra not installed here (e.g. ``embeddings`` in CI) is fine when
            # the module's name is the declared distribution's.
            if _norm(module) not in pins:
                problems.append(f"{module} (imported in {where}) is not installed here")
            continue
        names = [_norm(d) for d in dists]
        hit = [n for n in names if n in pins]
        if not hit:
            problems.append(f"{module} (imported in {where}) comes from {dists}, "
                            f"which pyproject.toml does not declare")
            continue
        version = md.version(hit[0])
        if version != pins[hit[0]]:
            problems.append(f"{hit[0]} is pinned to {pins[hit[0]]} but {version} is installed")
    assert not problems, "\n".join(problems)


# Imports of these fail in the child process: what a device without the `train` extra has.
NO_TORCH = r"""
import sys
from importlib.abc import MetaPathFinder


class Missing(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("torch", "torchaudio", "silero_vad"):
            raise ImportError(f"No module named {name!r}")


sys.meta_path.insert(0, Missing())
from ntt.cli import main

code = main(sys.argv[1:])
assert "torch" not in sys.modules
sys.exit(code)
"""


def test_the_runtime_needs_no_torch(tmp_path):
    """``ntt run`` (faces, VAD, recognizer, fusion, engine) and ``ntt text`` with torch
    unimportable, as on a device installed without the `train` extra: no CUDA libraries;
    ``ntt train`` says what it needs."""
    import subprocess

    sample = REPO / "datasets" / "samples" / "camera-off"
    env = {"GLOG_minloglevel": "2", "PATH": "/usr/bin:/bin"}

    def ntt(*args):
        return subprocess.run([sys.executable, "-c", NO_TORCH, *args], cwd=tmp_path,
                              capture_output=True, text=True, timeout=300, env=env)

    done = ntt("run", str(sample), "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "decisions" in done.stdout
    assert ntt("text", "turn on the kitchen lights").returncode == 0
    refused = ntt("train", str(sample), "--out", str(tmp_path / "m.npz"))
    assert refused.returncode == 2 and "ntt[train]" in refused.stderr
