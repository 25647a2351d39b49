// Notebook display layer: figures, tables, progress and the backend line, rendered in a tslab
// kernel (rich MIME bundles through tslab's writer) and as text in the CLI and tests. Running
// notebooks, the report and the browser check are in lib/pipeline.
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
