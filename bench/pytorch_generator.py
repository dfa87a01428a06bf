#!/usr/bin/env python3
"""PyTorch's batch-1 generation step for the drum RNN, for bench_generator's table.

    python3 bench/pytorch_generator.py [--steps 20000] [--warmup 2000] [--cpu N] [--rows-only]

Per step, as the drumrnn Generator does: build the drum_kit input (one-hot of the previous class +
6 counters ±1 of position+1) in a preallocated tensor, run a stack of nn.LSTMCell (state carried),
nn.Linear to 512 logits, softmax at temperature 1, torch.multinomial, .item(). One thread
(torch.set_num_threads(1)), torch.inference_mode(), pinned to one CPU; Glorot-uniform weights.
"""

import argparse
import os
import platform
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import cpu_model  # noqa: E402  (bench/bench_common.py)

NUM_CLASSES, COUNTER_BITS = 512, 6
INPUT_SIZE = NUM_CLASSES + COUNTER_BITS


class Stepper:
    def __init__(self, layers):
        self.cells = []
        inp = INPUT_SIZE
        for h in layers:
            cell = torch.nn.LSTMCell(inp, h)
            torch.nn.init.xavier_uniform_(cell.weight_ih)
            torch.nn.init.xavier_uniform_(cell.weight_hh)
            torch.nn.init.zeros_(cell.bias_ih)
            torch.nn.init.zeros_(cell.bias_hh)
            self.cells.append(cell)
            inp = h
        self.fc = torch.nn.Linear(inp, NUM_CLASSES)
        torch.nn.init.xavier_uniform_(self.fc.weight)
        torch.nn.init.zeros_(self.fc.bias)
        self.state = [(torch.zeros(1, h), torch.zeros(1, h)) for h in layers]
        self.x = torch.zeros(1, INPUT_SIZE)
        self.prev = 1  # drum_kit class 1 = kick (pitch 36): the default primer
        self.position = 0
        self.temperature = 1.0

    def step(self):
        x = self.x
        x[0, :NUM_CLASSES].zero_()
        x[0, self.prev] = 1.0
        n = self.position + 1
        for i in range(COUNTER_BITS):
            x[0, NUM_CLASSES + i] = 1.0 if (n >> i) & 1 else -1.0
        for k, cell in enumerate(self.cells):
            h, c = cell(x, self.state[k])
            self.state[k] = (h, c)
            x = h
        probs = torch.softmax(self.fc(x) / self.temperature, dim=-1)
        self.prev = int(torch.multinomial(probs, 1).item())
        self.position += 1
        return self.prev


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=20000)
    ap.add_argument("--warmup", type=int, default=2000)
    ap.add_argument("--cpu", type=int, default=os.cpu_count() - 1)
    ap.add_argument("--rows-only", action="store_true", help="rows for bench_generator's table")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(1)
    try:
        os.sched_setaffinity(0, {args.cpu})
        pinned = "pinned to CPU %d" % args.cpu
    except OSError:
        pinned = "not pinned"
    if not args.rows_only:
        print("# " + " ".join([sys.executable] + sys.argv))
        u = platform.uname()
        print("# machine: %s %s %s, %s, %d hardware threads; %s; torch %s" %
              (u.system, u.release, u.machine, cpu_model(), os.cpu_count(), pinned, torch.__version__))
        print("# drum_kit, Glorot weights, temperature 1; %d warm-up + %d timed steps per row; microseconds" %
              (args.warmup, args.steps))
        print("%-40s %-14s %9s %9s %9s %9s %10s" % ("implementation", "layers", "median", "p99", "max", "mean",
                                                  "steps/s"))
    version = torch.__version__.split("+")[0]
    for layers in ([64, 64], [256, 256, 256]):
        with torch.inference_mode():
            s = Stepper(layers)
            for _ in range(args.warmup):
                s.step()
            us = []
            clock = time.perf_counter_ns
            for _ in range(args.steps):
                t0 = clock()
                s.step()
                us.append((clock() - t0) / 1e3)
        us.sort()
        at = lambda q: us[min(len(us) - 1, int(q * len(us)))]
        mean = sum(us) / len(us)
        print("%-40s %-14s %9.1f %9.1f %9.1f %9.1f %10.0f" %
              ("PyTorch %s LSTMCell step (%s)" % (version, "pinned" if "pinned to" in pinned else "unpinned"),
               "[" + ",".join(map(str, layers)) + "]", at(0.5), at(0.99), us[-1], mean, 1e6 / mean), flush=True)


if __name__ == "__main__":
    main()
