"""Calibration: device profiles (``calibration/*.toml``), camera intrinsics from checkerboard
views, per-user gaze correction, room acoustics and decision thresholds.

The data lives in the repository's top-level ``calibration/`` directory; the code that reads
and writes it is here, and ``ntt calibrate`` drives it."""
