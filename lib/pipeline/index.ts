// The main job: data, the six notebooks in order, the report and summary.json.
export { runMainJob, type MainJobOptions } from './run.js';
export { STAGES, SYNTH_SIZE_FOR, type Stage } from './stages.js';
export { collectSummary, type RunSummary, type StageTiming } from './summary.js';
export { hasCompetitionData, inputFingerprint, notebookLibraryFiles, stageLibraryHash } from './fingerprint.js';
export { checkMainJob, type MainJobCheck } from './check.js';
