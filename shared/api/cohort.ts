// Cohort methods (owned by the cohort helper). See contract.ts for how to add one.
import type { MethodRecord } from './contract';

export const cohortMethods = {} satisfies MethodRecord;
