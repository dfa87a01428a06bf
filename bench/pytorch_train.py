#!/usr/bin/env python3
"""PyTorch's CPU training throughput for the drum RNN at the seed's hparams, for bench_train.

    python3 bench/pytorch_train.py [--batches FILE] [--steps 20] [--warmup 3] [--threads 1,2] [--rows-only]

Same network as drumrnn: nn.LSTM(518 -> 64 -> 64) (dropout 0.5 between the layers and nn.Dropout(0.5)
after the last, as Magenta's DropoutWrapper on every cell), nn.Linear(64 -> 512), cross-entropy over
the real steps only, Adam (lr 0.001) with per-tensor clip_grad_norm_(3). Inputs are dense [T, B, 518]
(one-hot + counters) fed as a PackedSequence (pack_padded_sequence), so no compute goes to padding.
FILE is the batch file bench_train writes (the same batches ours trains on); without it, synthetic
batches with lengths uniform in [100, 511] are drawn here (not the same batches).
"""

import argparse
import json
import os
import platform
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import cpu_model  # noqa: E402  (bench/bench_common.py)

NUM_CLASSES, COUNTER_BITS = 512, 6
INPUT_SIZE = NUM_CLASSES + COUNTER_BITS


def synthetic(n_batches, batch_size, layers):
    rng = np.random.default_rng(7)
    vocab = [0, 0, 0, 1, 2, 4, 5, 6, 3, 8, 12, 260, 129, 511]
    batches = []
    for _ in range(n_batches):
        b = []
        for _ in range(batch_size):
            ev = [vocab[k] for k in rng.integers(0, len(vocab), size=int(rng.integers(100, 512)) + 1)]
            b.append({"inputs": ev[:-1], "labels": ev[1:]})
        batches.append(b)
    return {"layer_sizes": layers, "dropout_keep_prob": 0.5, "batches": batches,
            "source": "synthetic (drawn in Python), lengths uniform in [100, 511]"}


def to_tensors(batch):
    """A batch as (PackedSequence of dense inputs, packed labels, real steps)."""
    seqs = sorted(batch, key=lambda s: -len(s["inputs"]))
    lengths = [len(s["inputs"]) for s in seqs]
    T, B = lengths[0], len(seqs)
    x = torch.zeros(T, B, INPUT_SIZE)
    y = torch.zeros(T, B, dtype=torch.long)
    for b, s in enumerate(seqs):
        n = len(s["inputs"])
        t = torch.arange(n)
        x[t, b, torch.tensor(s["inputs"])] = 1.0
        pos = t + 1
        for i in range(COUNTER_BITS):
            x[t, b, NUM_CLASSES + i] = ((pos >> i) & 1).float() * 2.0 - 1.0
        y[t, b] = torch.tensor(s["labels"])
    packed = torch.nn.utils.rnn.pack_padded_sequence(x, lengths, enforce_sorted=True)
    labels = torch.nn.utils.rnn.pack_padded_sequence(y, lengths, enforce_sorted=True).data
    return packed, labels, sum(lengths)


class DrumRnn(torch.nn.Module):
    def __init__(self, layers, keep):
        super().__init__()
        self.lstm = torch.nn.LSTM(INPUT_SIZE, layers[0], num_layers=len(layers), dropout=1.0 - keep)
        assert all(h == layers[0] for h in layers), "nn.LSTM stacks equal sizes only"
        self.drop = torch.nn.Dropout(1.0 - keep)
        self.fc = torch.nn.Linear(layers[-1], NUM_CLASSES)

    def forward(self, packed):
        out, _ = self.lstm(packed)
        return self.fc(self.drop(out.data))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", default="1,%d" % os.cpu_count() if os.cpu_count() > 1 else "1")
    ap.add_argument("--rows-only", action="store_true", help="rows for bench_train's table")
    args = ap.parse_args()
    doc = json.load(open(args.batches)) if args.batches else synthetic(8, 64, [64, 64])
    layers, keep = doc["layer_sizes"], doc["dropout_keep_prob"]
    data = [to_tensors(b) for b in doc["batches"]]

    if not args.rows_only:
        print("# " + " ".join([sys.executable] + sys.argv))
        u = platform.uname()
        print("# machine: %s %s %s, %s, %d hardware threads; torch %s" %
              (u.system, u.release, u.machine, cpu_model(), os.cpu_count(), torch.__version__))
        print("# drum_kit, batch_size %d, rnn_layer_sizes %s, dropout keep %.2f; %d batches from %s" %
              (len(doc["batches"][0]), layers, keep, len(data), doc["source"]))
        print("%-44s %7s %10s %12s %10s" % ("implementation", "threads", "steps/s", "tokens/s", "ms/step"))
    for threads in [int(t) for t in args.threads.split(",")]:
        torch.set_num_threads(threads)
        torch.manual_seed(1)
        model = DrumRnn(layers, keep)
        model.train()
        opt = torch.optim.Adam(model.parameters(), lr=0.001, betas=(0.9, 0.999), eps=1e-8)

        def step(k):
            packed, labels, _ = data[k % len(data)]
            opt.zero_grad(set_to_none=True)
            loss = torch.nn.functional.cross_entropy(model(packed), labels)
            loss.backward()
            for p in model.parameters():  # Magenta clips each tensor separately
                torch.nn.utils.clip_grad_norm_([p], 3.0)
            opt.step()

        for k in range(args.warmup):
            step(k)
        tokens = 0
        t0 = time.perf_counter()
        for k in range(args.steps):
            step(k)
            tokens += data[k % len(data)][2]
        s = time.perf_counter() - t0
        print("%-44s %7d %10.2f %12.0f %10.1f" % ("PyTorch %s nn.LSTM (packed, dense input)" % torch.__version__.split("+")[0],
                                                   threads, args.steps / s, tokens / s, 1e3 * s / args.steps),
              flush=True)


if __name__ == "__main__":
    main()
