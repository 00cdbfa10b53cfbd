#!/usr/bin/env bash
# Rebuilds native/kernels.wasm and native/tiles.wasm from native/*.c with Debian's clang and lld
# (apt-get install -y clang lld), into the folder given (native/ by default). The .wasm files are
# committed, so installing and running gigaquant needs neither; test/acceptance/native/
# kernelsBuild.test.ts checks that this script gives the same bytes.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here}"
common=(--target=wasm32 -O3 -nostdlib -mbulk-memory -Wl,--no-entry -Wl,--export=__heap_base
  -Wl,--import-memory -Wl,--max-memory=4294967296 -Wl,--strip-all)
# Shared memory (imported, so that a partner thread can instantiate on the same one), and the
# stack pointer exported, so that the partner can have its own stack in it.
clang "${common[@]}" -matomics -mmutable-globals -Wl,--shared-memory \
  -Wl,--export=__stack_pointer -o "$out/kernels.wasm" \
  "$here"/count.c "$here"/lloyd.c "$here"/lookup.c "$here"/nearest.c "$here"/neighbours.c "$here"/wu.c
# A decode thread's own memory, not shared (see tiles.c); WebAssembly's 128-bit SIMD, which
# Node has had since 16.4; libdeflate's decompressor (native/libdeflate), with no C library, and
# with our Adler-32 (adler32.c) in place of its own.
ld="$here/libdeflate/lib"
clang "${common[@]}" -msimd128 -DFREESTANDING -I"$here/libdeflate" -o "$out/tiles.wasm" \
  "$here"/tiles.c "$here"/adler32.c "$ld"/deflate_decompress.c "$ld"/zlib_decompress.c "$ld"/utils.c
