import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../lib/core/paths.js';

/**
 * Imports follow the pipeline: a folder of lib/ imports only from folders before it in the order
 * written in the README's Layout section (the line after `<!-- layers -->`), and never from outside
 * lib/. The README line is the one definition; this test keeps it true.
 */
const ROOT = projectRoot();
const LIB = join(ROOT, 'lib');

/**
 * Imports known to run against the order, each to be removed by the change named. A listed import
 * that no longer exists fails the test, so the list cannot go stale.
 */
const PENDING: Record<string, string> = {
};

export function readLayers(readme = readFileSync(join(ROOT, 'README.md'), 'utf8')): string[] {
  const lines = readme.split('\n');
  const at = lines.findIndex((l) => l.trim() === '<!-- layers -->');
  if (at < 0) throw new Error('README.md has no `<!-- layers -->` line before the import order');
  return lines[at + 1].split('→').map((s) => s.trim().replace(/`/g, ''));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return /\.(ts|mts|mjs)$/.test(name) ? [p] : [];
  });
}

/** Module specifiers of static imports, re-exports and dynamic `import('…')` calls. */
export function importSpecifiers(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const out: string[] = [];
  for (const m of code.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]/g)) out.push(m[1]);
  for (const m of code.matchAll(/(?:^|[\s;])import\s*['"]([^'"]+)['"]/g)) out.push(m[1]);
  for (const m of code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]);
  return out;
}

/** An import: `from` and `to` relative to lib/ (`to` starts with `..` outside it). */
interface Edge { from: string; to: string; spec: string }

/** Imports against `layers` or out of lib/, and the PENDING keys that were seen. */
function violations(edges: readonly Edge[], layers: readonly string[], pending: Record<string, string>) {
  const bad: string[] = [];
  const seen = new Set<string>();
  for (const e of edges) {
    const from = e.from.split(sep)[0];
    const to = e.to.startsWith('..') ? null : e.to.split(sep)[0];
    if (to === from) continue;
    const key = `${e.from} -> ${e.to}`;
    if (pending[key]) {
      seen.add(key);
      continue;
    }
    if (to === null) bad.push(`${e.from} imports ${e.spec}, outside lib/`);
    else if (!layers.includes(to) || layers.indexOf(to) > layers.indexOf(from)) bad.push(`${e.from} imports ${e.spec}: ${to} comes after ${from}`);
  }
  return { bad, seen };
}

function libImports(): Edge[] {
  const edges: Edge[] = [];
  for (const file of sourceFiles(LIB)) {
    for (const spec of importSpecifiers(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      edges.push({ from: relative(LIB, file), to: relative(LIB, resolve(dirname(file), spec)).replace(/\.js$/, '.ts'), spec });
    }
  }
  return edges;
}

describe('imports follow the pipeline', () => {
  it('finds static, re-export, side-effect and dynamic imports', () => {
    const src = "import a from './a.js';\nimport type { B } from \"../b/index.js\";\nexport * from './c.js';\nimport './d.js';\n" +
      "const e = await import('../e/x.js');\n// import z from './commented.js';\nexport { f,\n  g } from './f.js';";
    expect(importSpecifiers(src)).toEqual(['./a.js', '../b/index.js', './c.js', './f.js', './d.js', '../e/x.js']);
  });

  it('the README order names every lib/ folder once', () => {
    const layers = readLayers();
    expect(new Set(layers).size).toBe(layers.length);
    const folders = readdirSync(LIB).filter((n) => statSync(join(LIB, n)).isDirectory());
    expect(folders.filter((f) => !layers.includes(f)), 'lib/ folders missing from the README order').toEqual([]);
  });

  it('no lib/ file imports a later folder, or from outside lib/', () => {
    const edges = libImports();
    expect(edges.length).toBeGreaterThan(300);
    const { bad, seen } = violations(edges, readLayers(), PENDING);
    expect(bad).toEqual([]);
    expect(Object.keys(PENDING).filter((k) => !seen.has(k)), 'stale PENDING entries: remove them').toEqual([]);
  });

  it('flags an import of a later folder and one out of lib/', () => {
    const layers = readLayers('x\n<!-- layers -->\n`core` → `data` → `viz`\n');
    expect(layers).toEqual(['core', 'data', 'viz']);
    const edges: Edge[] = [
      { from: join('viz', 'a.ts'), to: join('data', 'b.ts'), spec: '../data/b.js' },
      { from: join('data', 'b.ts'), to: join('viz', 'a.ts'), spec: '../viz/a.js' },
      { from: join('data', 'b.ts'), to: join('data', 'c.ts'), spec: './c.js' },
      { from: join('core', 'c.ts'), to: join('..', 'bench', 'x.ts'), spec: '../../bench/x.js' },
    ];
    expect(violations(edges, layers, {}).bad).toEqual([
      `${join('data', 'b.ts')} imports ../viz/a.js: viz comes after data`,
      `${join('core', 'c.ts')} imports ../../bench/x.js, outside lib/`,
    ]);
  });
});
