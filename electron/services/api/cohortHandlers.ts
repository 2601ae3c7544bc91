// Handlers for shared/api/cohort.ts (owned by the cohort helper). See shared/api/contract.ts.
import type { cohortMethods } from '../../../shared/api/cohort';
import type { Handlers } from './apiService';

export const cohortHandlers: Handlers<typeof cohortMethods> = {};
