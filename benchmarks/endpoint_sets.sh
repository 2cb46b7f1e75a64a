#!/usr/bin/env bash
# The sets behind the end-of-turn card (ntt/models/endpoint.md, "Through the device's
# ears" and "Early finals the fusion can trust"), rebuilt under ROOT and measured;
# resumable (rendered sessions, recorded streams and results are kept, so a second run
# only does what is missing).
#
#   bash benchmarks/endpoint_sets.sh ROOT [ASR]     # ASR: whisper (default) or pocketsphinx
#
# About 25 min render + 20 min record + 40 min whole-pipeline runs on a 2-core machine;
# JSON results in ROOT/results.
set -euo pipefail
ROOT="${1:?usage: endpoint_sets.sh ROOT [ASR]}"
ASR="${2:-whisper}"
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=.venv/bin/python
NTT=.venv/bin/ntt
mkdir -p "$ROOT/results"

# Simulated households, held-out text, array and playback, no video.
"$NTT" simulate "$ROOT/heldout" --sessions 18 --scenario mixed --seed 900000 --duration 40 \
    --text-split test --audio-only --resume
# Real recorded requests (the report half of ../shared/data/speech) as the directed lines
# of simulated households, through the array.
"$NTT" simulate "$ROOT/real_report_audio" --sessions 12 --scenario mixed --seed 700000 \
    --duration 40 --text-split test --real-requests report --audio-only --resume
# Real requests alone in rooms (mono), half with a 0.3-0.8 s pause put inside; close-talk.
[ -d "$ROOT/eot-real-report" ] || \
    "$PY" -m ntt.endpoint.mix "$ROOT/eot-real-report" --split report --sessions 8 --seed 200
[ -d "$ROOT/eot-real-close" ] || \
    "$PY" -m ntt.endpoint.mix "$ROOT/eot-real-close" --split report --sessions 6 --seed 300 --close

for set in heldout real_report_audio eot-real-report eot-real-close; do
    "$PY" benchmarks/bench_endpoint.py "$ROOT/$set" --end-of-turn --asr "$ASR" \
        --cache "$ROOT/cache" --json > "$ROOT/results/$set-$ASR.json"
    echo "$ROOT/results/$set-$ASR.json"
    # The whole pipeline at the gate's settings (about 2.5 min per setting per set).
    out="$ROOT/results/$set-$ASR-pipeline.json"
    [ -s "$out" ] || "$PY" benchmarks/bench_endpoint.py "$ROOT/$set" --pipeline 0.85,0.9,0.97 \
        --asr "$ASR" --json > "$out"
    echo "$out"
done
