"""The project's small model files: numpy arrays plus a JSON header (format name, version,
config, metadata) in one ``.npz``, so a model loads without pickle and a foreign or stale
file is refused by name rather than misread."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO

import numpy as np


def save_npz_model(path: str | Path | IO[bytes], header: dict,
                   arrays: dict[str, np.ndarray], compress: bool = False) -> None:
    """``header`` must carry ``format`` and ``version``; ``arrays`` are stored as given.
    ``path`` may be an open binary file (``ntt.outputs.atomic_save``)."""
    encoded = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    save = np.savez_compressed if compress else np.savez
    if hasattr(path, "write"):
        save(path, header=encoded, **arrays)
        return
    with open(Path(path), "wb") as f:
        save(f, header=encoded, **arrays)


def load_npz_model(path: str | Path, fmt: str, version: int | str, what: str = "file"
                   ) -> tuple[dict, dict[str, np.ndarray]]:
    """(header, arrays). Raises FileNotFoundError for a missing file, ValueError for one
    that is not ``fmt`` at ``version``."""
    path = Path(path)
    with np.load(path, allow_pickle=False) as z:
        if "header" not in z:
            raise ValueError(f"{path}: not an {fmt} {what}")
        header = json.loads(z["header"].tobytes().decode())
        if header.get("format") != fmt or header.get("version") != version:
            raise ValueError(f"{path}: not an {fmt} v{version} {what}")
        return header, {k: z[k] for k in z.files if k != "header"}
