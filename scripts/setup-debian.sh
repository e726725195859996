#!/usr/bin/env bash
# Installs what netc needs to build and test on Debian 12. Safe to run again:
# it only calls apt-get when a package is missing. Needs root (or sudo).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config bc
  libhalide14-0-dev llvm-14-dev
  antlr4 libantlr4-runtime-dev default-jre-headless
  libgtest-dev libedit-dev zlib1g-dev
  # The instrumented test build: libFuzzer and the sanitizers' runtimes come
  # with clang; valgrind checks the C ABI's fault paths for leaks.
  clang-14 libclang-rt-14-dev valgrind
  # Model import: Debian's ONNX library (protobuf, checker, shape inference)
  # and the ONNX backend node tests.
  libonnx-dev libprotobuf-dev libonnx-testdata python3-onnx
  # Reference oracles for the tests (never used by netc itself).
  python3 python3-venv python3-numpy python3-torch python3-torchvision python3-sklearn
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all Debian packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
