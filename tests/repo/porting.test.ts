import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../lib/core/paths.js';

/**
 * docs/porting.md is what the `§` citations in the code point to: every `§N`, `§N.M`, `§N.M–N.K`,
 * `§11 item K` and `§8.2 step K` in lib/, tests/, bench/, tools/, the notebooks and the README must
 * name a heading (or a numbered item or step) of it, and the README links it.
 */
const ROOT = projectRoot();
const DOC = readFileSync(join(ROOT, 'docs', 'porting.md'), 'utf8');

/** Section numbers of the headings (`## 4. Coordinates model` → 4, `### 4.6 Training` → 4.6), and the numbered list items per section. */
export function outline(doc: string): { sections: Set<string>; items: Map<string, Set<number>> } {
  const sections = new Set<string>();
  const items = new Map<string, Set<number>>();
  let current = '';
  for (const line of doc.split('\n')) {
    const h = /^#{2,3} (\d+(?:\.\d+)?)\.? /.exec(line);
    if (h) {
      current = h[1];
      sections.add(current);
      continue;
    }
    const item = /^(\d+)\. /.exec(line);
    if (item && current) {
      if (!items.has(current)) items.set(current, new Set());
      items.get(current)!.add(Number(item[1]));
    }
  }
  return { sections, items };
}

export interface Citation { text: string; sections: string[]; item?: number; section?: string }

/** The `§` citations of a text. */
export function citations(text: string): Citation[] {
  const out: Citation[] = [];
  const re = /§\s?(\d+(?:\.\d+)?)(?:\s?[–-]\s?(\d+(?:\.\d+)?))?(?:\s(items?|step)\s(\d+(?:,\s?\d+)*))?/g;
  for (const m of text.matchAll(re)) {
    const sections = [m[1], ...(m[2] ? [m[2]] : [])];
    if (!m[3]) out.push({ text: m[0], sections });
    else for (const k of m[4].split(',')) out.push({ text: m[0], sections, section: m[1], item: Number(k) });
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return n === 'node_modules' ? [] : sourceFiles(p);
    return /\.(ts|mts|mjs|py|md)$/.test(n) ? [p] : [];
  });
}

/** Text of every place that may cite: sources and docs, and the notebooks' cells (not their JSON escapes). */
function citingTexts(): Array<{ file: string; text: string }> {
  const files = ['lib', 'tests', 'bench', 'tools'].flatMap((d) => sourceFiles(join(ROOT, d)));
  const texts = [...files, join(ROOT, 'README.md')].map((f) => ({ file: relative(ROOT, f), text: readFileSync(f, 'utf8') }));
  for (const nb of readdirSync(join(ROOT, 'notebooks')).filter((f) => f.endsWith('.ipynb'))) {
    const cells = (JSON.parse(readFileSync(join(ROOT, 'notebooks', nb), 'utf8')) as { cells: Array<{ source: string | string[] }> }).cells;
    texts.push({ file: `notebooks/${nb}`, text: cells.map((c) => (Array.isArray(c.source) ? c.source.join('') : c.source)).join('\n') });
  }
  return texts.filter((t) => t.file !== relative(ROOT, __filename));
}

describe('docs/porting.md', () => {
  const { sections, items } = outline(DOC);

  it('has the sections 0–11, and §11 numbers its items 1–22', () => {
    for (let s = 0; s <= 11; s++) expect(sections.has(String(s)), `§${s}`).toBe(true);
    expect([...items.get('11')!]).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));
  });

  it('resolves every § citation in the code, the tests, the notebooks and the README', () => {
    const all = citingTexts().flatMap(({ file, text }) => citations(text).map((c) => ({ file, ...c })));
    expect(all.length).toBeGreaterThan(100);
    const broken = all.filter((c) => !c.sections.every((s) => sections.has(s)) || (c.item !== undefined && !items.get(c.section!)?.has(c.item)));
    expect(broken.map((c) => `${c.file}: ${c.text}`)).toEqual([]);
  });

  it('is what the code cites, not a file outside the repository', () => {
    const stale = citingTexts().filter((t) => /reference-pipeline\.md/.test(t.text)).map((t) => t.file);
    expect(stale).toEqual([]);
  });

  it('is linked from the README', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toMatch(/\]\(docs\/porting\.md\)/);
  });

  it('parses citations and headings as written', () => {
    expect(citations('see §4.4–4.5, §11 item 22 and §8.2 step 3; §11 items 4, 6').map((c) => [c.sections, c.item])).toEqual([
      [['4.4', '4.5'], undefined], [['11'], 22], [['8.2'], 3], [['11'], 4], [['11'], 6],
    ]);
    const o = outline('## 8. Inference\n### 8.2 Steps\n1. one\n2. two\n## 11. Bugs\n1. **x**\n');
    expect([...o.sections]).toEqual(['8', '8.2', '11']);
    expect([...o.items.get('8.2')!]).toEqual([1, 2]);
  });
});
