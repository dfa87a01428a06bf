#!/usr/bin/env bash
# The GPU style path against PyTorch on the same GPU, headline case: 10 s, n_fft 2048, 4,096 filters,
# 300 L-BFGS iterations, 500 Griffin-Lim iterations (goal: under 1 s). bench/gpu_check.sh calls this
# when it exists; it also runs alone: bench/gpu_check_style.sh [build-dir] [extra bench flags...]
set -u
cd "$(dirname "$0")/.."
build=${1:-build}
shift || true
cmake --build "$build" --target bench_gpu_style >/dev/null || { echo "gpu_check_style: build failed"; exit 1; }
echo "## style transfer on the GPU ($(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1))"
echo "command: $0 $build $*"
status=0
echo; echo "### drumrnn, FP32 (CUDNN_FMA_MATH: the parity setting)"
"$build/bench_gpu_style" "$@" || status=$?
echo; echo "### drumrnn, TF32 allowed (--tf32)"
"$build/bench_gpu_style" --tf32 "$@" || status=$?
py=${PYTHON:-python3}
if "$py" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
  echo; echo "### PyTorch, its defaults (TF32 convolutions)"
  "$py" bench/pytorch_style_gpu.py || status=$?
  echo; echo "### PyTorch, --fp32"
  "$py" bench/pytorch_style_gpu.py --fp32 || status=$?
else
  echo; echo "(PyTorch with CUDA is not installed here: no PyTorch row)"
fi
exit $status
