"""Calibration: device profiles (``*.toml``), camera intrinsics from checkerboard views,
per-user gaze correction, room acoustics and decision thresholds.

The shipped profiles are package data (``ntt/profiles``); calibration results and per-user
calibrations go to a writable directory (``ntt.paths.profile_dir()``). The code that reads
and writes them is here, and ``ntt calibrate`` drives it."""
