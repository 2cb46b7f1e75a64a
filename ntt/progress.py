"""The one progress bar (tqdm on stderr): shown on a terminal only, never when the
command prints ``--json`` and never into a pipe or a log file, so a bar cannot end up in
output that a program reads. ``ntt run``, ``simulate``, ``bench``, ``faces`` on a video,
and the session recording of ``eval`` and ``train`` all use it."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator


def wanted(json_output: bool = False) -> bool:
    """Whether to draw a bar: stderr is a terminal and stdout is not a JSON document."""
    return not json_output and sys.stderr.isatty()


def bar(total: float | None, desc: str, unit: str = "it", *, show: bool = True,
        initial: float = 0, seconds: bool = False):
    """A tqdm bar on stderr (a disabled one unless ``show`` and ``wanted()``), cleared when
    it closes; ``seconds`` shows progress through media as ``12.3/40.0 s``."""
    from tqdm import tqdm

    fmt = "{desc}: {percentage:3.0f}%|{bar}| {n:.1f}/{total} s" if seconds else None
    return tqdm(total=total, desc=desc, unit=unit, initial=initial, leave=False,
                file=sys.stderr, disable=not (show and wanted()), bar_format=fmt,
                dynamic_ncols=True)


def through_media(items: Iterable, duration_s: float, desc: str,
                  show: bool = True) -> Iterator:
    """``items`` unchanged, advancing a bar by the media time their ``end_s`` reaches."""
    progress = bar(round(duration_s, 1), desc, "s", show=show, seconds=True)
    done_s = 0.0
    try:
        for item in items:
            end_s = getattr(item, "end_s", None)
            if isinstance(end_s, float) and end_s > done_s + 0.5:
                step = round(end_s - done_s, 1)
                progress.update(step)
                done_s += step
            yield item
    finally:
        progress.close()
