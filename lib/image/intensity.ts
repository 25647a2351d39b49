/** Pointwise intensity changes of float images in [0, 1], in place (albumentations on float32 images). */
import type { Image } from './types.js';

/**
 * x ← x^gamma (RandomGamma), through a 4096-entry table with linear interpolation: |error| < 4e-3
 * at the steepest point (x → 0 with gamma 0.5); Math.pow per pixel cost more than the rest of the
 * augmentation.
 */
export function applyGamma(img: Image, gamma: number): void {
  const n = 4096;
  const lut = new Float32Array(n + 2);
  for (let i = 0; i <= n; i++) lut[i] = Math.pow(i / n, gamma);
  lut[n + 1] = 1;
  const d = img.data;
  for (let i = 0; i < d.length; i++) {
    const v = Math.min(Math.max(d[i], 0), 1) * n;
    const j = v | 0;
    d[i] = lut[j] + (v - j) * (lut[j + 1] - lut[j]);
  }
}

/** x ← clip(α·x + β, 0, 1) (RandomBrightnessContrast, brightness_by_max: β is a fraction of the maximum 1). */
export function applyBrightnessContrast(img: Image, alpha: number, beta: number): void {
  const d = img.data;
  for (let i = 0; i < d.length; i++) d[i] = Math.min(1, Math.max(0, alpha * d[i] + beta));
}
