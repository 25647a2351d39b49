// Inference (reference §8): test DICOMs → submission.csv, with per-study fallbacks to the class
// priors, Kaggle-format validation, and an EVAL mode scored with the competition metric.
export { runInference, RESULT_FILE, FALLBACKS_FILE, SERIES_COORDS_INFER, type InferenceOptions, type InferenceResult, type Fallback } from './run.js';
export { saveLevel1, readLevel1 } from './artefacts.js';
export { writeSubmission, validateSubmission, SUBMISSION_HEADER, SUM_TOLERANCE } from './submission.js';
export { evaluateSubmission, loadEvalLabels, type EvalResult, type EvalLabels } from './evaluate.js';
export { loadInferenceModels, disposeInferenceModels, chooseCheckpoints, modelsRoot, type InferenceModels } from './models.js';
export { studyCoordsAndCrops, StageError, type StudySeries, type StudyCrops, type InferStage } from './study.js';
export { predictLevel1, predictStudies } from './predict.js';
export { cutStudyCrops, level1Logits, submissionLines, type StudyCutCrops } from './core.js';
export { INFER_PRESETS, inferPreset, CHECKPOINT_CHOICES, checkpointChoice, type InferPreset, type CheckpointChoice } from './presets.js';
