#!/usr/bin/env bash
# Builds (if needed) and runs bench_live: the live engine on its own JACK dummy server at 64 and 128
# frames per period, 60 s each, printing callback load, xruns, late steps and the MIDI clock jitter of
# the native JACK port against RtMidi's JACK API (MidiOutSender and a plain sender), with the
# command and the machine. Needs jackd (apt-get install jackd2); no JACK server needs to be running.
#
#   bench/run_live_benchmark.sh                 # 60 s per period size
#   bench/run_live_benchmark.sh --seconds 5     # a quick run; any bench_live flag passes through
#   bench/run_live_benchmark.sh --model path/to/model.safetensors
#
# Environment: BUILD_DIR (default <checkout>/build). Quiet the machine first: the figures are
# wall-clock, and one BLAS thread keeps the generator off the audio thread's core.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  generator=()
  command -v ninja >/dev/null && generator=(-G Ninja)
  cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release
fi
cmake --build "$build" --target bench_live
command -v jackd >/dev/null || { echo "run_live_benchmark.sh: jackd is not installed (apt-get install jackd2)" >&2; exit 1; }
echo "# bench/run_live_benchmark.sh  $(date -u +%Y-%m-%dT%H:%M:%SZ)  $(git -C "$root" rev-parse --short HEAD 2>/dev/null)"
echo "# $(uname -srm), $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n1), $(nproc) cores"
export OPENBLAS_NUM_THREADS=1
has_seconds=0
for a in "$@"; do [[ "$a" == --seconds ]] && has_seconds=1; done
if [[ $has_seconds -eq 1 ]]; then exec "$build/bench_live" --periods 64,128 "$@"; fi
exec "$build/bench_live" --seconds 60 --periods 64,128 "$@"
