#!/usr/bin/env bash
# Rebuilds native/kernels.wasm from native/*.c with Debian's clang and lld
# (apt-get install -y clang lld). The .wasm is committed, so installing and running gigaquant
# needs neither; test/acceptance/native/kernelsBuild.test.ts checks that this script gives the same bytes.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/kernels.wasm}"
# Shared memory (imported, so that a partner thread can instantiate on the same one), and the
# stack pointer exported, so that the partner can have its own stack in it.
clang --target=wasm32 -O3 -nostdlib -mbulk-memory -matomics -mmutable-globals \
  -Wl,--no-entry -Wl,--export=__heap_base -Wl,--export=__stack_pointer \
  -Wl,--import-memory -Wl,--shared-memory -Wl,--max-memory=4294967296 -Wl,--strip-all \
  -o "$out" "$here"/count.c "$here"/lloyd.c "$here"/nearest.c "$here"/neighbours.c "$here"/wu.c
