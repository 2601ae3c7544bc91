// Property-based checks of the statistics engine over generated data sets (fast-check), with
// invariants that need no R (issue 13): Kaplan–Meier within [0, 1], non-increasing, numbers at risk
// consistent; Cox linear predictor invariant under rescaling and shifting covariates and under row
// permutation; log-rank invariant under relabelling the groups; cumulative incidences + all-cause KM
// sum to one (Aalen–Johansen); Fisher's network p equals full enumeration; Fine–Gray's diverging
// coefficients (and their direction) do not depend on the covariates' units; and every CLI output is
// finite, or null with a reason, or a one-line refusal (exit 2).
// Seeds are fixed so a failure is reproducible; fast-check prints the shrunk counterexample.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { coxModel } from '../../../shared/stats/coxModel';
import { cumulativeIncidence, cumulativeIncidenceAt } from '../../../shared/stats/cumulativeIncidence';
import { kaplanMeier, survivalAt } from '../../../shared/stats/kaplanMeier';
import { survivalDifference } from '../../../shared/stats/survivalDifference';
import { fisherExact } from '../../../shared/stats/tableTests';
import { fineGray, type FineGrayFit } from '../../../shared/stats/fineGray';
import { ModelFitError } from '../../../shared/stats/coxModel';
import { runCli } from '../../golden/compare';

/** Times on a grid of 0.5 (heavy ties, time 0 possible), so near-tie merging never applies. */
const timeArb = fc.integer({ min: 0, max: 40 }).map((k) => k / 2);

interface SurvivalData {
  time: number[];
  event: number[];
  group: number[];
  nGroups: number;
}

const survivalData = (minN: number, maxN: number, maxGroups: number): fc.Arbitrary<SurvivalData> =>
  fc.integer({ min: 1, max: maxGroups }).chain((nGroups) =>
    fc
      .array(fc.tuple(timeArb, fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: nGroups - 1 })), { minLength: minN, maxLength: maxN })
      .map((rows) => ({ time: rows.map((r) => r[0]), event: rows.map((r) => r[1]), group: rows.map((r) => r[2]), nGroups })),
  );

// PROPERTY_RUNS_FACTOR (e.g. 10) and PROPERTY_SEED explore further by hand; CI uses the defaults.
const FACTOR = Number(process.env.PROPERTY_RUNS_FACTOR ?? 1);
const SEED = Number(process.env.PROPERTY_SEED ?? 1300);
const RUNS = Object.fromEntries(
  Object.entries({ km: 300, cox: 150, logrank: 250, cif: 200, fisher: 150, finegray: 150, cli: 80 }).map(([k, v]) => [k, Math.round(v * FACTOR)]),
) as Record<'km' | 'cox' | 'logrank' | 'cif' | 'fisher' | 'finegray' | 'cli', number>;

describe('Kaplan–Meier', () => {
  it(`within [0, 1], non-increasing, numbers at risk consistent (${RUNS.km} data sets)`, () => {
    fc.assert(
      fc.property(survivalData(1, 60, 1), (d) => {
        const curve = kaplanMeier(Float64Array.from(d.time), Uint8Array.from(d.event));
        const n = d.time.length;
        expect(curve.n).toBe(n);
        let previous = 1;
        let atRisk = n;
        let events = 0;
        for (let k = 0; k < curve.time.length; k++) {
          const s = curve.surv[k];
          expect(s).toBeGreaterThanOrEqual(0);
          expect(s).toBeLessThanOrEqual(previous + 1e-15);
          previous = s;
          // Everyone at risk at the first time; then each row leaves at its own time.
          expect(curve.nRisk[k]).toBe(atRisk);
          expect(curve.nRisk[k]).toBe(d.time.filter((t) => t >= curve.time[k]).length);
          expect(curve.nEvent[k]).toBe(d.time.filter((t, i) => t === curve.time[k] && d.event[i] === 1).length);
          atRisk -= curve.nEvent[k] + curve.nCensor[k];
          events += curve.nEvent[k];
          // Limits: NaN where R gives NA, else bracketing S.
          if (!Number.isNaN(curve.lower[k])) expect(curve.lower[k]).toBeLessThanOrEqual(s + 1e-12);
          if (!Number.isNaN(curve.upper[k])) expect(curve.upper[k]).toBeGreaterThanOrEqual(s - 1e-12);
        }
        expect(atRisk).toBe(0);
        expect(events).toBe(curve.events);
        for (const p of survivalAt(curve, [0, 5, 10, 30])) {
          expect(p.surv).toBeGreaterThanOrEqual(0);
          expect(p.surv).toBeLessThanOrEqual(1);
          expect(p.nRisk).toBe(d.time.filter((t) => t >= p.time).length);
        }
      }),
      { seed: SEED + 1, numRuns: RUNS.km },
    );
  });
});

interface CoxData {
  time: number[];
  event: number[];
  x: number[][];
}

const coxData: fc.Arbitrary<CoxData> = fc.integer({ min: 1, max: 3 }).chain((p) =>
  // Covariates on a 0.001 grid in [−3, 3]: values like 1e−154 would be lost to rounding once shifted
  // by 1e3 (then the column is constant in floating point, which no method can undo).
  fc
    .array(fc.tuple(timeArb, fc.integer({ min: 0, max: 1 }), fc.array(fc.integer({ min: -3000, max: 3000 }).map((k) => k / 1000), { minLength: p, maxLength: p })), {
      minLength: 12,
      maxLength: 60,
    })
    .map((rows) => ({ time: rows.map((r) => r[0] + 0.5), event: rows.map((r) => r[1]), x: Array.from({ length: p }, (_, j) => rows.map((r) => r[2][j])) })),
);

function linearPredictor(fit: ReturnType<typeof coxModel>, x: number[][]): number[] {
  const n = x[0].length;
  const eta = Array.from({ length: n }, (_, i) => x.reduce((s, col, j) => s + fit.coef[j] * col[i], 0));
  const mean = eta.reduce((a, b) => a + b, 0) / n;
  return eta.map((v) => v - mean); // shifts of x move η by a constant; compare centred η
}

function fitOf(d: CoxData, x = d.x, order?: number[]) {
  const idx = order ?? d.time.map((_, i) => i);
  return coxModel({
    time: Float64Array.from(idx, (i) => d.time[i]),
    status: Uint8Array.from(idx, (i) => d.event[i]),
    x: x.map((col) => Float64Array.from(idx, (i) => col[i])),
  });
}

describe('Cox model', () => {
  it(`linear predictor invariant (1e-8 rel) under rescaling, shifting and row permutation (${RUNS.cox} data sets)`, () => {
    let checked = 0;
    fc.assert(
      fc.property(
        coxData,
        fc.array(fc.constantFrom(1e-3, 0.1, 1, 7, 1e4), { minLength: 3, maxLength: 3 }),
        fc.array(fc.constantFrom(-1e3, 0, 2.5, 1e4), { minLength: 3, maxLength: 3 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (d, scales, shifts, permSeed) => {
          const events = d.event.reduce((a, b) => a + b, 0);
          fc.pre(events >= 2);
          const base = fitOf(d);
          fc.pre(base.converged && !base.monotoneLikelihood && !base.aliased.some(Boolean));
          const eta = linearPredictor(base, d.x);
          const size = Math.max(1, ...eta.map(Math.abs));
          const scaledX = d.x.map((col, j) => col.map((v) => v * scales[j] + shifts[j]));
          const scaled = fitOf(d, scaledX);
          expect(scaled.aliased.some(Boolean)).toBe(false);
          const etaScaled = linearPredictor(scaled, scaledX);
          for (let i = 0; i < eta.length; i++) expect(Math.abs(etaScaled[i] - eta[i])).toBeLessThanOrEqual(1e-8 * size);
          // Permuted rows (a seeded Fisher–Yates shuffle).
          const order = d.time.map((_, i) => i);
          let s = permSeed;
          for (let i = order.length - 1; i > 0; i--) {
            s = (Math.imul(s, 1103515245) + 12345) >>> 0;
            const j = s % (i + 1);
            [order[i], order[j]] = [order[j], order[i]];
          }
          const permuted = fitOf(d, d.x, order);
          for (let j = 0; j < d.x.length; j++) {
            expect(Math.abs(permuted.coef[j] - base.coef[j])).toBeLessThanOrEqual(1e-8 * Math.max(1, Math.abs(base.coef[j])));
          }
          expect(Math.abs(permuted.loglik[1] - base.loglik[1])).toBeLessThanOrEqual(1e-8 * Math.abs(base.loglik[1]));
          checked++;
        },
      ),
      { seed: SEED + 2, numRuns: RUNS.cox },
    );
    expect(checked).toBeGreaterThan(RUNS.cox / 2);
  });
});

describe('log-rank', () => {
  it(`χ², df and p invariant under relabelling the groups (${RUNS.logrank} data sets, ρ ∈ {0, 0.5, 1})`, () => {
    fc.assert(
      fc.property(survivalData(4, 60, 4), fc.constantFrom(0, 0.5, 1), fc.integer({ min: 0, max: 23 }), (d, rho, permIndex) => {
        fc.pre(new Set(d.group).size >= 2);
        const perms = permutations(d.nGroups);
        const relabel = perms[permIndex % perms.length];
        const time = Float64Array.from(d.time);
        const event = Uint8Array.from(d.event);
        let a: ReturnType<typeof survivalDifference>;
        try {
          a = survivalDifference(time, event, Int32Array.from(d.group), d.nGroups, { rho });
        } catch (error) {
          // Nothing to compare: the same refusal whatever the labels.
          expect(() => survivalDifference(time, event, Int32Array.from(d.group, (g) => relabel[g]), d.nGroups, { rho })).toThrow(
            (error as Error).message,
          );
          return;
        }
        const b = survivalDifference(time, event, Int32Array.from(d.group, (g) => relabel[g]), d.nGroups, { rho });
        expect(b.df).toBe(a.df);
        expect(Math.abs(b.chisq - a.chisq)).toBeLessThanOrEqual(1e-9 * Math.max(1, a.chisq));
        expect(Math.abs(b.p - a.p)).toBeLessThanOrEqual(1e-9);
        expect(Number.isFinite(a.chisq) && Number.isFinite(a.p)).toBe(true);
        for (let g = 0; g < d.nGroups; g++) {
          expect(b.groups[relabel[g]].observed).toBeCloseTo(a.groups[g].observed, 10);
          expect(b.groups[relabel[g]].expected).toBeCloseTo(a.groups[g].expected, 10);
        }
      }),
      { seed: SEED + 3, numRuns: RUNS.logrank },
    );
  });
});

function permutations(k: number): number[][] {
  if (k === 1) return [[0]];
  return permutations(k - 1).flatMap((p) => Array.from({ length: k }, (_, at) => [...p.slice(0, at), k - 1, ...p.slice(at)]));
}

describe('cumulative incidence', () => {
  it(`F₁ + F₂ + all-cause KM = 1 at every time (${RUNS.cif} data sets)`, () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(timeArb, fc.integer({ min: 0, max: 2 })), { minLength: 1, maxLength: 60 }), (rows) => {
        const time = Float64Array.from(rows, (r) => r[0]);
        const status = Int32Array.from(rows, (r) => r[1]);
        const f1 = cumulativeIncidence(time, status, 1);
        const f2 = cumulativeIncidence(time, status, 2);
        const km = kaplanMeier(time, Uint8Array.from(status, (s) => (s > 0 ? 1 : 0)));
        const times = [...new Set(rows.map((r) => r[0]))];
        const a1 = cumulativeIncidenceAt(f1, times);
        const a2 = cumulativeIncidenceAt(f2, times);
        const s = survivalAt(km, times);
        for (let k = 0; k < times.length; k++) {
          const e1 = a1[k].estimate!;
          const e2 = a2[k].estimate!;
          expect(e1).toBeGreaterThanOrEqual(0);
          expect(e2).toBeGreaterThanOrEqual(0);
          expect(Math.abs(e1 + e2 + s[k].surv - 1)).toBeLessThanOrEqual(1e-12);
          expect(Number.isFinite(a1[k].variance!) && a1[k].variance! >= -1e-15).toBe(true);
        }
      }),
      { seed: SEED + 4, numRuns: RUNS.cif },
    );
  });
});

describe('Fine–Gray divergence', () => {
  /** The fit, or the refusal's message (collinear or constant covariates). */
  const fit = (time: Float64Array, status: Int32Array, x: Float64Array[]): FineGrayFit | string => {
    try {
      return fineGray({ time, status, cause: 1, x, names: ['x', 'b'] });
    } catch (error) {
      if (error instanceof ModelFitError) return error.message;
      throw error;
    }
  };
  it(`whether the fit diverges (and a lone diverging coefficient, with its direction) does not depend on the covariates' units (${RUNS.finegray} data sets, some separated by design)`, () => {
    const seen = { diverging: 0, finite: 0 };
    fc.assert(
      fc.property(
        fc.array(fc.tuple(timeArb, fc.integer({ min: 0, max: 2 }), fc.integer({ min: -3000, max: 3000 }), fc.integer({ min: 0, max: 1 })), { minLength: 8, maxLength: 60 }),
        fc.constantFrom('none', 'binary', 'binary-other', 'order'),
        fc.constantFrom(1e-3, 1e4),
        fc.constantFrom(0, 50, -1e3),
        (rows, design, scale, shift) => {
          const time = Float64Array.from(rows, (r) => r[0]);
          const status = Int32Array.from(rows, (r) => r[1]);
          const x = Float64Array.from(rows, (r) => r[2] / 1000);
          const b = Float64Array.from(rows, (r) => r[3]);
          // Separation by design: events of interest only where b = 1 (or 0), or each event of interest
          // with the largest x of those still at risk (ties in time may break it: either way is fine).
          for (let i = 0; i < rows.length; i++) {
            if (status[i] === 1 && ((design === 'binary' && b[i] === 0) || (design === 'binary-other' && b[i] === 1))) status[i] = 2;
            if (design === 'order' && status[i] === 1) x[i] = 10 - time[i] / 10;
          }
          fc.pre(status.includes(1));
          const unit = fit(time, status, [x, b]);
          const other = fit(time, status, [x.map((v) => v * scale + shift), b]);
          if (typeof unit === 'string' || typeof other === 'string') {
            expect(typeof other).toBe(typeof unit);
            return;
          }
          expect(other.monotoneLikelihood).toBe(unit.monotoneLikelihood);
          // Which coefficients diverge, and where to, is one answer when the separating directions form a
          // ray (b alone, x alone); when they form a wider cone (e.g. a single event of interest, with the
          // largest x and b = 1) the Newton path picks one of them, and crr's stopping point (its
          // convergence test depends on the units) decides which. Compared when both flag one coefficient.
          const lone = (f: FineGrayFit) => (f.infinite.filter(Boolean).length === 1 ? f.infinite.indexOf(true) : -1);
          if (lone(unit) >= 0 && lone(other) >= 0) {
            expect(lone(other)).toBe(lone(unit));
            expect(other.direction).toEqual(unit.direction);
          }
          if (unit.monotoneLikelihood) seen.diverging++;
          else seen.finite++;
        },
      ),
      { seed: SEED + 7, numRuns: RUNS.finegray },
    );
    expect(seen.diverging).toBeGreaterThan(0);
    expect(seen.finite).toBeGreaterThan(0);
  });
});

describe("Fisher's exact test", () => {
  /** Every table with the given margins, and Σ P over those with P ≤ P_obs (FEXACT's tolerance). */
  function enumerated(table: number[][]): number {
    const rows = table.map((r) => r.reduce((a, b) => a + b, 0));
    const cols = table[0].map((_, j) => table.reduce((a, r) => a + r[j], 0));
    const n = rows.reduce((a, b) => a + b, 0);
    const lf = [0];
    for (let k = 1; k <= n; k++) lf.push(lf[k - 1] + Math.log(k));
    const logP = (t: number[][]) => rows.reduce((a, r) => a + lf[r], 0) + cols.reduce((a, c) => a + lf[c], 0) - lf[n] - t.flat().reduce((a, x) => a + lf[x], 0);
    const is2x2 = rows.length === 2 && cols.length === 2;
    const limit = logP(table) + (is2x2 ? Math.log1p(1e-7) : 3.45254e-7);
    let p = 0;
    const cell: number[][] = rows.map(() => cols.map(() => 0));
    const fill = (i: number, j: number, rowLeft: number[], colLeft: number[]) => {
      if (i === rows.length - 1) {
        for (let c = 0; c < cols.length; c++) cell[i][c] = colLeft[c];
        if (colLeft.reduce((a, b) => a + b, 0) !== rowLeft[i]) return;
        const lp = logP(cell);
        if (lp <= limit) p += Math.exp(lp);
        return;
      }
      if (j === cols.length - 1) {
        if (rowLeft[i] > colLeft[j]) return;
        cell[i][j] = rowLeft[i];
        fill(i + 1, 0, rowLeft, colLeft.map((c, k) => (k === j ? c - rowLeft[i] : c)));
        return;
      }
      for (let v = 0; v <= Math.min(rowLeft[i], colLeft[j]); v++) {
        cell[i][j] = v;
        const r2 = rowLeft.slice();
        r2[i] -= v;
        fill(i, j + 1, r2, colLeft.map((c, k) => (k === j ? c - v : c)));
      }
    };
    fill(0, 0, rows.slice(), cols.slice());
    return p;
  }

  it(`the network p-value equals full enumeration (${RUNS.fisher} tables up to 4×4, n ≤ 18)`, () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 4 }).chain((r) =>
          fc.integer({ min: 2, max: 4 }).chain((c) =>
            fc.array(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: c, maxLength: c }), { minLength: r, maxLength: r }),
          ),
        ),
        (table) => {
          const nonEmptyRows = table.filter((row) => row.some((v) => v > 0));
          const nonEmptyCols = table[0].filter((_, j) => table.some((row) => row[j] > 0)).length;
          fc.pre(nonEmptyRows.length >= 2 && nonEmptyCols >= 2 && table.flat().reduce((a, b) => a + b, 0) <= 18);
          const kept = nonEmptyRows.map((row) => row.filter((_, j) => table.some((r) => r[j] > 0)));
          const exact = enumerated(kept);
          const p = fisherExact(table).p;
          expect(Math.abs(p - Math.min(1, exact))).toBeLessThanOrEqual(1e-9 * Math.max(exact, 1e-300) + 1e-15);
          // The same with the relaxation bounds at every node (used for nodes with many splits).
          const relaxed = fisherExact(table, { exactBoundSplits: 0 }).p;
          expect(Math.abs(relaxed - Math.min(1, exact))).toBeLessThanOrEqual(1e-9 * Math.max(exact, 1e-300) + 1e-15);
        },
      ),
      { seed: SEED + 5, numRuns: RUNS.fisher },
    );
  });
});

describe('CLI outputs: finite, or null with a reason, or a one-line refusal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtcw-properties-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Keys whose null is R's NA by definition (undefined limits, medians not reached, beyond follow-up). */
  const NA_KEYS = new Set(['lower', 'upper', 'estimate', 'variance', 'stdErr']);

  /** Paths of nulls/non-finite numbers with no reason: not an NA key, not in a term flagged diverges/aliased. */
  function unexplained(value: unknown, path: string, flagged: boolean, key: string): string[] {
    if (value === null) return NA_KEYS.has(key) || flagged ? [] : [path];
    if (typeof value === 'number') return Number.isFinite(value) ? [] : [path];
    if (Array.isArray(value)) return value.flatMap((v, i) => unexplained(v, `${path}[${i}]`, flagged, key));
    if (value && typeof value === 'object') {
      const o = value as Record<string, unknown>;
      const reason = flagged || 'diverges' in o || o.aliased === true;
      return Object.entries(o).flatMap(([k, v]) => unexplained(v, `${path}.${k}`, reason, k));
    }
    return [];
  }

  let file = 0;
  it(`km, logrank, cox, cuminc, finegray on generated data (${RUNS.cli} data sets × 5 commands)`, async () => {
    const counts = { ok: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            t: timeArb,
            e: fc.integer({ min: 0, max: 1 }),
            c: fc.integer({ min: 0, max: 2 }),
            g: fc.constantFrom('a', 'b', 'c'),
            s: fc.constantFrom('s1', 's2'),
            x: fc.oneof(fc.double({ min: -1e4, max: 1e4, noNaN: true }), fc.constantFrom(0, 1)),
            f: fc.constantFrom('lo', 'mid', 'hi'),
          }),
          { minLength: 2, maxLength: 40 },
        ),
        async (rows) => {
          const path = join(dir, `d${file++}.csv`);
          writeFileSync(path, 't,e,c,g,s,x,f\n' + rows.map((r) => `${r.t},${r.e},${r.c},${r.g},${r.s},${r.x},${r.f}`).join('\n') + '\n');
          const commands = [
            ['km', '--data', path, '--time', 't', '--event', 'e', '--group', 'g', '--at', '1,5,50'],
            ['logrank', '--data', path, '--time', 't', '--event', 'e', '--group', 'g', '--strata', 's', '--rho', '0.5'],
            ['cox', '--data', path, '--time', 't', '--event', 'e', '--covariates', 'x,f', '--factors', 'f', '--strata', 's'],
            ['cuminc', '--data', path, '--time', 't', '--status', 'c', '--group', 'g', '--at', '2,10'],
            ['finegray', '--data', path, '--time', 't', '--status', 'c', '--covariates', 'x'],
          ];
          for (const argv of commands) {
            const { code, stdout, stderr } = await runCli(argv);
            if (code === 2) {
              // A refusal: one line, no trace.
              expect(stderr.trimEnd().split('\n'), argv[0]).toHaveLength(1);
              expect(stderr).not.toContain('internal error');
              counts.refused++;
              continue;
            }
            expect(code, `${argv[0]}: ${stderr}`).toBe(0);
            const out = JSON.parse(stdout) as { warnings?: string[] };
            const bad = unexplained(out, '$', false, '');
            // Nulls elsewhere are acceptable only when the output carries warnings that say why.
            if (bad.length) expect(out.warnings?.length ?? 0, `${argv[0]} ${bad.join(', ')}`).toBeGreaterThan(0);
            counts.ok++;
          }
        },
      ),
      { seed: SEED + 6, numRuns: RUNS.cli },
    );
    expect(counts.ok).toBeGreaterThan(0);
    expect(counts.refused).toBeGreaterThan(0);
  }, 120_000);
});
