"""``ntt forget``: erase everything the device stored about the household — taught
routines, lists, implicit-feedback records (none of it holds audio or images) — and, with
``--gaze-user NAME``, that user's gaze calibration.

Every name is checked before anything is erased. The store is erased even while another
process (a running ``ntt live``) has it open, and then searched on disk: if another process
still pins a copy of the erased text, the command says which, with exit code 2, instead of
"cleared"."""

from __future__ import annotations

import argparse
import sys

from ntt.errors import InputError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", help="the store's directory (default: $NTT_DATA_DIR or the "
                   "user data directory)")
    p.add_argument("--gaze-user", action="append", default=[], metavar="NAME",
                   help="also delete this user's gaze calibration")


def run(args: argparse.Namespace) -> int:
    from ntt.calibration.gaze import forget_user, user_path
    from ntt.conversation.store import Store

    for user in args.gaze_user:
        try:
            user_path(user)
        except InputError as exc:
            raise InputError("--gaze-user", f"{exc.problem}; nothing was erased") from None
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
