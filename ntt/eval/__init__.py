"""Offline evaluation: metrics, replayable cue records, reports."""
