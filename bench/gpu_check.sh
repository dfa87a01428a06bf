#!/usr/bin/env bash
# Everything that needs a GPU, in one go on a fresh GPU machine with the repo (about 5-8 minutes):
# configure and build, run every GPU test, then the benchmarks, and print one table of training
# tokens/s for the seed's hparams and Magenta's drum_kit sizes: our CUDA trainer, PyTorch nn.LSTM +
# Adam on the same batches on the same GPU (bench/pytorch_train.py --device cuda), our CPU trainer.
#
#   bench/gpu_check.sh [build-dir]        (default build-gpu; an existing build dir is reused)
#
# Environment: PYTHON or TORCH_PYTHON (a python with torch; default python3), DRUMRNN_GROOVE_DIR
# (Groove MIDI, default ../shared/data/groove; without it the batches are synthetic with Groove-like
# lengths), GPU_CHECK_STEPS (timed GPU steps, default 20), GPU_CHECK_CPU_STEPS (default 3),
# GPU_CHECK_SKIP_STYLE=1 (leave out bench/gpu_check_style.sh). Without a GPU the tests report skips,
# the GPU rows say why they are missing, and the CPU rows are still measured.
set -u
cd "$(dirname "$0")/.."
root=$PWD
build=${1:-build-gpu}
py=${PYTHON:-${TORCH_PYTHON:-python3}}
gpu_steps=${GPU_CHECK_STEPS:-20}
cpu_steps=${GPU_CHECK_CPU_STEPS:-3}
cores=$(nproc)
start=$SECONDS
status=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "# $0 $*  ($(date -u +%FT%TZ), $(git rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo "# GPU: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1 || true)"

# --- build --------------------------------------------------------------------------------------
targets=(drumrnn test_gpu_trainer test_gpu_trainer_kernels test_gpu_style test_pytorch_reference bench_train)
gen=()
[[ -f $build/CMakeCache.txt ]] || { command -v ninja >/dev/null && gen=(-G Ninja); }
if ! cmake -S . -B "$build" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release >"$work/configure.log" 2>&1; then
  tail -n 30 "$work/configure.log"; echo "gpu_check: cmake configure failed"; exit 1
fi
grep -i 'cuda' "$work/configure.log" | grep -i 'cudnn\|✓\|✗' | head -n 2
if ! cmake --build "$build" -j"$cores" --target "${targets[@]}" >"$work/build.log" 2>&1; then
  grep -E 'error|Error' "$work/build.log" | head -n 30; echo "gpu_check: build failed"; exit 1
fi
echo "# built in $((SECONDS - start)) s"

# --- tests --------------------------------------------------------------------------------------
declare -a results
run_test() {  # name, command...
  local name=$1; shift
  local t0=$SECONDS rc=0
  timeout 240 "$@" >"$work/$name.log" 2>&1 || rc=$?
  local verdict=PASS
  if ((rc == 77)) || grep -q '^SKIPPED:' "$work/$name.log" && ((rc == 0 || rc == 77)); then
    verdict="SKIP ($(grep -m1 '^SKIPPED:' "$work/$name.log" | cut -c10-))"
  elif ((rc != 0)); then
    verdict="FAIL (exit $rc)"; status=1
    echo "### $name failed:"; tail -n 40 "$work/$name.log"
  fi
  results+=("$(printf '%-46s %s  %ds' "$name" "$verdict" $((SECONDS - t0)))")
}
run_test test_gpu_trainer_kernels "$build/tests/test_gpu_trainer_kernels"
run_test test_gpu_trainer "$build/tests/test_gpu_trainer"
run_test "test_pytorch_reference [gpu]" "$build/tests/test_pytorch_reference" "[gpu]"
run_test test_gpu_style "$build/tests/test_gpu_style"
echo; echo "## GPU tests"
printf '%s\n' "${results[@]}"

# --- training benchmark -------------------------------------------------------------------------
groove=${DRUMRNN_GROOVE_DIR:-$root/../shared/data/groove}
data=() source="synthetic batches with Groove-like lengths (no Groove data at $groove)"
if [[ -d $groove ]] &&
   "$build/drumrnn" create-dataset --input "$groove" --output_dir "$work/groove" --seed 1 --log WARN >"$work/dataset.log" 2>&1 &&
   [[ -s $work/groove/training_drum_tracks.tfrecord ]]; then
  data=(--data "$work/groove/training_drum_tracks.tfrecord") source="Groove training set ($groove)"
fi
table=$work/table
: >"$table"
rows() {  # config label, bench_train output: the implementation rows, prefixed by the config
  awk -v cfg="$1" '/^(drumrnn|PyTorch)/ { impl = substr($0, 1, 44); sub(/ +$/, "", impl);
    n = NF; printf "%-46s %-46s %12.0f %10.1f\n", cfg, impl, $(n-1), $n }'
}
for config in 64,64:64 256,256,256:128; do
  IFS=: read -r layers batch <<<"$config"
  label="batch_size=$batch,rnn_layer_sizes=[$layers]"
  common=(--layers "$layers" --batch-size "$batch" --keep 0.5 "${data[@]}")
  out=$("$build/bench_train" "${common[@]}" --device cuda --steps "$gpu_steps" --warmup 3 --batches 8 \
        --python "$py" 2>&1)
  echo "$out" | grep -q '^drumrnn CudaTrainer' || {
    printf '%-46s %-46s %12s %10s\n' "$label" "drumrnn CudaTrainer: $(echo "$out" | grep -m1 'bench_train:' | cut -c14-)" - - >>"$table"
    status=1; }
  grep -q '^PyTorch' <<<"$out" || grep -m1 '^# PyTorch rows skipped' <<<"$out" | sed "s|^|$label |" >>"$table"
  rows "$label" <<<"$out" >>"$table"
  grep -m1 '^# cuda:' <<<"$out" >"$work/device" || true
  out=$("$build/bench_train" "${common[@]}" --device cpu --threads "$cores" --steps "$cpu_steps" --warmup 1 \
        --batches 2 --no-pytorch 2>&1)
  rows "$label" <<<"$out" | sed "s/CpuTrainer (packed, sparse input)/CpuTrainer ($cores threads)/" >>"$table"
done

# --- style transfer (its own tables) ------------------------------------------------------------
if [[ ${GPU_CHECK_SKIP_STYLE:-0} != 1 && -x bench/gpu_check_style.sh ]]; then
  echo
  left=$((480 - (SECONDS - start) - 20))
  if ((left > 30)); then
    PYTHON=$py timeout "$left" bench/gpu_check_style.sh "$build" || { echo "# gpu_check_style.sh: exit $?"; status=1; }
  else
    echo "# style benchmark skipped: $((SECONDS - start)) s used of the 8-minute budget"
  fi
fi

echo
echo "## training tokens/s: drum_kit, dropout keep 0.5, $source"
echo "# $(cat "$work/device" 2>/dev/null | cut -c3-); CPU: $cores cores; GPU rows $gpu_steps timed steps after 3 warm-up, CPU rows $cpu_steps after 1"
printf '%-46s %-46s %12s %10s\n' config implementation tokens/s ms/step
cat "$table"
echo "# total $((SECONDS - start)) s"
exit $status
