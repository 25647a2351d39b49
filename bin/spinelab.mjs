#!/usr/bin/env node
// The `spinelab` command. lib/ is TypeScript run through tsx (no build step), the same modules
// the notebooks import.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../lib/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
