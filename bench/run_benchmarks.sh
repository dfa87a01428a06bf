#!/usr/bin/env bash
# Builds (if needed) and runs every benchmark program in bench/, each printing its table, the command
# and the machine; bench_train and bench_generator add PyTorch's rows (bench/pytorch_*.py) to theirs.
#
#   bench/run_benchmarks.sh                     # from the checkout root (or anywhere)
#   TORCH_PYTHON=/path/to/venv/bin/python bench/run_benchmarks.sh
#
# Environment: BUILD_DIR (default <checkout>/build), TORCH_PYTHON (a python with torch; default python3
# when it imports torch, else the PyTorch rows are skipped), and extra arguments per program in
# <PROGRAM>_ARGS, e.g. BENCH_TRAIN_ARGS="--data /path/to/training_drum_tracks.tfrecord",
# BENCH_GENERATOR_ARGS, BENCH_PIPELINE_ARGS, COUNT_BASELINES_ARGS="TRAIN.tfrecord EVAL.tfrecord".
# A program that needs arguments and gets none (usage, exit 2) is reported as skipped.
# BENCH_SECTIONS (default all) picks sections: program names, "training", "magenta".
#
# Training is measured differently from the rest (see "training" below): fp32_peak first, then for
# each of TRAIN_CONFIGS ("layers:batch_size:steps:warmup", default
# "64,64:64:10:2 256,256,256:128:3:1") TRAIN_ROUNDS (default 2) interleaved rounds of ours
# (bench_train) and PyTorch (bench/pytorch_train.py, padded, its fastest variant) on the same
# batches and all cores, so load from other users of the machine hits both alike. Each row gets its
# useful GFLOP/s and share of the FMA-loop peak. Quiet the machine first: the numbers are wall-clock.
set -u
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"

programs=()
for src in "$root"/bench/*.cpp; do programs+=("$(basename "$src" .cpp)"); done
cores="$(nproc)"

if [[ ! -f "$build/CMakeCache.txt" ]]; then
  generator=()
  command -v ninja >/dev/null && generator=(-G Ninja)
  cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release || exit 1
fi
built=()
for p in "${programs[@]}"; do
  if cmake --build "$build" --target "$p"; then built+=("$p"); else echo "# $p: build failed, not run"; fi
done

python="${TORCH_PYTHON:-python3}"
torch_args=(--python "$python")
if ! "$python" -c "import torch" 2>/dev/null; then
  echo "# PyTorch rows skipped: '$python' cannot import torch (give a venv's python in TORCH_PYTHON)"
  torch_args=(--no-pytorch)
fi

echo "# bench/run_benchmarks.sh  $(date -u +%Y-%m-%dT%H:%M:%SZ)  $(git -C "$root" rev-parse --short HEAD 2>/dev/null)"
echo "# $(uname -srm), $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n1), $(nproc) cores"
status=0
wanted() { [[ -z ${BENCH_SECTIONS:-} || " $BENCH_SECTIONS " == *" $1 "* ]]; }
for p in "${built[@]}"; do
  [[ $p == bench_train || $p == fp32_peak ]] && continue  # measured together in "training" below
  wanted "$p" || continue
  echo
  echo "## $p"
  args_var="$(echo "$p" | tr '[:lower:]-' '[:upper:]_')_ARGS"
  read -r -a args <<<"${!args_var:-}"
  case "$p" in
    bench_train | bench_generator) args=("${torch_args[@]}" "${args[@]}") ;;
  esac
  "$build/$p" "${args[@]}"
  rc=$?
  if [[ $rc -eq 2 && -z "${!args_var:-}" ]]; then
    echo "# $p skipped: it needs arguments (set $args_var)"
  elif [[ $rc -ne 0 ]]; then
    echo "# $p failed (exit $rc)"
    status=1
  fi
done

# --- training: ours and PyTorch interleaved, with FLOPs and the share of the machine's fp32 peak ----
# Useful FLOP per token (real step), the same count for both implementations:
#   6 x (sum over layers of 4 H_l (in_l + H_l)  +  H_last x 512)
# forward 2 and backward 4 flops per weight touched; in_1 = 7, the non-zeros of the drum_kit input
# (one-hot + 6 counter bits), in_l = H_(l-1) above; biases and activations left out. PyTorch
# multiplies the dense 518-wide input and the padded steps as well; that extra work is not counted.
flop_per_token() {  # "256,256,256" -> FLOP per token
  awk -v layers="$1" 'BEGIN { n = split(layers, h, ","); in_ = 7; p = 0
    for (l = 1; l <= n; ++l) { p += 4 * h[l] * (in_ + h[l]); in_ = h[l] }
    printf "%.0f", 6 * (p + h[n] * 512) }'
}
# Appends GFLOP/s and % of peak to a table row (the last four fields: threads steps/s tokens/s ms/step).
with_flops() {
  awk -v f="$1" -v peak="$2" '
    /^implementation/ { printf "%s %9s %8s\n", $0, "GFLOP/s", "%peak"; next }
    NF >= 5 && $(NF-3) ~ /^[0-9]+$/ && $(NF-1) ~ /^[0-9.]+$/ {
      g = $(NF-1) * f / 1e9; share = (peak > 0) ? 100 * g / peak : 0
      printf "%s %9.2f %7.1f%%\n", $0, g, share; fflush(); next }
    { print; fflush() }'
}
have() { local x; for x in "${built[@]}"; do [[ $x == "$1" ]] && return 0; done; return 1; }
if have bench_train && wanted training; then
  echo
  echo "## training (bench_train and bench/pytorch_train.py interleaved, $cores threads)"
  peak_sgemm=0 peak_fma=0
  if have fp32_peak; then
    "$build/fp32_peak" | tee /tmp/drumrnn-fp32-peak.$$ | grep -v '^peak_gflops'
    read -r _ peak_sgemm peak_fma < <(grep '^peak_gflops' /tmp/drumrnn-fp32-peak.$$)
    rm -f /tmp/drumrnn-fp32-peak.$$
  fi
  echo "# %peak = useful GFLOP/s / the FMA-loop peak ($peak_fma GFLOP/s; OpenBLAS sgemm reaches $peak_sgemm)"
  read -r -a extra <<<"${BENCH_TRAIN_ARGS:-}"
  for config in ${TRAIN_CONFIGS:-64,64:64:10:2 256,256,256:128:3:1}; do
    IFS=: read -r layers batch steps warmup <<<"$config"
    flops="$(flop_per_token "$layers")"
    batches="$(mktemp --suffix=.json)"
    echo
    echo "### rnn_layer_sizes [$layers], batch_size $batch: $flops useful FLOP per token"
    variant=()
    for ((round = 1; round <= ${TRAIN_ROUNDS:-2}; ++round)); do
      echo "# round $round"
      "$build/bench_train" --layers "$layers" --batch-size "$batch" --steps "$steps" --warmup "$warmup" \
        --threads "$cores" --no-pytorch --write-batches "$batches" "${extra[@]}" |
        { if ((round == 1)); then cat; else grep -v '^implementation'; fi; } | with_flops "$flops" "$peak_fma"
      [[ ${PIPESTATUS[0]} -ne 0 ]] && { echo "# bench_train failed"; status=1; break; }
      [[ ${torch_args[0]} == --no-pytorch ]] && continue
      # The first round tries every variant and keeps the fastest; later rounds reuse it.
      out="$("$python" "$root/bench/pytorch_train.py" --batches "$batches" --steps "$steps" \
        --warmup "$warmup" --threads "$cores" "${variant[@]}" 2>/dev/null)" || { echo "# pytorch_train.py failed"; status=1; }
      grep -v '^implementation\|^# machine\|^# /' <<<"$out" | with_flops "$flops" "$peak_fma"
      v="$(sed -n 's/.*nn.LSTM padded, \([a-z_]*\).*/\1/p' <<<"$out" | head -n1)"
      [[ -n $v ]] && variant=(--variants "$v")
    done
    rm -f "$batches"
  done
fi

# Magenta's own pipeline on the same files, in the same run (the rival to bench_pipeline), when its
# reference runner is beside the checkout (../shared/tools/magenta_ref.sh) or MAGENTA_REF names it.
magenta_ref="${MAGENTA_REF:-$root/../shared/tools/magenta_ref.sh}"
groove="${DRUMRNN_GROOVE_DIR:-$root/../shared/data/groove}"
if ! wanted magenta; then
  :
elif [[ -x "$magenta_ref" && -d "$groove" ]]; then
  echo
  echo "## Magenta 2.1.4 convert + create-dataset ($magenta_ref all --input_dir $groove --seed 1 --sorted_listing)"
  work="$(mktemp -d)"
  "$magenta_ref" all --input_dir "$groove" --work_dir "$work" --seed 1 --sorted_listing --log WARN 2>/dev/null |
    sed -n '/== summary ==/,$p'
  rm -rf "$work"
else
  echo "# Magenta reference skipped: no $magenta_ref or no Groove data at $groove"
fi
exit $status
