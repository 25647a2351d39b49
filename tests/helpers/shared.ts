import { join } from 'node:path';
import { sharedDataDir } from '../../lib/core/paths.js';

/**
 * `../shared/data` is always there in CI, never in a user's clone. Suites that need it use
 * `describe.skipIf(!SHARED)` and the reason below is printed once, so a skip is never silent.
 */
export const SHARED = sharedDataDir();
export const SHARED_SKIP_REASON = 'skipped: ../shared/data (reference DICOMs, metric cases) is not beside this checkout';
if (!SHARED) console.warn(`[spinelab tests] ${SHARED_SKIP_REASON}`);

export function sharedPath(...parts: string[]): string {
  if (!SHARED) throw new Error(SHARED_SKIP_REASON);
  return join(SHARED, ...parts);
}
