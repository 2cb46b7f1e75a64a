#!/usr/bin/env bash
# Shared set-up for the README's two commands: Debian packages where missing, then .venv
# from pyproject.toml. Idempotent: a second run with an unchanged pyproject.toml and
# extras touches no network.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EXTRAS="${1:-}"
DEBS=(espeak-ng sox ffmpeg libportaudio2 libspeexdsp1)
# The GUI extra: an X server for `xvfb-run ntt gui` on a machine without a display, and the
# xcb libraries PyQt6's wheel links its X platform plugin (libqxcb.so) against; the wheel
# bundles Qt itself but not these.
if [[ ",$EXTRAS," == *",gui,"* ]]; then
    DEBS+=(xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
           libxcb-render-util0 libxcb-shape0 libxcb-xfixes0 libxcb-xinerama0 libxcb-xkb1
           libxkbcommon-x11-0 libegl1 libfontconfig1 libdbus-1-3)
fi

missing=()
for pkg in "${DEBS[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    echo "[setup] installing Debian packages: ${missing[*]}" >&2
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    log="$(mktemp)"
    if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
            $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
        cat "$log" >&2; echo "[setup] apt-get failed" >&2; exit 2
    fi
    rm -f "$log"
fi

PY="${NTT_PYTHON:-python3.11}"
command -v "$PY" >/dev/null || PY=python3
VENV="$ROOT/.venv"
[ -x "$VENV/bin/python" ] || { echo "[setup] creating $VENV" >&2; "$PY" -m venv "$VENV"; }

stamp="$VENV/.ntt-installed"
want="$( (sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1; echo "$EXTRAS") | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "[setup] installing Python packages (extras: ${EXTRAS:-none})" >&2
    spec="$ROOT"; [ -n "$EXTRAS" ] && spec="$ROOT[$EXTRAS]"
    "$VENV/bin/python" -m pip install -q --upgrade pip >&2
    "$VENV/bin/python" -m pip install -q -e "$spec" >&2
    echo "$want" >"$stamp"
fi

# A real Wyoming peer for the tests. wyoming-satellite pins an older wyoming than NTT's, and
# runs as its own process anyway, so it gets its own environment inside .venv.
if [[ ",$EXTRAS," == *",dev,"* ]]; then
    PEER="$VENV/peers/wyoming-satellite"
    PEER_PIN="wyoming-satellite==1.0.0"
    if [ "$(cat "$PEER/.ntt-installed" 2>/dev/null)" != "$PEER_PIN" ]; then
        echo "[setup] installing the test peer $PEER_PIN" >&2
        "$PY" -m venv "$PEER"
        "$PEER/bin/python" -m pip install -q "$PEER_PIN" >&2
        echo "$PEER_PIN" >"$PEER/.ntt-installed"
    fi
fi
