import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../core/atomic.js';
import { ArtefactError } from '../core/errors.js';
import './layers.js'; // registers FastBatchNorm / FoldTime / UnfoldTime so saved models load back

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';
export const META_JSON = 'meta.json';

export interface SaveModelOptions {
  /** Also save optimizer state (tfjs supports this for its built-in optimizers). Default false. */
  includeOptimizer?: boolean;
}

export interface LoadedModel<M> {
  model: tf.LayersModel;
  /** Our own configuration saved next to the model (`meta.json`), or undefined when absent. */
  meta: M | undefined;
}

/**
 * Save a tfjs layers model to `dir` as `model.json` + `weights.bin` (the standard tfjs layers
 * format: a browser loads it with `tf.loadLayersModel('…/model.json')`) and `meta` as `meta.json`.
 * Works on every backend (tfjs's `file://` handler needs tfjs-node).
 * Atomicity: `model.json` is removed first and written last, each file through a rename, so an
 * interrupted save leaves a folder without `model.json` (= no checkpoint), never a mixed one.
 * Other files in `dir` are left alone.
 */
export async function saveModel(model: tf.LayersModel, dir: string, meta?: object, options: SaveModelOptions = {}): Promise<void> {
  const modelPath = join(dir, MODEL_JSON);
  const handler: tf.io.IOHandler = {
    save: async (artifacts) => {
      if (artifacts.modelTopology instanceof ArrayBuffer) throw new ArtefactError('expected a JSON model topology', { file: modelPath });
      const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? []));
      rmSync(modelPath, { force: true });
      writeFileAtomic(join(dir, WEIGHTS_BIN), weights);
      const metaPath = join(dir, META_JSON);
      if (meta !== undefined) writeJsonAtomic(metaPath, meta);
      else rmSync(metaPath, { force: true });
      const json: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology ?? {},
        format: 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: null,
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig) json.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata) json.userDefinedMetadata = artifacts.userDefinedMetadata;
      writeJsonAtomic(modelPath, json);
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
  await model.save(handler, { includeOptimizer: options.includeOptimizer ?? false });
}

/** True when `dir` holds a complete saved model (see {@link saveModel} on atomicity). */
export function hasSavedModel(dir: string): boolean {
  return existsSync(join(dir, MODEL_JSON));
}

/** Load a model saved by {@link saveModel} (or any tfjs layers model folder with one weights file set). */
export async function loadModel<M = Record<string, unknown>>(dir: string): Promise<LoadedModel<M>> {
  const modelPath = join(dir, MODEL_JSON);
  if (!existsSync(modelPath)) throw new ArtefactError(`no saved model here (${MODEL_JSON} missing)`, { file: dir });
  let json: tf.io.ModelJSON;
  try {
    json = JSON.parse(readFileSync(modelPath, 'utf8'));
  } catch (e) {
    throw new ArtefactError(`cannot parse: ${(e as Error).message}`, { file: modelPath });
  }
  if (json.modelTopology == null) throw new ArtefactError('not a tfjs layers model (no modelTopology)', { file: modelPath });

  const artifacts = await tf.io.getModelArtifactsForJSON(json, async (manifest) => {
    const specs: tf.io.WeightsManifestEntry[] = [];
    const buffers: ArrayBuffer[] = [];
    for (const group of manifest) {
      specs.push(...group.weights);
      for (const p of group.paths) {
        const file = join(dir, p);
        if (!existsSync(file)) throw new ArtefactError(`weights file "${p}" named in ${MODEL_JSON} is missing`, { file });
        const b = readFileSync(file);
        buffers.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
      }
    }
    const data = tf.io.CompositeArrayBuffer.join(buffers);
    const expected = specs.reduce((n, s) => n + weightBytes(s), 0);
    if (data.byteLength !== expected) {
      throw new ArtefactError(`weights hold ${data.byteLength} bytes but ${MODEL_JSON} describes ${expected}`, { file: join(dir, WEIGHTS_BIN) });
    }
    return [specs, data];
  });

  const model = await tf.loadLayersModel({ load: async () => artifacts });
  const metaPath = join(dir, META_JSON);
  let meta: M | undefined;
  if (existsSync(metaPath)) {
    try {
      meta = JSON.parse(readFileSync(metaPath, 'utf8')) as M;
    } catch (e) {
      throw new ArtefactError(`cannot parse: ${(e as Error).message}`, { file: metaPath });
    }
  }
  return { model, meta };
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, float16: 2, uint8: 1, uint16: 2 };

function weightBytes(spec: tf.io.WeightsManifestEntry): number {
  if (spec.quantization) return spec.shape.reduce((a, b) => a * b, 1) * BYTES[spec.quantization.dtype];
  if (!(spec.dtype in BYTES)) throw new ArtefactError(`unsupported weight dtype "${spec.dtype}" for ${spec.name}`);
  return spec.shape.reduce((a, b) => a * b, 1) * BYTES[spec.dtype];
}
