#!/usr/bin/env bash
# The CPU style path beside PyTorch on the same CPU, in one run, on the same two clips: a drum loop
# rendered by `drumrnn render` (content) and a chord with noise (style), 12 s each at 44.1/48 kHz.
# Sizes (STYLE_SIZES, "seconds:filters:iterations:griffin_lim" each):
#   reduced  4 s, 1024 filters, 50 L-BFGS iterations, 100 Griffin-Lim
#   full     10 s, 4096 filters, 300 L-BFGS iterations, 500 Griffin-Lim (the seed's; PyTorch ~10 min)
# Per size: per-evaluation stage times (ours), then each whole run, ours and PyTorch's alternating
# (STYLE_ROUNDS, default 1), and the floor: one evaluation's GFLOP over the machine's sgemm peak.
#   bench/run_style_benchmark.sh            TORCH_PYTHON=/path/venv/bin/python  STYLE_SIZES="4:1024:50:100"
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"
python="${TORCH_PYTHON:-/work/venv-torch/bin/python}"
sizes="${STYLE_SIZES:-4:1024:50:100 10:4096:300:500}"
rounds="${STYLE_ROUNDS:-1}"
cmake --build "$build" --target drumrnn bench_style fp32_peak >/dev/null
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$build/drumrnn" render --bars 6 --bpm 120 --seed 3 --out "$work/content.wav" >/dev/null
"$python" - "$work/style.wav" <<'PY'
import sys, numpy as np, soundfile as sf
sr = 44100; t = np.arange(12 * sr) / sr; rng = np.random.default_rng(1)
y = 0.25 * sum(np.sin(2 * np.pi * f * t) for f in (220, 277, 330)) + 0.05 * rng.standard_normal(t.size)
sf.write(sys.argv[1], y.astype(np.float32), sr, subtype="FLOAT")
PY
peak="$("$build/fp32_peak" --quiet | awk '{print $2}')"
echo "# bench/run_style_benchmark.sh  $(date -u +%Y-%m-%dT%H:%M:%SZ)  $(git -C "$root" rev-parse --short HEAD 2>/dev/null)"
echo "# $(lscpu | sed -n 's/^Model name: *//p' | head -n1), $(nproc) cores, OpenBLAS sgemm peak ${peak} GFLOP/s"
have_torch=1
"$python" -c "import torch, librosa" 2>/dev/null || { echo "# PyTorch rows skipped: $python cannot import torch and librosa"; have_torch=0; }
for size in $sizes; do
  IFS=: read -r sec filters iters gl <<<"$size"
  echo
  echo "## ${sec} s, ${filters} filters, ${iters} L-BFGS iterations, ${gl} Griffin-Lim iterations"
  evals="$("$build/bench_style" --content "$work/content.wav" --style "$work/style.wav" --seconds "$sec" --filters "$filters" --evals 3 --skip-run)"
  "$python" - "$evals" "$peak" <<'PY'
import json, sys
e = json.loads(sys.argv[1]); peak = float(sys.argv[2])
floor = e["eval_gflop"] / peak
print(f"one evaluation (ours): {e['eval_s']:.3f} s for {e['eval_gflop']:.1f} GFLOP = {e['eval_gflop'] / e['eval_s']:.0f} GFLOP/s, "
      f"{e['eval_s'] / floor:.2f}x the sgemm-peak floor ({floor:.3f} s)")
for k in ("conv", "gram", "gram_grad", "conv_grad", "elementwise"):
    print(f"  {k:12s} {e[k + '_s']:.4f} s  {100 * e[k + '_s'] / e['eval_s']:5.1f} %")
PY
  for r in $(seq "$rounds"); do
    ours="$("$build/bench_style" --content "$work/content.wav" --style "$work/style.wav" --seconds "$sec" --filters "$filters" \
              --iterations "$iters" --griffin_lim_iters "$gl" --evals 1)"
    theirs='null'
    if [[ $have_torch == 1 ]]; then
      theirs="$("$python" "$root/bench/pytorch_style.py" --content "$work/content.wav" --style "$work/style.wav" --seconds "$sec" \
                  --filters "$filters" --iterations "$iters" --griffin-lim "$gl")"
    fi
    "$python" - "$ours" "$theirs" <<'PY'
import json, sys
o = json.loads(sys.argv[1]); t = json.loads(sys.argv[2])
print("| run | L-BFGS | evals | s/eval | loss start -> end | Griffin-Lim | total |")
print("|---|---|---|---|---|---|---|")
ot = o["lbfgs_s"] + o["gl_s"]
print(f"| drumrnn (CPU: BLAS, liblbfgs, FFTW) | {o['lbfgs_s']:.1f} s | {o['evals']} | {o['lbfgs_s'] / o['evals']:.3f} | "
      f"{o['initial_loss']:.4g} -> {o['loss']:.4g} ({o['stop']}) | {o['gl_s']:.2f} s | {ot:.1f} s |")
if t:
    tt = t["lbfgs_s"] + t["gl_s"]
    print(f"| PyTorch {t['torch']} ({t['threads']} threads, LBFGS strong Wolfe) | {t['lbfgs_s']:.1f} s | {t['evals']} | "
          f"{t['eval_s']:.3f} | {t['initial_loss']:.4g} -> {t['loss']:.4g} | {t['gl_s']:.2f} s | {tt:.1f} s |")
    if t.get("librosa_gl_s") is not None:
        print(f"| librosa.griffinlim (momentum 0) | | | | | {t['librosa_gl_s']:.2f} s | |")
    print(f"speed-up over PyTorch: {tt / ot:.2f}x overall, {t['eval_s'] / (o['lbfgs_s'] / o['evals']):.2f}x per evaluation, "
          f"{t['gl_s'] / o['gl_s']:.2f}x Griffin-Lim")
PY
  done
done
