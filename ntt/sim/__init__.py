"""Household-session simulator: renders real video and audio with ground truth."""
