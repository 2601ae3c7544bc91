import { useCallback, useEffect, useRef, useState } from 'react';
import type { JobProgress, LongCallOptions } from '../../../shared/api/contract';
import { isCancelled, newJobId, rtcw, showError, type ShownError } from '../rtcw';

export interface LongJobState {
  running: boolean;
  pct: number | null;
  message: string;
  error: ShownError | null;
  cancelled: boolean;
}

/**
 * Runs one long window.rtcw method at a time: progress for the bar, cancel, and the error in
 * place. Work runs in the services, so the window stays responsive; progress updates are
 * coalesced to one render per animation frame.
 */
export function useLongJob() {
  const [state, setState] = useState<LongJobState>({ running: false, pct: null, message: '', error: null, cancelled: false });
  const jobId = useRef<string | null>(null);
  const pending = useRef<JobProgress | null>(null);
  const frame = useRef<number | null>(null);

  useEffect(
    () => () => {
      // Leaving the page cancels the job it started.
      if (jobId.current) void rtcw().cancel(jobId.current);
      if (frame.current !== null) cancelAnimationFrame(frame.current);
    },
    [],
  );

  const run = useCallback(async <T,>(call: (options: LongCallOptions) => Promise<T>, startMessage = 'Starting…'): Promise<T | null> => {
    if (jobId.current) void rtcw().cancel(jobId.current);
    const id = newJobId();
    jobId.current = id;
    setState({ running: true, pct: null, message: startMessage, error: null, cancelled: false });
    const onProgress = (progress: JobProgress) => {
      if (jobId.current !== id) return;
      pending.current = progress;
      if (frame.current === null) {
        frame.current = requestAnimationFrame(() => {
          frame.current = null;
          const p = pending.current;
          if (p && jobId.current === id) setState((s) => ({ ...s, pct: p.pct, message: p.message }));
        });
      }
    };
    try {
      const result = await call({ jobId: id, onProgress });
      if (jobId.current !== id) return null; // superseded by a newer run
      jobId.current = null;
      setState({ running: false, pct: 100, message: '', error: null, cancelled: false });
      return result;
    } catch (error) {
      if (jobId.current === id) {
        jobId.current = null;
        const cancelled = isCancelled(error);
        setState({ running: false, pct: null, message: '', error: cancelled ? null : showError(error), cancelled });
      }
      return null;
    }
  }, []);

  const cancel = useCallback(async () => {
    const id = jobId.current;
    if (!id) return;
    setState((s) => ({ ...s, message: 'Cancelling…' }));
    await rtcw().cancel(id);
  }, []);

  const clearError = useCallback(() => setState((s) => ({ ...s, error: null })), []);

  return { ...state, run, cancel, clearError };
}

/** True once `flag` has stayed true for `ms` (avoids flashing a progress bar for quick jobs). */
export function useDelayedFlag(flag: boolean, ms = 300): boolean {
  const [shown, setShown] = useState(false);
  useEffect(() => {
    if (!flag) {
      setShown(false);
      return;
    }
    const timer = setTimeout(() => setShown(true), ms);
    return () => clearTimeout(timer);
  }, [flag, ms]);
  return shown;
}
