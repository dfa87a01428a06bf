#!/usr/bin/env bash
# Panel cost under Xvfb while the engine plays on a JACK dummy server (48 kHz, 128 frames):
# frame time (median, p99: the work of one frame, from poll to swap) and the audio callback load
# with and without the panel, measured in the same run. Usage: bench/bench_panel.sh [BUILD_DIR] [SECONDS]
set -euo pipefail
build="${1:-build}"; secs="${2:-10}"
bin="$build/drumrnn"; tmp="$(mktemp -d)"
display=":$((100 + RANDOM % 50))"; server="drumrnn-bench-panel"
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 & xvfb=$!
JACK_NO_AUDIO_RESERVATION=1 jackd -n "$server" -d dummy -r 48000 -p 128 >"$tmp/jackd.log" 2>&1 & jackd=$!
trap 'kill $xvfb $jackd 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
sleep 2
export JACK_DEFAULT_SERVER="$server" JACK_NO_START_SERVER=1 LIBGL_ALWAYS_SOFTWARE=1
load() { grep -o 'callback load p50 [0-9.]*% p99 [0-9.]*%' "$1" | sed 's/callback load //'; }
"$bin" live --headless --duration "$secs" --seed 1 >"$tmp/headless.out" 2>&1
DISPLAY="$display" DRUMRNN_GUI_STATE="$tmp/state.json" "$bin" live --duration "$secs" --seed 1 >"$tmp/panel.out" 2>&1
echo "command: $0 $*   machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), Mesa llvmpipe under Xvfb"
printf '%-10s %-28s %s\n' "run" "callback load" "frame time (median / p99)"
printf '%-10s %-28s %s\n' "headless" "$(load "$tmp/headless.out")" "-"
frames=$(python3 -c "import json;s=json.load(open('$tmp/state.json'));print('%.2f ms / %.2f ms (%d frames)'%(s['frame_ms_median'],s['frame_ms_p99'],s['frames']))")
printf '%-10s %-28s %s\n' "panel" "$(load "$tmp/panel.out")" "$frames"
