/**
 * Where the DICOM code gets its two kinds of CommonJS dependencies in Node: dicom-parser (a UMD
 * bundle whose named exports Node's ESM loader cannot see) and the Emscripten codec modules.
 * The browser page bundle replaces this file by `runtime.browser.ts` (see lib/web/bundle.ts):
 * everything else in lib/dicom except file.ts and folder.ts is free of Node APIs.
 */
import { createRequire } from 'node:module';
import type { WasmCodecSpec, WasmModuleFactory } from './codecs.js';

const require = createRequire(import.meta.url);

export const dicomParser = require('dicom-parser') as typeof import('dicom-parser');

/** The Emscripten factory of a WASM codec (its `decodewasmjs` export). */
export function codecFactory(spec: WasmCodecSpec): Promise<WasmModuleFactory> {
  return Promise.resolve(require(`${spec.pkg}/decodewasmjs`) as WasmModuleFactory);
}
