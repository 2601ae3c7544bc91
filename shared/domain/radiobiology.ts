// Radiobiology: BED, EQD2 and the SBRT rule.
//
// Linear-quadratic model (Fowler, Br J Radiol 1989; ICRU 2010):
//   BED  = n·d·(1 + d/(α/β)) = D·(1 + d/(α/β))       D total dose, n fractions, d = D/n
//   EQD2 = BED / (1 + 2/(α/β)) = D·(d + α/β)/(2 + α/β)
// α/β = 7 Gy for renal cell carcinoma by default (study setting).
// Checks (product.md): 24 Gy/3 → 51.43; 48 Gy/4 → 130.29; 20 Gy/5 → 31.43 (α/β 7).

export const DEFAULT_ALPHA_BETA_GY = 7;

function checkDose(totalDoseGy: number, fractions: number, alphaBetaGy: number): void {
  if (!(totalDoseGy > 0) || !Number.isFinite(totalDoseGy)) throw new RangeError(`total dose must be > 0 Gy (got ${totalDoseGy})`);
  if (!Number.isInteger(fractions) || fractions < 1) throw new RangeError(`fractions must be an integer ≥ 1 (got ${fractions})`);
  if (!(alphaBetaGy > 0) || !Number.isFinite(alphaBetaGy)) throw new RangeError(`α/β must be > 0 Gy (got ${alphaBetaGy})`);
}

export function dosePerFraction(totalDoseGy: number, fractions: number): number {
  checkDose(totalDoseGy, fractions, 1);
  return totalDoseGy / fractions;
}

/** Biologically effective dose (Gy): D·(1 + d/(α/β)). */
export function biologicallyEffectiveDose(totalDoseGy: number, fractions: number, alphaBetaGy = DEFAULT_ALPHA_BETA_GY): number {
  checkDose(totalDoseGy, fractions, alphaBetaGy);
  const d = totalDoseGy / fractions;
  return totalDoseGy * (1 + d / alphaBetaGy);
}

/** Equivalent dose in 2-Gy fractions (Gy): BED / (1 + 2/(α/β)). */
export function equivalentDoseIn2GyFractions(totalDoseGy: number, fractions: number, alphaBetaGy = DEFAULT_ALPHA_BETA_GY): number {
  return biologicallyEffectiveDose(totalDoseGy, fractions, alphaBetaGy) / (1 + 2 / alphaBetaGy);
}

/** One phase of a course: n fractions of d Gy (a re-plan, a boost, a fraction group). */
export interface DosePhase {
  dosePerFractionGy: number;
  fractions: number;
  /** The phase's total dose when known exactly (avoids d·n rounding, e.g. 20 Gy / 3). */
  totalDoseGy?: number;
}

/**
 * BED of a course given in phases of different dose per fraction: BED is additive over phases
 * (Fowler 1989), so 20 Gy/5 + 8 Gy/1 is Σ BED of each, not the BED of 28 Gy/6.
 */
export function phasedBiologicallyEffectiveDose(phases: readonly DosePhase[], alphaBetaGy = DEFAULT_ALPHA_BETA_GY): number {
  if (phases.length === 0) throw new RangeError('a course needs at least one phase');
  return phases.reduce((sum, p) => sum + biologicallyEffectiveDose(p.totalDoseGy ?? p.dosePerFractionGy * p.fractions, p.fractions, alphaBetaGy), 0);
}

/** EQD2 of a phased course: its summed BED / (1 + 2/(α/β)). */
export function phasedEquivalentDoseIn2GyFractions(phases: readonly DosePhase[], alphaBetaGy = DEFAULT_ALPHA_BETA_GY): number {
  return phasedBiologicallyEffectiveDose(phases, alphaBetaGy) / (1 + 2 / alphaBetaGy);
}

/**
 * The phases of a stored course when they still describe its totals (Σ n = fractions, Σ n·d = total
 * within 1 mGy), else a single phase of total/fractions — a course edited by hand after import, or
 * entered without phases, is what its totals say.
 */
export function coursePhases(totalDoseGy: number, fractions: number, phases: readonly DosePhase[]): DosePhase[] {
  const n = phases.reduce((s, p) => s + p.fractions, 0);
  const dose = phases.reduce((s, p) => s + p.dosePerFractionGy * p.fractions, 0);
  if (phases.length > 1 && n === fractions && Math.abs(dose - totalDoseGy) <= 1e-3) return [...phases];
  return [{ dosePerFractionGy: totalDoseGy / fractions, fractions, totalDoseGy }];
}

/** Round to 2 decimals for display/export (half away from zero on the decimal value). */
export function roundDose(value: number): number {
  return Math.round((value + Number.EPSILON * Math.abs(value)) * 100) / 100;
}

export interface SbrtRule {
  /** Dose per fraction at or above which a course counts as SBRT when technique/machine are unknown. */
  minDosePerFractionGy: number;
  /** Maximum number of fractions for the dose rule. */
  maxFractions: number;
}

export const DEFAULT_SBRT_RULE: SbrtRule = { minDosePerFractionGy: 5, maxFractions: 5 };

// Machines that only deliver stereotactic treatments. TomoTherapy and linacs do both, so they
// decide nothing on their own.
const STEREOTACTIC_ONLY_MACHINES = [/cyber\s*knife/i, /gamma\s*knife/i];
const STEREOTACTIC_ONLY_MODELS = ['CyberKnife', 'Gamma Knife'];

/**
 * The model name of a stereotactic-only machine ("CyberKnife", "Gamma Knife") named in `machine`,
 * else null — what a de-identified copy keeps of a machine name (station names identify a site).
 */
export function stereotacticOnlyModel(machine: string | null | undefined): string | null {
  if (!machine) return null;
  const i = STEREOTACTIC_ONLY_MACHINES.findIndex((re) => re.test(machine));
  return i < 0 ? null : STEREOTACTIC_ONLY_MODELS[i];
}

export interface SbrtDecision {
  sbrt: boolean;
  basis: 'technique' | 'machine' | 'dose';
}

/**
 * SBRT or conventional (product.md §1): the recorded technique when known ('SBRT' → yes, any other
 * technique → no); else a stereotactic-only machine (CyberKnife, Gamma Knife) → yes; else the dose
 * rule: d ≥ minDosePerFractionGy (default 5 Gy) in ≤ maxFractions (default 5).
 */
export function classifySbrt(
  course: { technique?: string | null; machine?: string | null; totalDoseGy: number; fractions: number },
  rule: SbrtRule = DEFAULT_SBRT_RULE,
): SbrtDecision {
  if (course.technique) return { sbrt: course.technique.toUpperCase() === 'SBRT', basis: 'technique' };
  if (course.machine && STEREOTACTIC_ONLY_MACHINES.some((re) => re.test(course.machine as string))) {
    return { sbrt: true, basis: 'machine' };
  }
  const d = dosePerFraction(course.totalDoseGy, course.fractions);
  // Small tolerance so 5.0 Gy written as 4.9999999 (e.g. 25/5 from floating input) still counts.
  return { sbrt: d >= rule.minDosePerFractionGy - 1e-9 && course.fractions <= rule.maxFractions, basis: 'dose' };
}
