#!/usr/bin/env bash
# Training speed with and without Magenta's attention cell, ours beside Magenta's own trainer, in one
# run on the same data and hparams (the seed's: drum_kit, batch 64, [64,64], keep 0.5):
#   bench/compare_train_speed.sh TRAIN.tfrecord [MAGENTA_STEPS]
# Ours: build/bench_train (8 timed steps after 2 warm-up steps, 2 threads). Magenta: drums_rnn_train
# through ../shared/tools/magenta_ref.sh for MAGENTA_STEPS (default 40) steps; its rate is the mean of
# the global_step/sec lines its StepCounterHook logs every 10 steps (graph building and the first 10
# steps excluded). Prints one table.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
data="${1:?TRAIN.tfrecord}"; steps="${2:-40}"
hparams="batch_size=64,rnn_layer_sizes=[64,64],dropout_keep_prob=0.5"
magenta=../shared/tools/magenta_ref.sh
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

echo "# $0 $*"
echo "# $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
build/bench_train --data "$data" --steps 8 --warmup 2 --threads 2 --attn_length 0,32 --no-pytorch |
  grep -v '^#' | grep -v '^implementation' > "$work/ours.txt"
rows=()
while read -r line; do rows+=("$line"); done < "$work/ours.txt"

magenta_rate() {  # attn_length -> steps/s
  local run="$work/magenta_attn$1"
  "$magenta" run drums_rnn_train --config=drum_kit --run_dir="$run" --sequence_example_file="$data" \
    --hparams="$hparams,attn_length=$1" --num_training_steps="$steps" --summary_frequency=10 > "$run.log" 2>&1 ||
    { echo "Magenta's trainer failed (attn_length $1); its log: $run.log" >&2; tail -5 "$run.log" >&2; return 1; }
  grep -o 'global_step/sec: [0-9.e+-]*' "$run.log" | awk '{s += $2; n++} END {if (n) printf "%.3f", s / n; else print "n/a"}'
}
printf '%-44s %10s\n' implementation steps/s
for line in "${rows[@]}"; do
  printf '%-44s %10s\n' "$(echo "$line" | awk '{NF -= 4; print}') (ours)" "$(echo "$line" | awk '{print $(NF-2)}')"
done
if [ -x "$magenta" ]; then
  for attn in 0 32; do
    printf '%-44s %10s\n' "Magenta drums_rnn_train attn $attn" "$(magenta_rate $attn)"
  done
else
  echo "# Magenta rows skipped: $magenta not found"
fi
