// Export methods (owned by the export helper). See contract.ts for how to add one.
import type { MethodRecord } from './contract';

export const exportMethods = {} satisfies MethodRecord;
