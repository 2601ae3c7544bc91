// reproduce.R is generated from the analysis spec (shared/domain/reproduceScript.ts): every rule of
// the spec appears in it as data, and it names the keys report.json uses. R itself is not a test
// dependency — the script was run by hand (Rscript reproduce.R; test/golden/reproduce/compareReproduce.mjs).
import { describe, expect, it } from 'vitest';
import { ANALYSIS_VARIABLES, analysisSpecSchema } from '../../../shared/api/analysis';
import { reproduceScript } from '../../../shared/domain/reproduceScript';

describe('reproduce.R from the spec', () => {
  it('writes the default spec: clustered Efron Cox, log CIs, Firth only on monotone likelihood', () => {
    const r = reproduceScript(analysisSpecSchema.parse({}));
    expect(r).toContain('library(survival); library(cmprsk)');
    expect(r).toContain('read.csv("dataset.csv"');
    expect(r).toContain('clustered <- TRUE');
    expect(r).toContain('ties <- "efron"');
    expect(r).toContain('conf_type <- "log"');
    expect(r).toContain('firth <- "auto"');
    expect(r).toContain('coxph(f, data = m, ties = ties, cluster = patient)');
    expect(r).toContain('ifelse(d$bedGy >= 51.4, "high", "low")');
    expect(r).toContain('ifelse(d$sins < 7, "0-6", "7-18")');
    expect(r).toContain('ifelse(d$ecog < 2, "0-1", "2-4")');
    expect(r).toContain('covariates <- c("ecogGroup", "concurrent", "sinsStable", "cordCompression", "priorIrradiation", "sbrt", "bedHigh", "painResponse")');
    for (const v of ANALYSIS_VARIABLES) expect(r, v.key).toMatch(new RegExp(`  v\\$${v.key} <- \\S`));
    expect(r).not.toMatch(/undefined|NaN/);
    // The keys of report.json's survival, cumulativeIncidence and cox sections.
    for (const key of ['nRisk =', 'nEvent =', 'nCensor =', 'estimate =', 'robustSe =', 'likelihoodRatio =', 'concordance =', 'hazardRatio =', 'landmarks =', 'survival =', 'cumulativeIncidence =', 'cox = list(endpoint']) {
      expect(r).toContain(key);
    }
  });

  it('carries cut-offs, filters, labels, unit, CI type, landmarks and Firth into the script', () => {
    const spec = analysisSpecSchema.parse({
      unit: 'patient',
      confType: 'log-log',
      confLevel: 0.9,
      landmarks: [6, 12, 24],
      firth: 'always',
      ties: 'breslow',
      filters: [{ variable: 'sbrt', op: 'in', values: ['1'] }, { variable: 'ageAtRT', op: 'ge', values: [50] }],
      groupLabels: { '0': 'No concurrent TT', '1': 'Concurrent TT' },
      rules: { bedCutoffGy: 60, sinsUnstableFrom: 13, ecogHighFrom: 3 },
      multivariable: 'chosen',
      chosenCovariates: ['concurrent', 'painResponse'],
    });
    const r = reproduceScript(spec);
    expect(r).toContain('unit <- "patient"');
    expect(r).toContain('clustered <- FALSE');
    expect(r).toContain('conf_type <- "log-log"');
    expect(r).toContain('conf_level <- 0.9');
    expect(r).toContain('landmarks <- c(6, 12, 24)');
    expect(r).toContain('firth <- "always"');
    expect(r).toContain('coxphf::coxphf(f, data = m, alpha = 1 - conf_level)');
    expect(r).toContain('ties <- "breslow"');
    expect(r).toContain('ifelse(d$bedGy >= 60, "high", "low")');
    expect(r).toContain('ifelse(d$sins < 13, "0-6", "7-18")');
    expect(r).toContain('ifelse(d$ecog < 3, "0-1", "2-4")');
    expect(r).toContain('as.character(v$sbrt) %in% c("1")');
    expect(r).toContain('suppressWarnings(as.numeric(v$ageAtRT)) >= 50');
    expect(r).toContain('group_labels <- c("0" = "No concurrent TT", "1" = "Concurrent TT")');
    expect(r).toContain('multivariable <- "chosen"');
    expect(r).toContain('chosen_covariates <- c("concurrent", "painResponse")');
    expect(r).toContain('labels = c("< 60", "≥ 60")');
  });
});
