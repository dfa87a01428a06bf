#!/usr/bin/env bash
# Does Magenta's attention cell (attn_length 32 around the first layer) pay for itself on Groove?
# Trains drum_kit twice from the same seed on Groove's official train split, with and without
# attention, checkpointing every 500 steps, and prints each checkpoint's loss (NLL per step) on the
# test split beside the wall time it took to reach it.
#   presets/models/compare_attention.sh GROOVE_DIR WORK_DIR [HPARAMS] [STEPS]
# HPARAMS defaults to the seed's (batch 64, [64,64], keep 0.5), the size Magenta's own trainer was
# timed at (facts §12: 300 steps reach eval NLL 2.581 with attention in 1,120 s, 2.565 without in 231 s).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
groove="${1:?GROOVE_DIR}"; work="${2:?WORK_DIR}"
hparams="${3:-batch_size=64,rnn_layer_sizes=[64,64],dropout_keep_prob=0.5}"
steps="${4:-3000}"
bin=build/drumrnn

[ -d "$work/splits" ] || scripts/groove_splits.py "$groove" "$work/splits"
for split in train test; do
  [ -s "$work/$split/training_drum_tracks.tfrecord" ] ||
    "$bin" create-dataset --config drum_kit --input "$work/splits/$split" --output_dir "$work/$split" --eval_ratio 0 --seed 1
done
for attn in 0 32; do
  run="$work/run_attn$attn"
  rm -rf "$run"
  start=$(date +%s.%N)
  "$bin" train --config drum_kit --run_dir "$run" --sequence_example_file "$work/train/training_drum_tracks.tfrecord" \
    --hparams "$hparams,attn_length=$attn" --num_training_steps "$steps" --checkpoint_steps 500 \
    --num_checkpoints 100 --seed 2 --device cpu | tail -1
  echo "$start" > "$run/started"
done
printf '%-10s %6s %10s %14s\n' attn_length step seconds test_nll
for attn in 0 32; do
  run="$work/run_attn$attn"
  start=$(cat "$run/started")
  for ckpt in $(ls "$run"/train/model.ckpt-*.safetensors | sort -t- -k2 -n); do
    step=$(basename "$ckpt" .safetensors); step=${step#model.ckpt-}
    seconds=$(awk "BEGIN{printf \"%.0f\", $(stat -c %Y "$ckpt") - $start}")
    loss=$("$bin" evaluate --model "$ckpt" --sequence_example_file "$work/test/training_drum_tracks.tfrecord" --json |
           sed -n 's/.*"loss":\([0-9.eE+-]*\).*/\1/p')
    printf '%-10s %6s %10s %14s\n' "$attn" "$step" "$seconds" "$loss"
  done
done
