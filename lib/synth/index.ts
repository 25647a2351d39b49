// Synthetic lumbar MRI studies with known ground truth: the embedded default dataset.
export { generateDataset, datasetStreams, renderStudy, GENERATOR_VERSION, STUDY_ID_RANGE, SERIES_ID_RANGE, type GenerateOptions, type SynthSummary, type DatasetStreams } from './generate.js';
export { SYNTH_PRESETS, synthPreset, type SynthPreset } from './presets.js';
export { readTruth, readTruthStudy, readTruthBounds, discKeypoints, type TruthSet, type TruthStudy, type TruthSeries } from './truth.js';
export { scoreBounds, boundsPredictions, observedGivenTrue, noiseModelReport, type ScoreBounds, type BoundsStudy } from './floor.js';
export { LabelSampler, classOf, classPrior, observedPosterior, severityScale, type LabelModel, type StudyLabels } from './labels.js';
export { EMBEDDED_LABEL_MODEL, DEFAULT_RELIABILITY, SERIES_COUNTS } from './label-model-params.js';
export { fitLabelModel, roundLabelModel, type LabelStatistics } from './fit.js';
export { planStudy, renderSeries, drawStudyLabels, type StudyDraw, type StudyPlan, type SeriesPlan, type LabelPointTruth } from './study.js';
export { tissueSlice, patientToPixel } from './render.js';
export { TISSUE } from './tissue.js';
