// Job threads of the service host (started by ./workerJob.ts and ../import/tableImportJob.ts) run
// below the host's own thread in the CPU scheduler. When the cores are busy with the jobs themselves
// (an import and a 1200 dpi TIFF on two cores), the thread that answers the window's calls then gets
// a core as soon as a call arrives instead of waiting its turn behind them: that wait, not work on
// the host's thread, was what remained of the worst call latency (test/bench/serviceHost.bench.ts).
// Only on Linux, where the niceness setpriority(PRIO_PROCESS, 0) sets is the calling thread's own
// (setpriority(2), NOTES); on macOS and Windows the same call would lower the whole process — the
// host's thread too — so it is not made there. With the scheduler's autogroups (most Linux desktops)
// the niceness only orders the app's own threads, not the app against other programs.
// The DICOM scan workers (../dicom/folderScan.ts) are lowered only when the service host starts
// them (ScanOptions.lowerWorkerPriority): the CLI runs them too, where they are the whole job.
import os from 'node:os';
import { isMainThread } from 'node:worker_threads';

/** Niceness of a job thread (0 normal … 19 lowest): below the host's thread. */
export const JOB_THREAD_NICENESS = 10;

/** Called first thing by each job worker's body. */
export function lowerJobThreadPriority(): void {
  if (isMainThread || process.platform !== 'linux') return;
  try {
    if (os.getPriority(0) < JOB_THREAD_NICENESS) os.setPriority(0, JOB_THREAD_NICENESS);
  } catch {
    // Not permitted (a sandbox that filters setpriority): the job runs at normal priority.
  }
}
