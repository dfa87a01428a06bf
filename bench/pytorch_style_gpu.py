#!/usr/bin/env python3
"""The same algorithm as bench_gpu_style in PyTorch on the same GPU, for the comparison table.

Conv1d (F x C x K, no bias) + ReLU, content loss alpha*sum((A-Ac)^2) + Gram loss sum((G-Gs)^2) with
G = A A^T / T, torch.optim.LBFGS (history 10, strong-Wolfe line search, 300 iterations), then 500
Griffin-Lim iterations with torch.stft/istft (periodic Hann, hop n_fft/4, centred, reflect padding).
PyTorch allows TF32 for convolutions by default; --fp32 turns it off (the C++ default).
"""
import argparse
import math
import time

import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--filters", type=int, default=4096)
    ap.add_argument("--iterations", type=int, default=300)
    ap.add_argument("--griffin-lim", type=int, default=500)
    ap.add_argument("--n-fft", type=int, default=2048)
    ap.add_argument("--fp32", action="store_true")
    a = ap.parse_args()
    if not torch.cuda.is_available():
        print("SKIPPED: PyTorch sees no CUDA device")
        raise SystemExit(77)
    if a.fp32:
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False
    dev = torch.device("cuda")
    sr, n_fft = 22050, a.n_fft
    hop, c, k = n_fft // 4, n_fft // 2 + 1, 11
    g = torch.Generator().manual_seed(1)
    t = torch.arange(int(a.seconds * sr)) / sr
    beat = torch.remainder(t, 0.25)
    content = torch.exp(-beat * 40) * torch.sin(2 * math.pi * 60 * beat) + 0.05 * torch.randn(t.shape, generator=g) * torch.exp(-beat * 200)
    style = 0.3 * sum(torch.sin(2 * math.pi * f * t) for f in (220, 277, 330)) + 0.05 * torch.randn(t.shape, generator=g)
    window = torch.hann_window(n_fft, periodic=True, device=dev)

    def stft(y):
        return torch.stft(y, n_fft, hop, window=window, center=True, pad_mode="reflect", return_complex=True)

    torch.cuda.synchronize()
    t0 = time.perf_counter()
    xc = torch.log1p(stft(content.to(dev)).abs())[:, :430]
    xs = torch.log1p(stft(style.to(dev)).abs())[:, :430]
    T = xc.shape[1]
    std = math.sqrt(2) * math.sqrt(2 / ((c + a.filters) * k))
    w = torch.randn(a.filters, c, k, generator=g).to(dev) * std
    conv = lambda x: torch.relu(torch.nn.functional.conv1d(x[None], w))[0]
    with torch.no_grad():
        ac = conv(xc)
        a_s = conv(xs)
        gs = a_s @ a_s.T / xs.shape[1]
    x = (torch.randn(c, T, generator=g) * 1e-3).to(dev).requires_grad_()
    opt = torch.optim.LBFGS([x], lr=1, max_iter=a.iterations, history_size=10, line_search_fn="strong_wolfe",
                            tolerance_grad=0, tolerance_change=0)
    evals = [0]

    def closure():
        opt.zero_grad()
        f = conv(x)
        gram = f @ f.T / T
        loss = 4.0 * ((f - ac) ** 2).sum() + ((gram - gs) ** 2).sum()
        loss.backward()
        evals[0] += 1
        return loss

    torch.cuda.synchronize()
    setup = time.perf_counter() - t0
    t0 = time.perf_counter()
    loss = opt.step(closure)
    torch.cuda.synchronize()
    optimise = time.perf_counter() - t0
    mag = torch.clamp(torch.expm1(x.detach()), min=0)
    t0 = time.perf_counter()
    phase = torch.exp(2j * math.pi * torch.rand(mag.shape, generator=g).to(dev))
    for _ in range(a.griffin_lim):
        y = torch.istft(mag * phase, n_fft, hop, window=window, center=True)
        phase = torch.exp(1j * torch.angle(stft(y)))
    torch.cuda.synchronize()
    gl = time.perf_counter() - t0
    total = optimise + gl
    print(f"pytorch {torch.__version__} on {torch.cuda.get_device_name()}: T {T}, F {a.filters}, "
          f"{'FP32' if a.fp32 else 'TF32 allowed (PyTorch default)'}")
    print(f"| setup | {setup:.3f} s |\n| L-BFGS {a.iterations} iterations ({evals[0]} evals) | {optimise:.3f} s | loss {loss.item():.4g} |")
    print(f"| Griffin-Lim {a.griffin_lim} | {gl:.3f} s |\n| total | {total:.3f} s |")


if __name__ == "__main__":
    main()
