// DICOM reading: one file (header + pixels, every codec in syntax.ts), a series folder ordered in
// space, and a minimal writer for generated series. See README.md for the supported syntaxes.
export * from './syntax.js';
export { parseDicom, type DicomHeader, type ParsedDicom, type ImagePlane, type Vec3 } from './header.js';
export { decodePixels, storedDtype, type PixelOptions } from './pixels.js';
export { loadCodec, WASM_CODECS, type WasmCodecSpec } from './codecs.js';
export { decodeDicom, type DicomImage } from './decode.js';
export { readDicomFile, readDicomHeader } from './file.js';
export * from './series.js';
export { listSeriesFiles, readSeries } from './folder.js';
export { resizeBilinear } from './resample.js';
export { encodeDicom, type SliceSpec } from './write.js';
