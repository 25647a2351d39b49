import { describe, expect, it } from 'vitest';
import { formatBench, runEngineBench, torchParams } from '../../lib/bench/engine.js';
import { FULL, QUICK, disposeCase, makeCase, twinSpec, type BenchModel } from '../../lib/bench/engine-models.js';
import { trainableParams } from '../../lib/engine/index.js';
import { initBackend } from '../../lib/engine/index.js';
import { pythonReference } from '../helpers/python.js';

// Smoke test of `spinelab bench --quick`: every model runs on every backend, the PyTorch twins run
// in the same call, and the all-core rows train N copies side by side. No timing assertions
// (figures come from the bench itself).
const TORCH = pythonReference(['torch']);
const hasTorch = TORCH.ok;
const MODELS: BenchModel[] = ['coords', 'crop25d', 'mlp'];

describe('engine bench', () => {
  it('--quick: times every model on wasm, the MLP on cpu, all cores for the conv nets, and pairs each row with PyTorch', async () => {
    const r = await runEngineBench({ quick: true, steps: 1, warmup: 1, torch: hasTorch, threads: 2 });
    const keys = r.rows.map((x) => `${x.backend}/${x.model}/${x.phase}`);
    expect(keys).toEqual([
      'wasm/coords/train', 'wasm/coords/infer', 'wasm/crop25d/train', 'wasm/crop25d/infer', 'wasm/mlp/train', 'wasm/mlp/infer',
      'cpu/mlp/train', 'cpu/mlp/infer',
    ]);
    for (const x of r.rows) expect(x.ms).toBeGreaterThan(0);
    expect(r.threads).toBe(2);
    expect(r.allCores.map((a) => [a.model, a.workers, a.batch])).toEqual([['coords', 2, QUICK.coords.batch], ['crop25d', 2, QUICK.crop.batch]]);
    for (const a of r.allCores) expect(a.samplesPerS).toBeGreaterThan(0);
    expect(formatBench(r)).toMatch(/wasm +coords +train/);
    expect(formatBench(r)).toMatch(/all cores: 2 workers/);
    if (!hasTorch) {
      console.warn(`[spinelab tests] PyTorch ratios not checked: ${TORCH.skipReason}`);
      return;
    }
    for (const x of r.rows) {
      expect(x.torch1).toBeGreaterThan(0);
      expect(x.torchN).toBeGreaterThan(0);
      expect(x.ratio1).toBeCloseTo(x.ms / x.torch1!, 6);
      expect(x.torchParams).toBe(x.params);
    }
    for (const a of r.allCores) expect(a.ratio).toBeCloseTo(a.torchSamplesPerS! / a.samplesPerS, 6);
    expect(r.notes.filter((n) => n.includes('parameters'))).toEqual([]);
  });

  it('the timed models are the presets\' (bench and tiny sizes), with as many trainable parameters as their PyTorch twins', async () => {
    if (!hasTorch) {
      console.warn(`[spinelab tests] PyTorch twins not checked: ${TORCH.skipReason}`);
      return;
    }
    await initBackend('cpu');
    for (const z of [FULL, QUICK]) {
      const specs = Object.fromEntries(MODELS.map((m) => [m, twinSpec(m, z)]));
      const torch = await torchParams(specs);
      for (const m of MODELS) {
        const c = makeCase(m, z);
        expect(trainableParams(c.model), `${m} ${JSON.stringify(specs[m])}`).toBe(torch[m]);
        disposeCase(c);
      }
    }
    // The crop model trains BiLSTM heads over frame ranges, as lib/classify builds them for the preset.
    expect(twinSpec('crop25d', FULL)).toMatchObject({ head: 'lstm_side', frames: 13, size: 48, widths: [16, 32, 64, 96], residual: false });
    expect(twinSpec('coords', FULL)).toMatchObject({ size: 128, head: 'softargmax', widths: [24, 48, 96] });
  });
});
