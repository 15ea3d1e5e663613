#!/usr/bin/env bash
# The check to run on a GPU machine (no network needed), from the repository root, with the
# carry made by scripts/prepare-device.sh (.device/). It
#   1. checks that WebGPU gets a real GPU adapter (not a software one) and computes right on it,
#   2. runs the benchmark on webgpu (lasagne-ts and tfjs-layers, MLP and CNN training steps),
#   3. trains mnist.py's CNN for one epoch on webgpu (10000 training images of the carried small
#      MNIST) and prints the epoch time and the validation accuracy,
#   4. does the same on tensorflow-gpu when tfjs-node-gpu loads there (it is not in the carry).
# --allow-software accepts a software adapter (to try the check on lavapipe, e.g. in CI).
# Exit code: 0 when every step that could run passed.
set -uo pipefail
cd "$(dirname "$0")/.."
D=.device
ALLOW=""
[ "${1:-}" = "--allow-software" ] && ALLOW="--allow-software"
if [ ! -d "$D/app" ]; then echo "device-check: no $D/app; run scripts/prepare-device.sh first and carry $D"; exit 1; fi
NODE="$(command -v node || true)"
if [ -z "$NODE" ] || [ "$("$NODE" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -lt 20 ]; then
  [ -x "$D/node" ] || { xz -dc "$D/node.xz" > "$D/node" && chmod +x "$D/node"; }
  NODE="$D/node"
fi
DAWN="$D/app/node_modules/webgpu/dist/linux-x64/dawn.node"
[ -f "$DAWN" ] || xz -dc "$DAWN.xz" > "$DAWN"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
[ -n "$ALLOW" ] && export LASAGNE_WEBGPU_ALLOW_SOFTWARE=1
echo "device-check: node $("$NODE" --version) ($NODE), $(nproc) cores; GPU: $(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null || echo 'nvidia-smi not available')"
status=0
echo "== 1. WebGPU adapter"
"$NODE" "$D/app/probe.js" $ALLOW || { echo "device-check: no usable GPU adapter for WebGPU (see above)"; exit 1; }
echo "== 2. pnpm bench on webgpu (median ms per step, batch 500)"
timeout 240 "$NODE" "$D/app/bench.js" --backend webgpu --steps 5 --warmup 2 || { echo "device-check: the benchmark failed"; status=1; }
echo "== 3. mnist-train cnn 1 on webgpu (10000 training / 2000 validation images)"
timeout 300 "$NODE" "$D/app/mnist-train.js" cnn 1 --backend webgpu --data-dir "$D/mnist" --validation-size 2000 --seed 1 || { echo "device-check: mnist-train on webgpu failed"; status=1; }
echo "== 4. tensorflow-gpu"
if "$NODE" -e 'require.resolve("@tensorflow/tfjs-node-gpu")' >/dev/null 2>&1; then
  timeout 300 "$NODE" "$D/app/mnist-train.js" cnn 1 --backend tensorflow-gpu --data-dir "$D/mnist" --validation-size 2000 --seed 1 || { echo "device-check: mnist-train on tensorflow-gpu failed"; status=1; }
else
  echo "tensorflow-gpu: not run: @tensorflow/tfjs-node-gpu (libtensorflow with CUDA 11.2 / cuDNN 8.1, hundreds of MB) is not installed here and does not fit the 64 MiB carry"
fi
exit $status
