import * as tf from '@tensorflow/tfjs';
import { type Attrs, type Backend, type Info, alloc, floatOffset, free, heap, heapF32, heapF64, heapWindow, releaseWindow, run, size, transpose, transposeInto, view, zeros } from './util.js';
import { sliceInfo } from './movement.js';

type Pad = 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];
type Pads = [[number, number], [number, number], [number, number], [number, number]];

function explicitPad(top: number, bottom: number, left: number, right: number): Pads {
  return [[0, 0], [top, bottom], [left, right], [0, 0]];
}

/**
 * Conv2DBackpropFilter (missing in stock WASM 4.22) as one long-K GEMM per filter tap:
 *   dW[kh,kw] (C×CO) = Σ_n x_tap[n, c] · dy[n, co]
 * x is laid out once, channel-major, on a padded grid [C, S] (one grid per stride phase; images
 * and rows share their zero borders), and dy is zero-extended onto the same grid [S, CO]. Tap
 * (kh, kw) is then the *contiguous* window of that buffer shifted by a·pitch + a' (what runs past
 * a row only meets zero dy), so each tap is one XNNPACK matmul [C, S]·[S, CO] over a heap window:
 * no im2col copy, and dy is packed once (XNNPACK caches the operator on it) for all taps.
 * The grid is built in two passes that both move long runs: JS copies whole rows of x into a
 * padded copy grouped by row phase, then the stock WASM Transpose (one 2-D transpose per row
 * phase) splits the column phases and puts channels first: ≈1 ns per float in all, against ≈3 for
 * the transposing JS loop it replaces. Zero positions after the last image (as many as the largest
 * tap shift) keep every channel row's shifted window off the next row. What remains is mostly XNNPACK: the GEMMs, and packing dy
 * (≈3 ns per float, once per call).
 */
export function conv2DBackpropFilter({ inputs, backend, attrs }: { inputs: Record<string, Info>; backend: Backend; attrs: Attrs }): Info {
  const { x, dy } = inputs;
  const { strides, pad, dimRoundingMode, filterShape } = attrs as { strides: number | [number, number]; pad: Pad; dimRoundingMode?: 'floor' | 'round' | 'ceil'; filterShape: [number, number, number, number] };
  const ci = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const [B, H, W, C] = x.shape;
  const { outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw, filterHeight: KH, filterWidth: KW } = ci;
  const { top, left } = ci.padInfo;
  const CO = filterShape[3];
  if (size(x.shape) === 0 || size(dy.shape) === 0) return zeros(backend, filterShape);
  if (KH === 1 && KW === 1 && top === 0 && left === 0) return pointwiseFilterGrad(backend, x, dy, OH, OW, sh, sw, CO);

  const Ph = gridPitch(OH, KH, sh, top, H);
  const Pw = gridPitch(OW, KW, sw, left, W);
  const rowPhases = Math.min(sh, KH);
  const slack = (Math.ceil(KH / sh) - 1) * Pw + Math.ceil(KW / sw) - 1; // largest tap shift
  const M = B * Ph * Pw + slack; // grid positions per channel, zero slack after the last image
  const rowLen = sw * Pw * C; // a padded row of x: column X = xx + left
  const direct = sw === 1 && C === 1; // the padded copy is already the channel-major grid
  const grid = alloc(backend, [rowPhases * sw * C * M + slack]);
  const xp = direct ? grid : alloc(backend, [rowPhases * M * sw * C]);
  const dyE = alloc(backend, [1, M, CO]);

  const hv = heapF32(backend);
  const pOff = floatOffset(backend, xp);
  const xOff = floatOffset(backend, x);
  hv.fill(0, pOff, pOff + rowPhases * M * sw * C);
  const x0 = Math.max(0, -left);
  const x1 = Math.min(W, sw * Pw - left);
  const n = (x1 - x0) * C;
  for (let rh = 0; rh < rowPhases && n > 0; rh++) {
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < Ph; t++) {
        const y = t * sh + rh - top;
        if (y < 0 || y >= H) continue;
        const src = xOff + ((b * H + y) * W + x0) * C;
        const dst = pOff + rh * M * sw * C + (b * Ph + t) * rowLen + (x0 + left) * C;
        if (n >= 32) hv.copyWithin(dst, src, src + n);
        else for (let k = 0; k < n; k++) hv[dst + k] = hv[src + k];
      }
    }
  }
  const gOff = floatOffset(backend, grid);
  hv.fill(0, gOff + rowPhases * sw * C * M, gOff + rowPhases * sw * C * M + slack);
  if (!direct) {
    // Per row phase, [position, (column phase, c)] → [(column phase, c), position]: 2-D transposes
    // (the C++ kernel's 4-D path is 8× slower per float).
    for (let rh = 0; rh < rowPhases; rh++) {
      const from = heapWindow(backend, xp, rh * M * sw * C, [M, sw * C]);
      const to = heapWindow(backend, grid, rh * sw * C * M, [sw * C, M]);
      transposeInto(backend, from, [1, 0], to);
      releaseWindow(backend, from);
      releaseWindow(backend, to);
    }
    free(backend, xp);
  }
  // dy onto the grid: row i of image b starts at (b·Ph + i)·Pw; rows are contiguous on both sides.
  const hv2 = heapF32(backend);
  const eOff = floatOffset(backend, dyE);
  const dOff = floatOffset(backend, dy);
  hv2.fill(0, eOff, eOff + M * CO);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < OH; i++) {
      const src = dOff + (b * OH + i) * OW * CO;
      hv2.copyWithin(eOff + (b * Ph + i) * Pw * CO, src, src + OW * CO);
    }
  }
  const window = (kh: number, kw: number) => ((kh % sh) * sw + (kw % sw)) * C * M + Math.floor(kh / sh) * Pw + Math.floor(kw / sw);
  if (C * KH * KW <= STACK_ROWS) {
    // Few rows per tap (the stem: C = 1–3): stack every tap's window into one [taps·C, M] matrix
    // (long contiguous copies) for one GEMM; its rows are dW's (kh, kw, c) order already.
    const rows = alloc(backend, [1, KH * KW * C, M]);
    const hv3 = heapF32(backend);
    const g = floatOffset(backend, grid);
    const r = floatOffset(backend, rows);
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        const w = g + window(kh, kw);
        const to = r + (kh * KW + kw) * C * M;
        for (let c = 0; c < C; c++) hv3.copyWithin(to + c * M, w + c * M, w + (c + 1) * M);
      }
    }
    const out = run(backend, 'BatchMatMul', { a: rows, b: dyE }, { transposeA: false, transposeB: false });
    free(backend, grid, dyE, rows);
    return view(out, [KH, KW, C, CO]);
  }
  const dW = alloc(backend, [KH, KW, C, CO]);
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      const win = heapWindow(backend, grid, window(kh, kw), [1, C, M]);
      const part = run(backend, 'BatchMatMul', { a: win, b: dyE }, { transposeA: false, transposeB: false });
      releaseWindow(backend, win);
      heap(backend, dW).set(heap(backend, part), (kh * KW + kw) * C * CO);
      free(backend, part);
    }
  }
  free(backend, grid, dyE);
  return dW;
}

/**
 * Up to this many GEMM rows (taps × input channels) the filter gradient runs as one stacked GEMM:
 * XNNPACK's GEMM does ≈8 G multiply-adds/s with 3 rows and ≈14 with 27 (9 taps × 3 channels);
 * from C = 16 on, per-tap GEMMs are as fast and need no copy.
 */
const STACK_ROWS = 64;

/** 1×1 kernels: dW = xᵀ·dy on the rows the conv reads (every s-th pixel), one XNNPACK matmul. */
function pointwiseFilterGrad(backend: Backend, x: Info, dy: Info, OH: number, OW: number, sh: number, sw: number, CO: number): Info {
  const [B, H, W, C] = x.shape;
  const xs = sh === 1 && sw === 1 && OH === H && OW === W ? null : sliceInfo(backend, x, [0, 0, 0, 0], [1, sh, sw, 1], [B, OH, OW, C]);
  const N = B * OH * OW;
  const xT = transpose(backend, view(xs ?? x, [N, C]), [1, 0]); // [C, N]
  const out = run(backend, 'BatchMatMul', { a: view(xT, [1, C, N]), b: view(dy, [1, N, CO]) }, { transposeA: false, transposeB: false });
  free(backend, xT, xs);
  return view(out, [1, 1, C, CO]);
}

/**
 * Pitch of one axis of the filter-gradient grid. Phase r (taps k = r + s·a) reads padded position
 * o·s + k, i.e. position o + a of the phase: it needs O + taps_r − 1 positions, of which the last
 * may overlap the next row's first where both are zero padding; the pitch stays ≥ O so that dy's
 * rows stay apart. Counting taps per phase (not ceil(K/s) for all) lets a 3×3 stride-2 'same'
 * conv on an odd size use pitch O: no wasted GEMM columns.
 */
function gridPitch(O: number, K: number, s: number, pad: number, size: number): number {
  let pitch = O;
  for (let r = 0; r < Math.min(s, K); r++) {
    const length = O + Math.ceil((K - r) / s) - 1;
    const zeroStart = Math.min(length, Math.max(0, Math.ceil((pad - r) / s)));
    const zeroEnd = Math.min(length, Math.max(0, length - Math.ceil((size + pad - r) / s)));
    pitch = Math.max(pitch, length - Math.min(zeroStart, zeroEnd));
  }
  return pitch;
}

/**
 * Conv2DBackpropInput (stock WASM: a scalar C++ loop at ≈1 GFLOP/s). Phase ("sub-pixel")
 * decomposition: output rows y with (y+top) mod s = r only see filter taps kh ≡ r (mod s), so
 * each of the s² phases is a stride-1 XNNPACK conv of dy with the flipped, in/out-swapped
 * sub-filter W[r::s]; the phases are interleaved in one JS pass. Stride 1 is one phase and
 * needs no interleaving.
 */
export function conv2DBackpropInput({ inputs, backend, attrs }: { inputs: Record<string, Info>; backend: Backend; attrs: Attrs }): Info {
  const { dy, filter } = inputs;
  const { strides, pad, dimRoundingMode, inputShape } = attrs as { strides: number | [number, number]; pad: Pad; dimRoundingMode?: 'floor' | 'round' | 'ceil'; inputShape: [number, number, number, number] };
  const ci = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const [B, H, W, C] = inputShape;
  const { outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw, filterHeight: KH, filterWidth: KW } = ci;
  const CO = filter.shape[3];
  const { top, left } = ci.padInfo;
  if (size(dy.shape) === 0 || size(inputShape) === 0) return zeros(backend, inputShape);
  const w = heap(backend, filter).slice(); // small; copied before any allocation moves the heap

  const rowPhases = phases(sh, KH, top, H);
  const colPhases = phases(sw, KW, left, W);
  const parts: Array<{ ph: Phase; pw: Phase; out: Info }> = [];
  for (const ph of rowPhases) {
    for (const pw of colPhases) {
      if (ph.taps === 0 || pw.taps === 0 || ph.count <= 0 || pw.count <= 0) continue;
      const sub = alloc(backend, [ph.taps, pw.taps, CO, C]);
      const sv = heap(backend, sub);
      // sub[jh,jw,co,c] = W[r_h + s_h·(Jh−1−jh), r_w + s_w·(Jw−1−jw), c, co]
      for (let jh = 0; jh < ph.taps; jh++) {
        const kh = ph.r + sh * (ph.taps - 1 - jh);
        for (let jw = 0; jw < pw.taps; jw++) {
          const kw = pw.r + sw * (pw.taps - 1 - jw);
          const src = (kh * KW + kw) * C * CO;
          const dst = (jh * pw.taps + jw) * CO * C;
          for (let c = 0; c < C; c++) for (let co = 0; co < CO; co++) sv[dst + co * C + c] = w[src + c * CO + co];
        }
      }
      const padT = ph.taps - 1 - ph.q0;
      const padL = pw.taps - 1 - pw.q0;
      const padB = Math.max(0, ph.count + ph.taps - 1 - OH - padT);
      const padR = Math.max(0, pw.count + pw.taps - 1 - OW - padL);
      const out = run(backend, 'Conv2D', { x: dy, filter: sub }, { strides: [1, 1], dilations: [1, 1], pad: explicitPad(padT, padB, padL, padR), dataFormat: 'NHWC' });
      free(backend, sub);
      parts.push({ ph, pw, out });
    }
  }
  // Stride 1 (one phase covering every row and column in order): the conv output *is* dx.
  if (parts.length === 1 && sh === 1 && sw === 1 && parts[0].out.shape[1] === H && parts[0].out.shape[2] === W) return parts[0].out;

  const dx = alloc(backend, [B, H, W, C]);
  const dv = heap(backend, dx);
  if (parts.length < rowPhases.length * colPhases.length) dv.fill(0);
  const dOff = floatOffset(backend, dx);
  // One pixel's C floats per copy: copyWithin costs ≈20 ns a call, so short runs go through a
  // loop, over doubles when C and both tensors' offsets are even (≈1.1 against ≈1.8 ns a float).
  const wide = parts.every((p) => floatOffset(backend, p.out) % 2 === 0) && dOff % 2 === 0 && C % 2 === 0;
  const hv = wide ? heapF64(backend) : heapF32(backend);
  const unit = wide ? 2 : 1;
  const n = C / unit;
  for (const { ph, pw, out } of parts) {
    const pOff = floatOffset(backend, out) / unit;
    const [, PH, PW] = out.shape;
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < ph.count; i++) {
        const y = (ph.q0 + i) * sh + ph.r - top;
        if (y < 0 || y >= H) continue;
        for (let j = 0; j < pw.count; j++) {
          const xx = (pw.q0 + j) * sw + pw.r - left;
          if (xx < 0 || xx >= W) continue;
          const src = pOff + ((b * PH + i) * PW + j) * n;
          const dst = dOff / unit + ((b * H + y) * W + xx) * n;
          if (C >= 128) hv.copyWithin(dst, src, src + n);
          else for (let c = 0; c < n; c++) hv[dst + c] = hv[src + c];
        }
      }
    }
    free(backend, out);
  }
  return dx;
}

interface Phase {
  /** Residue r: output rows y with (y + pad) mod s = r. */
  r: number;
  /** Filter taps in this phase: ceil((K − r)/s). */
  taps: number;
  /** First q (y = q·s + r − pad) that is ≥ 0, capped so the conv's leading pad stays ≥ 0. */
  q0: number;
  /** Number of q values (rows of this phase's conv output that land in dx). */
  count: number;
}

function phases(s: number, K: number, pad: number, size: number): Phase[] {
  const out: Phase[] = [];
  for (let r = 0; r < s; r++) {
    const taps = r < K ? Math.ceil((K - r) / s) : 0;
    const q0 = Math.max(0, Math.min(Math.ceil((pad - r) / s), taps - 1));
    const qLast = Math.floor((size - 1 + pad - r) / s);
    out.push({ r, taps, q0, count: qLast - q0 + 1 });
  }
  return out;
}
