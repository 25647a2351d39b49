// spinelab in the browser (`spinelab web`): a static site that runs a finished run's models on a
// study the user drops, client-side. Node side: build, serve, check in headless Chromium. The page
// itself is page/main.ts, bundled from the IO-free parts of lib/ (bundle.ts guards that).
export { buildSite, type BuildSiteOptions, type SiteBuild } from './site.js';
export { serveSite, type SiteServer } from './serve.js';
export { bundlePage, PAGE_ENTRY, type BundleResult } from './bundle.js';
export { runStudyInPage, runStudiesInPage, checkSiteStudies, maxProbDiff, readSubmissionProbs, type PageRun, type PageRunOptions, type SiteStudyCheck } from './check.js';
export { loadRun, disposeRun, type LoadedRun } from './models.js';
export { isSagittal } from '../data/vocabulary.js';
export { readStudy, checkLimits, STUDY_LIMITS, StudyTooLargeError, type StudyFile, type StudyLimits, type StudyRead, type StudySeriesRead, type StudyProblem } from './study.js';
export { predictStudy, type StudyModels, type StudyPrediction, type SeriesPrediction } from './infer.js';
export { MANIFEST_FILE, type SiteManifest } from './manifest.js';
export type { PageState, PageResult } from './state.js';
