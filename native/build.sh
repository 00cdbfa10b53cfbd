#!/usr/bin/env bash
# Rebuilds native/kernels.wasm from native/kernels.c with Debian's clang and lld
# (apt-get install -y clang lld). The .wasm is committed, so installing and running gigaquant
# needs neither; test/native/kernelsBuild.test.ts checks that this script gives the same bytes.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/kernels.wasm}"
clang --target=wasm32 -O3 -nostdlib -mbulk-memory \
  -Wl,--no-entry -Wl,--export=__heap_base -Wl,--strip-all \
  -o "$out" "$here/kernels.c"
