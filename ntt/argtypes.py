"""Checked number types for command-line arguments (``type=`` of ``add_argument``).

A value out of range, NaN or infinite is argparse's own usage error — one line naming the
flag, exit 2 — before any work starts, instead of a model trained on nonsense."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable


def integer(lo: int | None = None, hi: int | None = None) -> Callable[[str], int]:
    """An int with ``lo <= value <= hi`` (either bound may be absent)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        _check(value, lo, hi, text)
        return value

    parse.__name__ = "integer"
    return parse


def number(lo: float | None = None, hi: float | None = None, *, lo_open: bool = False,
           hi_open: bool = False) -> Callable[[str], float]:
    """A finite float in ``[lo, hi]``; ``lo_open``/``hi_open`` exclude the bound itself."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be a finite number, not {text!r}")
        if (lo is not None and (value < lo or (lo_open and value == lo))) or \
                (hi is not None and (value > hi or (hi_open and value == hi))):
            raise argparse.ArgumentTypeError(f"must be {_interval(lo, hi, lo_open, hi_open)}"
                                             f", not {text}")
        return value

    parse.__name__ = "number"
    return parse


def _check(value: int, lo: int | None, hi: int | None, text: str) -> None:
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise argparse.ArgumentTypeError(f"must be {_interval(lo, hi, False, False)}, "
                                         f"not {text}")


def _interval(lo, hi, lo_open: bool, hi_open: bool) -> str:
    if hi is None:
        return f"{'>' if lo_open else '>='} {lo:g}" if lo is not None else "any number"
    if lo is None:
        return f"{'<' if hi_open else '<='} {hi:g}"
    return f"in {'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}"
