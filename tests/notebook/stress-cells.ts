import { join } from 'node:path';
import { projectRoot } from '../../lib/core/paths.js';

/**
 * The cells of the kernel stress tests (issue 13), shared by the node-client and the Jupyter-runner
 * variants (two files, so that vitest runs them side by side).
 */
/** A work folder inside the project, so that the kernel resolves @spinelab/lib from the notebook's folder. */
export function stressWork(name: string): string {
  return join(projectRoot(), 'output', `test-kernel-stress-${name}`);
}

export const LINES = 3000;
export const SETUP = `import 'tsx/cjs';
import { display, notebookProgress, printBackend } from '@spinelab/lib/notebook';
await printBackend();`;
// As fast as it can: a stdout line each step, tslab's own display updated every third step, one of
// ours every fifth (not throttled), a progress bar every step (throttled), a yield every 50.
export const STRESS = `import * as tslab from 'tslab';
const tslabDisplay = tslab.newDisplay();
const ours = display({ 'text/plain': 'ours -1' });
const bar = notebookProgress('stress');
for (let i = 0; i < ${LINES}; i++) {
  console.log('line ' + i);
  if (i % 3 === 0) tslabDisplay.text('tslab ' + i);
  if (i % 5 === 0) ours.update({ 'text/plain': 'ours ' + i });
  bar({ label: 'loop', done: i + 1, total: ${LINES} });
  if (i % 50 === 49) await new Promise((r) => setImmediate(r));
}
console.log('LAST LINE');`;
// The next cell also starts an ES module worker thread, as lib's prepare pool does: workers inherit
// the kernel's execArgv, preload included, without tsx's hooks.
export const NEXT = `import { Worker } from 'node:worker_threads';
const code = "import { parentPort } from 'node:worker_threads'; parentPort.postMessage('worker ok');";
const worker = new Worker(new URL('data:text/javascript,' + encodeURIComponent(code)));
console.log(await new Promise((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); }));
console.log('next cell ' + (6 * 7));`;
export const LAST_TSLAB = `tslab ${3 * Math.floor((LINES - 1) / 3)}`;
export const LAST_OURS = `ours ${5 * Math.floor((LINES - 1) / 5)}`;
export const expectedLines = [...Array.from({ length: LINES }, (_, i) => `line ${i}`), 'LAST LINE'];
