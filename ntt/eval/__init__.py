"""Offline evaluation: metrics, replayable cue records, reports."""

# Where recorded cue streams are kept, by content key (here so the CLI's argument parsers can
# name it without importing the front-ends).
DEFAULT_CACHE_DIR = ".cache/ntt-records"
