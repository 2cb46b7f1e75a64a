"""``ntt forget``: erase everything the device stored about the household — taught
routines, lists, implicit-feedback records (none of it holds audio or images) — and, with
``--gaze-user NAME``, that user's gaze calibration."""

from __future__ import annotations

import argparse
import sys


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", help="the store's directory (default: $NTT_DATA_DIR or the "
                   "user data directory)")
    p.add_argument("--gaze-user", action="append", default=[], metavar="NAME",
                   help="also delete this user's gaze calibration")


def run(args: argparse.Namespace) -> int:
    from ntt.calibration.gaze import forget_user
    from ntt.conversation.store import Store

    store = Store(args.data_dir)
    try:
        store.forget()
        print(f"cleared {store.path}", file=sys.stderr)
    finally:
        store.close()
    for user in args.gaze_user:
        gone = forget_user(user)
        print(f"gaze calibration of {user}: {'deleted' if gone else 'none stored'}",
              file=sys.stderr)
    return 0
