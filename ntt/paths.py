"""Where NTT's files live: the one module that knows.

Read-only data ships inside the package and is found through ``importlib.resources``, so an
installed wheel works outside the checkout: the trained models (``ntt/models``) and the
shipped device profiles (``ntt/profiles``). What NTT writes — calibration results, per-user
gaze calibrations — goes to a writable directory: ``$NTT_CALIBRATION_DIR`` if set, else
the platform's user configuration directory (``platformdirs.user_config_dir("ntt")``).
A profile written there overrides the shipped profile of the same name. Nothing here reads
``tests/``; only ``checkout()`` looks outside the package, for the commands that need a
source checkout (``ntt bench``).
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

PACKAGE = Path(str(files("ntt")))
MODELS = PACKAGE / "models"
"""Trained models and their cards (package data)."""
FUSION_MODEL = MODELS / "fusion.npz"
LEXICAL_MODEL = MODELS / "lexical.npz"
SHIPPED_PROFILES = PACKAGE / "profiles"
"""The device profiles that ship with NTT (package data, read-only)."""

PROFILE_DIR_ENV = "NTT_CALIBRATION_DIR"
USER_CALIBRATION_DIR_ENV = "NTT_USER_CALIBRATION_DIR"


def profile_dir() -> Path:
    """Where calibrated device profiles are written and looked up first:
    ``$NTT_CALIBRATION_DIR``, else ``profiles/`` in the user configuration directory."""
    env = os.environ.get(PROFILE_DIR_ENV)
    if env:
        return Path(env)
    from platformdirs import user_config_dir

    return Path(user_config_dir("ntt")) / "profiles"


def user_calibration_dir() -> Path:
    """Per-user gaze calibrations: ``$NTT_USER_CALIBRATION_DIR``, else ``users/`` in
    ``profile_dir()``."""
    env = os.environ.get(USER_CALIBRATION_DIR_ENV)
    return Path(env) if env else profile_dir() / "users"


def echo_memory_file(device: str) -> Path:
    """Where the device profile ``device`` (its name) keeps its echo memory live (the last
    seconds of its replies, ``DeviceAudioSettings.echo_memory_file``): ``echo/<device>.npz``
    in ``profile_dir()``, beside the profile it belongs to."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in device) or "device"
    return profile_dir() / "echo" / f"{safe}.npz"


def checkout() -> Path | None:
    """The source checkout this package runs from (the directory holding ``pyproject.toml``
    and ``benchmarks/`` above ``ntt/``), or None for an installed package."""
    root = PACKAGE.parent
    if (root / "pyproject.toml").is_file() and (root / "benchmarks").is_dir():
        return root
    return None
