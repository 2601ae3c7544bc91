// Worker thread body of a table export (`exportTable`, electron/services/api/exportHandlers.ts):
// writes the table model as DOCX, XLSX, CSV, HTML or LaTeX bytes. The DOCX and XLSX writers (docx,
// ExcelJS) are large libraries: run here, the service host never loads them and never waits on
// them. The bytes go back to the host, which writes the file, so a cancel writes nothing.
// Runs as plain JavaScript bundled by ../host/workerSource.ts.
import { parentPort, workerData } from 'node:worker_threads';
import type { TableModel } from '../../../shared/charts/tableModel';
import { workerFailure, type WorkerJobMessage } from '../host/workerMessages';
import type { DisplaySetting } from '../../../shared/domain/displayFormat';
import type { Provenance } from './provenance';
import { exportTable, TABLE_EXTENSIONS, type TableFormatName } from './tableExport';
import { lowerJobThreadPriority } from '../host/jobThreadPriority';

lowerJobThreadPriority();

export interface TableExportJob {
  model: TableModel;
  provenance: Provenance;
  format: TableFormatName;
  /** The study's date/number setting and the host's locale (exportTable localises the table). */
  display: DisplaySetting;
}

export interface TableExportResult {
  /** Structured clone delivers a Buffer as a Uint8Array. */
  data: Uint8Array;
  /** The file extension of the format (TABLE_EXTENSIONS). */
  extension: string;
}

async function run(job: TableExportJob): Promise<WorkerJobMessage<TableExportResult>> {
  try {
    return { type: 'done', value: { data: await exportTable(job.model, job.provenance, job.format, job.display), extension: TABLE_EXTENSIONS[job.format] } };
  } catch (error) {
    return workerFailure(error);
  }
}

void run(workerData as TableExportJob).then((message) => parentPort?.postMessage(message));
