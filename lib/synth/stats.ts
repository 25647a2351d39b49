/**
 * Small numerical kit for the label model: the normal CDF and its inverse, the bivariate normal
 * orthant probability, and the symmetric-matrix tools (Jacobi eigen-decomposition, Cholesky)
 * that turn a fitted correlation matrix into a sampler.
 */

/** Complementary error function, fractional error < 1.2e-7 everywhere (Numerical Recipes `erfcc`). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z - 1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 +
        t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Standard normal CDF Φ(x), accurate in relative terms far into both tails. */
export function normCdf(x: number): number {
  if (x === Infinity) return 1;
  if (x === -Infinity) return 0;
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** Standard normal density φ(x). */
export function normPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

/** Inverse normal CDF (Acklam's rational approximation, relative error < 1.2e-9). */
export function normInv(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo || p > 1 - lo) {
    const q = Math.sqrt(-2 * Math.log(p < lo ? p : 1 - p));
    const v = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    return p < lo ? v : -v;
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/**
 * P(X > h, Y > k) for standard normals with correlation ρ ∈ (−1, 1), by Plackett's identity
 * ∂Φ₂/∂ρ = φ₂: the independent product plus ∫₀^ρ φ₂(h, k; r) dr, integrated with composite
 * Simpson in the substitution r = sin(u) (smooth up to |ρ| → 1). Absolute error ~1e-9.
 */
export function bvnUpper(h: number, k: number, rho: number): number {
  const base = (1 - normCdf(h)) * (1 - normCdf(k));
  if (rho === 0) return base;
  const uEnd = Math.asin(Math.max(-0.999999, Math.min(0.999999, rho)));
  const n = 200; // even
  const step = uEnd / n;
  let acc = 0;
  for (let i = 0; i <= n; i++) {
    const u = i * step;
    const r = Math.sin(u);
    const c = Math.cos(u); // dr = cos(u) du and √(1 − r²) = cos(u): they cancel
    const f = Math.exp(-(h * h - 2 * r * h * k + k * k) / (2 * c * c)) / (2 * Math.PI);
    acc += f * (i === 0 || i === n ? 1 : i % 2 ? 4 : 2);
  }
  return base + (acc * step) / 3;
}

/** Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations: A = V diag(λ) Vᵀ. */
export function symmetricEigen(a: readonly (readonly number[])[]): { values: number[]; vectors: number[][] } {
  const n = a.length;
  const m = a.map((r) => r.slice());
  const v: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p][q] * m[p][q];
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(m[p][q]) < 1e-300) continue;
        const theta = (m[q][q] - m[p][p]) / (2 * m[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k][p];
          const mkq = m[k][q];
          m[k][p] = c * mkp - s * mkq;
          m[k][q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p][k];
          const mqk = m[q][k];
          m[p][k] = c * mpk - s * mqk;
          m[q][k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k][p];
          const vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: m.map((r, i) => r[i]), vectors: v };
}

/**
 * The nearest valid correlation matrix in the simple sense used here: clip eigenvalues at `floor`,
 * rebuild, and rescale to a unit diagonal. Fitted pairwise correlations need not be jointly
 * positive definite.
 */
export function repairCorrelation(r: readonly (readonly number[])[], floor = 1e-3): number[][] {
  const n = r.length;
  const { values, vectors } = symmetricEigen(r);
  const lam = values.map((x) => Math.max(x, floor));
  const out = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += vectors[i][k] * lam[k] * vectors[j][k];
      out[i][j] = s;
    }
  }
  const d = out.map((row, i) => Math.sqrt(row[i]));
  return out.map((row, i) => row.map((x, j) => (i === j ? 1 : x / (d[i] * d[j]))));
}

/** Lower-triangular Cholesky factor L with A = L Lᵀ; throws if A is not positive definite. */
export function cholesky(a: readonly (readonly number[])[]): Float64Array[] {
  const n = a.length;
  const l = Array.from({ length: n }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i][j];
      for (let k = 0; k < j; k++) s -= l[i][k] * l[j][k];
      if (i === j) {
        if (s <= 0) throw new Error(`cholesky: matrix is not positive definite (pivot ${i} = ${s})`);
        l[i][i] = Math.sqrt(s);
      } else {
        l[i][j] = s / l[j][j];
      }
    }
  }
  return l;
}
