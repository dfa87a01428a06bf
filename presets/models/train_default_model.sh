#!/usr/bin/env bash
# Rebuilds the shipped default model from the Groove MIDI Dataset (CC BY 4.0, Gillick et al. 2019):
# official train/validation/test split from info.csv, drum_kit encoding, CPU training, evaluation
# on validation and test, and the count baselines for the model card.
#   presets/models/train_default_model.sh GROOVE_DIR WORK_DIR [HPARAMS] [STEPS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
groove="${1:?GROOVE_DIR}"; work="${2:?WORK_DIR}"
hparams="${3:-batch_size=64,rnn_layer_sizes=[128,128],dropout_keep_prob=0.7}"
steps="${4:-8000}"
bin=build/drumrnn

scripts/groove_splits.py "$groove" "$work/splits"
for split in train validation test; do
  "$bin" create-dataset --config drum_kit --input "$work/splits/$split" --output_dir "$work/$split" --eval_ratio 0 --seed 1
done
"$bin" train --config drum_kit --run_dir "$work/run" --sequence_example_file "$work/train/training_drum_tracks.tfrecord" \
  --eval_sequence_example_file "$work/validation/training_drum_tracks.tfrecord" \
  --hparams "$hparams" --num_training_steps "$steps" --checkpoint_steps 500 --num_checkpoints 30 --seed 2
# Ship the checkpoint with the lowest validation loss.
best=""; best_loss=""
for ckpt in "$work"/run/train/model.ckpt-*.safetensors; do
  loss=$("$bin" evaluate --model "$ckpt" --sequence_example_file "$work/validation/training_drum_tracks.tfrecord" --json |
         sed -n 's/.*"loss":\([0-9.eE+-]*\).*/\1/p')
  echo "$ckpt validation loss $loss"
  if [ -z "$best" ] || awk "BEGIN{exit !($loss < $best_loss)}"; then best="$ckpt"; best_loss="$loss"; fi
done
"$bin" export-model --checkpoint "$best" --output "$work/drum_kit_groove.safetensors"
for split in validation test; do
  "$bin" evaluate --model "$work/drum_kit_groove.safetensors" --sequence_example_file "$work/$split/training_drum_tracks.tfrecord"
done
build/count_baselines "$work/train/training_drum_tracks.tfrecord" \
  "$work/validation/training_drum_tracks.tfrecord" "$work/test/training_drum_tracks.tfrecord"
