import * as tf from '@tensorflow/tfjs';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;
type Shape = Array<number | null>;

export interface FrameRangeArgs extends LayerArgs {
  /** First frame (inclusive). */
  start: number;
  /** Last frame (inclusive), as the reference's ranges are written ([mid−δ, mid+δ], …). */
  end: number;
}

/**
 * Keep frames `start..end` (inclusive) of a `[B, T, C]` sequence → `[B, end−start+1, C]`.
 * The range is part of the layer config, so it is saved with the weights and a loaded model
 * always reads the frames it was trained on (reference §11 item 4).
 */
export class FrameRange extends tf.layers.Layer {
  static className = 'SpinelabFrameRange';
  readonly start: number;
  readonly end: number;

  constructor(args: FrameRangeArgs) {
    super(args);
    if (!Number.isInteger(args.start) || !Number.isInteger(args.end) || args.start < 0 || args.end < args.start) {
      throw new RangeError(`FrameRange: need integers 0 ≤ start ≤ end, got [${args.start}, ${args.end}]`);
    }
    this.start = args.start;
    this.end = args.end;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    if (s.length !== 3) throw new Error(`FrameRange needs [B, T, C], got [${s.join(', ')}]`);
    if (s[1] != null && this.end >= s[1]) throw new RangeError(`FrameRange [${this.start}, ${this.end}] outside ${s[1]} frames`);
    return [s[0], this.end - this.start + 1, s[2]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.slice(x, [0, this.start, 0], [-1, this.end - this.start + 1, -1]);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), start: this.start, end: this.end };
  }
}

tf.serialization.registerClass(FrameRange);
