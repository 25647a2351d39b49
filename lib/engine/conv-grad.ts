import * as tf from '@tensorflow/tfjs';

/**
 * tf.layers Conv2D runs `tf.fused.conv2d`, whose custom gradient computes dx and dW together, so
 * a model's first conv also pays a full Conv2DBackpropInput per training step for the gradient of
 * its *data* input, which nothing reads. On WASM that stem dx is among the slowest gradients (1–3
 * output channels, stride 2): 18 of the crop model's 56 ms of input gradients at the demo
 * shapes. The plain `tf.conv2d` (then bias and activation) is the same computation with one
 * gradient per input, and tfjs skips the gradient of an input no variable depends on.
 * `pruneConvInputGradients(true)` makes every 2-D tf.layers conv (channels-last, any bias or
 * activation) take that path; `false` restores the stock one. Idempotent; forward results and
 * gradients are unchanged (tests/engine/layers.test.ts checks both).
 */
type ConvLayer = tf.layers.Layer & {
  rank: number;
  dataFormat: string;
  strides: number[];
  padding: 'same' | 'valid';
  dilationRate: number | number[];
  kernel: { read(): tf.Tensor };
  bias: { read(): tf.Tensor } | null;
  activation: { apply(x: tf.Tensor): tf.Tensor } | null;
};
type Call = (this: ConvLayer, inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor | tf.Tensor[];

const conv2dProto = Object.getPrototypeOf(tf.layers.conv2d({ filters: 1, kernelSize: 1 })) as { call: Call };
const stockCall = conv2dProto.call;
let pruning = false;

function unfusedCall(this: ConvLayer, inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
  if (this.rank !== 2 || this.dataFormat !== 'channelsLast') return stockCall.call(this, inputs, kwargs);
  return tf.tidy(() => {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    const dilations = (typeof this.dilationRate === 'number' ? [this.dilationRate, this.dilationRate] : this.dilationRate) as [number, number];
    let y: tf.Tensor = tf.conv2d(x, this.kernel.read() as tf.Tensor4D, this.strides as [number, number], this.padding, 'NHWC', dilations);
    if (this.bias) y = tf.add(y, this.bias.read());
    return this.activation ? this.activation.apply(y) : y;
  });
}

export function pruneConvInputGradients(on: boolean): void {
  if (on === pruning) return;
  // Conv2D's own prototype gets the override (Conv1D/3D and the separable/transposed convs keep theirs).
  if (on) Object.defineProperty(conv2dProto, 'call', { value: unfusedCall, writable: true, configurable: true });
  else delete (conv2dProto as Partial<{ call: Call }>).call;
  pruning = on;
}
