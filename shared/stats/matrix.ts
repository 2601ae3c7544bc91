// Small dense symmetric-matrix routines for the regression models (p × p, row-major Float64Array).
// The LDLᵀ Cholesky with a relative pivot tolerance, its solve and its inverse follow R survival's
// cholesky2.c / chsolve2.c / chinv2.c (Therneau), so that singular directions are treated as coxph does:
// a pivot below toler·max(diag) is set to 0, the column counts as not estimable.

/** R survival's default toler.chol = .Machine$double.eps^0.75. */
export const TOLER_CHOL = Math.pow(2.220446049250313e-16, 0.75);

/**
 * In-place LDLᵀ factorisation of the symmetric matrix `m` (only the upper triangle is read).
 * After the call the lower triangle holds L (unit diagonal implied) and the diagonal holds D.
 * Returns the rank (negative when the matrix is not non-negative definite), as cholesky2.
 */
export function cholesky(m: Float64Array, n: number, toler = TOLER_CHOL): number {
  let eps = 0;
  let nonneg = 1;
  for (let i = 0; i < n; i++) {
    if (m[i * n + i] > eps) eps = m[i * n + i];
    for (let j = i + 1; j < n; j++) m[j * n + i] = m[i * n + j];
  }
  eps = eps === 0 ? toler : eps * toler;
  let rank = 0;
  for (let i = 0; i < n; i++) {
    const pivot = m[i * n + i];
    if (!Number.isFinite(pivot) || pivot < eps) {
      m[i * n + i] = 0;
      if (pivot < -8 * eps) nonneg = -1;
    } else {
      rank++;
      for (let j = i + 1; j < n; j++) {
        const temp = m[j * n + i] / pivot;
        m[j * n + i] = temp;
        m[j * n + j] -= temp * temp * pivot;
        for (let k = j + 1; k < n; k++) m[k * n + j] -= temp * m[k * n + i];
      }
    }
  }
  return rank * nonneg;
}

/** Solves (L D Lᵀ) x = y in place on y, using the output of `cholesky` (chsolve2: 0 for singular pivots). */
export function choleskySolve(m: Float64Array, n: number, y: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let temp = y[i];
    for (let j = 0; j < i; j++) temp -= y[j] * m[i * n + j];
    y[i] = temp;
  }
  for (let i = n - 1; i >= 0; i--) {
    if (m[i * n + i] === 0) y[i] = 0;
    else {
      let temp = y[i] / m[i * n + i];
      for (let j = i + 1; j < n; j++) temp -= y[j] * m[j * n + i];
      y[i] = temp;
    }
  }
}

/**
 * Inverse from the output of `cholesky` (chinv2), returned as a full symmetric matrix; rows/columns of
 * singular pivots are 0 (a generalised inverse, as coxph's variance with an aliased column).
 */
export function choleskyInverse(m: Float64Array, n: number): Float64Array {
  const a = Float64Array.from(m);
  for (let i = 0; i < n; i++) {
    if (a[i * n + i] > 0) {
      a[i * n + i] = 1 / a[i * n + i];
      for (let j = i + 1; j < n; j++) {
        a[j * n + i] = -a[j * n + i];
        for (let k = 0; k < i; k++) a[j * n + k] += a[j * n + i] * a[i * n + k];
      }
    }
  }
  for (let i = 0; i < n; i++) {
    if (a[i * n + i] === 0) {
      for (let j = 0; j < i; j++) a[j * n + i] = 0;
      for (let j = i; j < n; j++) a[i * n + j] = 0;
    } else {
      for (let j = i + 1; j < n; j++) {
        const temp = a[j * n + i] * a[j * n + j];
        if (j !== i) a[i * n + j] = temp;
        for (let k = i; k < j; k++) a[i * n + k] += temp * a[j * n + k];
      }
    }
  }
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      out[i * n + j] = a[i * n + j];
      out[j * n + i] = a[i * n + j];
    }
  }
  return out;
}

/** Inverse of a symmetric non-negative definite matrix (generalised as chinv2 when singular). */
export function symmetricInverse(m: Float64Array, n: number, toler = TOLER_CHOL): Float64Array {
  const f = Float64Array.from(m);
  cholesky(f, n, toler);
  return choleskyInverse(f, n);
}

/**
 * The quadratic form bᵀ V⁻ b — R survival's coxph.wtest (coxph_wtest.c): Cholesky of V with
 * tolerance, singular directions dropped (chsolve2 gives a generalised inverse); `df` is the rank.
 * V is first scaled to unit diagonal (b likewise), as coxph.fit centres and scales its covariates:
 * the form is unchanged in exact arithmetic, but the pivot tolerance and the rounding no longer
 * depend on the units of the covariates (issue 13, class 5). Zero-variance rows count as singular.
 */
export function waldQuadratic(v: Float64Array, b: Float64Array, n: number, toler = TOLER_CHOL): { chisq: number; df: number } {
  const f = new Float64Array(n * n);
  const x = new Float64Array(n);
  const scale = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = v[i * n + i];
    scale[i] = d > 0 && Number.isFinite(d) ? 1 / Math.sqrt(d) : 0;
  }
  for (let i = 0; i < n; i++) {
    x[i] = b[i] * scale[i];
    for (let j = 0; j < n; j++) f[i * n + j] = v[i * n + j] * scale[i] * scale[j];
  }
  const scaledB = Float64Array.from(x);
  const rank = cholesky(f, n, toler);
  choleskySolve(f, n, x);
  let chisq = 0;
  for (let i = 0; i < n; i++) chisq += scaledB[i] * x[i];
  return { chisq, df: Math.abs(rank) };
}

/**
 * Numerical rank of a symmetric matrix as R's qr() finds it (LINPACK dqrdc2, tol = 1e−7): a column
 * whose norm, after removing its projection on the columns kept so far, falls below tol × its
 * original norm counts as dependent. Used where R decides singularity with qr (cmprsk::cuminc).
 */
export function qrRank(m: Float64Array, n: number, tol = 1e-7): number {
  const kept: Float64Array[] = [];
  for (let j = 0; j < n; j++) {
    const col = new Float64Array(n);
    let norm0 = 0;
    for (let i = 0; i < n; i++) {
      col[i] = m[i * n + j];
      norm0 += col[i] * col[i];
    }
    norm0 = Math.sqrt(norm0);
    // Modified Gram–Schmidt against the orthonormal basis of the kept columns (twice, for stability).
    for (let pass = 0; pass < 2; pass++) {
      for (const q of kept) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += q[i] * col[i];
        for (let i = 0; i < n; i++) col[i] -= dot * q[i];
      }
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += col[i] * col[i];
    norm = Math.sqrt(norm);
    if (norm0 > 0 && norm >= tol * norm0) {
      for (let i = 0; i < n; i++) col[i] /= norm;
      kept.push(col);
    }
  }
  return kept.length;
}

/** Determinant of a symmetric positive definite matrix (product of the LDLᵀ pivots). */
export function symmetricDeterminant(m: Float64Array, n: number): number {
  const f = Float64Array.from(m);
  cholesky(f, n, 0);
  let det = 1;
  for (let i = 0; i < n; i++) det *= f[i * n + i];
  return det;
}

/** General square inverse by Gauss–Jordan elimination with partial pivoting; null when singular. */
export function inverse(m: Float64Array, n: number): Float64Array | null {
  const a = Float64Array.from(m);
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let c = 0; c < n; c++) {
    let p = c;
    let best = Math.abs(a[c * n + c]);
    for (let r = c + 1; r < n; r++) {
      const v = Math.abs(a[r * n + c]);
      if (v > best) {
        best = v;
        p = r;
      }
    }
    if (best === 0 || !Number.isFinite(best)) return null;
    if (p !== c) {
      for (let k = 0; k < n; k++) {
        let t = a[c * n + k];
        a[c * n + k] = a[p * n + k];
        a[p * n + k] = t;
        t = inv[c * n + k];
        inv[c * n + k] = inv[p * n + k];
        inv[p * n + k] = t;
      }
    }
    const d = a[c * n + c];
    for (let k = 0; k < n; k++) {
      a[c * n + k] /= d;
      inv[c * n + k] /= d;
    }
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r * n + c];
      if (f === 0) continue;
      for (let k = 0; k < n; k++) {
        a[r * n + k] -= f * a[c * n + k];
        inv[r * n + k] -= f * inv[c * n + k];
      }
    }
  }
  return inv;
}

/** Solves A x = b for a general square A (Gauss–Jordan); null when singular. */
export function solve(a: Float64Array, b: Float64Array, n: number): Float64Array | null {
  const inv = inverse(a, n);
  if (!inv) return null;
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += inv[i * n + j] * b[j];
    x[i] = s;
  }
  return x;
}

/** Determinant by LU with partial pivoting (any square matrix). */
export function determinant(m: Float64Array, n: number): number {
  const a = Float64Array.from(m);
  let det = 1;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * n + c]) > Math.abs(a[p * n + c])) p = r;
    if (a[p * n + c] === 0) return 0;
    if (p !== c) {
      for (let k = 0; k < n; k++) {
        const t = a[c * n + k];
        a[c * n + k] = a[p * n + k];
        a[p * n + k] = t;
      }
      det = -det;
    }
    const d = a[c * n + c];
    det *= d;
    for (let r = c + 1; r < n; r++) {
      const f = a[r * n + c] / d;
      if (f === 0) continue;
      for (let k = c; k < n; k++) a[r * n + k] -= f * a[c * n + k];
    }
  }
  return det;
}
