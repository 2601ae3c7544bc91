// The whole API: the union of the area records. Method names must be unique across areas
// (test/unit/foundation/apiContract.test.ts fails on a duplicate).
import type { ClientApi, MethodRecord } from './contract';
import { analysisMethods } from './analysis';
import { cohortMethods } from './cohort';
import { dicomMethods } from './dicom';
import { exportMethods } from './export';
import { studyMethods } from './study';

export const api = {
  ...studyMethods,
  ...cohortMethods,
  ...dicomMethods,
  ...analysisMethods,
  ...exportMethods,
} satisfies MethodRecord;

export type Api = typeof api;
export type MethodName = keyof Api & string;
export type RtcwApi = ClientApi<Api>;

export const methodNames = Object.keys(api) as MethodName[];

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(api, name);
}

/** Area records, for the duplicate-name check. */
export const areas = { studyMethods, cohortMethods, dicomMethods, analysisMethods, exportMethods } as const;

export * from './contract';
export type * from './study';
