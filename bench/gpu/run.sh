#!/usr/bin/env bash
# The GPU check for #14, in one call on the lent device machine (see
# bench/gpu/README.md): unpack the kit that bench/gpu/make-kit.mjs made, then
# PyTorch's fp32 reference, `lumen doctor`, `lumen bench models` over the GPU
# providers and `lumen bench predict`, each writing JSON into $OUT.
#   device run: command "bash bench/gpu/run.sh", carry [".gpukit"], timeout_s 590
set -u
OUT=${OUT:-/tmp/lumen-gpu-out}
mkdir -p "$OUT"
log() { echo "run.sh $(date -u +%H:%M:%S): $*" | tee -a "$OUT/log.txt" >&2; }
repo=$(pwd)
kit=/tmp/lumen-kit
rm -rf "$kit" && mkdir -p "$kit" && tar xJf .gpukit/kit.tar.xz -C "$kit" || { log "could not unpack .gpukit/kit.tar.xz"; exit 1; }
# Vulkan and EGL loaders for Dawn (WebGPU), unless the machine has them.
if ! ldconfig -p | grep -q libvulkan.so.1; then
  for f in "$kit"/kit/gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
[ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ] && export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -f /usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json ] && export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1
cd "$kit/kit"
export HOME=/tmp/lumen-home && mkdir -p "$HOME"
lumen() { timeout "$1" ./bin/node lumen.cjs "${@:2}"; }
log "pytorch reference"
timeout 120 python3 "$repo/bench/gpu/pytorch_ref.py" --batches "${PT_BATCHES:-1,8,32}" --budget-s 90 > "$OUT/pytorch.json" 2>> "$OUT/log.txt"
log "doctor"
lumen 40 doctor --json > "$OUT/doctor.json" 2>> "$OUT/log.txt"
log "bench models"
lumen 260 bench models --variants "${VARIANTS:-all}" --batches "${BATCHES:-1,8,32}" --runtimes "${RUNTIMES:-onnx-cuda,onnx-webgpu,webgpu}" --budget-s 230 --json > "$OUT/models.json" 2>> "$OUT/log.txt"
log "bench predict"
# PREDICT_ARGS (split into words): e.g. "--slices 16 --rounds 1" for a dry run on a CPU.
# shellcheck disable=SC2086
lumen 150 bench predict ${PREDICT_ARGS:-} --json > "$OUT/predict.json" 2>> "$OUT/log.txt"
log "done"
