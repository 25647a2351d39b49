import * as tf from '@tensorflow/tfjs';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fastBatchNorm, foldTime, hasSavedModel, initBackend, loadModel, saveModel, unfoldTime } from '../../lib/engine/index.js';
import { ArtefactError } from '../../lib/core/errors.js';

const root = mkdtempSync(join(tmpdir(), 'spinelab-io-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Frames → shared conv + FastBatchNorm → unfold → BiGRU → dense: every custom layer we register. */
function model25d(): tf.LayersModel {
  const input = tf.input({ shape: [3, 8, 8, 2] });
  let x = foldTime().apply(input) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(x) as tf.SymbolicTensor;
  x = fastBatchNorm().apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  x = unfoldTime({ frames: 3 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.bidirectional({ layer: tf.layers.gru({ units: 3, returnSequences: true }) as tf.RNN }).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 2 }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

async function trainedModel(): Promise<tf.LayersModel> {
  const m = model25d();
  m.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
  // A few steps so the BN moving statistics are not at their initial values.
  await m.fit(tf.randomNormal([4, 3, 8, 8, 2], 1, 2, 'float32', 1), tf.randomNormal([4, 3, 2], 0, 1, 'float32', 2), { epochs: 3, verbose: 0 });
  return m;
}

describe.each(['cpu', 'wasm'] as const)('saveModel/loadModel on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it('round-trips topology, weights (incl. BN moving stats) and meta, same predictions', async () => {
    const m = await trainedModel();
    const dir = join(root, backend, 'a');
    await saveModel(m, dir, { head: { units: 2 }, frames: 3 });
    expect(hasSavedModel(dir)).toBe(true);
    const { model, meta } = await loadModel<{ head: { units: number }; frames: number }>(dir);
    expect(meta).toEqual({ head: { units: 2 }, frames: 3 });
    expect(model.layers.map((l) => l.getClassName())).toEqual(m.layers.map((l) => l.getClassName()));
    const x = tf.randomNormal([2, 3, 8, 8, 2], 0, 1, 'float32', 7);
    const a = (m.predict(x) as tf.Tensor).dataSync();
    const b = (model.predict(x) as tf.Tensor).dataSync();
    expect(Array.from(b)).toEqual(Array.from(a));
    const bn = model.layers.find((l) => l.getClassName() === 'FastBatchNorm')!;
    const mm = bn.getWeights()[2].dataSync();
    expect(Array.from(mm).some((v) => v !== 0)).toBe(true);
  });

  it('loads in tfjs through the browser (http) handler', async () => {
    const m = model25d();
    const dir = join(root, backend, 'http');
    await saveModel(m, dir);
    const server: Server = createServer((req, res) => {
      const file = join(dir, (req.url ?? '/').replace(/^\/+/, ''));
      if (!existsSync(file)) return void res.writeHead(404).end();
      res.writeHead(200).end(readFileSync(file));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as { port: number }).port;
      const viaHttp = await tf.loadLayersModel(`http://127.0.0.1:${port}/model.json`);
      const x = tf.randomNormal([1, 3, 8, 8, 2], 0, 1, 'float32', 3);
      expect(Array.from((viaHttp.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from((m.predict(x) as tf.Tensor).dataSync()));
    } finally {
      server.close();
    }
  });

  it('treats a folder without model.json as no checkpoint and rejects truncated weights', async () => {
    const dir = join(root, backend, 'bad');
    await expect(loadModel(dir)).rejects.toBeInstanceOf(ArtefactError);
    const m = model25d();
    await saveModel(m, dir);
    writeFileSync(join(dir, 'other.txt'), 'kept');
    await saveModel(m, dir); // overwrite keeps unrelated files and drops stale meta
    expect(readFileSync(join(dir, 'other.txt'), 'utf8')).toBe('kept');
    expect(existsSync(join(dir, 'meta.json'))).toBe(false);
    truncateSync(join(dir, 'weights.bin'), 10);
    await expect(loadModel(dir)).rejects.toThrow(/weights hold 10 bytes/);
  });
});
