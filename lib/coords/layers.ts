/**
 * Spatial soft-argmax: per channel, a softmax over the h × w positions, then the expected position
 * of the pixel centres, relative to the map ((j + 0.5)/w, (i + 0.5)/h). [B, h, w, K] → [B, 2K]
 * ordered [x_0, y_0, x_1, y_1, …]. Differentiable; outputs lie in (0, 1) like the reference's sigmoid.
 */
import * as tf from '@tensorflow/tfjs';

type Shape = Array<number | null>;

export class SoftArgmax2D extends tf.layers.Layer {
  static className = 'SoftArgmax2D';

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    if (s.length !== 4 || s[3] == null) throw new Error(`SoftArgmax2D needs [B, h, w, K] with a known K, got [${s.join(', ')}]`);
    return [s[0], 2 * s[3]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.tidy(() => {
      const [b, h, w, k] = x.shape;
      // [B, K, h·w]: softmax over the positions of each channel.
      const p = tf.softmax(tf.transpose(tf.reshape(x, [b, h * w, k]), [0, 2, 1]));
      const gx = tf.tensor1d(Array.from({ length: h * w }, (_, i) => ((i % w) + 0.5) / w));
      const gy = tf.tensor1d(Array.from({ length: h * w }, (_, i) => (Math.floor(i / w) + 0.5) / h));
      const ex = tf.sum(tf.mul(p, gx), -1); // [B, K]
      const ey = tf.sum(tf.mul(p, gy), -1);
      return tf.reshape(tf.stack([ex, ey], 2), [b, 2 * k]);
    });
  }
}

tf.serialization.registerClass(SoftArgmax2D);
