// Handlers for shared/api/export.ts (owned by the export helper). See shared/api/contract.ts.
import type { exportMethods } from '../../../shared/api/export';
import type { Handlers } from './apiService';

export const exportHandlers: Handlers<typeof exportMethods> = {};
