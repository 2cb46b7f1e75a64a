"""Speech recognition front-end: recognizers behind one streaming interface, the ASR stage.

Backends: ``pocketsphinx`` (default; streaming, ships its en-US model) and ``whisper``
(faster-whisper over a local CTranslate2 model; the ``whisper`` extra).
"""

from __future__ import annotations

BACKENDS = ("pocketsphinx", "whisper")
DEFAULT_BACKEND = "pocketsphinx"


def backend_settings(name: str) -> dict:
    """The settings a backend recognizes with beyond its model (recorded cue streams depend
    on them, so they are part of a record's cache key)."""
    if name == "pocketsphinx":
        from ntt.asr.pocketsphinx_backend import SEARCH_OPTIONS

        return dict(SEARCH_OPTIONS)
    return {}


def load_recognizer(name: str = DEFAULT_BACKEND, nbest: int = 5, **options):
    """A ready recognizer with its model loaded from installed packages (nothing downloaded).

    ``options`` go to the backend's loader (e.g. ``cpu_threads`` or ``model_dir`` for
    whisper). Raises ``InputError`` for an unknown or uninstalled backend."""
    from ntt.errors import InputError

    if name == "pocketsphinx":
        from ntt.asr.pocketsphinx_backend import (
            PocketsphinxRecognizer,
            load_pocketsphinx_decoder,
        )

        return PocketsphinxRecognizer(load_pocketsphinx_decoder(**options), nbest=nbest)
    if name == "whisper":
        from ntt.asr.whisper_backend import WhisperRecognizer, load_whisper_model

        return WhisperRecognizer(load_whisper_model(**options), nbest=nbest)
    raise InputError("--asr", f"unknown recognizer {name!r} (choose from {', '.join(BACKENDS)})")
