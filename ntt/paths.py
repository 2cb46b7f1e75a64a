"""Where the package's own data lives, found through ``importlib.resources`` so that an
installed wheel works outside the checkout. Nothing here reads ``tests/``."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

PACKAGE = Path(str(files("ntt")))
MODELS = PACKAGE / "models"
"""Trained models and their cards (package data)."""
FUSION_MODEL = MODELS / "fusion.pt"
LEXICAL_MODEL = MODELS / "lexical.npz"
