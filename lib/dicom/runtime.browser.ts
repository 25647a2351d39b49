/**
 * The browser's counterpart of runtime.ts (the page bundle swaps it in): dicom-parser bundled by
 * esbuild, and each WASM codec loaded on first use from the site's `codecs/` folder as a classic
 * script (its Emscripten glue defines a global factory; `locateFile` finds its .wasm beside it).
 * Only the codecs a study needs are fetched.
 */
import dicomParserModule from 'dicom-parser';
import type { WasmCodecSpec, WasmModuleFactory } from './codecs.js';

export const dicomParser = dicomParserModule as typeof import('dicom-parser');

let base = 'codecs/';
/** Folder (URL) that holds the codec scripts and their .wasm files; default `codecs/`. */
export function setCodecBase(url: string): void {
  base = url.endsWith('/') ? url : `${url}/`;
}

const scripts = new Map<string, Promise<void>>();

function loadScript(src: string): Promise<void> {
  let p = scripts.get(src);
  if (!p) {
    p = new Promise<void>((resolve, reject) => {
      const s = document.createElement('script');
      s.src = src;
      s.onload = () => resolve();
      s.onerror = () => reject(new Error(`cannot load the codec script ${src}`));
      document.head.appendChild(s);
    });
    scripts.set(src, p);
  }
  return p;
}

export async function codecFactory(spec: WasmCodecSpec): Promise<WasmModuleFactory> {
  await loadScript(base + spec.file);
  const factory = (globalThis as Record<string, unknown>)[spec.global] as WasmModuleFactory | undefined;
  if (typeof factory !== 'function') throw new Error(`codec script ${spec.file} did not define ${spec.global}`);
  return (opts: object) => factory({ ...opts, locateFile: (path: string) => base + path });
}
