"""Acoustic front-end: voice activity, endpointing, prosody."""
