// Image processing shared by every stage: one planar float image type, OpenCV's geometry and
// kernels (warpAffine, resize, Gaussian and motion blur, BORDER_REFLECT_101) and the
// albumentations 1.3.1 random transforms built on them. Depends on lib/core only.
export * from './types.js';
export * from './border.js';
export * from './geometry.js';
export * from './resize.js';
export * from './warp.js';
export * from './filter.js';
export * from './intensity.js';
export * from './augment.js';
