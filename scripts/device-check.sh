#!/usr/bin/env bash
# On a machine with a GPU: the tensorised trees on the CUDA and WebGPU providers beside the CPU —
# parity with the CPU, rows/s at batch sizes 1, 1k and 100k, and where each node ran — as JSON.
# Needs the project installed (npm ci; CUDA's binaries are not downloaded at install: see .npmrc).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || echo "device-check: no nvidia-smi here"
node scripts/ensure-built.mjs
node out/main/bench.js device
