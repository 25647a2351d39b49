import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../engine/backend.js';

let printed = false;

/**
 * Choose the tfjs backend (once per process) and print the choice and why, once. Returns nothing,
 * so a notebook cell ending with it prints no object (use initBackend() for the choice itself).
 */
export async function printBackend(): Promise<void> {
  const choice = await initBackend();
  if (!printed) {
    console.log(`tfjs ${tf.version.tfjs} on ${choice.name} (${choice.reason})`);
    printed = true;
  }
}
