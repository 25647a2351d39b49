// Notebook display layer: figures, tables, progress and the backend line, rendered in a tslab
// kernel (rich MIME bundles through tslab's writer) and as text in the CLI and tests.
export { kernelWriter, inKernel, setDisplayWriter, type DisplayWriter, type DisplayMessage } from './kernel.js';
export {
  display, show, liveFigure, showHtml, showPng, figureBundle, figureText, plotlyLoaderHtml, plotlyBundlePath,
  newDisplayId, PLOTLY_MIME, type DisplayHandle, type LiveFigure, type MimeBundle, type FigureBundleOptions,
} from './display.js';
export { showTable, tableBundle, toTable, formatCell, type Row, type Table, type TableOptions, type DataFrameLike } from './table.js';
export { progress, notebookProgress, progressMode, progressLine, formatDuration, type ProgressMode, type ProgressOptions } from './progress.js';
export { liveLearningCurves, savedCurvePoints, type LiveCurves } from './live.js';
export { liveTraining, type LiveModel, type LiveTraining, type LiveTrainingOptions } from './training.js';
export { printBackend } from './backend.js';
export { escapeHtml, scriptJson } from './html.js';
export { runNotebooks, resolveNotebooks, signNotebooks, SYSTEM_PYTHON, type RunnerKind, type NotebookRun, type RunNotebooksOptions } from './runner/run.js';
export { executeNotebook, type ExecuteOptions, type ExecuteResult, type CellFailure } from './runner/execute.js';
export { readNotebook, writeNotebook, clearOutputs, cellSource, outputText, foldCarriageReturns, type Notebook, type Cell, type Output } from './runner/nbformat.js';
export { KernelClient, kernelArgv } from './runner/kernel-client.js';
export { writeKernelSpec } from './runner/kernelspec.js';
export { buildReport, mergeNotebooks, renderHtml, markdown, hasNbconvert, stripSystemScripts, type ReportOptions, type ReportRenderer } from './report.js';
export { checkHtmlInBrowser, pageProblems, hasChromium, CHROMIUM, CHROMIUM_FLAGS, type PlotState, type PageCheck, type CheckOptions } from './browser.js';
