import { describe, expect, it } from 'vitest';
import { formatBench, runEngineBench } from '../../lib/bench/index.js';
import { pythonReference } from '../helpers/python.js';

// Smoke test of `spinelab bench --quick`: every model runs on every backend and the PyTorch twins
// run in the same call. No timing assertions (figures come from the bench itself).
const TORCH = pythonReference(['torch']);
const hasTorch = TORCH.ok;

describe('engine bench --quick', () => {
  it('times every model on wasm, the MLP on cpu, and pairs each row with PyTorch', async () => {
    const r = await runEngineBench({ quick: true, steps: 1, warmup: 1, torch: hasTorch });
    const keys = r.rows.map((x) => `${x.backend}/${x.model}/${x.phase}`);
    expect(keys).toEqual([
      'wasm/coords/train', 'wasm/coords/infer', 'wasm/crop25d/train', 'wasm/crop25d/infer', 'wasm/mlp/train', 'wasm/mlp/infer',
      'cpu/mlp/train', 'cpu/mlp/infer',
    ]);
    for (const x of r.rows) expect(x.ms).toBeGreaterThan(0);
    if (!hasTorch) {
      console.warn(`[spinelab tests] PyTorch ratios not checked: ${TORCH.skipReason}`);
      return;
    }
    for (const x of r.rows) {
      expect(x.torch1).toBeGreaterThan(0);
      expect(x.ratio1).toBeCloseTo(x.ms / x.torch1!, 6);
    }
    expect(formatBench(r)).toMatch(/wasm +coords +train/);
  });
});
