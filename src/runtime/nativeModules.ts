import { readFileSync } from 'node:fs';

/** The part of the WebAssembly API used here (its types come with the DOM library only). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
  Memory: new (descriptor: { initial: number; maximum: number; shared?: boolean }) => WasmMemory;
}

export interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}

export const { WebAssembly } = globalThis as unknown as { WebAssembly: WebAssemblyApi };

/** 64 KiB, WebAssembly's page. */
export const PAGE = 65536;

/** Pages a memory may grow to (4 GiB, all that 32-bit addresses reach). */
export const MAX_PAGES = 65536;

const compiled = new Map<string, object>();

/**
 * A module that native/build.sh makes of native/*.c, compiled once in each thread: `kernels`
 * (k-means, on shared memory) or `tiles` (our own tile decoding). Found from dist/runtime/, as
 * deep as the CLI bundle's dist/bin/.
 */
export function nativeModule(name: 'kernels' | 'tiles'): object {
  let module = compiled.get(name);
  if (!module) {
    module = new WebAssembly.Module(
      readFileSync(new URL(`../../native/${name}.wasm`, import.meta.url)),
    );
    compiled.set(name, module);
  }
  return module;
}
