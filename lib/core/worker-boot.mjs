// Worker threads do not inherit the tsx loader of the thread that starts them (and
// `execArgv: ['--import', 'tsx']` is not honoured for workers on Node 20): register it here, then
// load the TypeScript worker named in workerData. Works from the CLI, vitest and tslab alike.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
