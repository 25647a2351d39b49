// The Preparation stage: DICOM series → stacks, frames/geometry tables, errors, mapped labels.
export { prepareSplit, defaultPreparedDir, type PrepareOptions, type PrepareSummary, type SeriesError, type Split } from './prepare.js';
export { loadPrepared, loadStack, loadLabelPoints, type PreparedSeries, type PreparedSlice } from './load.js';
export { mapLabels, type MappedLabel, type StackFrames } from './labels.js';
export { convertSeries, stackPath, type SeriesSidecar, type SeriesTask } from './convert.js';
export { PREPARE_PRESETS, preparePreset, type PreparePreset } from './presets.js';
