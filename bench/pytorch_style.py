#!/usr/bin/env python3
"""The style transfer drumrnn's CPU path runs, in PyTorch at its best on the CPU, for the comparison table.

librosa.load at 22050 Hz (the reference's loader), log1p |STFT| (periodic Hann, hop n_fft/4, centred,
reflect), frames cropped to floor(seconds * sr / hop); Conv1d (F x C x K, no bias, weights without
gradients) + ReLU; alpha * sum((A - Ac)^2) + sum((G - Gs)^2), G = A A^T / T; torch.optim.LBFGS
(history 10, strong-Wolfe line search, no early stop); then Griffin-Lim with torch.stft/istft. Also
times librosa.griffinlim (momentum 0, the reference's loop) on the same magnitudes.
Prints one JSON line: {"setup_s", "lbfgs_s", "evals", "eval_s", "loss", "initial_loss", "gl_s", "librosa_gl_s", ...}.
"""
import argparse
import json
import math
import os
import time

import librosa
import numpy as np
import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--content", required=True)
    ap.add_argument("--style", required=True)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--filters", type=int, default=4096)
    ap.add_argument("--iterations", type=int, default=300)
    ap.add_argument("--griffin-lim", type=int, default=500)
    ap.add_argument("--n-fft", type=int, default=2048)
    ap.add_argument("--alpha", type=float, default=4.0)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--skip-librosa-gl", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    sr, n_fft = 22050, a.n_fft
    hop, k = n_fft // 4, 11
    max_frames = int(math.floor(a.seconds * sr / hop))
    window = torch.hann_window(n_fft, periodic=True)

    def stft(y):
        return torch.stft(y, n_fft, hop, window=window, center=True, pad_mode="reflect", return_complex=True)

    t0 = time.perf_counter()
    yc, _ = librosa.load(a.content, sr=sr, duration=a.seconds)
    ys, _ = librosa.load(a.style, sr=sr, duration=a.seconds)
    xc = torch.log1p(stft(torch.from_numpy(yc)).abs())[:, :max_frames]
    xs = torch.log1p(stft(torch.from_numpy(ys)).abs())[:, :max_frames]
    c, T = xc.shape
    g = torch.Generator().manual_seed(1)
    std = math.sqrt(2) * math.sqrt(2 / ((c + a.filters) * k))
    w = torch.randn(a.filters, c, k, generator=g) * std
    conv = lambda x: torch.relu(torch.nn.functional.conv1d(x[None], w))[0]
    with torch.no_grad():
        ac = conv(xc)
        a_s = conv(xs)
        gs = a_s @ a_s.T / xs.shape[1]
    x = (torch.randn(c, T, generator=g) * 1e-3).requires_grad_()
    opt = torch.optim.LBFGS([x], lr=1, max_iter=a.iterations, max_eval=a.iterations * 2, history_size=10,
                            line_search_fn="strong_wolfe", tolerance_grad=0, tolerance_change=0)
    evals, first = [0], [None]

    def closure():
        opt.zero_grad()
        f = conv(x)
        gram = f @ f.T / T
        loss = a.alpha * ((f - ac) ** 2).sum() + ((gram - gs) ** 2).sum()
        loss.backward()
        evals[0] += 1
        if first[0] is None:
            first[0] = loss.item()
        return loss

    setup = time.perf_counter() - t0
    t0 = time.perf_counter()
    opt.step(closure)
    lbfgs_s = time.perf_counter() - t0
    with torch.no_grad():
        f = conv(x)
        final = (a.alpha * ((f - ac) ** 2).sum() + ((f @ f.T / T - gs) ** 2).sum()).item()
    mag = torch.clamp(torch.expm1(x.detach()), min=0)
    t0 = time.perf_counter()
    phase = torch.exp(2j * math.pi * torch.rand(mag.shape, generator=g))
    with torch.no_grad():
        for _ in range(a.griffin_lim):
            y = torch.istft(mag * phase, n_fft, hop, window=window, center=True)
            phase = torch.exp(1j * torch.angle(stft(y)))
    gl_s = time.perf_counter() - t0
    librosa_gl_s = None
    if not a.skip_librosa_gl:
        t0 = time.perf_counter()
        librosa.griffinlim(mag.numpy(), n_iter=a.griffin_lim, hop_length=hop, momentum=0.0, pad_mode="reflect")
        librosa_gl_s = time.perf_counter() - t0
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "frames": T, "filters": a.filters,
                      "setup_s": setup, "lbfgs_s": lbfgs_s, "evals": evals[0], "eval_s": lbfgs_s / max(1, evals[0]),
                      "initial_loss": first[0], "loss": final, "gl_s": gl_s, "librosa_gl_s": librosa_gl_s}))


if __name__ == "__main__":
    main()
