import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * vitest global setup: every test file's temporary folders (os.tmpdir(), mkdtemp) go into one
 * folder per run, removed when the run ends, so a test that forgets its cleanup (or fails before
 * it) leaves nothing in /tmp. Test processes, and what they spawn, inherit TMPDIR.
 * SPINELAB_KEEP_TEST_TMP=1 keeps the folder to look into.
 */
export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'spinelab-tests-'));
  process.env.TMPDIR = dir;
  return () => {
    if (process.env.SPINELAB_KEEP_TEST_TMP === '1') console.error(`[spinelab tests] temporary files kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  };
}
