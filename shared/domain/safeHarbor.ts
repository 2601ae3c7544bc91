// HIPAA Safe Harbor (45 CFR §164.514(b)(2)(i)(C)): ages over 89 are aggregated into a single
// category "90 or older", written as 90. Used by the shared copy (electron/services/identity/
// studyShare.ts) and by the analysis dataset of a shared copy (electron/services/analysis/dataset.ts),
// whose later lesions could otherwise add elapsed years to a capped age.
export const SAFE_HARBOR_AGE_CAP = 90;
