#!/usr/bin/env python3
"""PyTorch's training throughput for the drum RNN, in its fastest honest configuration, on the
batches bench_train writes (the very batches ours trains on), on the CPU or (--device cuda) a GPU.

    python3 bench/pytorch_train.py --batches FILE [--steps 20] [--warmup 3] [--threads N[,M]]
                                   [--variants eager,eager_batch_first,compile] [--rows-only]
                                   [--device cpu|cuda] [--tf32]

On CUDA, nn.LSTM runs on cuDNN; TF32 is off unless --tf32 (drumrnn's CUDA trainer is float32
throughout), the batches are on the device before timing, and each step ends with a synchronize.

Same network as drumrnn: nn.LSTM(518 -> H -> ... -> H) (dropout 1-keep between layers and
nn.Dropout after the last, as Magenta's DropoutWrapper on every cell), nn.Linear(H -> 512),
cross-entropy over the real steps only, Adam (lr 0.001), per-tensor clip_grad_norm_(3).

Why padded, not packed: nn.LSTM on a PackedSequence takes PyTorch's slow per-step CPU path (no
oneDNN), about 5x slower than a padded batch even though the padding is computed for nothing. So
each batch is a dense [T, B, 518] tensor (one-hot + counter bits), T = the batch's longest
sequence, and the loss ignores the padded steps (ignore_index). Only real steps count as tokens,
so the padding shows as waste, as it would in training.

Variants (with more than one, each is timed briefly on the first batch and the fastest is kept
and named in its row):
  eager              nn.LSTM, time-major input
  eager_batch_first  nn.LSTM(batch_first=True), [B, T, 518] input
  compile            torch.compile of the model (nn.LSTM itself stays eager: dynamo does not trace
                     RNN modules; the output layer, dropout and loss are compiled)
Adam uses fused=True where this torch supports it on the CPU (the fastest of its three kernels).
"""

import argparse
import json
import os
import platform
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import cpu_model  # noqa: E402  (bench/bench_common.py)

NUM_CLASSES, COUNTER_BITS = 512, 6
INPUT_SIZE = NUM_CLASSES + COUNTER_BITS
IGNORE = -100
VARIANTS = ["eager", "eager_batch_first", "compile"]


def to_padded(batch, batch_first):
    """A batch as (dense padded inputs, labels with IGNORE on padding, real steps)."""
    lengths = [len(s["inputs"]) for s in batch]
    T, B = max(lengths), len(batch)
    x = torch.zeros(T, B, INPUT_SIZE)
    y = torch.full((T, B), IGNORE, dtype=torch.long)
    for b, s in enumerate(batch):
        n = len(s["inputs"])
        t = torch.arange(n)
        x[t, b, torch.tensor(s["inputs"])] = 1.0
        pos = t + 1  # Magenta's binary counter of the step's position, as ±1
        for i in range(COUNTER_BITS):
            x[t, b, NUM_CLASSES + i] = ((pos >> i) & 1).float() * 2.0 - 1.0
        y[t, b] = torch.tensor(s["labels"])
    if batch_first:
        x, y = x.transpose(0, 1).contiguous(), y.transpose(0, 1).contiguous()
    return x, y, sum(lengths)


class DrumRnn(torch.nn.Module):
    def __init__(self, layers, keep, batch_first):
        super().__init__()
        assert all(h == layers[0] for h in layers), "nn.LSTM stacks equal sizes only"
        self.lstm = torch.nn.LSTM(INPUT_SIZE, layers[0], num_layers=len(layers), dropout=1.0 - keep,
                                  batch_first=batch_first)
        self.drop = torch.nn.Dropout(1.0 - keep)
        self.fc = torch.nn.Linear(layers[-1], NUM_CLASSES)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(self.drop(out))


def make_adam(params):
    try:
        return torch.optim.Adam(params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, fused=True), "fused"
    except (RuntimeError, TypeError):
        return torch.optim.Adam(params, lr=0.001, betas=(0.9, 0.999), eps=1e-8), "foreach"


class Run:
    """One variant: its model, optimizer and the batches laid out for it."""

    def __init__(self, variant, doc, layers, keep, device="cpu"):
        batch_first = variant == "eager_batch_first"
        torch.manual_seed(1)
        self.device = torch.device(device)
        self.model = DrumRnn(layers, keep, batch_first).to(self.device)
        self.model.train()
        self.opt, self.adam = make_adam(self.model.parameters())
        self.forward = torch.compile(self.model) if variant == "compile" else self.model
        self.data = [(x.to(self.device), y.to(self.device), n)
                     for x, y, n in (to_padded(b, batch_first) for b in doc["batches"])]
        self.variant = variant

    def sync(self):
        if self.device.type == "cuda":
            torch.cuda.synchronize()

    def step(self, k):
        x, y, _ = self.data[k % len(self.data)]
        self.opt.zero_grad(set_to_none=True)
        logits = self.forward(x)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, NUM_CLASSES), y.reshape(-1),
                                                 ignore_index=IGNORE)
        loss.backward()
        for p in self.model.parameters():  # Magenta clips each tensor separately
            torch.nn.utils.clip_grad_norm_([p], 3.0)
        self.opt.step()
        self.sync()

    def trial(self, steps):
        """tokens/s on batch 0 alone, after one warm-up step on it (so one shape, one compile)."""
        self.step(0)
        t0 = time.perf_counter()
        for _ in range(steps):
            self.step(0)
        return steps * self.data[0][2] / (time.perf_counter() - t0)

    def time(self, warmup, steps):
        # Warm up on every batch at least once: oneDNN builds (and caches) an LSTM primitive per
        # sequence length and torch.compile specializes per shape, both one-off costs that a long
        # training run pays once per length, not per step.
        warmup = max(warmup, len(self.data))
        for k in range(warmup):
            self.step(k)
        tokens = 0
        t0 = time.perf_counter()
        for k in range(warmup, warmup + steps):
            self.step(k)
            tokens += self.data[k % len(self.data)][2]
        return time.perf_counter() - t0, tokens


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", required=True, help="the batch file bench_train --write-batches wrote")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3, help="at least one per batch in the file")
    ap.add_argument("--threads", default=str(os.cpu_count() or 1))
    ap.add_argument("--variants", default=",".join(VARIANTS),
                    help="comma-separated; with more than one, each is tried (--tune-steps) and the fastest timed")
    ap.add_argument("--tune-steps", type=int, default=1,
                    help="timed steps per variant on batch 0 when choosing (after one warm-up step)")
    ap.add_argument("--all", action="store_true", help="print a row for every variant, not only the fastest")
    ap.add_argument("--rows-only", action="store_true", help="rows for bench_train's table")
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--tf32", action="store_true", help="CUDA: let cuDNN and cuBLAS use TF32 (off by default)")
    args = ap.parse_args()
    gpu = args.device == "cuda"
    if gpu:
        if not torch.cuda.is_available():
            sys.exit("pytorch_train.py: --device cuda, but torch sees no CUDA device")
        torch.backends.cudnn.allow_tf32 = args.tf32
        torch.backends.cuda.matmul.allow_tf32 = args.tf32
    doc = json.load(open(args.batches))
    layers, keep = doc["layer_sizes"], doc["dropout_keep_prob"]
    variants = [v for v in args.variants.split(",") if v]
    for v in variants:
        if v not in VARIANTS:
            sys.exit("pytorch_train.py: unknown variant '%s' (known: %s)" % (v, ", ".join(VARIANTS)))

    if not args.rows_only:
        print("# " + " ".join([sys.executable] + sys.argv))
        u = platform.uname()
        print("# machine: %s %s %s, %s, %d hardware threads; torch %s" %
              (u.system, u.release, u.machine, cpu_model(), os.cpu_count(), torch.__version__))
        lengths = [len(s["inputs"]) for b in doc["batches"] for s in b]
        print("# drum_kit, batch_size %d, rnn_layer_sizes %s, dropout keep %.2f; %d batches from %s; "
              "padding %.0f%% of the computed steps" %
              (len(doc["batches"][0]), layers, keep, len(doc["batches"]), doc["source"],
               100.0 * (1 - sum(lengths) / sum(len(b) * max(len(s["inputs"]) for s in b)
                                               for b in doc["batches"]))))
        print("%-44s %7s %10s %12s %10s" % ("implementation", "threads", "steps/s", "tokens/s", "ms/step"))
    version = torch.__version__.split("+")[0]
    for threads in [int(t) for t in args.threads.split(",")][:1 if gpu else None]:
        torch.set_num_threads(threads)
        runs = [Run(v, doc, layers, keep, args.device) for v in variants]
        if len(runs) > 1:
            rate = {r.variant: r.trial(args.tune_steps) for r in runs}
            if not args.rows_only:
                print("# tuning (%d threads): %s" % (threads, ", ".join(
                    "%s %.0f tokens/s" % (v, rate[v]) for v in variants)))
            if not args.all:
                runs = [max(runs, key=lambda r: rate[r.variant])]
        for r in runs:
            s, tokens = r.time(args.warmup, args.steps)
            name = "PyTorch %s nn.LSTM padded, %s" % (version, r.variant)
            if gpu:
                name = "PyTorch %s cuDNN nn.LSTM padded%s" % (version, ", tf32" if args.tf32 else "")
            elif len(variants) > 1 and not args.all:
                name += " (fastest)"
            print("%-44s %7s %10.2f %12.0f %10.1f" % (name, "gpu" if gpu else threads, args.steps / s, tokens / s,
                                                      1e3 * s / args.steps), flush=True)


if __name__ == "__main__":
    main()
