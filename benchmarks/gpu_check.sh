#!/usr/bin/env bash
# Everything this book has for a CUDA GPU, in one prepared run, written to one JSON file:
#
#   1. the transfer-learning benchmark on the GPU: python benchmarks/transfer.py --device cuda
#   2. the tests that need CUDA (pytest -k cuda; they skip themselves on a machine without it)
#   3. the GPU blocks of chapters 16 (transfer learning) and 20 (distributed training): each
#      page is executed as the site build executes it, and the outputs of its GPU blocks kept
#
#   benchmarks/gpu_check.sh [PATH]      (default: $OUT/gpu_check.json, or ./gpu_check.json)
#
# Where CUDA is absent it says so, writes a JSON file that says so, and exits 0: nothing failed.
# With CUDA it exits 1 if any of the three failed; the JSON says which, and holds the numbers
# that fill the GPU columns of chapter 16's table and the GPU notes of chapter 20.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python benchmarks/_gpu_check.py "$@"
