import { afterEach, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../lib/core/errors.js';
import { envPreset, notebookParams, pickPreset, PRESET_NAMES } from '../../lib/core/presets.js';
import { classifyPreset, CLASSIFY_PRESETS } from '../../lib/classify/presets.js';
import { coordsPreset } from '../../lib/coords/presets.js';
import { cropsPreset } from '../../lib/crops/presets.js';
import { inferPreset } from '../../lib/infer/presets.js';
import { lvl2Preset } from '../../lib/lvl2/presets.js';
import { preparePreset } from '../../lib/prepare/presets.js';
import { synthPreset } from '../../lib/synth/presets.js';

const STAGES = { classifyPreset, coordsPreset, cropsPreset, inferPreset, lvl2Preset, preparePreset, synthPreset };

describe('presets', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('every stage resolves every preset name and rejects others with a UsageError naming the stage', () => {
    for (const [fn, pick] of Object.entries(STAGES)) {
      for (const name of PRESET_NAMES) expect(pick(name), `${fn}(${name})`).toBeTypeOf('object');
      expect(() => pick('huge'), fn).toThrow(UsageError);
      expect(() => pick('huge'), fn).toThrow(/preset "huge" \(expected tiny, demo, bench, reference\)/);
    }
    expect(() => lvl2Preset('x')).toThrow(/unknown level-2 preset/);
  });

  it('pickPreset returns a deep copy with the key order of the table', () => {
    const table = { tiny: { b: 1, a: { c: [1] } }, demo: { b: 2, a: { c: [2] } }, bench: { b: 3, a: { c: [3] } }, reference: { b: 4, a: { c: [4] } } };
    const got = pickPreset(table, 'demo', 'test');
    got.a.c.push(9);
    expect(table.demo.a.c).toEqual([2]);
    expect(JSON.stringify(got)).toBe('{"b":2,"a":{"c":[2,9]}}');
    // A stage's table is not changed through its getter either.
    classifyPreset('demo').models[0].train.nFolds = 9;
    expect(CLASSIFY_PRESETS.demo.models[0].train.nFolds).toBe(4);
  });

  it('reads the notebook parameters from SPINELAB_* and checks the preset', () => {
    vi.stubEnv('SPINELAB_PRESET', 'bench');
    vi.stubEnv('SPINELAB_INPUT', '/data/in');
    vi.stubEnv('SPINELAB_OUTPUT', 'rel/out');
    const p = notebookParams();
    expect(p.preset).toBe('bench');
    expect(p.input).toBe('/data/in');
    expect(p.output).toBe(`${process.cwd()}/rel/out`);
    vi.stubEnv('SPINELAB_PRESET', '');
    expect(notebookParams({ preset: 'tiny' }).preset).toBe('tiny');
    expect(envPreset()).toBe('demo');
    vi.stubEnv('SPINELAB_PRESET', 'Demo');
    expect(() => notebookParams()).toThrow(/SPINELAB_PRESET="Demo" is not a preset/);
  });
});
