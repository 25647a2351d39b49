/** The site's models, loaded over http from the paths of manifest.json (tf.loadLayersModel). */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { prepareWasm } from '../../engine/wasm/index.js';
import '../../engine/layers.js'; // registers FastBatchNorm / FoldTime / UnfoldTime
import '../../coords/layers.js'; // SoftArgmax2D
import '../../classify/layers.js'; // FrameRange
import type { OnProgress } from '../../core/progress.js';
import type { SiteManifest } from '../manifest.js';
import type { StudyModels } from '../infer.js';

/** The WASM backend with spinelab's kernels (as in Node), its binaries from the site's `wasm/`. */
export async function startBackend(base: string): Promise<string> {
  setWasmPaths(new URL('wasm/', base).href);
  await prepareWasm();
  if (!(await tf.setBackend('wasm'))) throw new Error('the WebAssembly backend of TensorFlow.js could not start in this browser');
  await tf.ready();
  return tf.getBackend();
}

export async function loadSiteModels(m: SiteManifest, base: string, onProgress?: OnProgress): Promise<StudyModels> {
  const paths = [...m.coords.map((c) => c.path), ...m.level1.flatMap((l) => l.checkpoints), ...m.lvl2.checkpoints];
  let done = 0;
  const load = async (path: string) => {
    const url = new URL(`${path}/model.json`, base).href;
    let model: tf.LayersModel;
    try {
      model = await tf.loadLayersModel(url);
    } catch (e) {
      throw new Error(`cannot load the model ${path}: ${(e as Error).message}`);
    }
    onProgress?.({ label: 'loading models', done: ++done, total: paths.length, detail: path });
    return model;
  };
  const coords = [];
  for (const c of m.coords) coords.push({ model: await load(c.path), config: c.config, fold: c.fold });
  const level1 = [];
  for (const l of m.level1) {
    const models = [];
    for (const p of l.checkpoints) models.push(await load(p));
    level1.push({ name: l.name, target: l.target, types: l.types, classifiers: { models, meta: l.meta } });
  }
  const lvl2 = [];
  for (const p of m.lvl2.checkpoints) lvl2.push(await load(p));
  return { coords, level1, lvl2: { models: lvl2, layout: m.lvl2.layout }, cropDelta: m.cropDelta, priors: m.priors.prediction, batchSize: m.batchSize };
}
