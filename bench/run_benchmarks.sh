#!/usr/bin/env bash
# Builds (if needed) and runs every benchmark program in bench/, each printing its table, the command
# and the machine; bench_train and bench_generator add PyTorch's rows (bench/pytorch_*.py) to theirs.
#
#   bench/run_benchmarks.sh                     # from the checkout root (or anywhere)
#   TORCH_PYTHON=/path/to/venv/bin/python bench/run_benchmarks.sh
#
# Environment: BUILD_DIR (default <checkout>/build), TORCH_PYTHON (a python with torch; default python3
# when it imports torch, else the PyTorch rows are skipped), and extra arguments per program in
# <PROGRAM>_ARGS, e.g. BENCH_TRAIN_ARGS="--data /path/to/training_drum_tracks.tfrecord --steps 50",
# BENCH_GENERATOR_ARGS, BENCH_PIPELINE_ARGS, COUNT_BASELINES_ARGS="TRAIN.tfrecord EVAL.tfrecord".
# A program that needs arguments and gets none (usage, exit 2) is reported as skipped.
# Quiet the machine first: the numbers are wall-clock.
set -u
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"

programs=()
for src in "$root"/bench/*.cpp; do programs+=("$(basename "$src" .cpp)"); done

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
for p in "${built[@]}"; do
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
# Magenta's own pipeline on the same files, in the same run (the rival to bench_pipeline), when its
# reference runner is beside the checkout (../shared/tools/magenta_ref.sh) or MAGENTA_REF names it.
magenta_ref="${MAGENTA_REF:-$root/../shared/tools/magenta_ref.sh}"
groove="${DRUMRNN_GROOVE_DIR:-$root/../shared/data/groove}"
if [[ -x "$magenta_ref" && -d "$groove" ]]; then
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
