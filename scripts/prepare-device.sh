#!/usr/bin/env bash
# Makes the slim carry for a GPU machine that has no network and may have no Node (at most 64 MiB
# of untracked files travel with the tree): .device/ holds
#   node.xz        this machine's Node binary, compressed (device-check.sh unpacks it when the
#                  GPU machine has no Node of its own)
#   app/*.js       mnist-train, the benchmark and the adapter probe, each bundled with its
#                  JavaScript dependencies (esbuild) from the built packages
#   app/node_modules/webgpu   Dawn's package with the linux-x64 binary only (xz-compressed)
#   mnist/         a small MNIST (12000 training, 2000 test images, gzipped IDX)
# Run it from the repository root after `pnpm install`: scripts/prepare-device.sh
# Then carry `.device` and run scripts/device-check.sh there.
set -euo pipefail
cd "$(dirname "$0")/.."
npx --yes pnpm@10.34.9 -s build
rm -rf .device
mkdir -p .device/app .device/mnist
xz -T0 -6 -c "$(command -v node)" > .device/node.xz
node scripts/device-bundle.js .device
du -sh .device
total=$(du -sb .device | cut -f1)
if [ "$total" -gt $((64 * 1024 * 1024)) ]; then
  echo "prepare-device: .device is $((total / 1024 / 1024)) MiB, over the 64 MiB a device run can carry" >&2
  exit 1
fi
echo "prepare-device: .device ready ($((total / 1024 / 1024)) MiB); carry it and run scripts/device-check.sh"
