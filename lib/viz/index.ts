// Figure builders: typed functions returning plotly specs {data, layout}, no side effects.
// Show them in a notebook with `show()` from lib/notebook.
export type { Figure, Trace, Layout, Series, FigureOptions } from './types.js';
export * from './palette.js';
export { fitTitle, wrapTitle } from './text.js';
export { windowBounds, percentileWindow, toUint8, fitFactor, encodePng, pngDataUri, imageToDataUri, type Window } from './image.js';
export { sliceViewer, pickSlices, type SlicePoint, type SliceBox, type SliceViewerOptions } from './slices.js';
export { cropGrid, levelCropPanels, framePanels, type CropPanel, type CropGridOptions } from './crops.js';
export { learningCurves, type CurvePoint, type LearningCurveOptions } from './curves.js';
export {
  confusionMatrix, argmaxRows, confusionMatrices, lossHeatmap, reliabilityBins, calibrationCurves,
  type ConfusionMatrixOptions, type CalibrationItem,
} from './evaluation.js';
export { histogram, barChart, classDistribution, predictionBars, TARGET_LABELS, type AxisOptions } from './charts.js';
export { demoStack, demoCrops, demoCurves, demoPredictions } from './demo.js';
export { keypointGrid, type KeypointSet, type KeypointPanel } from './keypoints.js';
export { synthVsSpiderFigure, synthStudyPanels, spiderPanel, type SynthFigureOptions } from './synth.js';
