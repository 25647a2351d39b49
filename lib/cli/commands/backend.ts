import * as tf from '@tensorflow/tfjs';
import { defineCommand } from '../command.js';
import { initBackend, type BackendName } from '../../engine/index.js';

export default defineCommand({
  name: 'backend',
  summary: 'Show which tfjs backend is chosen on this machine and why',
  usage: 'Usage: spinelab backend [--backend tensorflow|wasm|cpu] [--json]\n\nPrints the backend spinelab will use (SPINELAB_BACKEND overrides the automatic choice).',
  options: { backend: { type: 'string' } },
  async run({ values, json }) {
    const choice = await initBackend(values.backend as BackendName | undefined);
    const out = { backend: choice.name, reason: choice.reason, tfjs: tf.version.tfjs };
    if (!json) console.log(`tfjs ${out.tfjs} on ${out.backend} (${out.reason})`);
    return out;
  },
});
