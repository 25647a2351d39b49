// The main job: data, the six notebooks in order, the report and summary.json; the notebook
// runners (tslab kernel or Jupyter), the HTML report and the headless Chromium check.
export { runMainJob, type MainJobOptions } from './run.js';
export { STAGES, SYNTH_SIZE_FOR, type Stage } from './stages.js';
export { collectSummary, type RunSummary, type StageTiming } from './summary.js';
export { hasCompetitionData, inputFingerprint, notebookLibraryFiles, stageLibraryHash } from './fingerprint.js';
export { checkMainJob, type MainJobCheck } from './check.js';
export { runNotebooks, resolveNotebooks, signNotebooks, SYSTEM_PYTHON, type RunnerKind, type NotebookRun, type RunNotebooksOptions } from './runner/run.js';
export { executeNotebook, type ExecuteOptions, type ExecuteResult, type CellFailure } from './runner/execute.js';
export { readNotebook, writeNotebook, clearOutputs, cellSource, outputText, foldCarriageReturns, type Notebook, type Cell, type Output } from './runner/nbformat.js';
export { KernelClient, kernelArgv } from './runner/kernel-client.js';
export { writeKernelSpec } from './runner/kernelspec.js';
export { buildReport, mergeNotebooks, renderHtml, markdown, hasNbconvert, stripSystemScripts, type ReportOptions, type ReportRenderer } from './report.js';
export { checkHtmlInBrowser, pageProblems, hasChromium, CHROMIUM, CHROMIUM_FLAGS, type PlotState, type PageCheck, type CheckOptions } from './browser.js';
