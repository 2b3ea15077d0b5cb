/** Small dense symmetric-matrix helpers (n = number of free parameters, a handful to a few dozen). */

export type Mat = Float64Array[];

export function zeros(n: number): Mat {
  return Array.from({ length: n }, () => new Float64Array(n));
}

export function copyMat(a: Mat): Mat {
  return a.map((r) => Float64Array.from(r));
}

export function matVec(a: Mat, v: ArrayLike<number>, out = new Float64Array(a.length)): Float64Array {
  for (let i = 0; i < a.length; i++) {
    let s = 0;
    const r = a[i];
    for (let j = 0; j < r.length; j++) s += r[j] * v[j];
    out[i] = s;
  }
  return out;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Lower Cholesky factor of a symmetric matrix, or null if it is not positive definite. */
export function cholesky(a: ArrayLike<number>[]): Mat | null {
  const n = a.length;
  const L = zeros(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i][j];
      for (let k = 0; k < j; k++) s -= L[i][k] * L[j][k];
      if (i === j) {
        if (!(s > 0)) return null;
        L[i][i] = Math.sqrt(s);
      } else L[i][j] = s / L[j][j];
    }
  }
  return L;
}

/** Inverse of L L^T from its Cholesky factor L: solve L y = e_c, then L^T x = y, column by column. */
export function invertFromCholesky(L: ArrayLike<number>[]): Mat {
  const n = L.length;
  const inv = zeros(n);
  const y = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    for (let i = 0; i < n; i++) {
      let s = i === c ? 1 : 0;
      for (let k = 0; k < i; k++) s -= L[i][k] * y[k];
      y[i] = s / L[i][i];
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = y[i];
      for (let k = i + 1; k < n; k++) s -= L[k][i] * inv[k][c];
      inv[i][c] = s / L[i][i];
    }
  }
  return inv;
}

/** Inverse of a symmetric positive-definite matrix by Cholesky; null if not positive definite. */
export function invertSpd(a: Mat): Mat | null {
  const L = cholesky(a);
  return L && invertFromCholesky(L);
}

/** Eigenvalues of a symmetric matrix (cyclic Jacobi; n is small). */
export function eigenvaluesSym(a: Mat): Float64Array {
  const n = a.length;
  const m = copyMat(a);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += m[i][j] * m[i][j];
    if (off < 1e-300) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (m[p][q] === 0) continue;
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
      }
    }
  }
  return Float64Array.from(m.map((r, i) => r[i]));
}

/**
 * Forces a symmetric matrix positive definite the way Minuit's MnPosDef does: non-positive diagonal entries
 * are replaced, and if the smallest eigenvalue (of the diagonal-scaled matrix) is too small a multiple of
 * the identity is added. Returns whether anything was changed.
 */
export function makePosDef(a: Mat, eps: number): { mat: Mat; changed: boolean } {
  const n = a.length;
  const m = copyMat(a);
  let changed = false;
  for (let i = 0; i < n; i++) {
    if (!(m[i][i] > 0)) {
      m[i][i] = 1;
      changed = true;
    }
  }
  // Eigenvalues of the correlation-like matrix D^-1/2 M D^-1/2.
  const s = Float64Array.from(m.map((r, i) => 1 / Math.sqrt(r[i])));
  const p = zeros(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) p[i][j] = m[i][j] * s[i] * s[j];
  const ev = eigenvaluesSym(p);
  let emin = Infinity;
  let emax = -Infinity;
  for (const e of ev) {
    emin = Math.min(emin, e);
    emax = Math.max(emax, e);
  }
  const epspdf = Math.max(1e-6, eps * eps);
  if (emin > epspdf * emax) return { mat: m, changed };
  const padd = 0.001 * emax - emin;
  for (let i = 0; i < n; i++) m[i][i] *= 1 + padd;
  return { mat: m, changed: true };
}
