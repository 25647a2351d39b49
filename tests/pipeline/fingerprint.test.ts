import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { notebookLibraryFiles, stageLibraryHash } from '../../lib/pipeline/index.js';
import { STAGES } from '../../lib/pipeline/stages.js';

/** A small library: `a` imports a helper and starts a worker; `b` is unrelated; `c` imports `a`. */
function fakeLib(): string {
  const lib = mkdtempSync(join(tmpdir(), 'spinelab-lib-'));
  const put = (rel: string, text: string) => {
    mkdirSync(join(lib, rel, '..'), { recursive: true });
    writeFileSync(join(lib, rel), text);
  };
  put('a/index.ts', "export * from './helper.js';\nconst W = new URL('./worker.ts', import.meta.url);\n");
  put('a/helper.ts', "import { x } from '../core/x.js';\nexport const y = x + 1;\n");
  put('a/worker.ts', "import '../core/boot.mjs';\n");
  put('core/x.ts', 'export const x = 1;\n');
  put('core/boot.mjs', '// boot\n');
  put('b/index.ts', 'export const b = 2;\n');
  put('c/index.ts', "export { y } from '../a/index.js';\nconst m = await import('./lazy.js');\n");
  put('c/lazy.ts', 'export const lazy = 3;\n');
  return lib;
}

/** A notebook as the runner reads it: JSON whose code cells import front doors. */
const notebook = (...modules: string[]) =>
  JSON.stringify({ cells: [{ cell_type: 'code', source: modules.map((m) => `import * as ${m} from '@spinelab/lib/${m}';\n`) }] });

describe('stage library fingerprint', () => {
  it("follows a notebook's imports through static, dynamic and worker specifiers", () => {
    const lib = fakeLib();
    const rel = (files: string[]) => files.map((f) => f.slice(lib.length + 1));
    expect(rel(notebookLibraryFiles(lib, notebook('a')))).toEqual(['a/helper.ts', 'a/index.ts', 'a/worker.ts', 'core/boot.mjs', 'core/x.ts']);
    expect(rel(notebookLibraryFiles(lib, notebook('c')))).toEqual(['a/helper.ts', 'a/index.ts', 'a/worker.ts', 'c/index.ts', 'c/lazy.ts', 'core/boot.mjs', 'core/x.ts']);
    expect(rel(notebookLibraryFiles(lib, notebook('b')))).toEqual(['b/index.ts']);
  });

  it('changes when a file the notebook runs changes, and only then', () => {
    const lib = fakeLib();
    const nbA = notebook('a');
    const nbB = notebook('b');
    const a0 = stageLibraryHash(lib, nbA);
    const b0 = stageLibraryHash(lib, nbB);
    writeFileSync(join(lib, 'core/x.ts'), 'export const x = 2;\n'); // deep in a's closure
    expect(stageLibraryHash(lib, nbA)).not.toBe(a0);
    expect(stageLibraryHash(lib, nbB)).toBe(b0);
    const a1 = stageLibraryHash(lib, nbA);
    writeFileSync(join(lib, 'core/boot.mjs'), '// boot v2\n'); // reached only through the worker URL
    expect(stageLibraryHash(lib, nbA)).not.toBe(a1);
  });

  it("covers each real stage's own front door", () => {
    const lib = join(__dirname, '../../lib');
    const door: Record<string, string> = { prepare: 'prepare', coords: 'coords', crops: 'crops', classify: 'classify', lvl2: 'lvl2', inference: 'infer' };
    for (const stage of STAGES) {
      const files = notebookLibraryFiles(lib, readFileSync(join(__dirname, '../../notebooks', stage.notebook), 'utf8'));
      expect(files, stage.name).toContain(join(lib, door[stage.name], 'index.ts'));
      expect(files, stage.name).toContain(join(lib, 'engine', 'backend.ts'));
    }
  });
});
